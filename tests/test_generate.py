"""The synthetic export generator: contract conformance, determinism, variety, speed-independent.

Files are read here with pandas, json and pyarrow directly, independent of the ingest code, and
every row is checked against core.contract.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.contract import ATTENDED_STATUSES, ENTITIES, FILE_NAME, FORMATS, Entity
from flows.generate import GenerateReport, generate_exports
from flows.generate.render import civil_from_days, hex_ids, iso_timestamps, splitmix64, wall_to_utc

AS_OF = dt.date(2026, 11, 27)
PROGRAM_TZ = ZoneInfo("America/New_York")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
INT_RE = re.compile(r"^-?\d+$")
# No free text: a string is a contract code or a pseudonymous id, nothing else.
ID_RE = re.compile(r"^[pca]_[0-9a-f]{16}$")


# --- independent reader -----------------------------------------------------------------------


def _text_value(raw, sql_type: str, where: str):
    """A value from csv (str, '' = empty) or jsonl (JSON types) as a Python object."""
    if raw is None or raw == "":
        return None
    if sql_type == "INTEGER":
        if isinstance(raw, bool) or not (isinstance(raw, int) or INT_RE.match(str(raw))):
            raise AssertionError(f"{where}: not an integer")
        return int(raw)
    if sql_type == "BOOLEAN":
        if isinstance(raw, bool):
            return raw
        assert raw in ("true", "false"), f"{where}: not a boolean"
        return raw == "true"
    assert isinstance(raw, str), f"{where}: expected a string"
    if sql_type == "DATE":
        assert DATE_RE.match(raw), f"{where}: not a date"
        return dt.date.fromisoformat(raw)
    if sql_type == "TIMESTAMPTZ":
        assert TS_RE.match(raw), f"{where}: not an ISO 8601 timestamp with offset"
        return dt.datetime.fromisoformat(raw)
    return raw


def read_export(path: Path, entity: Entity) -> list[dict]:
    """Rows of one export file as dicts of Python values, checking the format's typing."""
    names = list(entity.column_names)
    types = {c.name: c.sql_type for c in entity.columns}
    ext = path.suffix[1:]
    if ext == "parquet":
        table = pq.read_table(path)
        assert table.column_names == names, f"{path.name}: columns {table.column_names}"
        checks = {
            "INTEGER": pa.types.is_integer,
            "DATE": pa.types.is_date32,
            "BOOLEAN": pa.types.is_boolean,
            "VARCHAR": pa.types.is_string,
            "TIMESTAMPTZ": lambda t: pa.types.is_timestamp(t) and t.tz is not None,
        }
        for f in table.schema:
            assert checks[types[f.name]](f.type), f"{path.name}: {f.name} is {f.type}"
        return table.to_pylist()
    if ext == "csv":
        raw = path.read_bytes().decode("utf-8")
        if not raw:
            return []
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
        assert list(df.columns) == names, f"{path.name}: columns {list(df.columns)}"
        records = df.to_dict("records")
    else:
        records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        for i, r in enumerate(records):
            assert list(r) == names, f"{path.name} line {i + 1}: columns {list(r)}"
    return [
        {k: _text_value(v, types[k], f"{path.name} row {i + 1} {k}") for k, v in r.items()}
        for i, r in enumerate(records)
    ]


def load_drop(out: Path) -> dict[str, list[tuple[dt.date, Path, list[dict]]]]:
    """Every export file by entity, in export-date order, after checking names and folders."""
    files: dict[str, list] = defaultdict(list)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        m = FILE_NAME.match(path.name)
        assert m, f"unexpected file in the drop folder: {path.relative_to(out)}"
        entity = ENTITIES[m["entity"]]
        assert path.parent == out / entity.system, f"{path.name} is in the wrong folder"
        export_date = dt.datetime.strptime(m["date"], "%Y%m%d").date()
        files[entity.name].append((export_date, path, read_export(path, entity)))
    for name in files:
        files[name].sort(key=lambda f: f[0])
    return files


