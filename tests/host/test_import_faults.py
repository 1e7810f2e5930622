"""The import under faults and bad input (host tier, without the Pyodide check): names and versions
follow one rule, a failed import or a failed --force re-import leaves every file as it was (the
models folder and the folder above it, compared byte for byte), nothing unchecked is listed, and
broken inputs end with a clear message, never a traceback."""

from __future__ import annotations

import json
import shutil

import joblib
import pytest
import sklearn.base
from sklearn.linear_model import LogisticRegression

from build_scripts import browser_check, import_model
from build_scripts.golden import BUNDLE_GOLDEN, rows_for
from py_pipeline.bundle import read_manifest
from py_pipeline.registry import scan_manifests

from ..support.bundles import tree
from ..support.notebook import churn_data


@pytest.fixture()
def place(tmp_path, iris_dir):
    """A folder holding a models folder (with iris 1.0.0 and its index) and a file beside it."""
    models = tmp_path / "place" / "models"
    shutil.copytree(iris_dir, models / "iris" / "1.0.0")
    shutil.copytree(iris_dir, models / "iris" / "1.1.0")
    (tmp_path / "place" / "keep.txt").write_text("the folder above the models folder\n")
    from py_pipeline.registry import write_index
    write_index(models)
    return models


def handoff(notebook, models, *extra: str) -> list[str]:  # noqa: F811
    folder = notebook[0]
    return [str(folder / "churn.joblib"), "--sample", str(folder / "sample.csv"), "--target", "churned",
            "--models", str(models), "--no-check", *extra]


@pytest.mark.parametrize("name, version", [
    ("..", ".."), ("", ""), ("iris", "."), ("iris", ".."), ("../x", "1.0.0"), ("x", "1/0"), ("x\\y", "1"),
    ("con", "1"), ("NUL.txt", "1"), ("x", "1.0."), ("x ", "1"), (".hidden", "1"), ("-rf", "1"), ("x", "a" * 65),
])
def test_names_and_versions_that_are_not_one_plain_folder_are_refused(notebook, place, capsys, name,  # noqa: F811
                                                                       version):
    before = tree(place.parent)
    code = import_model.main(handoff(notebook, place, f"--name={name}", f"--version={version}", "--force"))
    err = capsys.readouterr().err
    assert code == 2 and "expected 1 to 64 letters, digits" in err and "Traceback" not in err, err
    assert tree(place.parent) == before


def test_a_failed_force_reimport_keeps_the_bundle_that_worked(notebook, place, capsys, monkeypatch):  # noqa: F811
    assert import_model.main(handoff(notebook, place, "--name", "churn", "--version", "1.0.0")) == 0
    before = tree(place.parent)
    # the last check fails: nothing is replaced, listed or left behind
    def refuse(*args, **kwargs):
        raise SystemExit("server check churn 1.0.0 (portable engine): predictions differ; no runtime may serve this model")
    monkeypatch.setattr(browser_check, "check_bundles", refuse)
    args = handoff(notebook, place, "--name", "churn", "--version", "1.0.0", "--force")
    args.remove("--no-check")
    assert import_model.main(args) == 2
    assert "import failed: server check churn 1.0.0" in capsys.readouterr().err
    assert tree(place.parent) == before
    # a schema the estimator was not fitted on fails while the bundle is written: the same
    schema = read_manifest(place / "churn" / "1.0.0").schema.to_list()
    (place.parent / "edited.json").write_text(json.dumps(schema[:3]))
    before = tree(place.parent)
    assert import_model.main(handoff(notebook, place, "--name", "churn", "--version", "1.0.0", "--force",
                                     "--schema", str(place.parent / "edited.json"))) == 2
    assert tree(place.parent) == before
    assert [m.name for _, m in scan_manifests(place)] == ["churn", "iris", "iris"]


