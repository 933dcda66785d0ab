"""`aud-outcomes`: the command line of the pipeline.

Every option can also be set with an `AUD_`-prefixed environment variable (see core/settings.py);
an option given on the command line wins. Heavy libraries are imported only by the subcommand that
needs them, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from pydantic import ValidationError

from core.settings import Settings
from flows import preflight

EPILOG = (
    "Every option can also come from an environment variable: AUD_<OPTION> (e.g. AUD_WAREHOUSE)."
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def _add_locations(p: argparse.ArgumentParser, *names: str) -> None:
    helps = {
        "exports": "drop folder of the exports, holding app/ and scheduling/ (AUD_EXPORTS)",
        "warehouse": "DuckDB warehouse file (AUD_WAREHOUSE)",
        "site": "folder the dashboards are published to (AUD_SITE)",
    }
    for name in names:
        p.add_argument(
            f"--{name}",
            type=Path,
            metavar="DIR" if name != "warehouse" else "FILE",
            help=helps[name],
        )


def _add_as_of(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="as-of date of every figure, YYYY-MM-DD; default today in the program "
        "time zone (AUD_AS_OF)",
    )


def _add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        help="engine that builds, validates and serves the marts: duckdb (default) or spark "
        "(Apache Spark in local mode; ingestion stays on DuckDB) (AUD_ENGINE)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aud-outcomes",
        description="Outcome analytics for the AUD telehealth program: ingest the nightly "
        "exports, compute retention and drinking outcomes, validate, publish dashboards.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser(
        "generate",
        help="write synthetic exports in the contract's format",
        description="Write synthetic nightly deliveries (an initial export and "
        "overlapping deltas, mixed CSV/JSONL/Parquet) for demos, tests and "
        "benchmarks. Deterministic for a seed.",
        epilog=EPILOG,
    )
    g.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        dest="exports",
        required=False,
        help="drop folder to write (AUD_EXPORTS)",
    )
    g.add_argument("--participants", type=int, metavar="N", help="participants (default 400)")
    g.add_argument("--months", type=int, metavar="M", help="months of enrolment (default 12)")
    g.add_argument("--seed", type=int, metavar="S", help="random seed (default 7)")
    g.add_argument("--nights", type=int, metavar="K", help="nightly deltas (default 7)")
    _add_as_of(g)

    i = sub.add_parser(
        "ingest",
        help="load new export files into the warehouse",
        description="Load every new file of the drop folder into the warehouse's "
        "landing tables, quarantining what breaks the contract. Exit status 0 when files were "
        "read, 1 when nothing could be read (no files, or all quarantined whole) or the drop "
        "folder changed, 2 when a setting or path is wrong (a missing exports folder, a "
        "warehouse folder that does not exist: a new warehouse is made only in an existing "
        "folder), 3 when the warehouse stayed busy.",
        epilog=EPILOG,
    )
    _add_locations(i, "exports", "warehouse")

    r = sub.add_parser(
        "run",
        help="the nightly pipeline as one Prefect flow",
        description="Ingest, dbt build, validate with Great Expectations and "
        "publish the dashboards, as one Prefect flow run. Exit status 0 when "
        "everything succeeded and the site was published, 1 when the run failed, 2 when a "
        "setting or path is wrong (checked in a second, before Prefect or dbt start: a missing "
        "exports folder, a warehouse folder that does not exist), 3 when another run holds the "
        "warehouse, 128+N when signal N stopped it (143 for SIGTERM, 130 for Ctrl-C); a failed "
        "or stopped run keeps the last good marts and site.",
        epilog=EPILOG,
    )
    _add_locations(r, "exports", "warehouse", "site")
    _add_as_of(r)
    _add_engine(r)

    d = sub.add_parser(
        "demo",
        help="generate demo exports and run the pipeline on them",
        description="Start afresh under <data dir>/demo: generate demo exports, run "
        "the nightly flow on them, print where the warehouse and the site are.",
        epilog=EPILOG,
    )
    _add_engine(d)

    s = sub.add_parser(
        "serve",
        help="serve the nightly deployment on a Prefect server",
        description="Register the nightly deployment of the run flow on the "
        "Prefect API named by PREFECT_API_URL, with the cron schedule of the "
        "settings, and serve its runs until Ctrl-C or SIGTERM.",
        epilog=EPILOG,
    )
    _add_locations(s, "exports", "warehouse", "site")
    s.add_argument(
        "--cron",
        dest="schedule_cron",
        metavar="CRON",
        help="schedule, in the program time zone (default '0 3 * * *') (AUD_SCHEDULE_CRON)",
    )

    st = sub.add_parser(
        "status",
        help="the last run and whether the last successful one is recent enough",
        description="Print the last run's time, state and site, and the age of the last "
        "successful run, from the summary files beside the warehouse (it answers at once, even "
        "while a run holds the warehouse). Exit status 0 when the last successful run is at most "
        "AUD_MAX_RUN_AGE_HOURS (default 26) old, 1 otherwise: for cron or a monitoring system.",
        epilog=EPILOG,
    )
    _add_locations(st, "warehouse")
    st.add_argument(
        "--max-age-hours",
        dest="max_run_age_hours",
        type=float,
        metavar="H",
        help="age limit of the last successful run (AUD_MAX_RUN_AGE_HOURS)",
    )
    return parser


def _one_line(error: ValidationError) -> str:
    """pydantic's errors as one line: `AUD_NAME ('value'): reason` each (settings are not
    participant data, and the value shows the typo; a password is never shown)."""
    parts = []
    for item in error.errors():
        name = "AUD_" + "_".join(str(p) for p in item["loc"]).upper() if item["loc"] else ""
        reason = item["msg"].removeprefix("Value error, ")
        value = item.get("input")
        secret = "PASSWORD" in name
        shown = f" ({value!r})" if isinstance(value, str | int | float) and not secret else ""
        parts.append(f"{name}{shown}: {reason}" if name else reason)
    return "; ".join(parts)


def _settings(args: argparse.Namespace) -> Settings:
    given = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
    return Settings(**given)


def cmd_generate(settings: Settings) -> int:
    from flows.generate import generate_exports

    report = generate_exports(
        settings.exports_dir,
        participants=settings.participants,
        months=settings.months,
        seed=settings.seed,
        as_of=settings.resolved_as_of(),
        nights=settings.nights,
        timezone=settings.timezone,
    )
    print(
        f"Wrote {len(report.files)} files to {report.out_dir}: {report.participants} "
        f"participants, {report.checkins} check-ins, {report.appointments} appointments "
        f"(as of {report.as_of})."
    )
    return 0


def cmd_ingest(settings: Settings) -> int:
    preflight.require(settings, "ingest")
    from core.warehouse import run_lock
    from flows.ingest import DropFolderChanged, NoSpaceLeft, ingest_exports
    from flows.ingest.discover import discover

    try:
        with run_lock(settings.warehouse_path):
            if not discover(settings.exports_dir):  # before any warehouse is made
                print(
                    f"aud-outcomes: nothing to read: the exports folder {settings.exports_dir} "
                    "holds no files (deliveries go in its app/ and scheduling/ folders)",
                    file=sys.stderr,
                )
                return 1
            new_warehouse = not settings.warehouse_path.exists()
            report = ingest_exports(settings.exports_dir, settings.warehouse_path, settings)
    except (DropFolderChanged, NoSpaceLeft) as exc:  # said in one line; nothing half-written
        print(f"aud-outcomes: ingest failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"Ingested {len(report.new_delivery_ids)} new file(s) of {report.files_seen} into "
        f"{settings.warehouse_path}{' (new warehouse)' if new_warehouse else ''}: "
        f"{report.rows_loaded} rows loaded, {report.rows_quarantined} "
        f"rows quarantined, {report.files_quarantined} file(s) quarantined whole, "
        f"{report.files_skipped} already loaded, {report.files_empty} empty."
    )
    new = len(report.new_delivery_ids)
    if new and report.files_loaded == 0 and report.files_empty == 0:
        print(
            f"aud-outcomes: nothing could be read: all {new} new file(s) were quarantined whole "
            "(see quality.quarantine)",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_run(settings: Settings) -> int:
    try:  # before Prefect, dbt or Great Expectations is imported or started
        preflight.require(settings, "run")
    except preflight.Refused as exc:
        preflight.refused_run(settings, str(exc))  # the alert and `status` learn of it too
        raise
    from flows import prefect_env, signals

    prefect_env.configure(settings)
    # With no PREFECT_API_URL the run starts a temporary server: it must not outlive the run.
    prefect_env.guard_temporary_server()
    from core.warehouse import WarehouseBusyError
    from flows.pipeline import last_run_path, nightly_run

    started = time.time() - 1  # file times have coarse resolution on some file systems
    state = nightly_run(
        exports=str(settings.exports_dir),
        warehouse=str(settings.warehouse_path),
        site=str(settings.site_dir),
        as_of=settings.resolved_as_of().isoformat(),
        engine=settings.engine,
        return_state=True,
    )
    stop = signals.received()
    busy = None
    if stop is None and not state.is_completed():
        try:
            state.result()
        except WarehouseBusyError as exc:
            busy = exc  # main() says it, exit 3
        except Exception:
            pass
    summary_file = last_run_path(settings)
    if summary_file.exists() and summary_file.stat().st_mtime >= started:
        print(summary_file.read_text(), end="")
    elif busy is None:  # never show an earlier run's summary as this one's
        print(
            f"aud-outcomes: the run summary could not be written to {summary_file} "
            "(see the log above); the Prefect artifact nightly-run-summary has it",
            file=sys.stderr,
        )
    # else refused by another run: the summary files beside the warehouse are that run's
    if busy is not None:
        raise busy
    if stop is not None and not state.is_completed():
        print(f"Run FAILED: {state.message or signals.Stopped(stop)}", file=sys.stderr)
        return signals.exit_status(stop)
    if state.is_completed():
        new = " (new warehouse)" if state.result().new_warehouse else ""
        print(f"Run succeeded. Warehouse: {settings.warehouse_path}{new}")
        print(f"Site: {settings.site_dir / 'index.html'}")
        return 0
    try:
        state.result()
    except Exception as exc:  # the flow's own error, already logged by Prefect
        print(f"Run FAILED: {exc}", file=sys.stderr)
    else:
        print(f"Run FAILED: flow ended in state {state.type.value}", file=sys.stderr)
    return 1


def cmd_demo(settings: Settings) -> int:
    demo = settings.data_dir / "demo"
    # The demo starts afresh each time: its own drop folder, warehouse and site.
    shutil.rmtree(demo, ignore_errors=True)
    settings = settings.model_copy(
        update={
            "exports": demo / "exports",
            "warehouse": demo / "warehouse.duckdb",
            "site": demo / "site",
            "as_of": settings.resolved_as_of(),
        }
    )
    from flows import prefect_env

    prefect_env.configure(settings)
    # Prefect's temporary server starts while the exports are written (~5-15 s saved).
    server_start = prefect_env.start_temporary_server_early()
    cmd_generate(settings)
    if server_start is not None:
        server_start.join()
    status = cmd_run(settings)
    if status == 0:
        print(f"Demo warehouse: {settings.warehouse_path}")
        print(f"Demo site: {settings.site_dir / 'index.html'}")
    return status


def cmd_serve(settings: Settings) -> int:
    from flows import prefect_env

    prefect_env.configure(settings)
    from flows.serve import serve

    return serve(settings)


def cmd_status(settings: Settings) -> int:
    from flows.status import status

    result = status(settings)
    print("\n".join(result.lines))
    return result.exit_code


COMMANDS = {
    "generate": cmd_generate,
    "ingest": cmd_ingest,
    "run": cmd_run,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "status": cmd_status,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"aud-outcomes: invalid setting: {_one_line(exc)}", file=sys.stderr)
        return preflight.EXIT_STATUS
    from core.warehouse import WarehouseBusyError
    from flows import signals

    try:
        if args.command in ("run", "demo"):
            # Outside the flow's steps too (Prefect's start, the summary): a stop with a status.
            with signals.stop_on_signals():
                return COMMANDS[args.command](settings)
        return COMMANDS[args.command](settings)
    except preflight.Refused as exc:
        print(f"aud-outcomes: cannot start: {exc}", file=sys.stderr)
        return preflight.EXIT_STATUS
    except WarehouseBusyError as exc:
        print(f"aud-outcomes: {exc}", file=sys.stderr)
        return 3
    except signals.Stopped as exc:
        print(f"aud-outcomes: {exc}", file=sys.stderr)
        return signals.exit_status(exc.signum)
    except KeyboardInterrupt:
        print("aud-outcomes: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
