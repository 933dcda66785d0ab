"""SIGTERM and Ctrl-C stop a run with a reason: which signal, during which step.

While a run's steps execute, SIGTERM and SIGINT raise `Stopped` in the main thread (where Prefect
runs the flow and its tasks, and where Python delivers signals). `Stopped` is a KeyboardInterrupt
on purpose: dbt, which runs in-process (engines/dbt_runner.py), cancels its queries and joins its
threads on a KeyboardInterrupt, and swallows any exception into its result, so the signal itself
is recorded here too and the pipeline asks `received()` rather than trusting the exception it
gets back. A second signal while the run is stopping is recorded, not raised: the summary and the
site banner are written whole (`kill -9` is still there for a run that will not stop).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_received: int | None = None
_deferred = 0


class Stopped(KeyboardInterrupt):
    """The run got a stop signal; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    def __str__(self) -> str:
        return f"stopped by {signal_name(self.signum)}"


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def stop_reason(signum: int) -> str:
    """What stopped the run: "stopped by SIGTERM", or "cancelled in Prefect" when the Prefect
    runner sent the signal to cancel a served run."""
    if prefect_control_intent() == "cancel":
        return "cancelled in Prefect"
    return f"stopped by {signal_name(signum)}"


def exit_status(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number (SIGTERM 143)."""
    return 128 + signum


def received() -> int | None:
    """The first stop signal received since the handler was last installed, if any."""
    return _received


def _handler(signum: int, frame: object) -> None:
    global _received
    first = _received is None
    if first:
        _received = signum
    if first and not _deferred:
        raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise `Stopped` on SIGTERM/SIGINT inside the block; the previous handlers come back after.

    Only the main thread can install handlers; elsewhere the block runs with the handlers as
    they are.
    """
    global _received
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received = None
    previous = {signum: signal.signal(signum, _handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A signal arriving inside the block is recorded, not raised: for writing what must be
    written whole (the run summary, the failure banner)."""
    global _deferred
    _deferred += 1
    try:
        yield
    finally:
        _deferred -= 1


def prefect_control_intent() -> str | None:
    """What the Prefect runner said it meant by the SIGTERM it sent ("cancel" when a served run
    is cancelled through the API), or None for a signal from outside Prefect."""
    try:
        from prefect._internal.control_listener import get_intent
    except ImportError:  # a Prefect without a control channel
        return None
    return get_intent()
