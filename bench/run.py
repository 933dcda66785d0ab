"""`make bench`: the pipeline at program scale, measured by the operating system.

1. a full run into an empty warehouse (wall time per step and in total, peak memory of the whole
   process tree, sampled with psutil);
2. the nightly case: one more night's delivery into the existing warehouse;
3. the floor: the same public outcome tables computed by one plain DuckDB SQL script over the
   same files, with no Prefect, dbt or Great Expectations. bench/floor.sql is written by hand from
   ../shared/METRICS.md and EXPORTS.md (not from the dbt models); its parameters (as-of date, time
   zone, thresholds) come from core.settings.Settings, as for the pipeline. Its tables are checked
   equal to the pipeline's, so it is a fair floor and an independent check of the figures.

Data sets are generated once and cached in bench/data/ (gitignored). Results are printed and
written to bench/results.md. `--smoke` runs a tiny version (seconds) so CI keeps it working.

`--spark` instead runs the full pipeline at 10k on both engines (`--engine duckdb` and
`--engine spark`, each into an empty warehouse) and merges a Spark-beside-DuckDB section into
results.md, leaving the other figures as they are (and a plain `make bench` keeps that section).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil

from core.settings import Settings

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
AS_OF = dt.date(2026, 11, 1)  # fixed, so cached data and figures are comparable between runs
SIZES = {"100k": 100_000, "10k": 10_000}
SMOKE_SIZE = 150
MONTHS = 18
NIGHTS = 7
TARGETS = {
    "full_s": 120.0,
    "full_peak_gib": 4.0,
    "nightly_s": 30.0,
    "full_over_floor": 3.0,
}


@dataclass
class Measure:
    label: str
    wall_s: float
    peak_rss_mib: float
    exit_code: int
    steps: dict[str, float] = field(default_factory=dict)


def landed_rows(warehouse: Path) -> dict[str, int]:
    """Rows landed per entity: the size of the data set a figure was measured on."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from landing.{t}").fetchone()[0]
            for t in ("participants", "checkins", "appointments")
        }


def measure(label: str, cmd: list[str], env: dict[str, str], log: Path) -> Measure:
    """Run cmd; wall time, and peak RSS summed over the process and all its children."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = psutil.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        peak = 0
        while proc.poll() is None:
            rss = 0
            with contextlib.suppress(psutil.Error):
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a child may end while we look
                        rss += p.memory_info().rss
            peak = max(peak, rss)
            time.sleep(0.05)
    wall = time.perf_counter() - started
    return Measure(label, round(wall, 2), round(peak / 2**20, 1), proc.returncode)


def cli(*args: str) -> list[str]:
    return [str(BIN / "aud-outcomes"), *args]


def ensure_dataset(name: str, participants: int, base: Path) -> Path:
    """Generated once; the last night's files are held back for the nightly case."""
    folder = base / name / "exports"
    done = folder.parent / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"generating {name} ({participants} participants, {MONTHS} months) ...", flush=True)
    subprocess.run(
        cli(
            "generate",
            "--out",
            str(folder),
            "--participants",
            str(participants),
            "--months",
            str(MONTHS),
            "--seed",
            "11",
            "--as-of",
            AS_OF.isoformat(),
            "--nights",
            str(NIGHTS),
        ),
        check=True,
        env=os.environ,
    )
    done.write_text("ok\n")
    return folder


