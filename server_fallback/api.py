"""HTTP routes: the versioned API, the classic ``POST /predict`` and health."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from py_pipeline import Registry

from .errors import ApiError

api = Blueprint("api", __name__, url_prefix="/api/v1")
classic = Blueprint("classic", __name__)


def registry() -> Registry:
    return current_app.extensions["registry"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_json() -> Any:
    """The request body as JSON; 415 for another content type, 400 when malformed.

    NaN and Infinity literals are refused here (Python's json would accept them).
    """
    if request.mimetype != "application/json":
        shown = request.mimetype or "no content type"
        raise ApiError(415, "unsupported_media_type",
                       f"send the body as application/json (got {shown})")
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the JSON body is nested too deeply") from None
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None


def check_row_count(rows: Any) -> None:
    limit = current_app.config["MAX_ROWS"]
    if isinstance(rows, list) and len(rows) > limit:
        raise ApiError(413, "too_many_rows", f"{len(rows)} rows sent; at most {limit} rows per request",
                       [{"field": "rows", "expected": f"at most {limit} rows"}])


def predict_body(name: str, version: str | None = None) -> dict[str, Any]:
    body = read_json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", 'the body must be a JSON object like {"rows": [...]}',
                       [{"field": None, "expected": "an object with a 'rows' list"}])
    unknown = sorted(set(body) - {"rows"})
    if unknown:
        raise ApiError(400, "invalid_request", f"unknown field(s) in the body: {', '.join(unknown)}; "
                       "expected only 'rows'", [{"field": k, "expected": "only 'rows'"} for k in unknown])
    model = registry().get(name, version)  # unknown model before bad rows: 404 is the more useful answer
    rows = body.get("rows")
    check_row_count(rows)
    result = model.predict(rows)
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


@api.post("/models/<name>/predict")
def predict(name: str):
    return jsonify(predict_body(name))


@classic.post("/predict")
def classic_predict():
    """The pre-v1 contract: ``{"features": [...]}`` in, ``{"prediction": [...]}`` out."""
    body = read_json()
    if not isinstance(body, dict) or "features" not in body:
        raise ApiError(400, "invalid_request", 'the body must be a JSON object like {"features": [5.1, 3.5, 1.4, 0.2]}')
    features = body["features"]
    rows = features
    if isinstance(features, list) and features and not isinstance(features[0], (list, dict)):
        rows = [features]  # one row in schema order
    check_row_count(rows)
    model = registry().get(current_app.config["DEFAULT_MODEL"])
    return jsonify({"prediction": model.predict(rows)["predictions"]})


@classic.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "models": len(registry().manifests())})
