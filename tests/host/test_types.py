"""The client's types: its JSDoc passes TypeScript's checker, and the generated declarations
serve a TypeScript user (tests/support/types/uses.ts compiles) and catch misuse (misuses.ts does not)."""

from __future__ import annotations

import json
import subprocess


from ..support.paths import ROOT

TSC = ROOT / "node_modules" / ".bin" / "tsc"


def tsc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TSC), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_client_jsdoc_type_checks():
    done = tsc("-p", "web/lib", "--noEmit")
    assert done.returncode == 0, done.stdout


def test_a_typescript_user_compiles_against_the_declarations():
    assert (ROOT / "web" / "lib" / "types" / "predictor.d.ts").exists(), "run `make build` (it writes the types)"
    done = tsc("-p", "tests/support/types")
    assert done.returncode == 0, done.stdout


def test_the_declarations_catch_misuse(tmp_path):
    types = ROOT / "tests" / "support" / "types"
    config = {"extends": str(types / "tsconfig.json"), "files": [str(types / "misuses.ts")]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))  # the same checks, on misuses.ts
    done = tsc("-p", str(tmp_path / "tsconfig.json"))
    lines = {int(line.split("(")[1].split(",")[0]) for line in done.stdout.splitlines() if "error TS" in line}
    assert lines == {5, 6, 7, 9}, done.stdout
