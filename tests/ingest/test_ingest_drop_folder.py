"""The drop folder as it really is (EXPORTS.md, "Rules that hold for every entity"): links, pipes
and devices are recorded as quarantined deliveries and never read; files that were delivered and
have vanished (an unmounted share) make ingestion fail loudly instead of a quiet night."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
from pathlib import Path

import pytest

from flows.ingest import DropFolderChanged
from tests.ingest.ingest_support import P1, P2, Drop, checkin, csv_bytes, participant

PART7 = "app/participants_20261107.csv"
CHECK7 = "app/checkins_20261107.csv"


@contextlib.contextmanager
def _deadline(seconds: int):
    """Fail instead of hanging: opening a pipe for reading blocks until a writer comes."""

    def _expired(signum, frame):
        raise TimeoutError("ingest blocked on the drop folder")

    old = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _reasons(drop: Drop) -> dict[str, str]:
    return {
        source: reason
        for source, _, _, reason in drop.quarantine()
        if source not in (PART7, CHECK7)
    }


def test_links_pipes_and_devices_are_quarantined_deliveries_never_read(
    drop: Drop, tmp_path: Path
) -> None:
    drop.write(PART7, [participant(P1)])
    outside = tmp_path / "elsewhere" / "participants_20261108.csv"
    outside.parent.mkdir()
    outside.write_bytes(csv_bytes([participant(P2)]))
    app = drop.exports / "app"
    (app / "participants_20261108.csv").symlink_to(outside)  # leads outside: not followed
    (app / "participants_20261109.csv").symlink_to(app / "gone.csv")  # broken
    (app / "checkins_20261107.csv").symlink_to(app / "participants_20261107.csv")  # inside: read
    (app / "appointments_loop.csv").symlink_to(app / "appointments_loop.csv")  # a loop
    (app / "folder_link").symlink_to(drop.exports / "scheduling", target_is_directory=True)
    (drop.exports / "scheduling").mkdir()
    os.mkfifo(app / "participants_20261110.csv")
    # Bound by a relative name: a socket's path may not exceed 107 bytes, which a deep pytest
    # folder (one per xdist worker) does.
    here = os.getcwd()
    os.chdir(app)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("participants_20261111.csv")
    finally:
        os.chdir(here)
    device = app / "participants_20261112.csv"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's numbers
        has_device = True
    except (PermissionError, OSError):
        has_device = False
    with _deadline(60):
        report = drop.ingest()
    reasons = _reasons(drop)
    expected = {
        "app/participants_20261108.csv": "a link leading outside the drop folder: not followed",
        "app/participants_20261109.csv": "a broken link: not read",
        "app/appointments_loop.csv": "a broken link: not read",
        "app/folder_link": "a link to a folder: not followed",
        "app/participants_20261110.csv": "a pipe, not a regular file: not read",
        "app/participants_20261111.csv": "a socket, not a regular file: not read",
    }
    if has_device:
        expected["app/participants_20261112.csv"] = "a device, not a regular file: not read"
    assert reasons == expected
    for source in expected:
        delivery = drop.delivery(source)
        assert (delivery["status"], delivery["sha256"], delivery["bytes"]) == (
            "quarantined",
            None,
            None,
        )
    # Nothing from outside got in; the link inside the folder was read like its target (as
    # check-ins it has the wrong columns, so it is quarantined as a file, by its content).
    assert drop.query("SELECT participant_id FROM landing.participants") == [(P1,)]
    assert drop.delivery(CHECK7)["sha256"] is not None
    assert report.files_seen == len(expected) + 2
    # Seen again, they are the same deliveries: nothing new is recorded.
    before = drop.dump()
    with _deadline(60):
        again = drop.ingest()
    assert again.files_skipped == again.files_seen and drop.dump() == before


def test_a_pipe_replaced_by_a_file_is_loaded(drop: Drop) -> None:
    os.mkfifo(drop.path(PART7))
    with _deadline(60):
        drop.ingest()
    drop.path(PART7).unlink()
    drop.write(PART7, [participant(P1)])
    report = drop.ingest()
    assert report.files_loaded == 1 and report.redeliveries == [PART7]
    assert drop.query("SELECT participant_id FROM landing.participants") == [(P1,)]


def _loaded_nights(drop: Drop, nights: int) -> list[str]:
    names = []
    for night in range(1, nights + 1):
        day = f"202611{night:02d}"
        drop.write(
            f"app/participants_{day}.csv",
            [participant(P1, updated_at=f"2026-11-{night:02d}T10:00:00Z")],
        )
        drop.write(f"app/checkins_{day}.csv", [checkin(f"c_{night}", P1, report_date="2026-11-01")])
        names += [f"app/participants_{day}.csv", f"app/checkins_{day}.csv"]
    drop.ingest()
    return names


def test_an_unmounted_share_makes_the_night_fail_with_the_count(drop: Drop) -> None:
    names = _loaded_nights(drop, 12)
    before = drop.dump()
    for name in names:
        drop.path(name).unlink()  # an empty folder where 24 delivered files were
    with pytest.raises(DropFolderChanged) as failure:
        drop.ingest()
    message = str(failure.value)
    assert message.startswith("24 file(s) delivered earlier are missing from the drop folder")
    assert "check that the exports share is mounted" in message
    assert failure.value.vanished == sorted(names)
    assert drop.dump() == before
    # A folder that is not there at all is the same case.
    drop.exports.rename(drop.root / "unmounted")
    with pytest.raises(DropFolderChanged, match=r"^24 file"):
        drop.ingest()


def test_one_vanished_file_fails_the_night_and_nothing_new_is_loaded(drop: Drop) -> None:
    names = _loaded_nights(drop, 2)
    drop.path(names[1]).unlink()
    drop.write("app/participants_20261103.csv", [participant(P2)])
    with pytest.raises(DropFolderChanged, match=r"^1 file\(s\) .*\(app/checkins_20261101.csv\)"):
        drop.ingest()
    assert drop.query("SELECT count(*) FROM quality.deliveries") == [(4,)]
    # Put back, the night goes on.
    drop.write(names[1], [checkin("c_1", P1, report_date="2026-11-01")])
    assert drop.ingest().files_loaded == 1


def test_quarantined_and_masked_files_may_go_away(drop: Drop) -> None:
    # Their going away loses no data: the quality team removes junk, sources re-send.
    drop.write(PART7, [participant(P1)])
    drop.raw("app/participants-2026-11-07.csv", b"participant_id\n")
    drop.raw("app/checkins_20261107 555-123-4567.csv", b"x\n")
    os.mkfifo(drop.path("app/checkins_20261108.csv"))
    with _deadline(60):
        drop.ingest()
    for name in (
        "app/participants-2026-11-07.csv",
        "app/checkins_20261107 555-123-4567.csv",
        "app/checkins_20261108.csv",
    ):
        drop.path(name).unlink()
    assert drop.ingest().files_skipped == 1
