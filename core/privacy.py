"""Shapes of direct identifiers (e-mail, phone number, SSN) that must never enter the warehouse.

The exports are de-identified at the source, so a value of one of these shapes means the source
leaked something: the row is quarantined and the value masked; a file name of one of these
shapes keeps its file out unread (EXPORTS.md, "What bad input gets").

One implementation: `classify()`, in Python. A value is first normalised (`normalise`: Unicode
NFKC, every decimal digit form to 0-9, dashes to '-', spaces to ' ', invisible format characters
dropped, trimmed), then searched for an identifier-shaped substring anywhere in it. SQL never
decides what an identifier is: set-based callers use `SAFE_SHAPE`, an RE2/Python regex whose
full matches can be proven (and are property-tested) never to be flagged, to skip the millions
of id and timestamp values of a big file, and send only the distinct remaining values here.

Not flagged, by construction: ISO dates and timestamps with offsets, the pseudonymous ids
(`p_` / `c_` / `a_` + 16 hex digits: bare digits glued to letters or '_' are part of a word, not
a number), UUIDs, and small integers. Numbers written with separators count even when glued to
letters (`x123-45-6789`, `c_555-123-4567`).
"""

from __future__ import annotations

import re
import unicodedata

from core.contract import PARTICIPANT_ID_PATTERN

# --- normalisation ---------------------------------------------------------------------------
_ASCII_SPACE = str.maketrans("\t\n\r\x0b\x0c", "     ")
# Not decomposed by NFKC, but read as a minus/dash by anyone looking at a phone number.
_DASHES = {"\u2212", "\u2043", "\ufe63", "\uff0d"}


def _fold_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    if category == "Pd" or ch in _DASHES:
        return "-"
    if category in ("Zs", "Zl", "Zp") or ch.isspace():
        return " "
    if category in ("Cf", "Mn", "Me"):  # zero-width characters, soft hyphen, stray accents
        return ""
    return ch


def normalise(value: str) -> str:
    """The text identifiers are looked for in (ASCII text is only trimmed: NFKC keeps it)."""
    if value.isascii():
        return value.translate(_ASCII_SPACE).strip()
    text = unicodedata.normalize("NFKC", value)
    return "".join(_fold_char(ch) for ch in text).strip()


# --- the shapes (Python `re`, on normalised text; every repetition bounded: values can be MBs) --
# A separator inside a number: a dash or dot (with up to two spaces around) or one to three spaces.
_SEP = r"(?: {0,2}[-.] {0,2}| {1,3})"
# Local part up to 64 characters (RFC 5321), labels up to 63; letters of any script (\w).
EMAIL = (
    r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,30}"
    r"\.(?:[^\W\d_]{2,63}|xn--[\w-]{1,59})"
)
# 123-45-6789, 123 45 6789, 123.45.6789: separators required (nine bare digits are too common).
SSN = rf"(?<![0-9])[0-9]{{3}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{4}}(?![0-9])"
PHONE = "|".join(
    (
        # North American: (555) 123-4567, 555-123-4567, 555-1234567, +1 555 123 4567,
        # 1-800-555-1234, 5551234567 (bare: see _bare_ok). The area code is followed by a
        # separator or by nothing at all: `555123-4567` is not written, and it is how a
        # timestamp's fraction and offset look (`.000000-0500`).
        rf"(?<![0-9])(?:\+ {{0,2}}1{_SEP}?|1{_SEP}?)?"
        rf"(?:\( {{0,2}}[0-9]{{3}} {{0,2}}\) {{0,2}}[0-9]{{3}}{_SEP}?[0-9]{{4}}"
        rf"|[0-9]{{3}}{_SEP}[0-9]{{3}}{_SEP}?[0-9]{{4}}|[0-9]{{10}})(?![0-9])",
        # International: a '+', then digit groups with separators or brackets: +44 20 7946 0958,
        # +44 (0)20 7946 0958, +4930123456 (8 to 15 digits: see _digits_ok).
        rf"\+ {{0,2}}[0-9]{{1,15}}(?:(?:{_SEP}|{_SEP}?\( {{0,2}}| {{0,2}}\) {{0,2}})[0-9]{{1,6}})"
        r"{0,6}(?![0-9])",
        # National with a trunk 0 and separators: 020 7946 0958, 0800-123-4567 (10 or 11
        # digits: see _digits_ok).
        rf"(?<![0-9])0[0-9]{{2,4}}{_SEP}[0-9]{{3,4}}{_SEP}?[0-9]{{3,4}}(?![0-9])",
    )
)