def split_last_night(exports: Path, work: Path) -> tuple[Path, list[Path]]:
    """A drop folder without the last night's files, and those files, for the nightly case."""
    stamp = AS_OF.strftime("%Y%m%d")
    drop = work / "drop"
    shutil.rmtree(drop, ignore_errors=True)
    held = []
    for path in sorted(exports.rglob("*_*.*")):
        target = drop / path.relative_to(exports)
        target.parent.mkdir(parents=True, exist_ok=True)
        if stamp in path.name:
            held.append(path)
        else:
            os.link(path, target)  # hard links: no copy of gigabytes
    return drop, held


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_prefect(home: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """A real Prefect server, as in production, so the runs do not pay for a temporary one."""
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    log = (home.parent / "prefect-server.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(env["PREFECT_API_URL"] + "/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("Prefect server did not start; see " + log.name) from None
            time.sleep(0.5)
    return proc, env


def steps_of(warehouse: Path) -> dict[str, float]:
    path = warehouse.with_name(warehouse.name + ".last-run.json")
    return json.loads(path.read_text()).get("step_seconds", {}) if path.exists() else {}


FLOOR_SQL = BENCH / "floor.sql"
FLOOR_RUNNER = """
import sys, duckdb
db, script, memory_limit = sys.argv[1:4]
with duckdb.connect(db, config={"memory_limit": memory_limit}) as con:
    con.execute("set enable_progress_bar = false")
    con.execute(open(script).read())
"""


def sql_literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def floor_parameters(settings: Settings, exports: Path) -> str:
    """The floor's parameters, from the same Settings the pipeline's run reads (the as-of date
    given, thresholds and time zone from AUD_* or their defaults), as `set variable` statements."""
    values = {
        "exports": exports.resolve(),
        "as_of": settings.resolved_as_of(),
        "program_timezone": settings.timezone,
        "retention_gap_days": settings.retention_gap_days,
        "outcome_months": settings.outcome_months,
        "heavy_threshold_female": settings.heavy_threshold_female,
        "heavy_threshold_male": settings.heavy_threshold_male,
        "heavy_threshold_unknown": settings.heavy_threshold_unknown,
    }
    lines = [f"set variable {name} = {sql_literal(v)};" for name, v in values.items()]
    return "-- Parameters, set by bench/run.py from core.settings.Settings\n" + "\n".join(lines)


def run_floor(exports: Path, work: Path, env: dict[str, str], as_of: dt.date) -> Measure:
    """bench/floor.sql with its parameters prepended, in a fresh DuckDB file, in its own process;
    the script run is kept beside the database (floor.run.sql) to rerun by hand."""
    settings = Settings(as_of=as_of)
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    script = work / "floor.run.sql"
    script.write_text(floor_parameters(settings, exports) + "\n\n" + FLOOR_SQL.read_text())
    cmd = [sys.executable, "-c", FLOOR_RUNNER, str(db), str(script), settings.duckdb_memory_limit]
    return measure("floor: plain DuckDB SQL", cmd, env, work / "floor.log")


def bench_size(name: str, participants: int, base: Path, env: dict[str, str]) -> dict:
    exports = ensure_dataset(name, participants, base)
    work = base / name / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    drop, held = split_last_night(exports, work)
    warehouse, site = work / "warehouse.duckdb", work / "site"
    day_before = (AS_OF - dt.timedelta(days=1)).isoformat()
    run_env = {**env, "AUD_DATA_DIR": str(work / "state")}

    def pipeline_run(label: str, as_of: str, log: str) -> Measure:
        args = ["--exports", str(drop), "--warehouse", str(warehouse), "--site", str(site)]
        measured = measure(
            f"{name}: {label}", cli("run", *args, "--as-of", as_of), run_env, work / log
        )
        measured.steps = steps_of(warehouse)
        return measured

    full = pipeline_run("full run, empty warehouse", day_before, "full.log")
    for path in held:
        os.link(path, drop / path.relative_to(exports))
    nightly = pipeline_run("nightly, one more night", AS_OF.isoformat(), "nightly.log")
    floor = run_floor(drop, work, run_env, AS_OF)
    counts = landed_rows(warehouse)
    return {
        "name": name,
        "full": full,
        "nightly": nightly,
        "floor": floor,
        "rows": counts,
        "files": sum(1 for _ in drop.rglob("*_*.*")),
        "comparison": (
            compare_public_tables(warehouse, work / "floor.duckdb", work / "floor-differences.txt")
            if floor.exit_code == 0
            else Comparison(
                [f"the floor failed (exit {floor.exit_code}); see {work / 'floor.log'}"]
            )
        ),
    }


# The public tables (METRICS.md "Public tables") and the columns that identify a row.
PUBLIC_TABLES = {
    "participant_retention": ("participant_id",),
    "retention_curve": ("cohort", "day"),
    "participant_drinking_monthly": ("participant_id", "treatment_month"),
    "appointment_attendance_monthly": ("month", "appointment_type"),
}
FLOAT_TOLERANCE = 1e-9  # fractions and estimates: the two computations may round differently
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
EXAMPLES = 5


@dataclass
class Comparison:
    """The floor against the pipeline: `differences` break equality, `notes` do not (columns the
    floor computes from METRICS.md that the pipeline's table lacks are not compared)."""

    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: Path | None = None

    @property
    def equal(self) -> bool:
        return not self.differences


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"describe {table}").fetchall()}


