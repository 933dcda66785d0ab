"""Test-session set-up shared by every test folder.

Prefect reads its settings when it is first imported, so the API address of the session's Prefect
server is fixed here, before any test module imports prefect; the server itself starts only when a
test asks for the `prefect_api` fixture (it takes 5-15 s, ../shared/STACK.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.receivers import smtp_receiver, webhook_receiver
from tests.support import TEST_STATE, VENV_BIN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_configure(config: pytest.Config) -> None:
    TEST_STATE.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    os.environ["AUD_TEST_PREFECT_PORT"] = str(port)
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_HOME"] = str(TEST_STATE / "prefect-home")
    for key, value in {
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "MPLCONFIGDIR": str(TEST_STATE / "matplotlib"),
    }.items():
        os.environ.setdefault(key, value)
    # Settings from the developer's shell must not leak into tests.
    for key in [k for k in os.environ if k.startswith("AUD_") and k != "AUD_TEST_PREFECT_PORT"]:
        del os.environ[key]


# `make test` runs two pytest-xdist workers. Every test goes to the worker of its group: its
# module, except where a session fixture is shared by several modules (built once per worker, so
# once in all). The longest groups are handed out first, so that neither worker is left with a
# long one at the end. (xdist's own `--dist loadgroup` does not work with pytest 9: it renames
# `item._nodeid`, which pytest 9 no longer reads; so the scheduler below groups by path.)
SHARED_GROUPS = {
    "tests/spark/": "spark",  # one Spark build (fixture `built`) for the whole folder
    "tests/dashboards/": "dashboards",  # fake_warehouse, tiny_warehouse, dbt_manifest
    "tests/test_analytics.py": "analytics",  # the analysts' copy the cookbook test reads too
    "tests/test_analysts_cookbook.py": "analytics",
}
LONGEST_FIRST = (
    "spark",
    "dashboards",
    "tests/test_serve.py",
    "tests/test_pipeline.py",
    "tests/test_alerts_run.py",
    "tests/validation/test_gate.py",
    "tests/dbt/test_transform_incremental.py",
)


def group_of(nodeid: str) -> str:
    """The group of a test: its shared-fixture group, else its file."""
    path = nodeid.split("::", 1)[0]
    return next((g for prefix, g in SHARED_GROUPS.items() if path.startswith(prefix)), path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {group: i for i, group in enumerate(LONGEST_FIRST)}
    # A stable sort: within a group, and among the other groups, pytest's own order stays.
    items.sort(key=lambda item: rank.get(group_of(item.nodeid), len(rank)))


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's scope scheduler, with our groups as its scopes (handed out in collection order)."""
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return ByGroup(config, log)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """A real `prefect server start` on 127.0.0.1 for the whole test session."""
    url = os.environ["PREFECT_API_URL"]
    port = os.environ["AUD_TEST_PREFECT_PORT"]
    log = (TEST_STATE / "prefect-server.log").open("w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", port],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PREFECT_UI_ENABLED": "false"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Prefect server did not start; see {log.name}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, or a skip that says how to get it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Chromium is not installed: run `apt-get install chromium` (or `make browser`)")
    return path


@pytest.fixture
def webhook():
    """A real HTTP receiver of alert webhooks (tests/receivers.py)."""
    yield from webhook_receiver()


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) that keeps the alert e-mails (tests/receivers.py)."""
    yield from smtp_receiver()
