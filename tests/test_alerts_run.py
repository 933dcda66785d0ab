"""Alerts and the missed-run check through the real CLI: a failed night reaches a real webhook
receiver and a real SMTP server once each, with its figure and no participant value, and
`aud-outcomes status` tells a recent success from a stale one; an unexpected error (not a step's
own failure) alerts once as crashed."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.support import ROOT, run_cli

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

    # A bad but usable night: the newest participants file carries an `email` column, so it is
    # kept out whole: a warning. The run succeeds, the site shows it in amber, people are told.
    stray = _with_stray_email_column(exports)
    first = run(AS_OF)
    assert first.returncode == 0, first.stdout + first.stderr
    [warning] = webhook.posts
    assert set(warning) - {"content_type"} == FIELDS
    assert warning["status"] == "warning" and warning["failed_step"] is None, warning
    whole = r"1 of tonight's \d+ participants file\(s\) were quarantined whole; the limit is 0"
    assert re.search(whole, warning["text"]), warning["text"]
    assert stray.name in (tmp_path / "site" / "quality" / "resend-app.csv").read_text()
    assert len(mailbox.messages) == 1
    assert 'class="notice-warning"' in (tmp_path / "site" / "index.html").read_text()
    for text in (str(warning), mailbox.messages[0].as_string()):
        assert not PARTICIPANT_ID.search(text) and "@example.net" not in text
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


def _with_stray_email_column(exports: Path) -> Path:
    """Rewrite the newest participants file that has rows (a quiet day's file is empty), in its
    own format, with an extra `email` column."""
    import pandas as pd

    read = {".csv": pd.read_csv, ".parquet": pd.read_parquet}
    for path in sorted((exports / "app").glob("participants_*"), reverse=True):
        if path.stat().st_size == 0:
            continue
        frame = read.get(path.suffix, lambda p: pd.read_json(p, lines=True))(path)
        if len(frame):
            break
    frame["email"] = "someone@example.net"
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, date_format="iso")
    return path


def _project_without_block(tmp_path: Path, block: str) -> Path:
    """A copy of the dbt project whose doc block `block` is renamed wherever dbt uses it: dbt
    builds as before, but the site names the block and cannot find it (an error of the code, not
    of the night: dashboards.definitions.MissingDefinition, a LookupError)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        ROOT / "dbt_project",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    # {% docs x %}, doc('x'), doc("x"), and doc(''x'') inside a single-quoted YAML string.
    uses = re.compile(rf"""\{{%\s*docs\s+{block}\s*%\}}|doc\(\s*(''|'|"){block}\1\s*\)""")
    renamed = 0
    for path in [*project.rglob("*.md"), *project.rglob("*.yml")]:
        text = path.read_text()
        new, count = uses.subn(lambda m: m.group(0).replace(block, block + "_renamed"), text)
        if count:
            path.write_text(new)
            renamed += count
    assert renamed > 1, f"doc block {block} not found in the dbt project"
    return project


def test_an_unexpected_error_alerts_crashed_once(tmp_path, prefect_api, webhook) -> None:
    exports, warehouse = tmp_path / "exports", tmp_path / "warehouse.duckdb"
    gen = run_cli(
        "generate", "--out", str(exports), "--participants", "40", "--seed", "4",
        "--as-of", AS_OF.isoformat(), "--nights", "1",
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    env = {
        "AUD_DATA_DIR": str(tmp_path / "state"),
        "AUD_ALERT_WEBHOOK_URL": webhook.url,
        # The site's retention charts are defined by this block.
        "AUD_DBT_PROJECT_DIR": str(_project_without_block(tmp_path, "retention")),
    }
    result = run_cli(
        "run", "--exports", str(exports), "--warehouse", str(warehouse),
        "--site", str(tmp_path / "site"), "--as-of", AS_OF.isoformat(), env=env,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    [post] = webhook.posts
    assert set(post) - {"content_type"} == FIELDS
    assert post["status"] == "crashed", post
    assert post["failed_step"] == "publishing"
    assert "CRASHED at publishing" in post["text"] and "retention" in post["text"]
    assert not PARTICIPANT_ID.search(str(post))
    record = json.loads(warehouse.with_name(warehouse.name + ".last-run.json").read_text())
    assert record["crashed"] is True and record["failed_step"] == "publishing"
    assert "- Alert webhook: delivered" in result.stdout
