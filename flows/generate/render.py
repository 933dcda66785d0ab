"""Vectorised text and time helpers: ids, ISO 8601 timestamps, time-zone arithmetic.

Arrow's own strftime costs about 2 µs a value, too slow for millions of check-ins, so strings are
built as fixed-width byte matrices with numpy and handed to Arrow as raw buffers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

DAY = 86_400
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """A bijection on 64-bit integers: distinct inputs give distinct, random-looking ids."""
    z = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _string_array(mat: np.ndarray, lengths: np.ndarray | None = None) -> pa.Array:
    """Rows of a uint8 matrix (each row's first `lengths` bytes) as an Arrow string array."""
    n, width = mat.shape
    if lengths is None:
        data = np.ascontiguousarray(mat).reshape(-1)
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    else:
        data = mat[np.arange(width)[None, :] < lengths[:, None]]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] >= 2**31:
        return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    offsets32 = offsets.astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets32), pa.py_buffer(data))


_NIBBLES = np.arange(65536)
# Four hex digits of every 16-bit value, as the 4 bytes of a uint32 (gathered four at a time).
_HEX4 = (
    np.stack([_HEX[(_NIBBLES >> s) & 15] for s in (12, 8, 4, 0)], axis=1)
    .copy()
    .view(np.uint32)
    .ravel()
)


def hex_ids(prefix: str, values: np.ndarray) -> pa.Array:
    """`prefix` followed by 16 lowercase hex digits of each uint64 value."""
    quads = values.astype(">u8").view(">u2").reshape(-1, 4)  # most significant first
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.empty((len(quads), len(p) + 16), dtype=np.uint8)
    mat[:, : len(p)] = p
    mat[:, len(p) :] = _HEX4[quads].view(np.uint8).reshape(-1, 16)
    return _string_array(mat)


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian)."""
    z = days.astype(np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def _digits(value: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of small non-negative integers as a (n, width) uint8 matrix."""
    out = np.empty((len(value), width), dtype=np.uint8)
    v = value.astype(np.int64)
    for i in range(width):
        v, digit = np.divmod(v, 10)
        out[:, width - 1 - i] = digit + 48
    return out


def _date_table(first: int, last: int) -> np.ndarray:
    """`YYYY-MM-DD` bytes of every day from first to last (days since 1970), one row a day."""
    y, m, d = civil_from_days(np.arange(first, last + 1))
    table = np.full((len(y), 10), ord("-"), dtype=np.uint8)
    table[:, 0:4] = _digits(y, 4)
    table[:, 5:7] = _digits(m, 2)
    table[:, 8:10] = _digits(d, 2)
    return table


_SOD = np.arange(DAY)
_TIME_TABLE = np.full((DAY, 8), ord(":"), dtype=np.uint8)  # `hh:mm:ss` of every second of a day
_TIME_TABLE[:, 0:2] = _digits(_SOD // 3600, 2)
_TIME_TABLE[:, 3:5] = _digits((_SOD // 60) % 60, 2)
_TIME_TABLE[:, 6:8] = _digits(_SOD % 60, 2)


def iso_timestamps(utc_s: np.ndarray, offset_s: np.ndarray, zulu: np.ndarray) -> pa.Array:
    """ISO 8601 strings: local wall time at `offset_s`, then `Z` where `zulu` else `+hh:mm`.

    Dates and times of day come from lookup tables, so each value costs a few row copies.
    """
    n = len(utc_s)
    offset_s = np.where(zulu, 0, offset_s).astype(np.int64)
    days, sod = np.divmod(utc_s.astype(np.int64) + offset_s, DAY)
    mat = np.empty((n, 25), dtype=np.uint8)
    if n == 0:
        return pa.array([], pa.string())
    first = int(days.min())
    mat[:, 0:10] = _date_table(first, int(days.max()))[days - first]
    mat[:, 10] = ord("T")
    mat[:, 11:19] = _TIME_TABLE[sod]
    quarters = np.arange(-14 * 4, 14 * 4 + 1)  # every offset in quarter hours, -14:00 to +14:00
    suffix = np.empty((len(quarters), 6), dtype=np.uint8)
    suffix[:, 0] = np.where(quarters < 0, ord("-"), ord("+"))
    suffix[:, 1:3] = _digits(np.abs(quarters) // 4, 2)
    suffix[:, 3] = ord(":")
    suffix[:, 4:6] = _digits((np.abs(quarters) % 4) * 15, 2)
    mat[:, 19:25] = suffix[offset_s // 900 + 14 * 4]
    mat[zulu, 19] = ord("Z")
    if zulu.all():
        return _string_array(mat[:, :20])
    if not zulu.any():
        return _string_array(mat)
    return _string_array(mat, np.where(zulu, 20, 25))


_GRID = 900  # time-zone rules change offsets on quarter hours (UTC)
_MAX_GRID = 5_000_000


def _zone_offsets(utc_s: np.ndarray, zone: str) -> np.ndarray:
    """Offsets of one zone: pandas computes them on a quarter-hour grid, then a lookup per value."""
    first, last = int(utc_s.min()) // _GRID, int(utc_s.max()) // _GRID
    exact = last - first > _MAX_GRID
    points = utc_s if exact else np.arange(first, last + 1, dtype=np.int64) * _GRID
    idx = pd.DatetimeIndex(points.astype("datetime64[s]")).as_unit("s")
    offsets = idx.tz_localize("UTC").tz_convert(zone).tz_localize(None).asi8 - idx.asi8
    return offsets if exact else offsets[utc_s // _GRID - first]


def utc_offsets(utc_s: np.ndarray, zone_idx: np.ndarray, zones: tuple[str, ...]) -> np.ndarray:
    """UTC offset in seconds of each instant in its zone (daylight saving time applied)."""
    out = np.zeros(len(utc_s), dtype=np.int64)
    if len(zones) == 1:
        return _zone_offsets(utc_s, zones[0]) if len(utc_s) else out
    for z, name in enumerate(zones):
        sel = np.flatnonzero(zone_idx == z)
        if sel.size:
            out[sel] = _zone_offsets(utc_s[sel], name)
    return out


def wall_to_utc(wall_s: np.ndarray, zone_idx: np.ndarray, zones: tuple[str, ...]) -> np.ndarray:
    """UTC seconds of local wall-clock times (seconds since 1970 as if UTC) in their zones.

    Two fixed-point steps: exact except in the hour a clock change skips or repeats, where one
    of the readings next to it is taken (the generator schedules nothing at those hours).
    """
    first = wall_s - utc_offsets(wall_s, zone_idx, zones)
    return wall_s - utc_offsets(first, zone_idx, zones)
