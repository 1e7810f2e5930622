"""Write the README's list of what the portable engine covers from the exporter's one table
(``EXPORTERS`` in ``py_pipeline/portable/export.py``), between its ``covered`` markers. A unit
test holds the README equal to what this writes.

    python -m build_scripts.covered
"""

from __future__ import annotations

import re

from py_pipeline.files import write_atomic
from py_pipeline.portable.export import covered

from .paths import ROOT

README = ROOT / "README.md"
START, END = "<!-- covered: start -->", "<!-- covered: end -->"


def block() -> str:
    """The list, as the README holds it between the markers."""
    names = covered()
    return "\n".join([START, *(f"- {role.capitalize()}: {', '.join(f'`{n}`' for n in found)}."
                               for role, found in names.items()), END])


def readme(text: str) -> str:
    """``text`` (the README) with its list written anew."""
    return re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block(), text, count=1, flags=re.S)


def main() -> None:
    write_atomic(README, readme(README.read_text()))
    print(f"wrote the covered estimators into {README.name}")


if __name__ == "__main__":
    main()
