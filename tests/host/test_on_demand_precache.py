"""Heavy packages only where needed (issue 28): a site with one model that needs scikit-learn in
the browser precaches, on a visitor's first visit, what a site without it precaches (its manifest
aside); scikit-learn, scipy, pandas and the pickle are kept on demand, hash-pinned, for the page
that opens that model."""

from __future__ import annotations

import json
import shutil

from build_scripts import site

from ..support.pipeline_matrix import write_frame_bundle_without_portable_engine


def precache(models, out):
    site.build(out, pages=False, models=models)
    return json.loads((out / "precache-manifest.json").read_text())


def test_one_model_on_scikit_learn_does_not_grow_every_visitors_precache(iris_dir, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(iris_dir, plain / "iris" / "1.0.0")
    heavy = tmp_path / "heavy"
    shutil.copytree(plain, heavy)
    write_frame_bundle_without_portable_engine(heavy / "svc" / "1.0.0")
    assert json.loads((heavy / "svc" / "1.0.0" / "manifest.json").read_text())["engines"]["browser"] == "sklearn"
    without, with_it = precache(plain, tmp_path / "site-plain"), precache(heavy, tmp_path / "site-heavy")
    # the one model's manifest and the index's entry: a few kilobytes, not scikit-learn's 30 MB
    assert with_it["total_bytes"] - without["total_bytes"] < 20_000, (with_it["total_bytes"], without["total_bytes"])
    later = {e["url"] for e in with_it["on_demand"]}
    assert "models/svc/1.0.0/model.joblib" in later
    for package in ("scikit_learn-", "scipy-", "pandas-"):
        assert any(url.startswith(f"pyodide/{package}") for url in later), package
        assert not any(e["url"].startswith(f"pyodide/{package}") for e in with_it["files"]), package
    assert with_it["on_demand_bytes"] > 10_000_000 and all(len(e["sha256"]) == 64 for e in with_it["on_demand"])
    assert without["on_demand"] == []
