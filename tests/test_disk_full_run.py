"""A full disk under the warehouse during a nightly run: the real error reaches the site's banner,
the exit status and the terminal; the summary files beside the warehouse are not truncated.

The warehouse folder is a small tmpfs in a private mount namespace (`unshare -Urm`, no root
needed); the run talks to the test session's real Prefect server over loopback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT, VENV_BIN, run_cli

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 15)


def test_a_full_disk_during_a_run_is_reported_as_such(tmp_path: Path, prefect_api) -> None:
    exports, staged, disk, out = (tmp_path / n for n in ("exports", "staged", "disk", "out"))
    gen = run_cli(
        "generate", "--out", str(exports), "--participants", "60", "--seed", "4",
        "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    # The last night's check-ins arrive once the disk is full.
    last = sorted((exports / "app").glob("checkins_*"))[-1]
    staged.mkdir()
    shutil.move(last, staged / last.name)
    for folder in (disk, out):
        folder.mkdir()
    warehouse = disk / "warehouse.duckdb"
    run = (
        f"{VENV_BIN / 'aud-outcomes'} run --exports {exports} --warehouse {warehouse} "
        f"--site {tmp_path / 'site'} --as-of {AS_OF.isoformat()}"
    )
    script = f"""
set -u
mount -t tmpfs -o size=64m tmpfs {disk}
{run} > {out}/first.out 2> {out}/first.err; echo $? > {out}/first.rc
cp {warehouse}.last-run.json {out}/first.json
dd if=/dev/zero of={disk}/filler bs=4K 2>/dev/null  # until the disk is full
mv {staged}/* {exports}/app/
{run} > {out}/full.out 2> {out}/full.err; echo $? > {out}/full.rc
cp {warehouse}.last-run.json {out}/after.json
"""
    done = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "AUD_DATA_DIR": str(tmp_path / "state")},
    )
    assert done.returncode == 0, done.stderr
    first_rc = (out / "first.rc").read_text().strip()
    assert first_rc == "0", (out / "first.out").read_text() + (out / "first.err").read_text()

    full_rc = (out / "full.rc").read_text().strip()
    said = (out / "full.out").read_text() + (out / "full.err").read_text()
    assert full_rc == "1", said
    expected = (
        f"no space left on device while loading app/{last.name}: nothing of that file was kept"
    )
    assert expected in said
    assert "cannot rollback" not in said
    # The summary beside the warehouse could not be written: it says so, and the last one is
    # whole (never a 0-byte file).
    assert "the run summary could not be written" in said
    assert (out / "after.json").read_bytes() == (out / "first.json").read_bytes()
    assert json.loads((out / "after.json").read_text())["error"] is None
    # The site is on another disk: its banner carries the real error.
    index = (tmp_path / "site" / "index.html").read_text()
    assert "no space left on device while loading" in index
