"""Helpers for tests that stop, kill and watch real `aud-outcomes` processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from tests.support import ROOT, VENV_BIN

# A model that would run for many minutes: a signal that arrives while dbt builds it lands in the
# dbt build, and a run that ends soon after proves dbt's query was stopped too.
SLOW_MODEL = "zz_slow_model"


def slow_dbt_project(tmp_path: Path) -> Path:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        ROOT / "dbt_project",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    (project / "models" / "marts" / f"{SLOW_MODEL}.sql").write_text(
        "{{ config(contract={'enforced': false}) }}\n"
        "select max(hash(a)) as n from range(1000000000000) as t(a)\n"
    )
    return project


class Cli:
    """`aud-outcomes ...` started in the background, its output going to files."""

    def __init__(self, folder: Path, *args: str, env: dict[str, str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = folder / "stdout.txt", folder / "stderr.txt"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "aud-outcomes"), *args],
                stdout=out,
                stderr=err,
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def output(self) -> str:
        return f"--- stdout:\n{self.stdout()[-4000:]}\n--- stderr:\n{self.stderr()[-4000:]}"

    def wait_for_output(self, text: str, timeout: float = 120) -> None:
        wait_until(
            lambda: text in self.stdout() or text in self.stderr(),
            timeout,
            f"{text!r} in the output",
            self,
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Send `sig` to the CLI process only (not its group) and wait for its exit status."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def kill_everything(self) -> None:
        """Test clean-up: the process, and whatever it started, gone."""
        for process in [*descendants(self.pid), *_alive(self.pid)]:
            with contextlib.suppress(psutil.Error):
                process.kill()
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


def _alive(pid: int) -> list[psutil.Process]:
    try:
        return [psutil.Process(pid)]
    except psutil.Error:
        return []


def wait_until(
    check: Callable[[], object], timeout: float, what: str, cli: Cli | None = None
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if cli is not None and cli.proc.poll() is not None:
            raise AssertionError(
                f"the run ended ({cli.proc.returncode}) before {what}\n{cli.output()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no {what} within {timeout} s" + (f"\n{cli.output()}" if cli else "")
            )
        time.sleep(0.2)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def temporary_server(pid: int) -> tuple[psutil.Process, str] | None:
    """Prefect's temporary server started by process `pid`, and its API address."""
    for child in descendants(pid):
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        if "uvicorn" in cmdline and "prefect.server.api.server:create_app" in cmdline:
            port = cmdline[cmdline.index("--port") + 1]
            return child, f"http://127.0.0.1:{port}/api"
    return None


def healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def flow_runs_for(api: str, warehouse: Path) -> list[dict]:
    """The nightly-run flow runs whose `warehouse` parameter is this file, newest first."""
    response = httpx.post(
        f"{api}/flow_runs/filter",
        json={"flows": {"name": {"any_": ["nightly-run"]}}, "sort": "START_TIME_DESC"},
        timeout=10,
    )
    response.raise_for_status()
    return [r for r in response.json() if r["parameters"].get("warehouse") == str(warehouse)]


def run_env(values: dict[str, str], unset: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment with `values` set and the `unset` keys removed."""
    env = {**os.environ, **values}
    for key in unset:
        env.pop(key, None)
    return env
