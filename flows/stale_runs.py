"""Flow runs left open by a run that was killed are closed by the next one.

A run killed with `kill -9` (or by the OOM killer, or with its machine) never reports an end: its
Prefect flow run stays Running for good, and under `serve` it holds the deployment's concurrency
slot until the slot's lease runs out (about 5 minutes), so the next night waits. The rule that
recognises such a run: a run holds the warehouse's run lock for its whole life, and the kernel
drops the lock when the process dies (core.warehouse.run_lock). So whoever holds the lock knows
that no other run for that warehouse is alive: every other nightly-run flow run for the same
warehouse still Pending or Running is dead, and is marked Crashed (a Cancelling one, Cancelled),
which also frees its concurrency slot at once.

Call `close_dead_runs` only while holding `run_lock(warehouse)`. Flow runs whose `warehouse`
parameter is not set are left alone (the CLI and the deployment always set it).
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

FLOW_NAME = "nightly-run"


def _same_file(value: object, warehouse: Path) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        return Path(value).resolve() == warehouse.resolve()
    except OSError:
        return False


def close_dead_runs(warehouse: Path, found_by: str, current: UUID | None = None) -> list[str]:
    """Mark the open nightly-run flow runs of `warehouse` (all but `current`) as ended.

    Returns the names of the flow runs closed. `found_by` names the run that found them, for
    the state message ("found dead by run ...").
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled, Crashed

    message = (
        f"Found dead by {found_by}: its process had ended without reporting (killed?); "
        f"it no longer held the run lock of {warehouse.name}."
    )
    closed = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(
                        any_=[StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]
                    )
                )
            ),
            limit=200,
        )
        for run in runs:
            if run.id == current or not _same_file(run.parameters.get("warehouse"), warehouse):
                continue
            cancelling = run.state is not None and run.state.type == StateType.CANCELLING
            state = Cancelled(message=message) if cancelling else Crashed(message=message)
            client.set_flow_run_state(run.id, state, force=True)
            closed.append(run.name)
    return closed
