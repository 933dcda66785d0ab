"""Helpers for tests in every folder (import as `tests.support`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# gitignored; reused across sessions (faster server start). One folder per pytest-xdist worker
# (`make test` runs two): each worker has its own Prefect server and homes, which must not share
# a SQLite database.
TEST_STATE = ROOT / "data" / "test-state" / os.environ.get("PYTEST_XDIST_WORKER", "main")

# Headless Chromium as root on these machines (../shared/STACK.md); no background traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 600):
    """The real `aud-outcomes` command in a subprocess."""
    return subprocess.run(
        [str(VENV_BIN / "aud-outcomes"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        cwd=ROOT,
    )
