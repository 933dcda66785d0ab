"""Telling people of a failed, crashed or warning night: a webhook POST and an e-mail.

Both work for a plain `aud-outcomes run` as well as under `serve`. An alert is built from the run
summary only (counts, check names, file names as stored, which are masked when identifier-shaped),
and every text passes `core.privacy.scrub`: no alert carries a participant's id or values.
Sending never raises and never holds the run for long: each attempt has a timeout, and a webhook
is retried only on network errors and 5xx answers.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Literal

from core.privacy import scrub
from core.run_summary import RunSummary
from core.settings import Settings

log = logging.getLogger(__name__)

Status = Literal["failed", "crashed", "warning"]
WEBHOOK_ATTEMPTS = 3
WEBHOOK_BACKOFF_SECONDS = (0.5, 2.0)


@dataclass(frozen=True)
class Alert:
    status: Status
    run_id: str
    as_of: str
    failed_step: str | None
    summary: str  # the run summary, as in <warehouse>.last-run.md
    site_url: str
    text: str  # one line for chat (Slack's `text`) and the e-mail subject

    def payload(self) -> dict[str, object]:
        return asdict(self)


def site_url(settings: Settings) -> str:
    return settings.site_url or (settings.site_dir / "index.html").as_uri()


def alert_for(settings: Settings, summary: RunSummary, summary_text: str) -> Alert | None:
    """The alert a run's outcome calls for, or None for a clean night."""
    if summary.crashed:
        status: Status = "crashed"
    elif summary.error:
        status = "failed"
    elif summary.validation and summary.validation.warnings:
        status = "warning"
    else:
        return None
    where = f" at {summary.failed_step}" if summary.failed_step else ""
    if status == "warning":
        count = len(summary.validation.warnings)
        line = f"finished with {count} warning(s): " + "; ".join(summary.validation.warnings)
    else:
        line = f"{status.upper()}{where}: {summary.error or 'no reason was recorded'}"
    if summary.site_error:
        line += f" ({summary.site_error})"
    return Alert(
        status=status,
        run_id=summary.run_id,
        as_of=summary.as_of.isoformat(),
        failed_step=summary.failed_step,
        summary=scrub(summary_text),
        site_url=site_url(settings),
        text=scrub(f"AUD outcomes nightly run {summary.as_of} {line}"),
    )


def post_webhook(url: str, alert: Alert, timeout: float) -> None:
    """POST the alert as JSON; retried on network errors and 5xx, raised after the last try."""
    body = json.dumps(alert.payload()).encode()
    for attempt in range(WEBHOOK_ATTEMPTS):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == WEBHOOK_ATTEMPTS - 1:
                raise
        except OSError:  # refused, reset, timed out, name not found
            if attempt == WEBHOOK_ATTEMPTS - 1:
                raise
        time.sleep(WEBHOOK_BACKOFF_SECONDS[min(attempt, len(WEBHOOK_BACKOFF_SECONDS) - 1)])


def send_email(settings: Settings, alert: Alert) -> None:
    message = EmailMessage()
    message["Subject"] = alert.text[:200]
    message["From"] = settings.alert_email_from
    message["To"] = settings.alert_email_to
    message.set_content(
        f"{alert.text}\n\nStatus: {alert.status}\nRun: {alert.run_id}\nAs of: {alert.as_of}\n"
        f"Failed step: {alert.failed_step or '-'}\nSite: {alert.site_url}\n\n{alert.summary}"
    )
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.alert_timeout_seconds
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        smtp.send_message(message)


def send(settings: Settings, alert: Alert) -> list[str]:
    """Deliver the alert to every configured receiver; returns one line per receiver, saying
    whether it was delivered (never raises: an alert must not fail or hide the run's outcome)."""
    outcomes = []
    if settings.alert_webhook_url:
        try:
            post_webhook(settings.alert_webhook_url, alert, settings.alert_timeout_seconds)
            outcomes.append("webhook: delivered")
        except Exception as exc:
            outcomes.append(f"webhook: NOT delivered ({type(exc).__name__}: {exc})")
    if settings.alert_email_to:
        if not settings.smtp_host:
            outcomes.append("e-mail: NOT delivered (AUD_SMTP_HOST is not set)")
        else:
            try:
                send_email(settings, alert)
                outcomes.append(f"e-mail: delivered to {settings.alert_email_to}")
            except Exception as exc:
                outcomes.append(f"e-mail: NOT delivered ({type(exc).__name__}: {exc})")
    for line in outcomes:
        (log.info if ": delivered" in line else log.error)("%s alert %s", alert.status, line)
    return outcomes
