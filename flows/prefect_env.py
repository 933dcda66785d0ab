"""Environment Prefect, dbt and Great Expectations read at import time.

Must run before `import prefect`: Prefect creates PREFECT_HOME on import, and its temporary server
keeps its SQLite database there (../shared/STACK.md). Values already set by the caller win.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading

from core.settings import Settings

QUIET_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The first start of the temporary server takes ~16 s here; its default timeout is 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "INFO",
}


def configure(settings: Settings) -> None:
    home = settings.prefect_home_dir
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("MPLCONFIGDIR", str(settings.data_dir / "matplotlib"))
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)


def start_temporary_server_early() -> threading.Thread | None:
    """Start Prefect's temporary server in the background, for a run with no PREFECT_API_URL.

    Its start takes 6-16 s (STACK.md) of mostly waiting on a subprocess; the demo overlaps it
    with writing the exports. Prefect keeps one temporary server per process, so the flow run
    later finds it started (or starts it itself, with its own error, if this start failed).
    Call after `configure`; join the thread before the flow starts.
    """
    server = guard_temporary_server()
    if server is None:
        return None

    def start() -> None:
        with contextlib.suppress(Exception):  # the flow's own start reports the error
            server.start()

    thread = threading.Thread(target=start, name="prefect-temporary-server", daemon=True)
    thread.start()
    return thread


# Watches one server process: blocks on a pipe whose only writer is the run's process, so the
# read returns (end of file) when that process ends, however it ends (kill -9 included); then it
# stops the server: SIGTERM, and SIGKILL after 5 s. A pidfd names the server, never a reused pid.
_WATCHDOG = """
import os, select, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
fd, pid = int(sys.argv[1]), int(sys.argv[2])
try:
    server = os.pidfd_open(pid)
except OSError:
    sys.exit(0)
while os.read(fd, 64):
    pass
for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
    try:
        signal.pidfd_send_signal(server, sig)
    except OSError:
        break
    if select.select([server], [], [], wait)[0]:
        break
"""

# The watchdogs and the write ends of their pipes: open for the life of this process.
_watchdogs: list[tuple[subprocess.Popen, int]] = []


def _watch(pid: int) -> None:
    """Stop the process `pid` when this process ends."""
    read_end, write_end = os.pipe()  # not inheritable: no other child holds the write end
    try:
        watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(read_end), str(pid)],
            pass_fds=(read_end,),
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    _watchdogs.append((watchdog, write_end))


def guard_temporary_server():
    """Prefect's temporary server for this process, made to end when this process ends.

    With no PREFECT_API_URL, Prefect starts a local server (a uvicorn subprocess) and stops it
    at exit, but a killed run (`kill -9`, the OOM killer) never reaches exit and the server ran
    on, holding its port and SQLite database. Prefect keeps one temporary server per process
    (`SubprocessASGIServer()` returns it); registering this subclass first makes every later
    start, by the flow engine or `start_temporary_server_early`, a watched one. (A watchdog, not
    PR_SET_PDEATHSIG: that fires when the *thread* that started the server ends, and the server
    may be started from a short-lived thread.) None when PREFECT_API_URL names a server.
    """
    if os.environ.get("PREFECT_API_URL"):
        return None
    from prefect.server.api.server import SubprocessASGIServer

    class WatchedServer(SubprocessASGIServer):
        def _run_uvicorn_command(self):
            process = super()._run_uvicorn_command()
            try:
                _watch(process.pid)
            except OSError:
                process.kill()
                raise
            return process

    existing = SubprocessASGIServer._instances.get(None)
    if existing is not None:
        return existing  # already registered (or started unwatched: nothing to change now)
    return WatchedServer()
