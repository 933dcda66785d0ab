"""Environment Prefect, dbt and Great Expectations read at import time.

Must run before `import prefect`: Prefect creates PREFECT_HOME on import, and its temporary server
keeps its SQLite database there (../shared/STACK.md). Values already set by the caller win.
"""

from __future__ import annotations

import os

from flows.settings import Settings

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
