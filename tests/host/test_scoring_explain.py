"""`python -m scoring ... --explain` (issue 31): each scored row carries its exact explanation, the
predicted class's by default (``contribution_<feature>`` per input feature, ``base_value``,
``explained_class``) or every class's (``--explain all``); equal to ``Model.explain`` and additive,
the same bytes on one machine (plain and general CSV paths) and on Dask, Parquet typed; a model
that cannot be explained is refused before anything is written."""

from __future__ import annotations

import numpy as np
import pandas as pd

from py_pipeline import Registry

from .test_scoring import HEADER, score, sensor_rows


def _explained(model, frame: pd.DataFrame) -> dict:
    features = model.manifest.schema.names
    rows = frame.iloc[:, :6].astype(object).values.tolist()
    assert len(features) == 6
    return model.explain(rows)


def test_csv_rows_carry_their_explanation_on_every_path(tmp_path, model_dir):
    folder = tmp_path / "logs"
    folder.mkdir()
    plain = [line.replace('"', "").replace(", batch", "") for line in sensor_rows(150)]
    (folder / "a.csv").write_text(HEADER + "\n" + "\n".join(plain) + "\n")  # the plain path
    (folder / "b.csv").write_text(HEADER + "\n" + "\n".join(sensor_rows(120, 150)) + "\n")  # quoted: the general path
    local = score("machine_failure", str(folder), "--out", str(tmp_path / "local.csv"), "--models", str(model_dir),
                  "--explain")
    assert local.returncode == 0, local.stderr
    dask = score("machine_failure", str(folder), "--out", str(tmp_path / "dask.csv"), "--models", str(model_dir),
                 "--explain", "--local-cluster", "2", "--blocksize", "4KB")
    assert dask.returncode == 0, dask.stderr
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    result = pd.read_csv(tmp_path / "local.csv", float_precision="round_trip")
    model = Registry.from_directory(model_dir).get("machine_failure")
    answer = _explained(model, result)
    contribution = [f"contribution_{name}" for name in answer["features"]]
    assert list(result.columns[-len(contribution) - 2:]) == [*contribution, "base_value", "explained_class"]
    # one margin, of the second class as scikit-learn orders them: every row explains that class
    assert answer["output"] == "margin" and answer["outputs"] == ["no_failure"]
    assert (result.explained_class == "no_failure").all()
    mine = result[contribution].to_numpy()
    assert np.abs(mine - np.asarray(answer["contributions"])[:, :, 0]).max() == 0  # written exactly (repr)
    assert np.abs(result.base_value - answer["base_values"][0]).max() == 0


def test_parquet_explains_every_class_on_request(tmp_path, model_dir):
    frame = pd.DataFrame([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]] * 40,
                         columns=["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"])
    frame.to_parquet(tmp_path / "flowers.parquet")
    model = Registry.from_directory(model_dir).get("iris")
    answer = model.explain(frame.values.tolist())
    for flag, where in ((["--explain"], []), (["--explain", "all"], ["--local-cluster", "2"])):
        out = tmp_path / f"{len(flag)}{len(where)}.parquet"
        done = score("iris", str(tmp_path / "flowers.parquet"), "--out", str(out), "--models", str(model_dir),
                     *flag, *where)
        assert done.returncode == 0, done.stderr
        result = pd.read_parquet(out).reset_index(drop=True)
        contributions = np.asarray(answer["contributions"])
        if flag == ["--explain"]:  # the predicted class's, named in explained_class
            k = [answer["outputs"].index(label) for label in result.prediction]
            assert result.explained_class.tolist() == result.prediction.tolist()
            mine = result[[f"contribution_{f}" for f in answer["features"]]].to_numpy()
            assert np.abs(mine - contributions[np.arange(len(k)), :, k]).max() <= 1e-15
            assert result.base_value.dtype == np.float64
        else:
            for j, label in enumerate(answer["outputs"]):
                mine = result[[f"contribution_{f}_{label}" for f in answer["features"]]].to_numpy()
                assert np.abs(mine - contributions[:, :, j]).max() <= 1e-15
                assert np.abs(result[f"base_value_{label}"] - answer["base_values"][j]).max() <= 1e-15
            assert "explained_class" not in result.columns


def test_a_model_that_cannot_be_explained_is_refused_before_anything_is_written(tmp_path, model_dir):
    (tmp_path / "a.csv").write_text(HEADER + "\n" + "\n".join(sensor_rows(5)) + "\n")
    done = score("machine_failure_heavy", str(tmp_path / "a.csv"), "--out", str(tmp_path / "out.csv"), "--models",
                 str(model_dir), "--explain")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "over the explanation budget" in done.stderr
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.errors.csv").exists()
