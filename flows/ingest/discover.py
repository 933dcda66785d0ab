"""Finding deliveries in the drop folder and fingerprinting them (no file is ever modified)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.contract import ENTITIES, FILE_NAME, LOAD_ORDER

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Delivery:
    path: Path
    source_file: str  # relative to the exports folder, with '/' separators
    entity: str | None  # None when the name does not follow the contract
    export_date: dt.date | None
    file_format: str | None
    bytes: int
    problem: str | None = None  # why the file name/location is not acceptable

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()


def _describe(path: Path, exports_dir: Path) -> Delivery:
    rel = path.relative_to(exports_dir).as_posix()
    size = path.stat().st_size
    ext = path.suffix.lstrip(".").lower() or None
    match = FILE_NAME.match(path.name)
    if match is None:
        return Delivery(path, rel, None, None, ext, size, "file name does not match the contract")
    entity = match["entity"]
    try:
        export_date = dt.datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError:
        return Delivery(path, rel, entity, None, match["ext"], size, "export date is not a date")
    expected = f"{ENTITIES[entity].system}/{path.name}"
    problem = None if rel == expected else f"file not in the {ENTITIES[entity].system} folder"
    return Delivery(path, rel, entity, export_date, match["ext"], size, problem)


def _order(delivery: Delivery) -> tuple:
    # Export date, then LOAD_ORDER (participants first), then name; unusable names last.
    return (
        delivery.export_date is None,
        delivery.export_date or dt.date.min,
        LOAD_ORDER.index(delivery.entity) if delivery.entity else len(LOAD_ORDER),
        delivery.source_file,
    )


def discover(exports_dir: Path) -> list[Delivery]:
    """Every delivered file under the drop folder, in load order. Hidden files (a leading '.',
    e.g. uploads in progress or OS metadata) are not deliveries and are ignored."""
    if not exports_dir.is_dir():
        return []
    found = []
    for path in exports_dir.rglob("*"):
        rel_parts = path.relative_to(exports_dir).parts
        if any(part.startswith(".") for part in rel_parts) or not path.is_file():
            continue
        found.append(_describe(path, exports_dir))
    return sorted(found, key=_order)
