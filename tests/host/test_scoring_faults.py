"""`python -m scoring` under faults and bad input (host tier): it never writes over its input or
over a file the user did not name for replacing, a failed run leaves no partial output and every
file it did not mean to change byte for byte as it was, it reads a file exactly as the server does
(the same rows scored, the same problems), and its result and error files are safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import subprocess
import sys

import pandas as pd
import pytest

from py_pipeline import csv_io
from py_pipeline.model import load_model
from scoring.__main__ import main

from ..support.bundles import edit_manifest, tree

HEADER = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,note"


def iris_rows(n: int) -> list[str]:
    return [f"{4.5 + (i % 30) / 10},{2.5 + (i % 10) / 10},{1 + (i % 50) / 10},{0.1 + (i % 20) / 10},n{i}"
            for i in range(n)]


def run(capsys, *args: str) -> tuple[int, str]:
    code = main([*args, "--no-progress"])
    return code, capsys.readouterr().err


@pytest.fixture()
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "in.csv").write_text(HEADER + "\n" + "\n".join(iris_rows(3000)) + "\n")
    return folder


@pytest.mark.parametrize("outputs, words", [
    (["--out", "{in}/in.csv"], "--out {in}/in.csv would overwrite the input"),
    (["--out", "{tmp}/o.csv", "--errors", "{in}/in.csv"], "--errors {in}/in.csv would overwrite the input"),
    (["--out", "{in}/../in/in.csv"], "would overwrite the input"),
    (["--out", "{tmp}/o.csv", "--errors", "{tmp}/o.csv"], "is the same file as --out"),
    (["--out", "{tmp}/existing.csv"], "--out {tmp}/existing.csv exists: choose another name, or pass --overwrite"),
    (["--out", "{tmp}/o.csv", "--errors", "{tmp}/existing.csv"], "--errors {tmp}/existing.csv exists"),
    (["--out", "{tmp}/folder.csv"], "--out {tmp}/folder.csv is a folder"),
    (["--out", "{in}/link.csv", "--overwrite"], "would overwrite the input"),
])
def test_outputs_that_would_destroy_a_file_are_refused_before_anything_is_written(capsys, tmp_path, inputs,
                                                                                   outputs, words, model_dir):
    (tmp_path / "existing.csv").write_text("keep me\n")
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "folder.csv" / "x").write_text("x")
    (inputs / "link.csv").symlink_to(inputs / "in.csv")
    before = tree(tmp_path)

    def fill(text: str) -> str:
        return text.replace("{in}", str(inputs)).replace("{tmp}", str(tmp_path))

    code, err = run(capsys, "iris", str(inputs / "in.csv"), *map(fill, outputs), "--models", str(model_dir))
    assert code == 2 and fill(words) in err, err
    assert tree(tmp_path) == before


def test_a_hard_link_to_the_input_is_the_input(capsys, tmp_path, inputs, model_dir):
    (tmp_path / "alias.csv").hardlink_to(inputs / "in.csv")
    before = tree(tmp_path)
    code, err = run(capsys, "iris", str(inputs / "in.csv"), "--out", str(tmp_path / "alias.csv"), "--overwrite",
                    "--models", str(model_dir))
    assert code == 2 and "would overwrite the input" in err
    assert tree(tmp_path) == before


def test_overwrite_replaces_only_when_the_run_is_complete(capsys, tmp_path, inputs, model_dir):
    out = tmp_path / "o.csv"
    assert run(capsys, "iris", str(inputs / "in.csv"), "--out", str(out), "--models", str(model_dir))[0] == 0
    before = tree(tmp_path)
    # a later input that is not CSV deep inside: the run fails, the earlier results stay as they were
    bad = inputs / "zz.csv"
    bad.write_text(HEADER + "\n" + "\n".join(iris_rows(2500)) + '\n5.1,3.5,1.4,0.2,"unclosed\n' + "x" * 200_000 + "\n")
    code, err = run(capsys, "iris", str(inputs), "--out", str(out), "--overwrite", "--chunk-rows", "1000",
                    "--models", str(model_dir))
    assert code == 2 and f"{bad}: line 2503: it is not valid CSV (field larger than field limit" in err, err
    assert "Traceback" not in err
    assert tree(tmp_path) == {**before, "in/zz.csv": bad.read_bytes()}
    bad.unlink()
    assert run(capsys, "iris", str(inputs), "--out", str(out), "--overwrite", "--models", str(model_dir))[0] == 0


def test_the_scorer_reads_a_file_as_the_server_does(capsys, tmp_path, model_dir, iris_dir):
    """Extra and missing cells, a NUL byte and a repeated column name: the scorer's result and
    problems are the server's (csv_io on the whole file), whatever the chunk boundaries."""
    rows = iris_rows(40)
    rows[10] = "5.1,3.5,1.4,0.2,n10,surplus"  # the first row of a chunk of 10: an extra cell
    rows[21] = "5.1,3.5,1.4,0.2"  # a short row
    rows[22] = "5.1,3.5,1.4,0.2,"  # an empty last cell: five cells, valid
    rows[25] = "5.1,3.5,1.4,0.2,a\x00b"  # a NUL byte in an extra cell, kept as it is
    rows[30] = "5.1,3\x00.5,1.4,0.2,n30"  # and in a feature: not a number
    text = HEADER + ",note\n" + "\n".join(r + ",dup" for r in rows) + "\n"
    text = text.replace("n10,surplus,dup", "n10,surplus,dup,more")
    (tmp_path / "f.csv").write_text(text)
    code, err = run(capsys, "iris", str(tmp_path / "f.csv"), "--out", str(tmp_path / "o.csv"), "--chunk-rows", "10",
                    "--models", str(model_dir))
    assert code == 0, err
    model = load_model(iris_dir)
    whole = csv_io.read_csv(text, model.manifest.schema)
    server = csv_io.score(whole, model)
    assert (tmp_path / "o.csv").read_bytes().decode() == csv_io.result_csv(whole, server)
    errors = pd.read_csv(tmp_path / "o.errors.csv")
    assert errors.row.tolist() == [11, 22, 31] == sorted({p.row for p in server.problems})
    assert errors.line.tolist() == [12, 23, 32] == sorted({p.line for p in server.problems})
    assert errors.problem[0] == "line 12 (row 11): expected 6 cells, as the header has, got 8"
    assert "note,note" in (tmp_path / "o.csv").read_text().splitlines()[0]  # a repeated name is not renamed
    assert "a\x00b" in (tmp_path / "o.csv").read_text()
    # on Dask, in blocks of a few lines, the same files
    done = subprocess.run([sys.executable, "-m", "scoring", "iris", str(tmp_path / "f.csv"), "--out",
                           str(tmp_path / "d.csv"), "--local-cluster", "1", "--blocksize", "300B", "--no-progress",
                           "--models", str(model_dir)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "o.csv").read_bytes()
    assert (tmp_path / "d.errors.csv").read_bytes() == (tmp_path / "o.errors.csv").read_bytes()


def test_a_column_all_null_in_the_first_chunk_keeps_its_type(capsys, tmp_path, model_dir):
    frame = pd.DataFrame([r.split(",") for r in iris_rows(3000)], columns=HEADER.split(","))
    frame[frame.columns[:4]] = frame[frame.columns[:4]].astype(float)
    frame["note"] = [None] * 1000 + [f"n{i}" for i in range(2000)]
    frame.to_parquet(tmp_path / "f.parquet", row_group_size=1000)
    code, err = run(capsys, "iris", str(tmp_path / "f.parquet"), "--out", str(tmp_path / "o.parquet"),
                    "--chunk-rows", "1000", "--models", str(model_dir))
    assert code == 0, err
    out = pd.read_parquet(tmp_path / "o.parquet")
    assert len(out) == 3000 and out.note.iloc[-1] == "n1999" and out.note.isna().sum() == 1000


FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("raw", [False, True])
def test_formula_cells_are_neutralised_unless_the_pipeline_asks_for_raw_cells(capsys, tmp_path, bundle_copy, raw):
    if raw:
        edit_manifest(bundle_copy, lambda m: m.update(csv_cells="raw"))
    rows = [["5.1", "3.5", "1.4", "0.2", f] for f in FORMULAS + ["-1.5"]] + [["=1+1", "3.5", "1.4", "0.2", "x"]]
    with open(tmp_path / "f.csv", "w", newline="") as f:
        csv.writer(f).writerows([["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm", "=cmd|x"],
                                 *rows])
    code, err = run(capsys, str(bundle_copy), str(tmp_path / "f.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 0, err
    result = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    problems = pd.read_csv(tmp_path / "o.errors.csv", dtype=str, keep_default_na=False)
    expected = FORMULAS if raw else ["'" + f for f in FORMULAS]
    assert result.iloc[:, 4].tolist() == expected + ["-1.5"]  # a number is never changed
    assert result.columns[4] == ("=cmd|x" if raw else "'=cmd|x")
    assert problems.problem[0].endswith("got the string '=1+1'")
    # the server's CSV route and the page's file scoring write the same cells
    model = load_model(bundle_copy)
    table = csv_io.read_csv((tmp_path / "f.csv").read_bytes(), model.manifest.schema)
    scoring = csv_io.Scoring((tmp_path / "f.csv").read_bytes(), model)
    scoring.step(100)
    assert scoring.result_csv() == csv_io.result_csv(table, csv_io.score(table, model), raw) \
        == (tmp_path / "o.csv").read_bytes().decode()


