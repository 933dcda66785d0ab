"""Shapes of direct identifiers (e-mail, phone number, SSN) that must never enter the warehouse.

The exports are de-identified at the source, so a value of one of these shapes means the source
leaked something: the row is quarantined and the value masked. The same patterns run in Python
(tests, small checks) and in DuckDB (RE2, set-based over whole files), so they avoid lookaround.
They are tuned not to flag ISO dates and timestamps (`2026-11-07T23:30:00-08:00`), the
pseudonymous ids (`p_0123456789abcdef`) or small integers.
"""

from __future__ import annotations

import re

from core.contract import PARTICIPANT_ID_PATTERN

# Edges: an identifier must not be glued to letters/digits, so hex ids and timestamps never match.
_START = r"(?:^|[^0-9A-Za-z_+])"
_END = r"(?:$|[^0-9A-Za-z_])"

# Local part: any RFC 5322 "atext" character or a dot.
EMAIL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
# 123-45-6789, 123 45 6789, 123.45.6789 (SSN with separators).
SSN = _START + r"\d{3}[-. ]\d{2}[-. ]\d{4}" + _END
PHONE = "|".join(
    (
        # US forms: (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567, 1-800-555-1234.
        _START + r"(?:\+?1[-. ]?)?(?:\(\d{3}\)|\d{3})[-. ]?\d{3}[-. ]\d{4}" + _END,
        # International: +44 20 7946 0958, +15551234567 (a '+' and at least two digit groups;
        # a time-zone offset like +05:30 has a colon, so it never matches).
        r"\+\d{1,3}(?:[-. ]?\(?\d{2,4}\)?){2,5}" + _END,
        # A bare 10-digit NANP number (area code 2-9), optionally with a leading 1: whole value.
        r"^1?[2-9]\d{9}$",
    )
)

# Checked in this order; the first match names the reason and the mask.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("email", EMAIL, "looks like an e-mail address"),
    ("ssn", SSN, "looks like a social security number"),
    ("phone", PHONE, "looks like a phone number"),
)
# One pattern for a fast first pass: most values match nothing, and one regex is cheaper than three.
ANY = "|".join(f"(?:{pattern})" for _, pattern, _ in KINDS)

_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern, _ in KINDS)


def classify(value: str | None) -> str | None:
    """The identifier kind a value looks like (`email`, `ssn`, `phone`), or None."""
    if value is None:
        return None
    for kind, pattern in _COMPILED:
        if pattern.search(value):
            return kind
    return None


def mask(kind: str) -> str:
    return f"<masked:{kind}>"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_kind(expr: str) -> str:
    """SQL expression: the identifier kind of `expr` (VARCHAR), or NULL. Mirrors `classify`."""
    whens = " ".join(
        f"WHEN regexp_matches({expr}, {_sql_str(pattern)}) THEN {_sql_str(kind)}"
        for kind, pattern, _ in KINDS
    )
    return f"(CASE WHEN regexp_matches({expr}, {_sql_str(ANY)}) THEN CASE {whens} END END)"


def sql_reason(expr: str) -> str:
    """SQL expression: the quarantine reason when `expr` looks like an identifier, else NULL."""
    whens = " ".join(
        f"WHEN regexp_matches({expr}, {_sql_str(pattern)}) THEN {_sql_str(reason)}"
        for _, pattern, reason in KINDS
    )
    return f"(CASE WHEN regexp_matches({expr}, {_sql_str(ANY)}) THEN CASE {whens} END END)"


def sql_masked(expr: str) -> str:
    """SQL expression: `expr`, or its mask when it looks like an identifier."""
    kind = sql_kind(expr)
    return f"(CASE WHEN {kind} IS NULL THEN {expr} ELSE '<masked:' || {kind} || '>' END)"


# A participant id anywhere in a text (a page, a report, an error message).
ID_ANYWHERE = re.compile(PARTICIPANT_ID_PATTERN.strip("^$"))


def scrub(text: object) -> str:
    """The text with every participant-id-shaped substring masked, for anything shown."""
    return ID_ANYWHERE.sub("p_[id removed]", str(text))
