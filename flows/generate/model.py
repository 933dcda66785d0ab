"""The simulated program: participants, their care, check-ins and appointments, as record versions.

Everything is drawn with one seeded numpy Generator in a fixed order, column-wise over all
participants (never a Python loop per check-in), so the same arguments give the same program.
Times are int64 seconds since 1970 (UTC); dates are int days since 1970.

The result is a `Versions` table per entity: one row per version of a record, sorted by record and
version time, with `xday`, the first export date whose file can hold that version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.contract import CARE_TRACKS, SEX_AT_BIRTH

from .render import DAY, splitmix64, utc_offsets, wall_to_utc

HOUR = 3600

# Participants' own time zones (appointments are set in the participant's local time).
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
ZONE_STD_OFFSET_H = np.array([-5, -6, -7, -7, -8, -9, -10])
WEST_COAST_ZONES = (4, 5, 6)  # where late-evening appointments fall on the next day in the East
_E, _C, _M, _AZ, _P, _AK, _HI = range(7)
# Approximate populations (millions), so the state mix looks like the country's.
STATE_WEIGHTS = {
    "CA": (39.0, _P), "TX": (30.0, _C), "FL": (22.0, _E), "NY": (19.6, _E), "PA": (13.0, _E),
    "IL": (12.5, _C), "OH": (11.8, _E), "GA": (11.0, _E), "NC": (10.8, _E), "MI": (10.0, _E),
    "NJ": (9.3, _E), "VA": (8.7, _E), "WA": (7.8, _P), "AZ": (7.4, _AZ), "TN": (7.1, _C),
    "MA": (7.0, _E), "IN": (6.8, _E), "MO": (6.2, _C), "MD": (6.2, _E), "WI": (5.9, _C),
    "CO": (5.9, _M), "MN": (5.7, _C), "SC": (5.4, _E), "AL": (5.1, _C), "LA": (4.6, _C),
    "KY": (4.5, _E), "OR": (4.2, _P), "OK": (4.0, _C), "CT": (3.6, _E), "UT": (3.4, _M),
    "IA": (3.2, _C), "NV": (3.2, _P), "AR": (3.1, _C), "MS": (2.9, _C), "KS": (2.9, _C),
    "NM": (2.1, _M), "NE": (2.0, _C), "ID": (2.0, _M), "WV": (1.8, _E), "HI": (1.4, _HI),
    "NH": (1.4, _E), "ME": (1.4, _E), "MT": (1.1, _M), "RI": (1.1, _E), "DE": (1.0, _E),
    "SD": (0.9, _C), "ND": (0.8, _C), "AK": (0.7, _AK), "DC": (0.7, _E), "VT": (0.6, _E),
    "WY": (0.6, _M),
}  # fmt: skip
STATES = tuple(STATE_WEIGHTS)
SEX_P = (0.42, 0.55, 0.03)  # order of contract SEX_AT_BIRTH
AGE_P = (0.06, 0.22, 0.27, 0.22, 0.16, 0.07)  # order of contract AGE_BANDS
TRACK_P = (0.35, 0.40, 0.25)  # order of contract CARE_TRACKS
MALE = SEX_AT_BIRTH.index("male")
MEDICATION_TRACKS = [CARE_TRACKS.index(t) for t in ("medication_only", "medication_and_therapy")]
THERAPY_TRACKS = [CARE_TRACKS.index(t) for t in ("medication_and_therapy", "therapy_only")]

# Care and retention
P_START = 0.85  # first attended intake within 0-21 days of enrolment
MAX_DAYS_TO_START = 21
P_EARLY_DROP, EARLY_DROP_MEAN_DAYS, STAY_MEAN_DAYS = 0.25, 25.0, 240.0
P_COMEBACK, COMEBACK_GAP_MIN_DAYS = 0.15, 31
TRAILING_BOOKED_DAYS = 14  # appointments still booked after a participant stops engaging
BOOKING_HORIZON_DAYS = 42  # future appointments exist up to this far past the as-of date
P_BASELINE_MISSING, P_BASELINE_FILLED_LATER = 0.07, 0.4
P_WITHDRAW = 0.01

# Check-ins
P_SKIP_DRINKS, P_SKIP_CRAVING, P_SKIP_MEDICATION = 0.05, 0.03, 0.05
P_CORRECTION = 0.02
P_NONSTARTER_CHECKINS = 0.3

# Appointment outcomes (cumulative thresholds for an appointment that is not forced)
P_NOSHOW, P_CANCELLED, P_ERROR, P_UNRESOLVED = 0.10, 0.08, 0.01, 0.015
P_CANCELLED_BY_PATIENT = 0.7
P_SCHEDULING_ZULU = 0.3  # share of scheduled_start values the scheduling system writes in UTC

# Codes used below for appointment types and statuses (indexes into the contract tuples).
INTAKE, PRESCRIBER, THERAPY, GROUP, PEER = range(5)
BOOKED, ARRIVED, CHECKED_IN, FULFILLED, NOSHOW, CANCELLED, ERROR = range(7)
DURATIONS = {
    INTAKE: (60,),
    PRESCRIBER: (20, 30),
    THERAPY: (45, 50, 60),
    GROUP: (60, 90),
    PEER: (30, 45),
}
FORCE_NONE, FORCE_ATTEND, FORCE_MISS = 0, 1, 2


@dataclass
class Versions:
    """One row per record version, sorted by (key, ts); columns hold the record's state."""

    key: np.ndarray  # record index (int64)
    ts: np.ndarray  # version time, UTC seconds (updated_at / submitted_at)
    xday: np.ndarray  # first export date (days) whose file may hold this version
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    nulls: dict[str, np.ndarray] = field(default_factory=dict)  # True where the value is empty

    def take(self, idx: np.ndarray) -> Versions:
        return Versions(
            self.key[idx],
            self.ts[idx],
            self.xday[idx],
            {k: v[idx] for k, v in self.cols.items()},
            {k: v[idx] for k, v in self.nulls.items()},
        )