def _differs(column: str, types: tuple[str, str]) -> str:
    """SQL: the pipeline's (p) and the floor's (f) value of `column` differ."""
    if any(t in FLOAT_TYPES for t in types):
        return (
            f"((p.{column} is null) <> (f.{column} is null) "
            f"or abs(p.{column} - f.{column}) > {FLOAT_TOLERANCE})"
        )
    return f"p.{column} is distinct from f.{column}"


def _compare_table(
    con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...], result: Comparison
) -> list[str]:
    """One public table: adds its differences and notes to `result`, returns example rows."""
    pipeline, floor = f"marts.{table}", f"floor_db.marts.{table}"
    p_cols, f_cols = _columns(con, pipeline), _columns(con, floor)
    result.notes += [
        f"{pipeline} has no column {c}, which the floor computes (METRICS.md); not compared"
        for c in f_cols
        if c not in p_cols
    ]
    common = [c for c in f_cols if c in p_cols and c not in keys]
    key_list = ", ".join(keys)
    for side, name in ((pipeline, "pipeline"), (floor, "floor")):
        dupes = con.execute(
            f"select count(*) from (select {key_list} from {side} group by all having count(*) > 1)"
        ).fetchone()[0]
        if dupes:
            result.differences.append(f"{table}: {dupes} keys ({key_list}) repeat in the {name}'s")
    on = " and ".join(f"p.{k} = f.{k}" for k in keys)
    joined = (
        f"(select *, true as _in from {pipeline}) as p "
        f"full join (select *, true as _in from {floor}) as f on {on}"
    )
    differs = {c: _differs(c, (p_cols[c], f_cols[c])) for c in common}
    checks = [
        "count(*) filter (where f._in is null)",
        "count(*) filter (where p._in is null)",
        "count(*) filter (where p._in and f._in)",
        *[f"count(*) filter (where p._in and f._in and {d})" for d in differs.values()],
    ]
    counts = con.execute(f"select {', '.join(checks)} from {joined}").fetchone()
    only_pipeline, only_floor, both = counts[:3]
    key_cols = ", ".join(f"coalesce(p.{k}, f.{k}) as {k}" for k in keys)
    examples: list[str] = []
    for n, where, what in (
        (only_pipeline, "f._in is null", "only in the pipeline's"),
        (only_floor, "p._in is null", "only in the floor's"),
    ):
        if n:
            result.differences.append(f"{table}: {n} rows ({key_list}) {what}")
            rows = con.execute(
                f"select {key_cols} from {joined} where {where} order by all limit {EXAMPLES}"
            ).fetchall()
            examples += [f"{table} row {what}: {dict(zip(keys, r, strict=True))}" for r in rows]
    for (c, d), n in zip(differs.items(), counts[3:], strict=True):
        if not n:
            continue
        result.differences.append(f"{table}.{c}: differs on {n} of {both} rows present in both")
        rows = con.execute(
            f"select {key_cols}, p.{c}, f.{c} from {joined} "
            f"where p._in and f._in and {d} order by all limit {EXAMPLES}"
        ).fetchall()
        examples += [
            f"{table}.{c} at {dict(zip(keys, r[:-2], strict=True))}: "
            f"pipeline {r[-2]!r}, floor {r[-1]!r}"
            for r in rows
        ]
    return examples


