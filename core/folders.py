"""The one way a folder is replaced: written whole beside its target, then swapped in.

`replace_folder` renames the old folder aside and the new one in (two renames: for a moment
there is no folder, never a half-written one); used for what only the pipeline reads (Spark's
landing, the validation report before it is published). `swap_release` is the site's: readers
open it live, so the site path is a symlink replaced atomically by os.replace, and the previous
release is kept for readers still inside it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path


def remove(path: Path) -> None:
    """Delete a file, link or folder if it exists."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def replace_folder(staged: Path, final: Path) -> Path:
    """Swap a fully written folder `staged` into `final`; returns final."""
    old = final.with_name(final.name + ".old")
    remove(old)
    if final.exists() or final.is_symlink():
        final.rename(old)
    staged.rename(final)
    remove(old)
    return final


def write_atomically(path: Path, text: str) -> Path:
    """Write a text file whole or not at all: a temporary sibling, fsynced, renamed over it.

    A full disk or a kill mid-write leaves the previous file as it was, never a truncated one.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:80] or "run"


def releases_dir(site: Path) -> Path:
    return site.parent / f".{site.name}.releases"


def fresh_build_dir(site: Path, tag: str) -> Path:
    """An empty folder beside `site` to build a release in (leftovers of killed builds go)."""
    site.parent.mkdir(parents=True, exist_ok=True)
    for stale in site.parent.glob(f"{site.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)
    build = site.parent / f"{site.name}.new-{safe_name(tag)}"
    build.mkdir()
    return build


def swap_release(site: Path, build: Path, tag: str) -> Path:
    """Make `build` the release `site` points to, atomically; prune all but it and the last."""
    releases = releases_dir(site)
    releases.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    previous: Path | None = None
    if site.is_symlink():
        previous = site.resolve()
    elif site.is_dir():
        # First publish over a plain folder: it becomes the previous release.
        previous = releases / f"{stamp}-before"
        os.rename(site, previous)
    elif site.exists():
        raise FileExistsError(f"{site} exists and is not a folder; not replacing it")
    release = releases / f"{stamp}-{safe_name(tag)}"
    os.rename(build, release)
    link = site.parent / f".{site.name}.link-{safe_name(tag)}"
    remove(link)
    os.symlink(os.path.relpath(release, site.parent), link)
    os.replace(link, site)  # the atomic step
    keep = {release.resolve(), previous.resolve() if previous else None}
    for path in releases.iterdir():
        if path.resolve() not in keep:
            shutil.rmtree(path, ignore_errors=True)
    return release