# Checked in this order; the first match names the reason and the mask.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("email", EMAIL, "looks like an e-mail address"),
    ("ssn", SSN, "looks like a social security number"),
    ("phone", PHONE, "looks like a phone number"),
)
REASONS = {kind: reason for kind, _, reason in KINDS}
_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern, _ in KINDS)
# A UUID's hex groups hold digit runs that look like parts of numbers (`b545-4509781f`), and no
# identifier fits its 8-4-4-4-12 groups: it is read as one word.
UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_UUID = re.compile(rf"(?<![0-9A-Fa-f]){UUID}(?![0-9A-Fa-f])")
_WORD = re.compile(r"\w")


def _digits(text: str) -> int:
    return sum(map(str.isdigit, text))


def _bare_ok(text: str, match: re.Match) -> bool:
    """A phone match written as bare digits (no separator or bracket) counts only as a token of
    its own, with a real area code: inside a word (`c_5551234567ab`) it is part of an id."""
    body = match.group().lstrip("+ ")
    if not body.isdigit():
        return True  # written with separators: glued letters do not make it less a number
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if _WORD.match(before) or _WORD.match(after):
        return False
    if match.group().startswith("+") and not match.group().lstrip("+ ").startswith("1"):
        return 8 <= len(body) <= 15  # international, bare: +4930123456
    national = body[1:] if len(body) == 11 and body.startswith("1") else body
    return len(national) == 10 and national[0] in "23456789"


def _digits_ok(match: re.Match) -> bool:
    text = match.group()
    if text.startswith("+"):
        return 8 <= _digits(text) <= 15
    if text.startswith("0"):
        return 10 <= _digits(text) <= 11
    return True


def _search(kind: str, pattern: re.Pattern, text: str) -> bool:
    if kind == "email":
        return "@" in text and pattern.search(text) is not None
    if kind == "ssn":
        return pattern.search(text) is not None
    return any(_bare_ok(text, m) and _digits_ok(m) for m in pattern.finditer(text))


def classify(value: str | None) -> str | None:
    """The identifier kind found anywhere in a value (`email`, `ssn`, `phone`), or None."""
    if value is None:
        return None
    text = normalise(value)
    if "@" not in text and _digits(text) < 8:  # every shape needs an '@' or eight digits
        return None
    if "-" in text:
        text = _UUID.sub("uuid", text)
    for kind, pattern in _COMPILED:
        if _search(kind, pattern, text):
            return kind
    return None


def mask(kind: str) -> str:
    return f"<masked:{kind}>"


def reason(kind: str) -> str:
    return REASONS[kind]


# Full matches of this are never identifiers (tests/ingest/test_ingest_identifiers.py proves it
# on generated values): an ASCII word not starting with a digit (every digit run is glued to a
# letter or '_': the ids, true/false, the code lists), a UUID, or an ISO date/timestamp. RE2 and
# Python read it alike; SQL uses it only to skip values, never to flag one.
SAFE_SHAPE = (
    r"[A-Za-z_][A-Za-z0-9_]*"
    rf"|{UUID}"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_SAFE = re.compile(SAFE_SHAPE)


def is_safe_shape(value: str) -> bool:
    return _SAFE.fullmatch(value) is not None


def sql_needs_screening(expr: str) -> str:
    """SQL: true when `expr` (VARCHAR) must go through `classify` (not NULL, not SAFE_SHAPE)."""
    return f"({expr} IS NOT NULL AND NOT regexp_full_match({expr}, '{SAFE_SHAPE}'))"


# --- file names --------------------------------------------------------------------------------
def classify_name(name: str) -> str | None:
    """Why a delivered file's path may not be stored or shown, or None: an identifier shape in
    any part of it, a character that is not valid UTF-8, or a control character (it could forge
    log lines)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid UTF-8"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "control characters"
    for part in name.split("/"):
        # The extension's dot is not a separator of the digits before it (`123-45-6789.csv`).
        kind = classify(part)
        if kind is not None:
            return kind
    return None


def name_reason(problem: str) -> str:
    """The quarantine reason for a file name `classify_name` refused."""
    if problem in REASONS:
        return f"file name {REASONS[problem]}: not read, name not shown"
    return f"file name has {problem}: not read, name not shown"


# --- text shown to people ------------------------------------------------------------------------
# A participant id anywhere in a text (a page, a report, an error message).
ID_ANYWHERE = re.compile(PARTICIPANT_ID_PATTERN.strip("^$"))


def scrub(text: object) -> str:
    """The text with every participant-id-shaped substring masked, for anything shown."""
    return ID_ANYWHERE.sub("p_[id removed]", str(text))