def compare_public_tables(warehouse: Path, floor_db: Path, details: Path) -> Comparison:
    """The floor is only a fair floor if it computes the same figures: compare the four tables
    row by row on their keys, in every column both have (floats within FLOAT_TOLERANCE).

    The summary names tables, columns and row counts; example rows (keys and both values, of the
    bench's synthetic data) go to `details`, for looking into a difference."""
    result = Comparison(details=details)
    if not floor_db.exists():
        result.differences.append(f"no floor database {floor_db.name}: the floor did not run")
        return result
    examples: list[str] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"attach '{floor_db}' as floor_db (read_only)")
        for table, keys in PUBLIC_TABLES.items():
            examples += _compare_table(con, table, keys, result)
    lines = ["# The floor against the pipeline", *result.differences, *result.notes, *examples]
    details.write_text("\n".join(lines) + "\n")
    return result


def fmt_steps(m: Measure) -> str:
    order = ("ingest", "dbt", "validation", "dashboards", "promote", "dbt_docs", "swap")
    return ", ".join(f"{k} {m.steps[k]:.1f}" for k in order if k in m.steps)


ENGINES = ("duckdb", "spark")
SPARK_SIZE = "10k"
SPARK_SECTION = "## Spark engine beside DuckDB"


def bench_engines(name: str, participants: int, base: Path, env: dict[str, str]) -> dict:
    """The full run into an empty warehouse, all files, once per engine (issue 8)."""
    exports = ensure_dataset(name, participants, base)
    work = base / name / "engines"
    shutil.rmtree(work, ignore_errors=True)
    load_before = os.getloadavg()
    runs: dict[str, Measure] = {}
    for engine in ENGINES:
        folder = work / engine
        folder.mkdir(parents=True)
        warehouse = folder / "warehouse.duckdb"
        args = ["--exports", str(exports), "--warehouse", str(warehouse)]
        args += ["--site", str(folder / "site"), "--as-of", AS_OF.isoformat(), "--engine", engine]
        run_env = {**env, "AUD_DATA_DIR": str(folder / "state")}
        measured = measure(f"{name}: {engine}", cli("run", *args), run_env, folder / "run.log")
        measured.steps = steps_of(warehouse)
        runs[engine] = measured
    counts = landed_rows(work / "duckdb" / "warehouse.duckdb")
    return {
        "name": name,
        "runs": runs,
        "rows": counts,
        "files": sum(1 for _ in exports.rglob("*_*.*")),
        "load": (load_before, os.getloadavg()),
    }


