"""Write the client's manifest type (``web/lib/manifest_types.js``, JSDoc typedefs) from the one
description of the manifest, ``py_pipeline/manifest_types.py``. The file is committed, so the
client needs no build step; a unit test holds it equal to what this writes.

    python -m build_scripts.manifest_types
"""

from __future__ import annotations

from py_pipeline.files import write_atomic
from py_pipeline.manifest_types import jsdoc

from .paths import WEB

TARGET = WEB / "lib" / "manifest_types.js"


def source() -> str:
    """The module's text."""
    return f"""// @ts-check
// Written by `python -m build_scripts.manifest_types` from py_pipeline/manifest_types.py, the one
// description of manifest.json: edit that, then run it. A unit test holds this file equal to what
// it writes. Types only: import them with import("./manifest_types.js").ManifestDocument.

{jsdoc()}

export {{}};
"""


def main() -> None:
    write_atomic(TARGET, source())
    print(f"wrote {TARGET.relative_to(WEB.parent)}")


if __name__ == "__main__":
    main()
