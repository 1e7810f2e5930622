"""Writing without half-written results: every file and folder that others read (manifests,
indexes, bundles, result files, the site) is written beside its place under a hidden temporary
name, then moved into place in one ``os.replace``. A reader sees the old version or the new one,
never a part; a failure leaves the old one as it was and removes the temporary."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator


def temporary_sibling(path: str | os.PathLike[str], kind: str = "tmp") -> Path:
    """A hidden, unused name in ``path``'s folder (the same file system, so the move is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.{kind}")


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` all at once, or not at all."""
    with staged_file(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)


@contextlib.contextmanager
def staged_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write ``path``'s new content to; moved into place when the block ends
    without an error, removed when it raises."""
    target = Path(path)
    tmp = temporary_sibling(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def staged_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A new temporary folder to build ``path``'s new content in; it replaces ``path`` (file or
    folder) when the block ends without an error, and is removed when it raises."""
    target = Path(path)
    tmp = temporary_sibling(target)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        replace_dir(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replace_dir(new: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Move folder ``new`` to ``target``, replacing what is there: the old content is moved aside
    first, put back if the move fails, and deleted only once the new one is in place."""
    new, target = Path(new), Path(target)
    old = None
    if target.exists() or target.is_symlink():
        old = temporary_sibling(target, "old")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink()
