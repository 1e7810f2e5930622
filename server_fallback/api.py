"""HTTP routes: the versioned API, the classic ``POST /predict``, health and the OpenAPI document."""

from __future__ import annotations

import itertools
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from py_pipeline import InvalidInput, Model, Registry, csv_io
from py_pipeline.drift.profile import Binner, Tally
from py_pipeline.drift.telemetry import counts_report
from py_pipeline.explanations import contribution_sums
from py_pipeline.problems import JSON_ROWS, Locator, Problem, starting_at

from . import openapi
from .errors import ApiError
from .observability import record_prediction

api = Blueprint("api", __name__, url_prefix="/api/v1")
classic = Blueprint("classic", __name__)


def registry() -> Registry:
    """The loaded models (503 ``not_ready`` while they load)."""
    return current_app.extensions["models"].registry


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"duplicate key {dup!r} in a JSON object")
    return obj


def read_json() -> Any:
    """The request body as JSON; 415 for another content type, 400 when malformed.

    Duplicate keys are refused. NaN, Infinity and -Infinity literals are read as numbers (the JS
    client writes a non-finite number so, never as null) and validation then answers for them by
    field: "got NaN, not a finite number", or a missing value where the feature allows one.
    """
    if request.mimetype != "application/json":
        shown = request.mimetype or "no content type"
        also = " or text/csv" if request.blueprint == "api" else ""
        raise ApiError("unsupported_media_type", f"send the body as application/json{also} (got {shown})")
    raw = _body()
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError:
        raise ApiError("malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError("malformed_json", "the JSON body is nested too deeply") from None
    except ValueError as exc:
        raise ApiError("malformed_json", f"the body is not valid JSON: {exc}") from None


def _body() -> bytes:
    """The request body, 413 over MAX_CONTENT_LENGTH, read straight from the WSGI input (Werkzeug's
    stream wrapper costs more than the read). A chunked body has no Content-Length to check first:
    read one byte past the limit."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    environ = request.environ
    declared = request.content_length
    if declared is None and "wsgi.input_terminated" not in environ:
        return b""  # WSGI: no length and no end-of-stream mark means no body
    if declared is not None and declared > limit:
        raise _too_large(limit)
    data = environ["wsgi.input"].read(limit + 1 if declared is None else declared)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> ApiError:
    return ApiError("payload_too_large", f"the request body is larger than the limit of {limit} bytes",
                    [{"field": "body", "expected": f"at most {limit} bytes"}])


def check_row_count(rows: Any) -> None:
    limit = current_app.config["MAX_ROWS"]
    if isinstance(rows, list) and len(rows) > limit:
        raise ApiError("too_many_rows", f"{len(rows)} rows sent; at most {limit} rows per request",
                       [{"field": "rows", "expected": f"at most {limit} rows"}])


def run(model: Model, rows: Any, at: Locator = JSON_ROWS) -> dict[str, Any]:
    check_row_count(rows)
    result = model.predict(rows, at)
    record_prediction(model.name, model.version, len(rows))
    return result


def predict_answer(name: str, version: str | None) -> Response:
    """A predict route's answer: JSON rows in, JSON out; or a CSV file in (``text/csv``), JSON out,
    or CSV out when the caller accepts ``text/csv`` (the file's columns, then the prediction and
    one probability column per class). A part of a larger file says where it sits with the query's
    ``first_row`` (its first record's data row) and ``first_line`` (the line after its header), so
    problems name the whole file's rows and lines. ``partial=true`` scores a file's valid rows and
    lists the others (:func:`partial_answer`) instead of refusing the whole file. ``explain=true``
    (CSV bodies, at most ``MAX_EXPLAIN_ROWS`` rows): the result file's rows carry their explanations.
    ``drift=true`` (with ``partial``): the answer carries the scored rows' bin counts against the
    model's profile, which a client sums over the pieces for ``POST .../drift/report``."""
    first_row = _query_number("first_row", 1)  # checked whatever the body: a bad one is never ignored
    first_line = _query_number("first_line", None)
    partial = _query_flag("partial")
    explain = _query_flag("explain")
    drift = _query_flag("drift")
    if request.mimetype != "text/csv":
        return jsonify(predict_body(name, version, first_row))
    model = registry().get(name, version)
    limit = current_app.config["MAX_EXPLAIN_ROWS" if explain else "MAX_ROWS"]
    table = csv_body(model, limit, first_row, first_line)
    tally = Tally(Binner.of(model)) if drift and partial else None  # 422 drift_unavailable before scoring
    scored = csv_io.score(table, model, explain="predicted" if explain else None, drift=tally)
    if partial:
        record_prediction(model.name, model.version, len(scored.valid))
        return jsonify({**partial_answer(model, table, scored), **({"drift": counts_report(tally)} if tally else {})})
    error = csv_io.error_for(scored)
    if error:
        raise error
    record_prediction(model.name, model.version, len(scored.valid))
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":  # JSON on a tie
        return Response(csv_io.result_csv(table, scored, csv_io.raw_cells(model.manifest)), mimetype="text/csv")
    result = {"model": {"name": model.name, "version": model.version}, "predictions": scored.predictions}
    if scored.classes is not None:
        result["classes"] = scored.classes
    if scored.probabilities is not None:
        result["probabilities"] = scored.probabilities
    return jsonify({**result, "columns": table.matched(), "backend": "server"})


def csv_body(model: Model, limit: int, first_row: int, first_line: int | None = None) -> csv_io.CsvTable:
    """The CSV body read for ``model``: 413 past ``limit`` rows, 422 for a header with no rows.
    Reading stops one record past the limit: a file of a million short rows is refused after
    ``limit + 1`` of them, never parsed whole."""
    table = csv_io.read_csv(_body(), model.manifest.schema, max_rows=limit, first_row=first_row,
                            first_line=first_line)
    if len(table.records) > limit:
        raise ApiError("too_many_rows", f"the file has more than {limit} rows; at most {limit} rows per request",
                       [{"field": "rows", "expected": f"at most {limit} rows"}])
    if not table.records:
        raise InvalidInput("the file has a header but no rows",
                           [Problem("no_rows", "at least one row", "got none", "file", line=first_line or 2)])
    return table


def partial_answer(model: Model, table: csv_io.CsvTable, scored: csv_io.Scored) -> dict[str, Any]:
    """A CSV part scored partially: the result file's header and rows for its valid records, the
    error file's header and rows for the others, every problem, the counts, and a preview. The
    browser's ``scoreCsv`` answers the same figures, so a client joins parts alike in both modes."""
    raw = csv_io.raw_cells(model.manifest)
    columns = csv_io.result_columns(table, scored, raw)
    result_header = csv_io.result_csv(table, csv_io.Scored([], [], scored.probabilities, scored.classes,
                                                           explained=scored.explained), raw)
    errors_header = csv_io.lines_text([",".join(csv_io.ERROR_COLUMNS)])
    sums = {"contribution_sums": contribution_sums(scored.explained, scored.explanations)} if scored.explained else {}
    return {**sums, "model": {"name": model.name, "version": model.version}, "backend": "server",
            "columns": table.matched(), "rows": len(table.records), "scored": len(scored.valid),
            "invalid_rows": scored.invalid_rows, "problems": [p.to_dict() for p in scored.problems],
            "result": {"header": result_header, "rows": csv_io.result_text(columns, table.delimiter)},
            "errors": {"header": errors_header, "rows": csv_io.errors_csv(scored, raw)[len(errors_header):]},
            "preview": [csv_io.result_header(table, scored), *(list(row) for row in itertools.islice(zip(*columns), 10))]}


def _query_flag(name: str) -> bool:
    """A true/false query parameter (absent: false; 400 ``invalid_request`` for anything else)."""
    text = request.args.get(name, "false")
    if text not in ("true", "false"):
        raise ApiError("invalid_request", f"the query's {name} must be true or false, got {text!r}",
                       [{"field": name, "expected": "true or false"}])
    return text == "true"


def _query_number(name: str, default: int | None) -> int | None:
    """A whole-number query parameter of at least 1 (400 ``invalid_request`` for anything else)."""
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ApiError("invalid_request", f"the query's {name} must be a whole number of at least 1, got {text!r}",
                       [{"field": name, "expected": "a whole number of at least 1"}])
    return int(text)


def json_rows(first_row: int = 1) -> tuple[Any, Locator]:
    """A JSON body's rows, and where they start (``first_row`` unless the body says); 400 for a
    body of another shape."""
    body = read_json()
    if not isinstance(body, dict):
        raise ApiError("invalid_request", 'the body must be a JSON object like {"rows": [...]}',
                       [{"field": None, "expected": "an object with a 'rows' list"}])
    unknown = sorted(set(body) - {"rows", "first_row"})
    if unknown:
        raise ApiError("invalid_request", f"unknown field(s) in the body: {', '.join(unknown)}; "
                       "expected only 'rows' (and 'first_row')",
                       [{"field": k, "expected": "only 'rows' and 'first_row'"} for k in unknown])
    return body.get("rows"), starting_at(body.get("first_row", first_row))


def predict_body(name: str, version: str | None, first_row: int = 1) -> dict[str, Any]:
    """JSON rows in (their first row ``first_row``, unless the body says), JSON out."""
    rows, at = json_rows(first_row)
    model = registry().get(name, version)  # unknown model before bad rows: 404 is the more useful answer
    result = run(model, rows, at)
    result["backend"] = "server"
    return result


@api.get("/models")
def list_models():
    return jsonify({"models": [
        {"name": m.name, "version": m.version, "task": m.task, "description": m.description,
         "runtimes": list(m.runtimes)} for m in registry().manifests()]})


@api.get("/models/<name>")
def get_model(name: str):
    return jsonify(registry().get(name).manifest.to_dict())


@api.get("/models/<name>/versions/<version>")
def get_model_version(name: str, version: str):
    return jsonify(registry().get(name, version).manifest.to_dict())


@api.post("/models/<name>/predict")
def predict(name: str):
    return predict_answer(name, None)


@api.post("/models/<name>/versions/<version>/predict")
def predict_version(name: str, version: str):
    return predict_answer(name, version)


@api.get("/openapi.json")
def openapi_document():
    config = current_app.config
    return jsonify(openapi.build(registry(), config["MAX_ROWS"], config["DEFAULT_MODEL"], config["MAX_EXPLAIN_ROWS"],
                                 config["TELEMETRY_MAX_ROWS"]))


@classic.post("/predict")
def classic_predict():
    """The pre-v1 contract: ``{"features": [...]}`` in (one row in schema order, or a list of
    rows), ``{"prediction": [...]}`` out."""
    body = read_json()
    if not isinstance(body, dict) or set(body) != {"features"}:
        raise ApiError("invalid_request",
                       'the body must be a JSON object with only "features", like {"features": [5.1, 3.5, 1.4, 0.2]}')
    features = body["features"]
    if not isinstance(features, list) or not features:
        raise ApiError("invalid_input", "'features' must be a non-empty array of values in schema order, "
                       "or an array of such arrays")
    many = isinstance(features[0], list)
    if many and not all(isinstance(row, list) for row in features):
        raise ApiError("invalid_input", "'features' mixes arrays and values; send one row or a list of rows")
    model = registry().get(current_app.config["DEFAULT_MODEL"])
    return jsonify({"prediction": run(model, features if many else [features])["predictions"]})


@classic.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@classic.get("/readyz")
def readyz():
    store = current_app.extensions["models"]
    models = store.registry.manifests()  # 503 not_ready until loaded
    return jsonify({"status": "ready", "models": [f"{m.name}@{m.version}" for m in models]})
