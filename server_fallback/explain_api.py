"""``POST /api/v1/models/<name>[/versions/<v>]/explain``: the same body as predict (JSON rows, or a
CSV file as ``text/csv``), its own row limit (``MAX_EXPLAIN_ROWS``), each row's exact additive
contributions per input feature (``py_pipeline.explanations``); ``?columns=true`` adds the
column-level values. A model that cannot be explained answers 422 ``explanation_unavailable``."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request

from py_pipeline import csv_io
from py_pipeline.explanations import explain_rows

from .api import _query_flag, _query_number, api, csv_body, json_rows, registry
from .errors import ApiError


def _limit(count: int) -> None:
    limit = current_app.config["MAX_EXPLAIN_ROWS"]
    if count > limit:
        raise ApiError("too_many_rows", f"{count} rows sent to explain; at most {limit} rows per request",
                       [{"field": "rows", "expected": f"at most {limit} rows"}])


def explain_answer(name: str, version: str | None) -> Any:
    first_row = _query_number("first_row", 1)
    columns = _query_flag("columns")
    if request.mimetype == "text/csv":
        model = registry().get(name, version)
        table = csv_body(model, current_app.config["MAX_EXPLAIN_ROWS"], first_row)
        X = csv_io.validated_rows(table, model.manifest.schema)
        result = {**explain_rows(model, X, columns), **model.warnings(X, table.locator(0, None))}
    else:
        rows, at = json_rows(first_row)
        model = registry().get(name, version)  # an unknown model before bad rows, as predict does
        if isinstance(rows, list):
            _limit(len(rows))
        result = model.explain(rows, at, columns)
    result["backend"] = "server"
    return jsonify(result)


@api.post("/models/<name>/explain")
def explain(name: str):
    return explain_answer(name, None)


@api.post("/models/<name>/versions/<version>/explain")
def explain_version(name: str, version: str):
    return explain_answer(name, version)
