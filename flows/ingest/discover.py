"""Finding deliveries in the drop folder and fingerprinting them (no file is ever modified).

The drop folder holds regular files (EXPORTS.md, "Rules that hold for every entity"). Anything
else found in it (a broken link, a link leading outside the folder or to a folder, a pipe, a
device, a socket) is a delivery that is never opened: it is recorded as quarantined with the
reason. A path with something identifier-shaped in it is never stored or shown: a masked name
with the file's sha256 stands for it (`core.privacy.classify_name`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from core.contract import ENTITIES, FILE_NAME, FORMATS, LOAD_ORDER
from core.privacy import classify_name, name_reason

_CHUNK = 1 << 20
MASK_MARK = "<masked file name"  # every masked source_file contains this


@dataclass(frozen=True)
class Delivery:
    path: Path
    source_file: str  # relative to the exports folder, with '/' separators (masked: see above)
    entity: str | None  # None when the name does not follow the contract
    export_date: dt.date | None
    file_format: str | None
    bytes: int | None  # None for what is not a regular file
    problem: str | None = None  # why the file is not read (its name, location or kind)
    readable: bool = True  # a regular file: its bytes may be hashed (read only without problem)
    name_masked: bool = False  # source_file is a masked stand-in for an identifying name

    def sha256(self) -> str | None:
        """The file's sha256, or None when it is not a regular file (any more). Opened without
        blocking and checked on the open handle, so a pipe swapped in is never waited on."""
        if not self.readable:
            return None
        digest = hashlib.sha256()
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            if self.name_masked:  # the error would quote the path
                raise OSError(exc.errno, exc.strerror, self.source_file) from None
            raise
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def with_fingerprint(self, sha: str | None) -> Delivery:
        """This delivery as recorded: a masked name gets the file's hash so that it is told
        apart from other masked files and recognised when seen again."""
        if not self.name_masked or self.source_file.endswith(">"):
            return self
        tail = f" {sha[:16]}>" if sha else ">"
        return dataclasses.replace(self, source_file=self.source_file + tail)


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _kind_problem(path: Path, real_root: Path) -> str | None:
    """Why this entry is not read as a file (None: a regular file, or a link to one inside
    the drop folder). Only lstat/stat and resolving links: nothing is opened."""
    mode = os.lstat(path).st_mode
    if stat.S_ISREG(mode):
        return None
    if not stat.S_ISLNK(mode):
        return f"{_special(mode)}, not a regular file: not read"
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        return "a broken link: not read"
    if not target.is_relative_to(real_root):
        return "a link leading outside the drop folder: not followed"
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return None
    return f"a link to {_special(mode)}: not followed"


def _describe(path: Path, exports_dir: Path, real_root: Path) -> Delivery:
    rel = path.relative_to(exports_dir).as_posix()
    kind_problem = _kind_problem(path, real_root)
    readable = kind_problem is None
    size = os.stat(path).st_size if readable else None
    name_problem = classify_name(rel)
    if name_problem is not None:
        parts = rel.split("/")
        keep = parts[0] + "/" if len(parts) > 1 and parts[0] in ("app", "scheduling") else ""
        ext = path.suffix.lstrip(".").lower()
        masked = keep + MASK_MARK + ("" if readable else ">")
        return Delivery(
            path,
            masked,
            None,
            None,
            ext if ext in FORMATS else None,
            size,
            kind_problem or name_reason(name_problem),
            readable,
            name_masked=True,
        )
    ext = path.suffix.lstrip(".").lower() or None
    if kind_problem is not None:
        return Delivery(path, rel, None, None, ext, None, kind_problem, readable=False)
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
    """Every entry under the drop folder, in load order. Hidden files and folders (a leading
    '.', e.g. uploads in progress or OS metadata) are not deliveries and are ignored. Links to
    folders are not descended into (they are entries of their own)."""
    if not exports_dir.is_dir():
        return []
    real_root = exports_dir.resolve()
    found = []
    for dirpath, dirnames, filenames in os.walk(exports_dir, followlinks=False):
        here = Path(dirpath)
        entries = [name for name in filenames if not name.startswith(".")]
        keep = []
        for name in dirnames:
            if name.startswith("."):
                continue
            if (here / name).is_symlink():
                entries.append(name)
            else:
                keep.append(name)
        dirnames[:] = keep
        found += [_describe(here / name, exports_dir, real_root) for name in entries]
    return sorted(found, key=_order)
