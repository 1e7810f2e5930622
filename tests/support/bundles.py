"""Bundles to tamper with, and folders compared byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable


def edit_manifest(bundle: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    """Apply ``change`` to a bundle's manifest.json in place (tamper tests)."""
    path = bundle / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def tamper_engine_files(bundle: Path) -> None:
    """Overwrite the files of both engines (pickle and portable spec) with other bytes."""
    for name in ("model.joblib", "portable.json", "portable.bin"):
        (bundle / name).write_bytes(b"tampered")


def mismatched_version(bundle: Path) -> None:
    """A manifest that says the pickle was made with another numpy."""
    edit_manifest(bundle, lambda m: m["library_versions"].update(numpy="1.26.4"))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: what a failed run may not change, compared whole."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
