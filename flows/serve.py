"""`aud-outcomes serve`: the nightly deployment, served until Ctrl-C or SIGTERM.

Import only after `flows.prefect_env.configure()`.
"""

from __future__ import annotations

import contextlib
import os
import sys

from core.settings import Settings
from core.warehouse import WarehouseBusyError, run_lock

NO_SERVER = (
    "aud-outcomes serve needs a Prefect server that outlives it: start one with "
    "`.venv/bin/prefect server start --host 127.0.0.1 --port 4200` and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api (see README, 'Nightly schedule')."
)


def deployment_parameters(settings: Settings) -> dict[str, str]:
    # as_of is left out on purpose: each scheduled run takes "today" in the program time zone.
    return {
        "exports": str(settings.exports_dir),
        "warehouse": str(settings.warehouse_path),
        "site": str(settings.site_dir),
    }


def close_dead_runs(settings: Settings) -> None:
    """Before serving: close the flow runs a killed serve (or run) of this warehouse left open.

    Such a run holds the deployment's one concurrency slot until its lease runs out (about 5
    minutes), so the first run after a restart would wait. Holding the run lock proves no run of
    the warehouse is alive (flows/stale_runs.py); when a run holds it, its flow runs are left as
    they are (it is alive, and ends them itself).
    """
    from flows import stale_runs

    try:
        with run_lock(settings.warehouse_path):
            closed = stale_runs.close_dead_runs(
                settings.warehouse_path, found_by=f"aud-outcomes serve (pid {os.getpid()}) at start"
            )
    except WarehouseBusyError:
        return
    except Exception as exc:  # housekeeping: serving matters more
        print(f"Could not check for flow runs left open by killed runs: {exc}", file=sys.stderr)
        return
    if closed:
        print(
            f"Marked {len(closed)} flow run(s) left open by killed runs as ended: "
            + ", ".join(closed)
        )


def serve(settings: Settings) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print(NO_SERVER, file=sys.stderr)
        return 2

    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.pipeline import nightly_run

    close_dead_runs(settings)
    print(
        f"Serving deployment nightly-run/{settings.deployment_name}: cron "
        f"'{settings.schedule_cron}' in {settings.timezone}, warehouse {settings.warehouse_path}."
    )
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or SIGTERM: a clean stop
        nightly_run.serve(
            name=settings.deployment_name,
            schedule=Cron(settings.schedule_cron, timezone=settings.timezone),
            parameters=deployment_parameters(settings),
            description="Nightly: ingest exports, dbt build, validate, publish dashboards.",
            tags=["aud-outcomes", "nightly"],
            # One run at a time: the warehouse has one writer (runs also take a lock file).
            global_limit=1,
            pause_on_shutdown=False,
            # Runs import the installed package, whatever folder serve was started from.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    print("Stopped serving.")
    return 0
