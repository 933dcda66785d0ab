"""Alerts reach a real webhook receiver and a real SMTP server, carry the fields the operators
rely on and no participant value, and never hold or fail the run when a receiver is down."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from core.run_summary import RunSummary, ValidationResult
from core.settings import Settings
from flows import alerts
from tests.receivers import Mailbox, Webhook

PID = "p_0123456789abcdef"
FIELDS = {"text", "status", "run_id", "as_of", "failed_step", "summary", "site_url"}


def _summary(**over) -> RunSummary:
    base = RunSummary(
        run_id="20261015T030000Z-abc123",
        started_at=dt.datetime(2026, 10, 15, 7, tzinfo=dt.UTC),
        as_of=dt.date(2026, 10, 15),
    )
    for key, value in over.items():
        setattr(base, key, value)
    return base


def _settings(tmp_path, webhook: Webhook | None = None, mailbox: Mailbox | None = None, **over):
    values = {"data_dir": tmp_path, "alert_timeout_seconds": 1.0, **over}
    if webhook:
        values["alert_webhook_url"] = webhook.url
    if mailbox:
        values |= {
            "alert_email_to": "quality@example.org, ops@example.org",
            "smtp_host": mailbox.host,
            "smtp_port": mailbox.port,
        }
    return Settings(**values)


def test_a_clean_night_sends_nothing(tmp_path) -> None:
    clean = _summary(validation=ValidationResult(run_id="r", success=True))
    assert alerts.alert_for(_settings(tmp_path), clean, "summary") is None


@pytest.mark.parametrize(
    ("over", "status", "step"),
    [
        ({"error": "dbt build failed: model x", "failed_step": "dbt build"}, "failed", "dbt build"),
        (
            {"error": "stopped by SIGTERM during validation", "failed_step": "validation",
             "crashed": True},
            "crashed",
            "validation",
        ),
        (
            {"validation": ValidationResult(run_id="r", success=True, warnings=["late file"])},
            "warning",
            None,
        ),
    ],
)  # fmt: skip
def test_each_outcome_gets_its_status_and_fields(tmp_path, over, status, step) -> None:
    alert = alerts.alert_for(_settings(tmp_path), _summary(**over), "# Nightly run")
    assert alert.status == status and alert.failed_step == step
    assert set(alert.payload()) == FIELDS
    assert alert.as_of == "2026-10-15" and alert.run_id == "20261015T030000Z-abc123"
    assert alert.site_url == (tmp_path / "site" / "index.html").as_uri()


def test_webhook_and_email_deliver_one_alert_each_without_participant_values(
    tmp_path, webhook, mailbox
) -> None:
    settings = _settings(tmp_path, webhook, mailbox, site_url="https://outcomes.example.org/")
    summary = _summary(error=f"ingest failed: row of {PID}", failed_step="ingest")
    alert = alerts.alert_for(settings, summary, f"# Nightly run\n- Error: {PID}\n")
    outcomes = alerts.send(settings, alert)
    assert outcomes == [
        "webhook: delivered",
        "e-mail: delivered to quality@example.org, ops@example.org",
    ]
    [post] = webhook.posts
    assert post["content_type"] == "application/json"
    assert set(post) - {"content_type"} == FIELDS
    assert post["status"] == "failed" and post["failed_step"] == "ingest"
    assert post["site_url"] == "https://outcomes.example.org/"
    assert post["text"].startswith("AUD outcomes nightly run 2026-10-15 FAILED at ingest")
    [mail] = mailbox.messages
    assert " ".join(mail["Subject"].split()) == post["text"]  # unfolded
    assert mail["X-Envelope-To"] == "quality@example.org, ops@example.org"
    for text in (str(post), mail.as_string()):
        assert PID not in text and PID.removeprefix("p_") not in text


def test_a_receiver_that_blinks_gets_the_alert_on_a_retry(tmp_path, webhook) -> None:
    webhook.failures = [503, 502]
    settings = _settings(tmp_path, webhook)
    alert = alerts.alert_for(settings, _summary(error="x", failed_step="ingest"), "s")
    assert alerts.send(settings, alert) == ["webhook: delivered"]
    assert webhook.attempts == 3 and len(webhook.posts) == 1


def test_a_refusing_receiver_is_not_retried(tmp_path, webhook) -> None:
    webhook.failures = [400]
    settings = _settings(tmp_path, webhook)
    alert = alerts.alert_for(settings, _summary(error="x", failed_step="ingest"), "s")
    [outcome] = alerts.send(settings, alert)
    assert outcome.startswith("webhook: NOT delivered (HTTPError: HTTP Error 400")
    assert webhook.attempts == 1


def test_receivers_that_are_down_cost_seconds_and_never_raise(tmp_path) -> None:
    settings = _settings(
        tmp_path,
        alert_webhook_url="http://127.0.0.1:9/hook",  # discard port: refused
        alert_email_to="ops@example.org",
        smtp_host="127.0.0.1",
        smtp_port=9,
    )
    alert = alerts.alert_for(settings, _summary(error="x", failed_step="ingest"), "s")
    started = time.monotonic()
    outcomes = alerts.send(settings, alert)
    assert time.monotonic() - started < 10
    assert [o.split(" (")[0] for o in outcomes] == [
        "webhook: NOT delivered",
        "e-mail: NOT delivered",
    ]


def test_email_without_a_server_says_what_is_missing(tmp_path) -> None:
    settings = _settings(tmp_path, alert_email_to="ops@example.org")
    alert = alerts.alert_for(settings, _summary(error="x", failed_step="ingest"), "s")
    assert alerts.send(settings, alert) == ["e-mail: NOT delivered (AUD_SMTP_HOST is not set)"]
