"""Alerts and the missed-run check through the real CLI: a failed night reaches a real webhook
receiver and a real SMTP server once each, with its figure and no participant value, and
`aud-outcomes status` tells a recent success from a stale one."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support import run_cli

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 15)
PARTICIPANT_ID = re.compile(r"p_[0-9a-f]{16}")
FIELDS = {"text", "status", "run_id", "as_of", "failed_step", "summary", "site_url"}


def test_a_failed_night_alerts_once_and_status_tells_the_age(
    tmp_path, prefect_api, webhook, mailbox
) -> None:
    exports, warehouse = tmp_path / "exports", tmp_path / "warehouse.duckdb"
    gen = run_cli(
        "generate", "--out", str(exports), "--participants", "60", "--seed", "9",
        "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    env = {
        "AUD_DATA_DIR": str(tmp_path / "state"),
        "AUD_ALERT_WEBHOOK_URL": webhook.url,
        "AUD_ALERT_EMAIL_TO": "quality@example.org",
        "AUD_SMTP_HOST": mailbox.host,
        "AUD_SMTP_PORT": str(mailbox.port),
        "AUD_SITE_URL": "https://outcomes.example.org/",
    }

    def run(as_of: dt.date):
        return run_cli(
            "run", "--exports", str(exports), "--warehouse", str(warehouse),
            "--site", str(tmp_path / "site"), "--as-of", as_of.isoformat(), env=env,
        )  # fmt: skip

    first = run(AS_OF)
    assert first.returncode == 0, first.stdout + first.stderr
    warned = "warnings)" in first.stdout and "0 warnings)" not in first.stdout
    assert [p["status"] for p in webhook.posts] == (["warning"] if warned else [])
    ok = run_cli("status", "--warehouse", str(warehouse), env=env)
    assert ok.returncode == 0, ok.stdout
    assert "within the limit of 26 hours" in ok.stdout

    # Forty days later with no new delivery: the figures are stale, the night fails.
    webhook.posts.clear()
    mailbox.messages.clear()
    stale = run(AS_OF + dt.timedelta(days=40))
    assert stale.returncode == 1, stale.stdout + stale.stderr
    [post] = webhook.posts
    assert set(post) - {"content_type"} == FIELDS
    assert post["status"] == "failed" and post["failed_step"] == "validation"
    assert post["as_of"] == (AS_OF + dt.timedelta(days=40)).isoformat()
    assert post["site_url"] == "https://outcomes.example.org/"
    assert "day(s) old" in post["text"] and "the limit is 3" in post["text"]
    [mail] = mailbox.messages
    assert mail["X-Envelope-To"] == "quality@example.org"
    assert "Failed step: validation" in mail.get_payload()
    for text in (str(post), mail.as_string()):
        assert not PARTICIPANT_ID.search(text)
    assert "- Alert webhook: delivered" in stale.stdout  # the summary says who was told

    # The last success is now the first run; with a limit of 0 hours it is too old.
    old = run_cli(
        "status", "--warehouse", str(warehouse), env={**env, "AUD_MAX_RUN_AGE_HOURS": "0"}
    )
    assert old.returncode == 1, old.stdout
    assert "FAILED at validation" in old.stdout and "OLDER than the limit of 0 hours" in old.stdout
