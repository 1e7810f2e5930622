"""`python -m scoring ... --drift-report` (issue 34): the scored rows against the model's reference
profile, judged as the server judges a window, as one self-contained HTML page (the predictions
first, then the features by drift, each with two histograms): the same report on one machine and
on Dask; a model without a profile is refused before anything is written."""

from __future__ import annotations

import re
import shutil

from build_scripts.data import machine_failures

from .test_scoring import score

HEADER = "Product type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min]"


def shifted_file(path, rows: int = 1500) -> None:
    """A hot month: the plant's air (and so its process) 5 K warmer than in training."""
    lines = [",".join(map(str, [r[0], round(r[1] + 5, 1), round(r[2] + 5, 1), *r[3:]]))
             for r in machine_failures.generate(rows, 11).rows()]
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n")


def test_a_shifted_file_gets_a_report_that_names_the_drift_on_both_paths(tmp_path, model_dir):
    shifted_file(tmp_path / "hot.csv")
    local = score("machine_failure", str(tmp_path / "hot.csv"), "--out", str(tmp_path / "a.csv"), "--models",
                  str(model_dir), "--drift-report", str(tmp_path / "local.html"))
    assert local.returncode == 0, local.stderr
    assert "drift report" in local.stderr
    dask = score("machine_failure", str(tmp_path / "hot.csv"), "--out", str(tmp_path / "b.csv"), "--models",
                 str(model_dir), "--drift-report", str(tmp_path / "dask.html"), "--local-cluster", "2",
                 "--blocksize", "20KB")
    assert dask.returncode == 0, dask.stderr
    page = (tmp_path / "local.html").read_text()
    assert page == (tmp_path / "dask.html").read_text()  # the same counts, summed over the workers
    assert "1,500 scored rows" in page and "<script" not in page and "http" not in page  # self-contained
    sections = re.findall(r'<section data-feature="([^"]+)" data-drifted="(true|false)"', page)
    assert sections[0][0] == "Predictions" and len(sections) == 7  # the predictions first, then six features
    drifted = {name for name, flag in sections if flag == "true"}
    assert "air_temperature_k" in drifted and "tool_wear_min" not in drifted
    assert sections[1][0] in ("air_temperature_k", "process_temperature_k")  # sorted by drift
    assert page.count("<svg") == 7


def test_a_model_without_a_profile_is_refused_before_anything_is_written(tmp_path, model_dir):
    bundle = tmp_path / "models" / "iris" / "1.0.0"
    shutil.copytree(model_dir / "iris" / "1.0.0", bundle)
    (bundle / "profile.json").write_text("{}")  # not the profile the manifest lists
    (tmp_path / "f.csv").write_text("sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5.1,3.5,1.4,0.2\n")
    done = score(str(bundle), str(tmp_path / "f.csv"), "--out", str(tmp_path / "o.csv"), "--drift-report",
                 str(tmp_path / "r.html"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "does not match its manifest's sha256: drift is unavailable" in done.stderr
    assert not any((tmp_path / n).exists() for n in ("o.csv", "o.errors.csv", "r.html"))
