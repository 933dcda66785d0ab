"""Environment Prefect, dbt and Great Expectations read at import time.

Must run before `import prefect`: Prefect creates PREFECT_HOME on import, and its temporary server
keeps its SQLite database there (../shared/STACK.md). Values already set by the caller win.
"""

from __future__ import annotations

import contextlib
import os
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
    if os.environ.get("PREFECT_API_URL"):
        return None
    from prefect.server.api.server import SubprocessASGIServer

    def start() -> None:
        with contextlib.suppress(Exception):  # the flow's own start reports the error
            SubprocessASGIServer().start()

    thread = threading.Thread(target=start, name="prefect-temporary-server", daemon=True)
    thread.start()
    return thread
