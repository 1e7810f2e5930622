"""The code's rooms stay small and its lists stay true: no module in py_pipeline or web/lib over
about 400 lines unless its opening comment says why, and the README's list of what the portable
engine covers is what the exporter's one table writes, and the wheel lists every package."""

from __future__ import annotations

from build_scripts import covered

from ..support.paths import ROOT

MOST_LINES = 420


def test_no_module_is_a_room_of_many_jobs():
    sources = [*(ROOT / "py_pipeline").rglob("*.py"), *(ROOT / "web" / "lib").rglob("*.js")]
    long = [f"{p.relative_to(ROOT)} ({n} lines)" for p in sources if "types" not in p.parts
            and (n := len(p.read_text().splitlines())) > MOST_LINES and "long because" not in p.read_text()[:2000]]
    assert long == []


def test_the_readme_lists_what_the_exporter_covers():
    assert covered.readme(covered.README.read_text()) == covered.README.read_text(), \
        "run: python -m build_scripts.covered"


def test_the_wheel_lists_every_package_of_py_pipeline():
    """A subpackage missing from pyproject's list is missing from the wheel: the page cannot import it."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "py_pipeline").rglob("__init__.py")
             if "__pycache__" not in p.parts}
    assert found <= listed, sorted(found - listed)
