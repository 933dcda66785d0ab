"""A full disk during a load says so, keeps nothing of that file, and the next run loads it whole.

The warehouse lives on a small tmpfs mounted in a private mount namespace (`unshare -Urm`, which
needs no root), filled with a filler file until a big check-ins file no longer fits.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.ingest.ingest_support import Drop, checkin, participant
from tests.support import ROOT, VENV_BIN

pytestmark = pytest.mark.slow

BIG = "app/checkins_20261108.csv"


def _exports(drop: Drop, staged: Path) -> None:
    """Night one (participants and a few check-ins) in the drop folder; night two's large
    check-ins file staged outside it, moved in once the disk is nearly full."""
    pids = [f"p_{i:016x}" for i in range(40)]
    drop.write("app/participants_20261107.csv", [participant(p) for p in pids])
    drop.write(
        "app/checkins_20261107.csv",
        [checkin(f"c_a{i}", pids[i % 40], report_date="2026-11-06") for i in range(200)],
    )
    rows = [
        checkin(
            f"c_b{i:06d}",
            pids[i % 40],
            report_date=f"2026-{10 + (i // 40) // 30 % 2:02d}-{1 + (i // 40) % 28:02d}",
            submitted_at="2026-11-08T08:00:00Z",
        )
        for i in range(30_000)
    ]
    drop.write(BIG, rows)
    staged.mkdir()
    shutil.move(drop.exports / BIG, staged / Path(BIG).name)


def _script(drop: Drop, disk: Path, staged: Path, out: Path) -> str:
    cli = VENV_BIN / "aud-outcomes"
    ingest = f"{cli} ingest --exports {drop.exports} --warehouse {disk}/w.duckdb"
    return f"""
set -u
mount -t tmpfs -o size=48m tmpfs {disk}
{ingest} > {out}/first.out 2> {out}/first.err; echo $? > {out}/first.rc
# Fill the disk, then free a little: too little for the big file.
dd if=/dev/zero of={disk}/filler bs=1M 2>/dev/null
truncate -s -300K {disk}/filler
mv {staged}/* {drop.exports}/app/
{ingest} > {out}/full.out 2> {out}/full.err; echo $? > {out}/full.rc
mkdir {out}/after-full && cp {disk}/w.duckdb* {out}/after-full/
rm {disk}/filler
{ingest} > {out}/retry.out 2> {out}/retry.err; echo $? > {out}/retry.rc
mkdir {out}/after-retry && cp {disk}/w.duckdb* {out}/after-retry/
"""


def test_full_disk_says_so_keeps_nothing_of_the_file_and_the_next_run_loads_it(
    tmp_path: Path,
) -> None:
    drop = Drop(tmp_path / "run")
    staged, disk, out = tmp_path / "staged", tmp_path / "disk", tmp_path / "out"
    _exports(drop, staged)
    disk.mkdir()
    out.mkdir()
    done = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", _script(drop, disk, staged, out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    rc = {step: int((out / f"{step}.rc").read_text()) for step in ("first", "full", "retry")}
    assert rc == {"first": 0, "full": 1, "retry": 0}, (out / "full.err").read_text()

    # The real error, naming the file, once; not DuckDB's "cannot rollback" that hid it.
    err = (out / "full.err").read_text()
    assert f"no space left on device while loading {BIG}: nothing of that file was kept" in err
    assert "cannot rollback" not in err

    # Nothing of the big file is in the warehouse left by the full disk (WAL replayed on open).
    for name in ("after-full", "after-retry"):
        (out / name / "w.duckdb").rename(out / name / "warehouse.duckdb")
        wal = out / name / "w.duckdb.wal"
        if wal.exists():
            wal.rename(out / name / "warehouse.duckdb.wal")
    with duckdb.connect(str(out / "after-full" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM quality.deliveries WHERE source_file = ?", [BIG]
        ).fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM landing.checkins WHERE _source_file = ?", [BIG]
        ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM landing.checkins").fetchone() == (200,)

    # The next run, with space again, ends where an undisturbed run ends.
    control = Drop(tmp_path / "control")
    shutil.copytree(drop.exports, control.exports)
    (control.exports / BIG).unlink()
    control.ingest()
    shutil.copy(drop.exports / BIG, control.exports / BIG)
    control.ingest()
    assert Drop(out / "after-retry").dump() == control.dump()
