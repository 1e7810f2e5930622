"""One error catalogue (py_pipeline/error_codes.py): every code raised anywhere (Python, the server,
the browser bridge, the client, its worker and service worker) is in it, with the status the
server answers; the client's error_codes.js is what the table writes."""

from __future__ import annotations

import re

import pytest

from build_scripts import error_codes
from py_pipeline import errors
from py_pipeline.error_codes import CATALOGUE, STATUS_BY_CODE
from server_fallback.errors import HTTP_CODES
from server_fallback.openapi import SCHEMAS

from ..support.paths import ROOT

#: Where a code is written down, by language: each pattern's group is the code.
PATTERNS = {
    ".py": [r'\bcode = "([a-z_]+)"', r'ApiError\(\s*"([a-z_]+)"', r'respond\(\d{3}, "([a-z_]+)"', r'"code": "([a-z_]+)"',
            r'\(\d{3}, \("([a-z_]+)"', r'\("([a-z_]+)", exc\.description'],
    ".js": [r'\bcode: "([a-z_]+)"', r'ErrorCode\.([A-Z_]+)\b', r'code === "([a-z_]+)"'],
}


def written_codes() -> dict[str, set[str]]:
    """Every code the product's sources write, and where."""
    found: dict[str, set[str]] = {}
    folders = ["py_pipeline", "server_fallback", "scoring", "build_scripts", "web"]
    for path in (p for folder in folders for p in (ROOT / folder).rglob("*") if p.suffix in PATTERNS):
        if "types" in path.parts or path.name == "error_codes.js":
            continue
        text = path.read_text()
        for pattern in PATTERNS[path.suffix]:
            for code in re.findall(pattern, text):
                found.setdefault(code.lower(), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_code_written_anywhere_is_in_the_catalogue():
    found = written_codes()
    assert {"invalid_input", "worker_failed", "offline", "not_ready", "runtime_error"} <= set(found)
    unknown = {code: sorted(where) for code, where in found.items() if code not in CATALOGUE}
    assert unknown == {}


@pytest.mark.parametrize("cls", [c for c in vars(errors).values()
                                 if isinstance(c, type) and issubclass(c, errors.PipelineError)])
def test_every_exception_has_a_code_the_server_answers_with_a_status(cls):
    assert STATUS_BY_CODE[cls.code] in (404, 422, 500, 503)


def test_the_server_answers_werkzeugs_errors_with_their_own_status():
    for status, (code, _) in HTTP_CODES.items():
        assert STATUS_BY_CODE[code] == status


def test_the_openapi_document_lists_the_server_codes():
    listed = SCHEMAS["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    assert "too_many_rows" in listed and "worker_failed" not in listed and "offline" not in listed


def test_the_clients_codes_are_what_the_table_writes():
    assert (ROOT / "web" / "lib" / "error_codes.js").read_text() == error_codes.source()
