"""The README's build commands, run as a user runs them: ``python -m build_scripts.train NAME``
and ``python -m build_scripts.golden NAME`` (into a temporary dist/ and golden folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


from build_scripts.golden import GOLDEN_DIR, generated_rows
from py_pipeline.registry import scan_manifests

from ..support.paths import PYODIDE, ROOT, require


def run(args: list[str], dist) -> subprocess.CompletedProcess:
    env = {**os.environ, "PY_PIPELINE_DIST": str(dist), "SOURCE_DATE_EPOCH": "1735689600"}
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_train_one_model_checks_it_in_pyodide_and_rebuilds_the_site(tmp_path, model_dir):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "pyodide").symlink_to(require(PYODIDE / "pyodide-lock.json").parent)
    (dist / "site").mkdir()  # an old site, to be replaced
    out = run(["build_scripts.train", "iris"], dist).stdout
    assert "trained iris 1.0.0" in out
    assert "engine iris 1.0.0: portable (numpy only), matches scikit-learn on 2173 rows" in out
    assert "runtime check iris 1.0.0: browser (portable engine) + server" in out
    bundle = dist / "models" / "iris" / "1.0.0"
    manifest = json.loads((bundle / "manifest.json").read_text())
    built = json.loads((model_dir / "iris" / "1.0.0" / "manifest.json").read_text())
    assert manifest["artifact"]["sha256"] == built["artifact"]["sha256"], "training is not reproducible"
    assert manifest["portable"] == built["portable"], "the export is not reproducible"
    assert manifest["runtimes"] == ["browser", "server"] and manifest["browser_check"]["browser"] is True
    index = json.loads((dist / "site" / "models" / "index.json").read_text())
    assert [(m["name"], m["runtimes"]) for m in index["models"]] == [("iris", ["browser", "server"])]
    for file in ("portable.json", "portable.bin"):  # the browser's engine files, and no pickle
        assert (dist / "site" / "models" / "iris" / "1.0.0" / file).read_bytes() == (bundle / file).read_bytes()
    assert not (dist / "site" / "models" / "iris" / "1.0.0" / "model.joblib").exists()


def test_train_names_an_unknown_recipe(tmp_path):
    env = {**os.environ, "PY_PIPELINE_DIST": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "build_scripts.train", "wine"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no recipe named wine; available: failure_type, iris, machine_failure" in done.stderr


def test_golden_rewrites_rows_keeps_cases_and_pins_them_as_committed(tmp_path, model_dir):
    for name in ("iris", "machine_failure"):
        committed = json.loads((GOLDEN_DIR / f"{name}.json").read_text())
        unpinned = [{k: v for k, v in case.items() if k != "expected"} for case in committed["cases"]]
        (tmp_path / f"{name}.json").write_text(json.dumps({"rows": [], "cases": unpinned}))
    args = ["--golden-dir", str(tmp_path), "--models", str(model_dir), "iris", "machine_failure"]
    out = run(["build_scripts.golden", *args], model_dir.parent).stdout
    iris = next(m for _, m in scan_manifests(model_dir) if m.name == "iris")
    assert f"golden/iris.json: {len(generated_rows(iris))} rows, 6 cases" in out
    assert json.loads((tmp_path / "iris.json").read_text())["rows"] == generated_rows(iris)
    out = run(["build_scripts.golden", "--pin", *args], model_dir.parent).stdout
    assert "golden/machine_failure.json: 114 rows, 9 cases pinned for 1.0.0, 1.1.0" in out and "warning" not in out
    for name in ("iris", "machine_failure"):
        written = json.loads((tmp_path / f"{name}.json").read_text())
        assert written["cases"] == json.loads((GOLDEN_DIR / f"{name}.json").read_text())["cases"]
