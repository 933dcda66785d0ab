"""`aud-outcomes serve`: the nightly deployment, served until Ctrl-C or SIGTERM.

Import only after `flows.prefect_env.configure()`.
"""

from __future__ import annotations

import contextlib
import os
import sys

from core.settings import Settings

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


def serve(settings: Settings) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print(NO_SERVER, file=sys.stderr)
        return 2

    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.pipeline import nightly_run

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
