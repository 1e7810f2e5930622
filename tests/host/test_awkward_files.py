"""One table of awkward CSV files, read by every reader: the server's and the page's (py_pipeline's
csv_io on the whole file, and the page's chunked Scoring) and the command-line scorer (its plain
fast path through pyarrow where a file allows it, Python's csv module where it does not, chunks of
any size). Each gives the same result file, byte for byte, and the same problems, with the same
rows and lines."""

from __future__ import annotations

import pytest

from py_pipeline import csv_io
from py_pipeline.errors import InvalidInput
from py_pipeline.model import load_model
from scoring.__main__ import main
from scoring.plain import is_plain

HEADER = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,note"
GOOD = ["5.1,3.5,1.4,0.2,a", "6.7,3.0,5.2,2.3,b", "5.9,3.0,4.2,1.5,c"]

#: name -> the file's bytes
AWKWARD = {
    "plain": (HEADER + "\n" + "\n".join(GOOD * 20) + "\n").encode(),
    "no final line end": (HEADER + "\n" + "\n".join(GOOD)).encode(),
    "quoted cells": (HEADER + '\n"5.1","3.5",1.4,0.2,"a, b"\n' + "\n".join(GOOD) + "\n").encode(),
    "a line break inside a cell": (HEADER + '\n5.1,3.5,1.4,0.2,"two\nlines"\n' + "\n".join(GOOD) + "\n").encode(),
    "BOM and CRLF": ("\ufeff" + HEADER + "\r\n" + "\r\n".join(GOOD) + "\r\n").encode(),
    "semicolons": (HEADER.replace(",", ";") + "\n" + "\n".join(g.replace(",", ";") for g in GOOD) + "\n").encode(),
    "tabs": (HEADER.replace(",", "\t") + "\n" + "\n".join(g.replace(",", "\t") for g in GOOD) + "\n").encode(),
    "empty cells": (HEADER + "\n" + "\n".join(GOOD) + "\n,3.5,1.4,0.2,x\n5.1,3.5,,0.2,\n").encode(),
    "blank lines": (HEADER + "\n\n" + GOOD[0] + "\n\n\n" + GOOD[1] + "\n").encode(),
    "a ragged row": (HEADER + "\n" + GOOD[0] + "\n5.1,3.5,1.4\n" + GOOD[1] + ",extra\n" + GOOD[2] + "\n").encode(),
    "bad values": (HEADER + "\n" + GOOD[0] + "\nabc,3.5,1.4,99,x\n 5.1 ,3.5,1.4,0.2,spaces\n5.1,1_0,1.4,0.2,u\n"
                   "nan,3.5,1.4,0.2,n\n1e999,3.5,1.4,0.2,i\n").encode(),
    "formula cells": (HEADER + "\n" + GOOD[0] + "\n5.1,3.5,1.4,0.2,=HYPERLINK(1)\n5.1,3.5,1.4,0.2,-1.5\n"
                      "5.1,3.5,1.4,0.2,@x\n5.1,3.5,1.4,0.2,-x\n").encode(),
    "Latin-1 bytes": (HEADER + "\n" + GOOD[0] + "\n5.1,3.5,1.4,0.2,caf\xe9\n").encode("latin-1"),
}


def whole_file(model, data: bytes) -> tuple[str, str] | str:
    """The server's reading: csv_io on the whole file (the result and the error file), or its error."""
    try:
        table = csv_io.read_csv(data, model.manifest.schema)
    except InvalidInput as exc:
        return exc.message
    scored = csv_io.score(table, model)
    return csv_io.result_csv(table, scored), csv_io.errors_csv(scored)


@pytest.mark.parametrize("name", list(AWKWARD))
def test_every_reader_gives_the_same_rows_and_problems(name, tmp_path, capsys, iris_dir, model_dir):
    data = AWKWARD[name]
    model = load_model(iris_dir)
    server = whole_file(model, data)
    if isinstance(server, tuple):  # the page reads the file a chunk at a time: the same files
        page = csv_io.Scoring(data, model)
        while page.step(2)["done"] < page.total:
            pass
        assert (page.result_csv(), csv_io.errors_csv(page.scored)) == server
    source = tmp_path / "f.csv"
    source.write_bytes(data)
    for chunk_rows in ("2", "50000"):
        out = tmp_path / f"o{chunk_rows}.csv"
        code = main(["iris", str(source), "--out", str(out), "--models", str(model_dir), "--chunk-rows", chunk_rows,
                     "--no-progress"])
        err = capsys.readouterr().err
        if isinstance(server, str):  # a file no reader takes: the scorer says why, and writes nothing
            assert code == 2 and "not UTF-8" in err and "not UTF-8" in server and not out.exists()
            continue
        assert code == 0, err
        assert out.read_bytes().decode() == server[0]
        errors = out.with_suffix(".errors.csv").read_bytes().decode().splitlines()
        expected = server[1].splitlines()
        assert [e.split(",", 1)[1] for e in errors[1:]] == expected[1:]  # the scorer's has the file first
    assert is_plain(source) == (name in ("plain", "no final line end", "BOM and CRLF", "semicolons", "tabs",
                                         "empty cells", "blank lines", "a ragged row", "bad values", "formula cells",
                                         "Latin-1 bytes"))
