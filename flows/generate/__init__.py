"""Synthetic nightly exports for demos, tests and benchmarks (`aud-outcomes generate`).

Simulates a program (flows.generate.model) and delivers it in the drop-folder layout of
../shared/EXPORTS.md (flows.generate.deliver): a full export `nights` days before the as-of date,
then one overlapping delta a night up to the as-of date, rotating csv, jsonl and parquet.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from core.contract import ENTITIES, FORMATS
from core.settings import Settings

from .deliver import participant_ids, select, to_table, write_atomically
from .model import simulate

EPOCH = dt.date(1970, 1, 1)
PROGRAM_TIMEZONE = Settings.model_fields["timezone"].default


@dataclass
class GenerateReport:
    out_dir: Path
    files: list[Path]
    participants: int
    checkins: int
    appointments: int
    as_of: dt.date


def months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def generate_exports(
    out: Path,
    participants: int = 400,
    months: int = 12,
    seed: int = 7,
    as_of: dt.date | None = None,
    nights: int = 7,
    timezone: str = PROGRAM_TIMEZONE,
) -> GenerateReport:
    """Write `nights + 1` nights of exports of a simulated program into `out` (see module doc).

    `as_of` defaults to today in the program time zone; the first (full) export is dated
    `as_of - nights`, the last delta `as_of`. Same arguments, same bytes.
    """
    if participants < 0 or months < 0 or nights < 0:
        raise ValueError("participants, months and nights must not be negative")
    as_of = as_of or dt.datetime.now(ZoneInfo(timezone)).date()
    out = Path(out)
    as_of_day = (as_of - EPOCH).days
    start_day = (months_before(as_of, months) - EPOCH).days
    program = simulate(participants, seed, as_of_day, start_day, timezone)
    versions = {
        "participants": program.participants,
        "checkins": program.checkins,
        "appointments": program.appointments,
    }
    first_export = as_of_day - nights
    pids = participant_ids(program)
    files: list[Path] = []
    for night in range(nights + 1):
        export_day = first_export + night
        since = None if night == 0 else export_day - 1  # the previous day again: the overlap
        stamp = (EPOCH + dt.timedelta(days=export_day)).strftime("%Y%m%d")
        for e_index, (name, entity) in enumerate(ENTITIES.items()):
            fmt = FORMATS[(e_index + night) % len(FORMATS)]
            rows = versions[name].take(select(versions[name], export_day, since))
            table = to_table(entity, program, rows, typed=fmt == "parquet", pids=pids)
            path = out / entity.system / f"{name}_{stamp}.{fmt}"
            write_atomically(table, path, fmt)
            files.append(path)

    def delivered(v) -> int:
        # Keys are sorted and a record's first version is its earliest: count delivered firsts.
        first = np.ones(len(v.key), dtype=bool)
        first[1:] = v.key[1:] != v.key[:-1]
        return int(np.count_nonzero(first & (v.xday <= as_of_day)))

    return GenerateReport(
        out_dir=out,
        files=files,
        participants=delivered(program.participants),
        checkins=delivered(program.checkins),
        appointments=delivered(program.appointments),
        as_of=as_of,
    )


__all__ = ["GenerateReport", "generate_exports"]