def contract_violations(
    entity: Entity, rows: list[dict], export_date: dt.date, tz: ZoneInfo = PROGRAM_TZ
) -> list[str]:
    """Every broken contract rule, as `row N column: reason` (names positions, not values)."""
    bad = []
    for i, row in enumerate(rows, start=1):
        for col in entity.columns:
            v = row[col.name]
            where = f"row {i} {col.name}"
            if v is None:
                if not col.nullable:
                    bad.append(f"{where}: empty")
                continue
            if col.allowed is not None and v not in col.allowed:
                bad.append(f"{where}: not an allowed value")
            if col.min_value is not None and not col.min_value <= v <= col.max_value:
                bad.append(f"{where}: out of range")
            if col.pattern is not None and not re.match(col.pattern, v):
                bad.append(f"{where}: does not match the pattern")
            if col.sql_type == "VARCHAR" and col.allowed is None and not ID_RE.match(v):
                bad.append(f"{where}: free text where an id belongs")
            if col.sql_type == "TIMESTAMPTZ":
                if v.tzinfo is None:
                    bad.append(f"{where}: no offset")
                elif col.name == "scheduled_start":
                    continue  # booked appointments lie in the future
                # Dated no later than the file, in UTC, in its own offset and in the program zone.
                elif max(v.date(), v.astimezone(dt.UTC).date()) > export_date:
                    bad.append(f"{where}: after the export date")
                elif v.astimezone(tz).date() > export_date:
                    bad.append(f"{where}: after the export date in the program time zone")
        if entity.name == "participants":
            if row["enrolled_on"] > export_date:
                bad.append(f"row {i} enrolled_on: after the export date")
            if (row["discharged_on"] is None) != (row["discharge_reason"] is None):
                bad.append(f"row {i} discharge_reason: not set together with discharged_on")
            if row["discharged_on"] is not None and row["discharged_on"] < row["enrolled_on"]:
                bad.append(f"row {i} discharged_on: before enrolled_on")
            if row["discharged_on"] is not None and row["discharged_on"] > export_date:
                bad.append(f"row {i} discharged_on: after the export date")
        elif entity.name == "checkins":
            if row["report_date"] > export_date:
                bad.append(f"row {i} report_date: after the export date")
            if row["report_date"] > row["submitted_at"].date():
                bad.append(f"row {i} report_date: after the local submission date")
        else:
            if (row["cancelled_by"] is not None) and row["status"] != "cancelled":
                bad.append(f"row {i} cancelled_by: set without status cancelled")
    keys = [r[entity.key] for r in rows]
    if len(set(keys)) != len(keys):
        bad.append(f"{entity.key}: a record twice in one file")
    return bad


