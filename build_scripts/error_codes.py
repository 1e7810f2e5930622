"""Write the client's error codes (``web/lib/error_codes.js``) from the one table,
``py_pipeline/error_codes.py``. The file is committed, so the client needs no build step; a unit
test holds it equal to what this writes.

    python -m build_scripts.error_codes
"""

from __future__ import annotations

import json

from py_pipeline.error_codes import CATALOGUE
from py_pipeline.files import write_atomic

from .paths import WEB

TARGET = WEB / "lib" / "error_codes.js"


def source() -> str:
    """The module's text."""
    names = "\n".join(f"  {code.upper()}: {json.dumps(code)}," for code in CATALOGUE)
    table = "\n".join(f"  {code}: {{ status: {json.dumps(c.status)}, meaning: {json.dumps(c.meaning)} }},"
                      for code, c in CATALOGUE.items())
    return f"""// @ts-check
// Written by `python -m build_scripts.error_codes` from py_pipeline/error_codes.py, the one table
// of error codes: edit that, then run it. A unit test holds this file equal to what it writes.

/** Every error code a call may reject with, by name. */
export const ErrorCode = Object.freeze({{
{names}
}});

/** Each code's HTTP status (null: the client's alone, never over HTTP) and what it means. */
export const ERROR_CODES = Object.freeze({{
{table}
}});
"""


def main() -> None:
    write_atomic(TARGET, source())
    print(f"wrote {TARGET.relative_to(WEB.parent)}: {len(CATALOGUE)} codes")


if __name__ == "__main__":
    main()
