"""One rule for model names and versions (py_pipeline/names.py), the same pattern as the client's
(web/lib/names.js, which tests/unit/js/client.test.mjs holds to the same table)."""

from __future__ import annotations

import pytest

from py_pipeline.errors import InvalidInput
from py_pipeline.names import NAME_PATTERN, check_name, is_valid_name

from ..support.paths import ROOT


@pytest.mark.parametrize("name", ["iris", "1.0.0", "churn-v2_final+build.7", "a", "A9", "1.0.0-rc.1"])
def test_plain_names_and_versions_are_valid(name):
    assert is_valid_name(name) and check_name(name, "name") == name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "x/y", "x\\y", ".hidden", "-rf", "x.", "x ", " x", "con",
                                  "NUL.txt", "com1", "lpt9", "a" * 65, "é", "x\x00", None, 7])
def test_names_a_file_system_or_a_url_treats_specially_are_refused(name):
    assert not is_valid_name(name)
    with pytest.raises(InvalidInput, match=r"^version: expected 1 to 64 letters, digits.* got "):
        check_name(name, "version")


def test_the_name_rule_is_one_pattern_in_python_and_javascript():
    js = (ROOT / "web" / "lib" / "names.js").read_text()
    assert f"/{NAME_PATTERN}/" in js