@dataclass
class Program:
    participants: Versions  # cols: enrolled_on, sex, age, state, track, audit, discharged_on,
    #                         reason, consent, pid (uint64 id value)
    checkins: Versions  # cols: participant, report_date, drinks, craving, medication, cid
    appointments: Versions  # cols: participant, type, start, start_offset, start_zulu,
    #                          duration, status, cancelled_by (0 patient, 1 provider), modality, aid
    id_values: np.ndarray  # participant id value (uint64) by participant index
    zone: np.ndarray


def export_day(ts: np.ndarray, program_tz: str) -> np.ndarray:
    """First export date that can hold something stamped `ts`.

    An export dated D holds what happened before midnight ending D both in UTC and in the program's
    time zone, so no timestamp in a file reads as later than its export date, however it is read.
    """
    local = ts + utc_offsets(ts, np.zeros(len(ts), dtype=np.int8), (program_tz,))
    return np.maximum(ts // DAY, local // DAY).astype(np.int64)


def _expand(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For spans (start, length): the span index and value of every element, vectorised."""
    lengths = np.maximum(lengths, 0)
    span = np.repeat(np.arange(len(starts)), lengths)
    first = np.cumsum(lengths) - lengths
    return span, starts[span] + (np.arange(len(span)) - first[span])


def _order(*keys: np.ndarray) -> np.ndarray:
    """Row order by the keys, most significant first: one argsort of a combined int64 key
    (several times faster than lexsort on millions of rows), lexsort when it would not fit."""
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    span = 1
    for k in reversed(keys):
        low, width = int(k.min()), int(k.max()) - int(k.min()) + 1
        if span * width >= 2**62:
            return np.lexsort(keys[::-1])
        combined += (k.astype(np.int64) - low) * span
        span *= width
    # Stable, so ties keep row order whatever sort kernel this CPU's numpy dispatches to.
    return np.argsort(combined, kind="stable")


def _group_first(key: np.ndarray) -> np.ndarray:
    """Index of the first row of each row's key group (key sorted)."""
    return np.searchsorted(key, key, side="left")


def simulate(n: int, seed: int, as_of_day: int, start_day: int, program_tz: str) -> Program:
    """Participants enrolled uniformly from start_day to as_of_day, and all their records."""
    rng = np.random.default_rng(seed)
    A = as_of_day
    n = int(n)

    # --- participants ------------------------------------------------------------------------
    enrol = np.sort(rng.integers(start_day, A + 1, n))
    id_values = splitmix64(np.arange(n, dtype=np.uint64) + rng.integers(0, 2**63, dtype=np.uint64))
    sex = rng.choice(len(SEX_P), n, p=SEX_P)
    age = rng.choice(len(AGE_P), n, p=AGE_P)
    w = np.array([v[0] for v in STATE_WEIGHTS.values()])
    state = rng.choice(len(STATES), n, p=w / w.sum())
    zone = np.array([v[1] for v in STATE_WEIGHTS.values()])[state]
    track = rng.choice(len(TRACK_P), n, p=TRACK_P)
    audit = np.clip(np.rint(rng.normal(7.0 + 1.0 * (sex == MALE), 2.3, n)), 0, 12).astype(np.int32)
    audit_missing = rng.random(n) < P_BASELINE_MISSING
    audit_filled_later = audit_missing & (rng.random(n) < P_BASELINE_FILLED_LATER)
    in_program_zone = np.zeros(n, dtype=np.int8)
    created = wall_to_utc(
        enrol * DAY + rng.integers(8 * HOUR, 20 * HOUR, n), in_program_zone, (program_tz,)
    )

    # --- care: start, episodes, comeback, discharge ------------------------------------------
    starter = rng.random(n) < P_START
    care_start = enrol + rng.integers(0, MAX_DAYS_TO_START + 1, n)
    stay = (
        np.where(
            rng.random(n) < P_EARLY_DROP,
            rng.exponential(EARLY_DROP_MEAN_DAYS, n),
            rng.exponential(STAY_MEAN_DAYS, n),
        ).astype(np.int64)
        + 1
    )
    ep1_end = care_start + stay
    comeback = starter & (rng.random(n) < P_COMEBACK)
    ep2_start = ep1_end + COMEBACK_GAP_MIN_DAYS + rng.exponential(45.0, n).astype(np.int64)
    ep2_end = ep2_start + 7 + rng.exponential(70.0, n).astype(np.int64)
    active_end = np.where(comeback, ep2_end, np.where(starter, ep1_end, enrol))

    reason = np.full(n, -1)
    discharged_on = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    lag_short = rng.integers(0, 15, n)
    lag_lost = rng.integers(45, 91, n)
    rules = [  # (who, reason code, discharge date): reasons in contract DISCHARGE_REASONS order
        (starter & (active_end - care_start >= 90) & (u < 0.35), 0, active_end + lag_short),
        (starter & (u >= 0.35) & (u < 0.40), 1, active_end + lag_short),
        (starter & (u >= 0.40) & (u < 0.65), 2, active_end + lag_lost),
        (starter & (u >= 0.65) & (u < 0.68), 3, active_end + lag_short * 4),
        (~starter & (u < 0.30), 2, enrol + 60 + lag_lost),
        (~starter & (u >= 0.30) & (u < 0.35), 3, enrol + 30 + lag_lost),
    ]
    for who, code, day in rules:
        reason[who] = code
        discharged_on[who] = day[who]
    discharged = reason >= 0
    ends_cleanly = discharged & (reason <= 1)  # completed / transferred: no trailing bookings

    withdraw = rng.random(n) < P_WITHDRAW
    withdraw_day = enrol + 1 + (rng.random(n) * np.maximum(A - enrol, 1)).astype(np.int64)

    def office_hours(day: np.ndarray) -> np.ndarray:
        secs = rng.integers(9 * HOUR, 18 * HOUR, len(day))
        return wall_to_utc(day * DAY + secs, np.zeros(len(day), np.int8), (program_tz,))

    ev_key = [np.arange(n)]
    ev_ts = [created]
    ev_kind = [np.zeros(n, np.int8)]
    for kind, who, day in (
        (1, audit_filled_later, enrol + rng.integers(1, 8, n)),
        (2, discharged, discharged_on + rng.integers(0, 4, n)),
        (3, withdraw, withdraw_day),
    ):
        idx = np.flatnonzero(who)
        ev_key.append(idx)
        ev_ts.append(np.maximum(office_hours(day[idx]), created[idx] + HOUR))
        ev_kind.append(np.full(len(idx), kind, np.int8))
    key = np.concatenate(ev_key)
    ts = np.concatenate(ev_ts)
    kind = np.concatenate(ev_kind)
    order = _order(key, ts)
    key, ts, kind = key[order], ts[order], kind[order]
    first = _group_first(key)
    happened = {}
    for k in (1, 2, 3):
        c = np.cumsum(kind == k)
        happened[k] = (c - c[first] + (kind[first] == k)) > 0
    participants = Versions(
        key=key,
        ts=ts,
        xday=export_day(ts, program_tz),
        cols={
            "enrolled_on": enrol[key],
            "sex": sex[key],
            "age": age[key],
            "state": state[key],
            "track": track[key],
            "audit": audit[key],
            "discharged_on": discharged_on[key],
            "reason": np.maximum(reason[key], 0),
            "consent": ~happened[3],
        },
        nulls={
            "audit": audit_missing[key] & ~happened[1],
            "discharged_on": ~happened[2],
            "reason": ~happened[2],
        },
    )

    checkins = _checkins(
        rng, A, enrol, created, zone, sex, track, audit, starter, care_start, ep1_end,
        comeback, ep2_start, ep2_end, program_tz,
    )  # fmt: skip
    appointments = _appointments(
        rng, A, enrol, created, zone, track, starter, care_start, ep1_end, comeback,
        ep2_start, ep2_end, ends_cleanly, program_tz,
    )  # fmt: skip
    return Program(participants, checkins, appointments, id_values, zone)


def _checkins(
    rng, A, enrol, created, zone, sex, track, audit, starter, care_start, ep1_end,
    comeback, ep2_start, ep2_end, program_tz,
) -> Versions:  # fmt: skip
    n = len(enrol)
    # Spans of days a participant may report: baseline (enrolment to care start), the care
    # episodes, and a short try-out for some who never start.
    tryout = ~starter & (rng.random(n) < P_NONSTARTER_CHECKINS)
    span_p = np.concatenate([np.flatnonzero(starter)] * 2 + [np.flatnonzero(comeback)] * 1)
    span_p = np.concatenate([span_p, np.flatnonzero(tryout)])
    ns, nc, nt = starter.sum(), comeback.sum(), tryout.sum()
    span_start = np.concatenate(
        [enrol[starter], care_start[starter], ep2_start[comeback], enrol[tryout]]
    )
    span_end = np.concatenate(
        [
            care_start[starter] - 1,
            ep1_end[starter],
            ep2_end[comeback],
            enrol[tryout] + rng.integers(1, 15, nt),
        ]
    )
    span_end = np.minimum(span_end, A)
    span_rate = np.concatenate(
        [np.full(ns, 0.55), np.ones(ns), np.full(nc, 0.8), np.full(nt, 0.35)]
    ).astype(np.float32)
    span, day = _expand(span_start, span_end - span_start + 1)
    p = span_p[span]
    del span_start, span_end

    # Reporting: near-daily at first, fading with time in care.
    p0 = rng.beta(8, 2, n).astype(np.float32)
    tau = rng.uniform(90, 400, n).astype(np.float32)
    t = (day - care_start[p]).astype(np.float32)
    fade = 0.35 + 0.65 * np.exp(-np.maximum(t, 0) / tau[p])
    keep = rng.random(len(day), dtype=np.float32) < p0[p] * fade * span_rate[span]
    p, day, t = p[keep], day[keep], t[keep]
    del span, fade, keep
    m = len(day)

    # Drinking: heavier at baseline, improving in treatment for most (responders strongly).
    q0 = np.clip(rng.beta(4, 2.5, n) * (0.6 + audit / 24), 0.05, 0.97).astype(np.float32)
    mean_drinks = rng.lognormal(np.where(sex == MALE, 1.75, 1.45), 0.35, n).astype(np.float32)
    kind = rng.choice(3, n, p=(0.55, 0.25, 0.20))
    floor = np.where(
        kind == 0, rng.uniform(0.02, 0.4, n), np.where(kind == 1, rng.uniform(0.4, 0.8, n), 1.0)
    ).astype(np.float32)
    f = np.where(
        (t < 0) | ~starter[p], 1.0, floor[p] + (1 - floor[p]) * np.exp(-np.maximum(t, 0) / 30)
    ).astype(np.float32)
    drinking = rng.random(m, dtype=np.float32) < q0[p] * f
    lam = np.maximum(mean_drinks[p] * (0.45 + 0.55 * f) - 1, 0.05)
    drinks = np.where(drinking, np.minimum(1 + rng.poisson(lam), 60), 0).astype(np.int32)
    drinks_null = rng.random(m) < P_SKIP_DRINKS
    craving0 = rng.uniform(3, 9, n).astype(np.float32)
    craving = np.clip(
        np.rint(craving0[p] * (0.35 + 0.65 * f) + rng.normal(0, 1.3, m)), 0, 10
    ).astype(np.int32)
    craving_null = rng.random(m) < P_SKIP_CRAVING
    adherence = rng.beta(9, 2, n).astype(np.float32)
    on_medication = np.isin(track[p], MEDICATION_TRACKS) & (t >= 0) & starter[p]
    medication = rng.random(m, dtype=np.float32) < adherence[p]
    medication_null = ~on_medication | (rng.random(m) < P_SKIP_MEDICATION)

    # Submission: usually next morning, some the same evening, a few two days late.
    u = rng.random(m)
    lag_days = np.where(u < 0.80, 1, np.where(u < 0.95, 0, 2))
    local_secs = np.where(
        u < 0.80,
        rng.integers(6 * HOUR, 13 * HOUR, m),
        np.where(
            u < 0.95,
            rng.integers(18 * HOUR, 23 * HOUR + 1800, m),
            rng.integers(7 * HOUR, 22 * HOUR, m),
        ),
    )
    # Standard-time offsets: daylight time only moves the clock later, never before report_date.
    submitted = (day + lag_days) * DAY + local_secs - ZONE_STD_OFFSET_H[zone[p]] * HOUR
    submitted = np.maximum(submitted, created[p] + 300)
    del u, lag_days, local_secs, t, f, lam

    # Corrections: a new check-in for the same day, later, with a different drinks answer.
    fix = np.flatnonzero(rng.random(m) < P_CORRECTION)
    step = rng.choice(np.array([-2, -1, 1, 1, 2, 3]), len(fix))
    fixed = np.clip(drinks[fix] + step, 0, 60)
    fixed = np.where(fixed == drinks[fix], drinks[fix] + 1, fixed).astype(np.int32)
    parts = {
        "participant": (p, p[fix]),
        "report_date": (day, day[fix]),
        "drinks": (drinks, fixed),
        "craving": (craving, craving[fix]),
        "medication": (medication, medication[fix]),
        "ts": (submitted, submitted[fix] + rng.integers(HOUR, 2 * DAY, len(fix))),
    }
    null_parts = {
        "drinks": (drinks_null, np.zeros(len(fix), bool)),
        "craving": (craving_null, craving_null[fix]),
        "medication": (medication_null, medication_null[fix]),
    }
    cols = {k: np.concatenate(v) for k, v in parts.items()}
    nulls = {k: np.concatenate(v) for k, v in null_parts.items()}
    ts = cols.pop("ts")
    order = _order(ts, cols["participant"], cols["report_date"])
    cols = {k: v[order] for k, v in cols.items()}
    nulls = {k: v[order] for k, v in nulls.items()}
    ts = ts[order]
    key = np.arange(len(ts))
    cols["cid"] = splitmix64(key.astype(np.uint64) + rng.integers(0, 2**63, dtype=np.uint64))
    return Versions(key, ts, export_day(ts, program_tz), cols, nulls)


def _series(starts, ends, period, jitter, rng):
    """Recurring appointments every `period` days from each start to each end (inclusive)."""
    counts = np.where(ends >= starts, (ends - starts) // period + 1, 0)
    span, k = _expand(np.zeros(len(starts), np.int64), counts)
    days = starts[span] + k * period
    if jitter:
        days = days + rng.integers(-jitter, jitter + 1, len(days))
    return span, days


def _appointments(
    rng, A, enrol, created, zone, track, starter, care_start, ep1_end, comeback,
    ep2_start, ep2_end, ends_cleanly, program_tz,
) -> Versions:  # fmt: skip
    n = len(enrol)
    trail = np.where(ends_cleanly, 0, TRAILING_BOOKED_DAYS)
    horizon = A + BOOKING_HORIZON_DAYS
    rows = []  # (participant, day, type, force, episode end)

    def add(p, day, typ, force, ep_end):
        rows.append((p, day, np.full(len(p), typ), np.broadcast_to(force, len(p)), ep_end))

    s = np.flatnonzero(starter)
    add(s, care_start[s], INTAKE, FORCE_ATTEND, ep1_end[s])
    prior = s[(care_start[s] > enrol[s]) & (rng.random(len(s)) < 0.10)]
    add(prior, enrol[prior] + rng.integers(0, care_start[prior] - enrol[prior]), INTAKE,
        FORCE_MISS, enrol[prior])  # fmt: skip
    ns = np.flatnonzero(~starter & (rng.random(n) < 0.55))
    add(
        ns,
        enrol[ns] + rng.integers(1, MAX_DAYS_TO_START + 1, len(ns)),
        INTAKE,
        FORCE_MISS,
        enrol[ns],
    )

    c = np.flatnonzero(comeback)
    back_type = np.where(np.isin(track[c], MEDICATION_TRACKS), PRESCRIBER, THERAPY)
    add(c, ep2_start[c], back_type, FORCE_ATTEND, ep2_end[c])
    group = rng.random(n) < 0.25
    peer = rng.random(n) < 0.15
    plans = [  # (who, type, offset from episode start, period, jitter)
        (np.isin(track, MEDICATION_TRACKS), PRESCRIBER, 7, 28, 3),
        (np.isin(track, THERAPY_TRACKS), THERAPY, 7, 7, 1),
        (group, GROUP, 3, 7, 0),
        (peer, PEER, 10, 14, 2),
    ]
    for ep_who, ep_start, ep_end in (
        (starter, care_start, ep1_end),
        (comeback, ep2_start, ep2_end),
    ):
        for who, typ, offset, period, jitter in plans:
            idx = np.flatnonzero(ep_who & who)
            last = np.minimum(ep_end[idx] + trail[idx], horizon)
            span, days = _series(ep_start[idx] + offset, last, period, jitter, rng)
            p = idx[span]
            add(p, days, typ, FORCE_NONE, ep_end[p])

    p = np.concatenate([r[0] for r in rows]).astype(np.int64)
    day = np.concatenate([r[1] for r in rows]).astype(np.int64)
    typ = np.concatenate([r[2] for r in rows]).astype(np.int64)
    force = np.concatenate([r[3] for r in rows]).astype(np.int64)
    ep_end = np.concatenate([r[4] for r in rows]).astype(np.int64)
    force = np.where((force == FORCE_NONE) & (day > ep_end), FORCE_MISS, force)
    m = len(p)

    # When: office hours in the participant's zone; on the West Coast some late evenings, which
    # in the program's (Eastern) time zone are already the next day.
    slot = rng.integers(16, 40, m)  # 08:00 to 19:30 in half hours
    late = np.isin(zone[p], WEST_COAST_ZONES) & (rng.random(m) < 0.2)
    slot = np.where(late, rng.integers(42, 44, m), slot)  # 21:00 or 21:30
    start = wall_to_utc(day * DAY + slot * 1800, zone[p], ZONES)
    booked = np.where(
        typ == INTAKE,
        created[p] + rng.integers(600, 2 * DAY, m),
        start - rng.integers(2, 22, m) * DAY - rng.integers(0, 10 * HOUR, m),
    )
    booked = np.maximum(booked, created[p] + 600)
    too_soon = start - 1800 < booked
    start = np.where(too_soon, (booked + 2 * HOUR) // 1800 * 1800, start)
    booked = np.minimum(booked, start - 1800)
    duration = np.zeros(m, np.int64)
    for t_code, choices in DURATIONS.items():
        sel = typ == t_code
        duration[sel] = rng.choice(np.array(choices), sel.sum())
    modality = rng.choice(3, m, p=(0.75, 0.15, 0.10))

    # Outcome and the version that records it.
    u = rng.random(m)
    cuts = np.cumsum([P_NOSHOW, P_CANCELLED, P_ERROR, P_UNRESOLVED])
    outcome = np.select(
        [u < cuts[0], u < cuts[1], u < cuts[2], u < cuts[3]],
        [NOSHOW, CANCELLED, ERROR, BOOKED],
        FULFILLED,
    )
    miss = np.where(rng.random(m) < 0.6, NOSHOW, CANCELLED)
    outcome = np.where(
        force == FORCE_ATTEND, FULFILLED, np.where(force == FORCE_MISS, miss, outcome)
    )
    v = rng.random(m)
    outcome = np.where(
        outcome == FULFILLED,
        np.select([v < 0.04, v < 0.07], [ARRIVED, CHECKED_IN], FULFILLED),
        outcome,
    )
    by_patient = rng.random(m) < np.where(force == FORCE_MISS, 0.85, P_CANCELLED_BY_PATIENT)
    final_ts = np.select(
        [outcome == FULFILLED, outcome == NOSHOW, outcome == CANCELLED, outcome == ERROR],
        [
            start + duration * 60 + rng.integers(600, 30 * HOUR, m),
            start + rng.integers(HOUR, 2 * DAY, m),
            booked + 60 + ((start - booked - 120) * rng.random(m)).astype(np.int64),
            booked + rng.integers(300, 2 * DAY, m),
        ],
        start - rng.integers(0, 900, m),  # arrived / checked-in: stamped at the door
    )
    has_final = outcome != BOOKED
    mid = (outcome == FULFILLED) & (rng.random(m) < 0.3)  # checked in, later fulfilled
    mid_ts = start - rng.integers(60, 900, m)

    # Appointment index in booking order, so ids and rows run in time order.
    order = _order(booked, p)
    rank = np.empty(m, np.int64)
    rank[order] = np.arange(m)
    aid = splitmix64(np.arange(m, dtype=np.uint64) + rng.integers(0, 2**63, dtype=np.uint64))
    zulu = rng.random(m) < P_SCHEDULING_ZULU
    offset = utc_offsets(start, zone[p], ZONES)

    fin, md = np.flatnonzero(has_final), np.flatnonzero(mid)
    rec = np.concatenate([np.arange(m), md, fin])
    ts = np.concatenate([booked, mid_ts[md], final_ts[fin]])
    status = np.concatenate([np.full(m, BOOKED), np.full(len(md), CHECKED_IN), outcome[fin]])
    key = rank[rec]
    vorder = _order(key, ts)
    rec, key, ts, status = rec[vorder], key[vorder], ts[vorder], status[vorder]
    cancelled = status == CANCELLED
    return Versions(
        key=key,
        ts=ts,
        xday=export_day(ts, program_tz),
        cols={
            "participant": p[rec],
            "type": typ[rec],
            "start": start[rec],
            "start_offset": offset[rec],
            "start_zulu": zulu[rec],
            "duration": duration[rec],
            "status": status,
            "cancelled_by": np.where(by_patient[rec], 0, 1),
            "modality": modality[rec],
            "aid": aid[key],
        },
        nulls={"cancelled_by": ~cancelled},
    )