def _export_day(ts: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The first export date that may carry `ts`: its date in UTC or the program zone, the later."""
    return max(ts.astimezone(dt.UTC).date(), ts.astimezone(tz).date())


def assert_drop_satisfies_contract(
    out: Path, as_of: dt.date, nights: int, tz: ZoneInfo = PROGRAM_TZ
) -> dict:
    drop = load_drop(out)
    dates = [as_of - dt.timedelta(days=nights - k) for k in range(nights + 1)]
    known: set[str] = set()
    for name in ENTITIES:
        assert [f[0] for f in drop[name]] == dates, f"{name}: not one file a night"
    for export_date in dates:
        for name in ("participants", "checkins", "appointments"):  # the contract's load order
            entity = ENTITIES[name]
            [(_, path, rows)] = [f for f in drop[name] if f[0] == export_date]
            bad = contract_violations(entity, rows, export_date, tz)
            assert not bad, f"{path.name}: {bad[:5]}"
            if name == "participants":
                known |= {r["participant_id"] for r in rows}
            else:
                unknown = sum(r["participant_id"] not in known for r in rows)
                assert unknown == 0, f"{path.name}: {unknown} rows of unknown participants"
            if export_date != dates[0]:  # a delta: changed since the previous export, or overlap
                stamp = "submitted_at" if name == "checkins" else "updated_at"
                old = [
                    r
                    for r in rows
                    if _export_day(r[stamp], tz) < export_date - dt.timedelta(days=1)
                ]
                assert not old, f"{path.name}: {len(old)} rows older than the overlap day"
    return drop


# --- default-size program, generated once -----------------------------------------------------


@pytest.fixture(scope="module")
def default_drop(tmp_path_factory) -> tuple[GenerateReport, dict]:
    out = tmp_path_factory.mktemp("exports")
    report = generate_exports(out, as_of=AS_OF)
    return report, assert_drop_satisfies_contract(out, AS_OF, nights=7)


def latest(drop: dict, name: str) -> dict[str, dict]:
    """Latest version of each record: highest updated_at, then later file, then later row."""
    entity = ENTITIES[name]
    best: dict[str, tuple] = {}
    for export_date, _, rows in drop[name]:
        for i, row in enumerate(rows):
            rank = (row.get("updated_at") or row.get("submitted_at"), export_date, i)
            if row[entity.key] not in best or rank > best[row[entity.key]][0]:
                best[row[entity.key]] = (rank, row)
    return {k: v[1] for k, v in best.items()}


def test_report_counts_match_the_files(default_drop):
    report, drop = default_drop
    assert report.as_of == AS_OF
    assert len(report.files) == 24 and all(p.exists() for p in report.files)
    assert report.participants == len(latest(drop, "participants")) == 400
    assert report.checkins == len(latest(drop, "checkins"))
    assert report.appointments == len(latest(drop, "appointments"))
    assert not [p for p in report.out_dir.rglob(".*")], "temporary files left behind"


def test_formats_rotate_per_entity_and_night(default_drop):
    _, drop = default_drop
    for name, files in drop.items():
        exts = [p.suffix[1:] for _, p, _ in files]
        assert set(exts) == set(FORMATS), name
        assert all(a != b for a, b in pairwise(exts)), name
    for name, files in drop.items():
        for _, path, _ in files:
            if path.suffix == ".csv":
                lines = path.read_bytes().split(b"\n")
                crlf = all(line.endswith(b"\r") for line in lines[:-1])
                assert crlf == (ENTITIES[name].system == "scheduling"), path.name
    nightly = list(zip(*[[p.suffix for _, p, _ in drop[n]] for n in ENTITIES], strict=True))
    assert all(len(set(night)) == 3 for night in nightly)


def test_first_file_is_full_and_deltas_overlap(default_drop):
    _, drop = default_drop
    full = drop["participants"][0][2]
    assert len(full) > 0.95 * 400  # nearly everyone enrolled before the first export
    # Overlap: a check-in sent the day before a delta is in that delta and in the one before.
    seen = defaultdict(int)
    for _, _, rows in drop["checkins"]:
        for r in rows:
            seen[r["checkin_id"]] += 1
    assert sum(n >= 2 for n in seen.values()) > 100
    # A later file never carries an older version than an earlier file did.
    for name in ("participants", "appointments"):
        last: dict[str, dt.datetime] = {}
        for _, path, rows in drop[name]:
            for r in rows:
                key = r[ENTITIES[name].key]
                assert r["updated_at"] >= last.get(key, r["updated_at"]), path.name
                last[key] = r["updated_at"]


def test_participants_are_plausible(default_drop):
    _, drop = default_drop
    people = list(latest(drop, "participants").values())
    df = pd.DataFrame(people)
    enrolled = pd.to_datetime(df["enrolled_on"])
    assert enrolled.min().date() >= dt.date(2025, 11, 27) and enrolled.max().date() <= AS_OF
    by_month = enrolled.dt.to_period("M").value_counts().sort_index()
    assert by_month.iloc[1:-1].min() > 15  # roughly uniform: about 33 a full month
    assert 0.85 < df["baseline_audit_c"].notna().mean() < 0.99
    assert set(df["sex_at_birth"]) == {"female", "male", "unknown"} or len(df) < 100
    assert df["care_track"].nunique() == 3 and df["age_band"].nunique() >= 5
    assert df["state"].nunique() > 25
    assert 0 < (~df["data_sharing_consent"]).sum() <= 12  # about 1% withdraw
    reasons = set(df["discharge_reason"].dropna())
    assert {"completed", "lost_to_follow_up", "transferred"} <= reasons
    # Discharge arrives as a later version: the first delivery of those participants had none.
    first: dict[str, dict] = {}
    for _, _, rows in drop["participants"]:
        for r in rows:
            first.setdefault(r["participant_id"], r)
    discharged = df.loc[df["discharged_on"].notna(), "participant_id"]
    later = [pid for pid in discharged if first[pid]["discharged_on"] is None]
    assert later, "no discharge delivered as a later version"


def test_care_starts_and_never_started(default_drop):
    _, drop = default_drop
    people = latest(drop, "participants")
    appts = list(latest(drop, "appointments").values())
    first_attended: dict[str, dt.date] = {}
    for a in appts:
        if a["status"] in ATTENDED_STATUSES:
            day = a["scheduled_start"].astimezone(PROGRAM_TZ).date()
            pid = a["participant_id"]
            first_attended[pid] = min(day, first_attended.get(pid, day))
    started = [p for p in people if p in first_attended]
    share = len(started) / len(people)
    assert 0.75 < share < 0.92, share
    delays = np.array([(first_attended[p] - people[p]["enrolled_on"]).days for p in started])
    assert (delays >= 0).all() and np.mean(delays <= 22) > 0.97
    never = [p for p in people if p not in first_attended]
    no_show_intakes = [
        a for a in appts if a["participant_id"] in never and a["appointment_type"] == "intake"
    ]
    assert no_show_intakes and all(a["status"] not in ATTENDED_STATUSES for a in no_show_intakes)
    never_checked_in = {c["participant_id"] for c in latest(drop, "checkins").values()} & set(never)
    assert never_checked_in, "no never-started participant sent a check-in"


def test_appointment_variety(default_drop):
    _, drop = default_drop
    appts = latest(drop, "appointments")
    statuses = pd.Series([a["status"] for a in appts.values()]).value_counts(normalize=True)
    assert set(statuses.index) == {
        "booked", "arrived", "checked-in", "fulfilled", "noshow", "cancelled", "entered-in-error"
    }  # fmt: skip
    assert statuses["fulfilled"] > 0.5 and 0.05 < statuses["noshow"] < 0.2
    assert 0.04 < statuses["cancelled"] < 0.15 and statuses["entered-in-error"] < 0.03
    cancelled_by = {a["cancelled_by"] for a in appts.values() if a["status"] == "cancelled"}
    assert cancelled_by == {"patient", "provider"}
    as_of_end = dt.datetime.combine(AS_OF, dt.time.max, PROGRAM_TZ)
    booked = [a for a in appts.values() if a["status"] == "booked"]
    assert any(a["scheduled_start"] > as_of_end for a in booked), "no future bookings"
    assert any(a["scheduled_start"] < as_of_end - dt.timedelta(days=3) for a in booked), (
        "none unresolved"
    )
    assert {a["appointment_type"] for a in appts.values()} == {
        "intake", "prescriber", "therapy", "group", "peer_support"
    }  # fmt: skip
    # Several versions: first delivered booked, later with its final status and a later updated_at.
    versions = defaultdict(list)
    for _, _, rows in drop["appointments"]:
        for r in rows:
            versions[r["appointment_id"]].append((r["updated_at"], r["status"]))
    changed = [v for v in versions.values() if v[0][1] == "booked" and v[-1][1] != "booked"]
    assert len(changed) > 50
    assert all(v[-1][0] > v[0][0] for v in changed)


def test_scheduled_start_offsets_make_the_time_zone_matter(default_drop):
    _, drop = default_drop
    raw = []
    for _, path, _ in drop["appointments"]:
        if path.suffix == ".csv":
            raw += pd.read_csv(path, dtype=str)["scheduled_start"].tolist()
    assert any(s.endswith("Z") for s in raw)
    pacific_evening = [
        s
        for s in raw
        if s.endswith(("-08:00", "-07:00"))
        and dt.datetime.fromisoformat(s).hour >= 21
        and dt.datetime.fromisoformat(s).astimezone(PROGRAM_TZ).date()
        > dt.datetime.fromisoformat(s).date()
    ]
    assert pacific_evening, "no Pacific late-evening appointment falling on the next Eastern day"


def test_checkin_variety(default_drop):
    _, drop = default_drop
    checkins = pd.DataFrame(latest(drop, "checkins").values())
    skipped = checkins["standard_drinks"].isna().mean()
    assert 0.02 < skipped < 0.09, skipped
    assert checkins["craving_score"].between(0, 10).all() or checkins["craving_score"].isna().any()
    lag = (checkins["submitted_at"].map(lambda t: t.date()) - checkins["report_date"]).map(
        lambda d: d.days
    )
    assert (lag == 1).mean() > 0.5  # usually answered the next day
    # Corrections: a second check-in for the same day, later, with a different answer.
    groups = checkins.groupby(["participant_id", "report_date"])
    multi = groups.filter(lambda g: len(g) > 1)
    assert multi["checkin_id"].nunique() > 20
    differs = multi.groupby(["participant_id", "report_date"])["standard_drinks"].nunique()
    assert (differs > 1).any()
    # Medication answered only on medication tracks.
    people = latest(drop, "participants")
    track = checkins["participant_id"].map(lambda p: people[p]["care_track"])
    assert checkins.loc[track == "therapy_only", "took_medication"].isna().all()
    assert checkins.loc[track != "therapy_only", "took_medication"].notna().mean() > 0.5


def test_drinking_improves_in_treatment_and_heavier_for_men(default_drop):
    _, drop = default_drop
    people = latest(drop, "participants")
    appts = latest(drop, "appointments").values()
    start: dict[str, dt.date] = {}
    for a in appts:
        if a["status"] in ATTENDED_STATUSES:
            day = a["scheduled_start"].astimezone(PROGRAM_TZ).date()
            start[a["participant_id"]] = min(day, start.get(a["participant_id"], day))
    c = pd.DataFrame(latest(drop, "checkins").values()).dropna(subset=["standard_drinks"])
    c = c[c["participant_id"].isin(start)]
    c["day"] = [
        (r - start[p]).days for r, p in zip(c["report_date"], c["participant_id"], strict=True)
    ]
    baseline = c.loc[c["day"] < 0, "standard_drinks"].mean()
    later = c.loc[c["day"] >= 60, "standard_drinks"].mean()
    assert baseline > 1.5 * later, (baseline, later)
    sex = c["participant_id"].map(lambda p: people[p]["sex_at_birth"])
    base = c[c["day"] < 0]
    assert (
        base.loc[sex == "male", "standard_drinks"].mean()
        > base.loc[sex == "female", "standard_drinks"].mean()
    )
    heavy = (base["standard_drinks"] >= np.where(sex[base.index] == "male", 5, 4)).mean()
    assert 0.1 < heavy < 0.8


def test_dropouts_and_comebacks(default_drop):
    _, drop = default_drop
    dates = defaultdict(set)
    for a in latest(drop, "appointments").values():
        if a["status"] in ATTENDED_STATUSES:
            dates[a["participant_id"]].add(a["scheduled_start"].astimezone(PROGRAM_TZ).date())
    for ch in latest(drop, "checkins").values():
        dates[ch["participant_id"]].add(ch["report_date"])
    gaps = {p: np.diff(sorted(d)) for p, d in dates.items() if len(d) > 1}
    came_back = [p for p, g in gaps.items() if any(x.days > 30 for x in g)]
    assert len(came_back) > 10
    stopped = [p for p, d in dates.items() if (AS_OF - max(d)).days > 30]
    assert len(stopped) > 40


# --- determinism and the property test --------------------------------------------------------


def _bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    args = {"participants": 60, "months": 3, "as_of": AS_OF, "nights": 3}
    a = _bytes(generate_exports(tmp_path / "a", seed=11, **args).out_dir)
    b = _bytes(generate_exports(tmp_path / "b", seed=11, **args).out_dir)
    c = _bytes(generate_exports(tmp_path / "c", seed=12, **args).out_dir)
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[k] != c[k] for k in a if "participants" in k and len(a[k]) > 400)
    assert a != c


def test_empty_program_writes_empty_files(tmp_path):
    report = generate_exports(tmp_path, participants=0, months=2, as_of=AS_OF, nights=1)
    assert report.participants == report.checkins == report.appointments == 0
    assert len(report.files) == 6
    drop = assert_drop_satisfies_contract(tmp_path, AS_OF, nights=1)
    assert all(not rows for files in drop.values() for _, _, rows in files)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    participants=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
    months=st.integers(0, 8),
    nights=st.integers(0, 3),
    as_of=st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)),
    timezone=st.sampled_from(
        ["America/New_York", "America/Los_Angeles", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"]
    ),
)
def test_output_always_satisfies_the_contract(
    tmp_path_factory, participants, seed, months, nights, as_of, timezone
):
    out = tmp_path_factory.mktemp("prop")
    report = generate_exports(
        out,
        participants=participants,
        months=months,
        seed=seed,
        as_of=as_of,
        nights=nights,
        timezone=timezone,
    )
    assert_drop_satisfies_contract(out, as_of, nights, ZoneInfo(timezone))
    assert report.participants <= participants


# --- vectorised helpers against the standard library --------------------------------------------


def test_iso_timestamps_and_civil_dates_match_datetime():
    rng = np.random.default_rng(0)
    utc = rng.integers(-(10**9), 4 * 10**9, 2000)
    offsets = rng.integers(-14 * 4, 14 * 4 + 1, 2000) * 900
    zulu = rng.random(2000) < 0.3
    text = iso_timestamps(utc, offsets, zulu).to_pylist()
    for s, u, o, z in zip(text, utc, offsets, zulu, strict=True):
        parsed = dt.datetime.fromisoformat(s)
        assert parsed.timestamp() == u
        assert parsed.utcoffset() == dt.timedelta(seconds=0 if z else int(o))
        assert s.endswith("Z") == z
    days = np.arange(-719_000, 2_900_000, 997)  # years 1 to 9900
    y, m, d = civil_from_days(days)
    for day, yy, mm, dd in zip(days[::50], y[::50], m[::50], d[::50], strict=True):
        assert dt.date(1970, 1, 1) + dt.timedelta(days=int(day)) == dt.date(yy, mm, dd)


def test_ids_are_unique_hex_and_wall_times_respect_dst():
    ids = hex_ids("p_", splitmix64(np.arange(10_000, dtype=np.uint64))).to_pylist()
    assert len(set(ids)) == 10_000 and all(re.match(r"^p_[0-9a-f]{16}$", i) for i in ids)
    zones = ("America/Los_Angeles",)
    walls = [dt.datetime(2026, 1, 15, 21, 0), dt.datetime(2026, 7, 15, 21, 0)]
    wall_s = np.array([int(w.replace(tzinfo=dt.UTC).timestamp()) for w in walls])
    got = wall_to_utc(wall_s, np.zeros(2, np.int8), zones)
    want = [int(w.replace(tzinfo=ZoneInfo(zones[0])).timestamp()) for w in walls]
    assert got.tolist() == want


# --- larger program, checked set-wise in DuckDB -------------------------------------------------


def _duckdb_violations(con, path: Path, entity: Entity, export_date: dt.date) -> dict[str, int]:
    """Counts of broken rules in one file, every value read as text and cast in SQL."""
    source = _source(path)
    cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in entity.column_names)
    day = f"DATE '{export_date.isoformat()}'"
    checks: dict[str, str] = {}
    for c in entity.columns:
        v = f'"{c.name}"'
        if not c.nullable:
            checks[f"{c.name} empty"] = f"{v} IS NULL"
        typed = {"INTEGER": "INTEGER", "DATE": "DATE", "TIMESTAMPTZ": "TIMESTAMPTZ"}
        typed |= {"BOOLEAN": "BOOLEAN"}
        if c.sql_type in typed:
            checks[f"{c.name} type"] = f"{v} IS NOT NULL AND TRY_CAST({v} AS {c.sql_type}) IS NULL"
        if c.allowed is not None:
            allowed = ", ".join(f"'{a}'" for a in c.allowed)
            checks[f"{c.name} allowed"] = f"{v} NOT IN ({allowed})"
        if c.min_value is not None:
            checks[f"{c.name} range"] = (
                f"TRY_CAST({v} AS INTEGER) NOT BETWEEN {c.min_value} AND {c.max_value}"
            )
        if c.pattern is not None:
            checks[f"{c.name} pattern"] = f"NOT regexp_full_match({v}, '{c.pattern}')"
        if c.sql_type == "DATE" and c.name != "discharged_on":
            checks[f"{c.name} after export"] = f"TRY_CAST({v} AS DATE) > {day}"
        if c.sql_type == "TIMESTAMPTZ" and c.name != "scheduled_start":
            utc_date = f"CAST(timezone('UTC', TRY_CAST({v} AS TIMESTAMPTZ)) AS DATE)"
            checks[f"{c.name} after export"] = f"{utc_date} > {day}"
    if entity.name == "participants":
        checks["discharge pair"] = "(discharged_on IS NULL) <> (discharge_reason IS NULL)"
        checks["discharge order"] = "CAST(discharged_on AS DATE) < CAST(enrolled_on AS DATE)"
    if entity.name == "appointments":
        checks["cancelled_by"] = "cancelled_by IS NOT NULL AND status <> 'cancelled'"
    counts = ", ".join(f'count_if({sql}) AS "{name}"' for name, sql in checks.items())
    row = con.execute(f"SELECT {counts} FROM (SELECT {cols} FROM {source})").fetchone()
    return {name: n for name, n in zip(checks, row, strict=True) if n}


@pytest.mark.slow
def test_larger_program_satisfies_the_contract_in_duckdb(tmp_path):
    report = generate_exports(tmp_path, participants=5000, months=18, as_of=AS_OF, seed=3)
    assert report.participants > 4900 and report.checkins > 250_000
    with duckdb.connect() as con:
        for path in report.files:
            m = FILE_NAME.match(path.name)
            export_date = dt.datetime.strptime(m["date"], "%Y%m%d").date()
            bad = _duckdb_violations(con, path, ENTITIES[m["entity"]], export_date)
            assert not bad, f"{path.name}: {bad}"
        # Every delivered check-in once, however many files carry it: the report's count.
        sources = [
            f"SELECT CAST(checkin_id AS VARCHAR) AS id FROM {_source(p)}"
            for p in report.files
            if p.name.startswith("checkins_")
        ]
        union = " UNION ALL ".join(sources)
        rows, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT id) FROM ({union})"
        ).fetchone()
    assert distinct == report.checkins and rows > distinct


def _source(path: Path) -> str:
    return {
        ".csv": f"read_csv('{path}', header = true, all_varchar = true)",
        ".jsonl": f"read_json('{path}', format = 'newline_delimited')",
        ".parquet": f"read_parquet('{path}')",
    }[path.suffix]