def spark_report(result: dict) -> str:
    runs: dict[str, Measure] = result["runs"]
    rows = " / ".join(f"{v:,}" for v in result["rows"].values())
    (before, after) = result["load"]
    lines = [
        SPARK_SECTION + f" ({result['name']})",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {psutil.cpu_count()} cores, "
        f"pyspark {_version('pyspark')}, dbt-spark {_version('dbt-spark')}: the full run "
        "(`aud-outcomes run --engine ...`, every file into an empty warehouse, as of "
        f"{AS_OF}) once per engine. On a SHARED machine: other jobs ran at the same time (load "
        f"average {before[0]:.1f} before, {after[0]:.1f} after, on 2 cores), so the times are "
        "rough. Spark runs in local mode (`local[2]`) inside the run's process; its time includes "
        "the JVM and metastore start, and ingestion is DuckDB's on both engines.",
        "",
        "| data set | rows landed (participants / check-ins / appointments) | files | engine "
        "| wall s | peak MiB | steps (s) | exit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for engine, m in runs.items():
        lines.append(
            f"| {result['name']} | {rows} | {result['files']} | {engine} | {m.wall_s:.1f} | "
            f"{m.peak_rss_mib:,.0f} | {fmt_steps(m)} | {m.exit_code} |"
        )
    duck, spark = runs["duckdb"], runs["spark"]
    if duck.wall_s:
        lines += ["", f"- Spark / DuckDB wall time: {spark.wall_s / duck.wall_s:.1f}x."]
    return "\n".join(lines) + "\n"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def merge_results(path: Path, main: str | None = None, spark: str | None = None) -> str:
    """results.md with its main part and its Spark section, each replaced only when given."""
    old = path.read_text() if path.exists() else ""
    at = old.find(SPARK_SECTION)
    old_main, old_spark = (old[:at], old[at:]) if at >= 0 else (old, "")
    parts = [(main if main is not None else old_main).rstrip(), (spark or old_spark).rstrip()]
    text = "\n\n".join(p for p in parts if p) + "\n"
    path.write_text(text)
    return text


def report(results: list[dict], smoke: bool) -> str:
    mem = psutil.virtual_memory().total / 2**30
    lines = [
        "# Benchmark results" + (" (smoke)" if smoke else ""),
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{psutil.cpu_count()} cores, {mem:.0f} GiB memory, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}. As-of date {AS_OF}; {MONTHS} months of enrolment.",
        "Wall seconds; peak memory is the resident set of the whole process tree (psutil, 50 ms "
        "samples). A real Prefect server runs beside, as in production (not counted).",
        "",
        "| data set | rows landed (participants / check-ins / appointments) | files | case "
        "| wall s | peak MiB | steps (s) | exit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows = " / ".join(f"{v:,}" for v in r["rows"].values())
        for m in (r["full"], r["nightly"], r["floor"]):
            lines.append(
                f"| {r['name']} | {rows} | {r['files']} | {m.label.split(': ', 1)[1]} | "
                f"{m.wall_s:.1f} | {m.peak_rss_mib:,.0f} | {fmt_steps(m)} | {m.exit_code} |"
            )
    lines += [
        "",
        "Targets (100k): full run < 120 s and < 4 GiB; nightly < 30 s; full run "
        "within 3x of the floor.",
        "",
    ]
    for r in results:
        ratio = r["full"].wall_s / r["floor"].wall_s if r["floor"].wall_s else float("nan")
        comparison: Comparison = r["comparison"]
        lines.append(
            f"- {r['name']}: full run / floor = {ratio:.1f}x; the floor's four public tables "
            + (
                "equal the pipeline's (every column both have; fractions within "
                f"{FLOAT_TOLERANCE:g})"
                if comparison.equal
                else f"DIFFER from the pipeline's (rows in {comparison.details}):"
            )
        )
        lines += [f"  - {d}" for d in comparison.differences]
        lines += [f"  - note: {n}" for n in comparison.notes]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, seconds; for CI")
    parser.add_argument("--only", choices=sorted(SIZES), help="one data set only")
    parser.add_argument(
        "--spark",
        action="store_true",
        help=f"the full run at {SPARK_SIZE} on both engines (DuckDB, Spark); merges its "
        "section into results.md",
    )
    args = parser.parse_args()
    base = BENCH / "data"
    if args.smoke:
        base = base / "smoke"
        shutil.rmtree(base, ignore_errors=True)
        sizes = {"smoke": SMOKE_SIZE}
    else:
        sizes = {k: v for k, v in SIZES.items() if not args.only or k == args.only}
    base.mkdir(parents=True, exist_ok=True)
    server, env = start_prefect(base / "prefect-home")
    if args.spark:
        name, participants = next(iter(sizes.items())) if args.smoke else (SPARK_SIZE, 10_000)
        try:
            result = bench_engines(name, participants, base, env)
        finally:
            server.terminate()
            server.wait(timeout=30)
        section = spark_report(result)
        print(section)
        merge_results(base / "results.md" if args.smoke else BENCH / "results.md", spark=section)
        failed = [m.label for m in result["runs"].values() if m.exit_code != 0]
        if failed:
            print("FAILED: " + "; ".join(failed) + f" (logs in {base})", file=sys.stderr)
            return 1
        return 0
    try:
        results = [
            bench_size(n, p, base, env) for n, p in sorted(sizes.items(), key=lambda kv: kv[1])
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = report(results, args.smoke)
    print(text)
    out = base / "results.md" if args.smoke else BENCH / "results.md"
    merge_results(out, main=text)  # a Spark section (--spark) is kept
    failed = [
        m.label for r in results for m in (r["full"], r["nightly"], r["floor"]) if m.exit_code != 0
    ]
    failed += [
        f"{r['name']}: the floor's tables differ from the pipeline's"
        for r in results
        if not r["comparison"].equal
    ]
    if failed:
        print("FAILED: " + "; ".join(failed) + f" (logs in {base})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