def test_a_folder_set_aside_or_staged_is_never_listed(place, iris_dir):
    shutil.copytree(iris_dir, place / "iris" / ".1.0.0.0123456789ab.old")  # replace_dir's old bundle, set aside
    shutil.copytree(iris_dir, place / ".iris.0123456789ab.tmp" / "1.0.0")
    assert [d.name for d, _ in scan_manifests(place)] == ["1.0.0", "1.1.0"]


@pytest.mark.parametrize("make, words", [
    (lambda f: f.write_bytes((f.parent / "good.joblib").read_bytes()[:200]), "could not be read as a joblib or pickle"),
    (lambda f: f.write_bytes(b""), "could not be read as a joblib or pickle"),
    (lambda f: f.write_text("plain text, not a pickle"), "could not be"),
])
def test_a_broken_model_file_is_named_without_a_traceback(notebook, place, tmp_path, capsys, make, words):  # noqa: F811
    shutil.copy(notebook[0] / "churn.joblib", tmp_path / "good.joblib")
    make(tmp_path / "broken.joblib")
    before = tree(place.parent)
    args = handoff(notebook, place, "--name", "churn", "--version", "1.0.0")
    args[0] = str(tmp_path / "broken.joblib")
    assert import_model.main(args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err, err
    assert tree(place.parent) == before


@pytest.mark.parametrize("sample, target, words", [
    ("plan,monthly_fee,support_calls,tenure_months,churned\n", "churned", "has no rows"),
    ("", "churned", "is empty"),
    (None, "churn", "--target 'churn' names no column of the sample; its columns are 'plan'"),
])
def test_a_sample_that_cannot_serve_is_named(notebook, place, tmp_path, capsys, sample, target, words):  # noqa: F811
    args = handoff(notebook, place, "--name", "churn", "--version", "1.0.0")
    if sample is not None:
        (tmp_path / "s.csv").write_text(sample)
        args[2] = str(tmp_path / "s.csv")
    args[args.index("--target") + 1] = target
    assert import_model.main(args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err, err


def test_a_model_named_like_a_recipe_is_checked_against_its_own_rows(notebook, tmp_path):  # noqa: F811
    models = tmp_path / "models"
    assert import_model.main(handoff(notebook, models, "--name", "iris", "--version", "7.0.0")) == 0
    bundle = models / "iris" / "7.0.0"
    own = json.loads((bundle / BUNDLE_GOLDEN).read_text())["rows"]
    assert rows_for(read_manifest(bundle), bundle) == own and own[0][0] in ("basic", "pro", "team")


def test_lineage_records_the_scikit_learn_the_model_was_fitted_with(notebook, tmp_path, monkeypatch,  # noqa: F811
                                                                     capsys):
    data = churn_data(200, 3)
    model = LogisticRegression(max_iter=300).fit(data[["monthly_fee", "support_calls"]], data.churned)
    # as a notebook with 1.6.0 pickles it: the same minor release, imported here (another minor
    # release is imported in its own build environment: tests/host/test_other_sklearn.py)
    monkeypatch.setattr(sklearn.base, "__version__", "1.6.0")
    joblib.dump(model, tmp_path / "newer.joblib")
    monkeypatch.undo()
    data[["monthly_fee", "support_calls", "churned"]].to_csv(tmp_path / "s.csv", index=False)
    assert import_model.main([str(tmp_path / "newer.joblib"), "--sample", str(tmp_path / "s.csv"), "--target",
                              "churned", "--name", "newer", "--version", "1.0.0", "--models", str(tmp_path / "m"),
                              "--no-check"]) == 0
    assert "fitted with scikit-learn 1.6.0; this environment has" in capsys.readouterr().err
    manifest = read_manifest(tmp_path / "m" / "newer" / "1.0.0").to_dict()
    assert manifest["lineage"]["fitted_with"] == {"scikit-learn": "1.6.0"}
    assert manifest["library_versions"]["scikit-learn"] == sklearn.__version__  # what the artifact was pickled with


