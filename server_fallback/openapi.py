"""The OpenAPI 3.1 document, generated from the live model registry.

Each model gets its own predict paths whose request schema lists that model's features
(names, types, units, ranges, categories), so a client generator or a fuzzer sees exactly
what the server accepts. Served at /api/v1/openapi.json.
"""

from __future__ import annotations

from typing import Any

from py_pipeline import PipelineError, Registry
from py_pipeline.bundle import Manifest
from py_pipeline.drift.profile import Binner
from py_pipeline.drift.telemetry import MAX_DROPPED, MAX_ROWS as MAX_TELEMETRY_ROWS, MIN_ROWS as MIN_TELEMETRY_ROWS
from py_pipeline.error_codes import CATALOGUE, STATUS_BY_CODE
from py_pipeline.explanations import unavailable
from py_pipeline.manifest_types import json_schema
from py_pipeline.problems import PROBLEM_CODES
from py_pipeline.schema import Feature

JSON = "application/json"
ERROR_STATUSES = {
    "400": "Malformed JSON or a body of the wrong shape",
    "404": "Unknown model or version",
    "405": "Method not allowed",
    "413": "Body or row count over the limit",
    "415": "Body is not application/json",
    "422": "Rows that fail validation, with per-row, per-field details",
    "500": "Unexpected fault (answered with a request id, never a trace)",
    "503": "Models not loaded yet",
}


CSV = "text/csv"
CSV_BODY = ("A CSV file (UTF-8; comma, semicolon or tab separated): a header line naming the features "
            "(case, spacing, punctuation and a unit suffix do not matter: 'Sepal length (cm)' finds "
            "sepal_length_cm; extra columns pass through), then one line per row. Problems are answered "
            "422 with the file's line number in each detail ('line').")
FIRST_ROW = {"type": "integer", "minimum": 1, "default": 1,
             "description": "the data row number of the first row sent: a part of a larger batch or file says "
                            "where it starts, so each problem names its row (and line) in the whole"}
CSV_ANSWER = ("With Accept: text/csv, for a CSV body: the file's columns untouched, then 'prediction' and one "
              "'probability_<class>' column per class.")


def feature_schema(feature: Feature) -> dict[str, Any]:
    if feature.type == "category":
        out: dict[str, Any] = {"type": "string", "enum": list(feature.categories or ())}
    else:
        out = {"type": "integer" if feature.type == "integer" else "number"}
        if feature.minimum is not None:
            out["minimum"] = feature.minimum
        if feature.maximum is not None:
            out["maximum"] = feature.maximum
        if feature.values is not None:
            out["enum"] = list(feature.values)
    description = feature.description or feature.name
    if feature.typical_minimum is not None or feature.typical_maximum is not None:
        description += f"; {feature.typical_text()} (outside it: scored, with an out_of_range warning)"
    out["description"] = f"{description} [{feature.unit}]" if feature.unit else description
    return out


def row_schemas(manifest: Manifest) -> dict[str, Any]:
    features = manifest.schema.features
    as_object = {
        "type": "object",
        "properties": {f.name: feature_schema(f) for f in features},
        "required": [f.name for f in features],
        "additionalProperties": False,
    }
    as_array = {
        "type": "array",
        "prefixItems": [feature_schema(f) for f in features],
        "items": False,
        "minItems": len(features),
        "maxItems": len(features),
        "description": "values in the order " + ", ".join(f.name for f in features),
    }
    return {"object": as_object, "array": as_array}


def errors(*statuses: str, schema: str = "Error") -> dict[str, Any]:
    return {s: {"description": ERROR_STATUSES[s], "headers": {"X-Request-ID": {"$ref": "#/components/headers/RequestId"}},
                "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}} for s in statuses}


def ok(schema: dict[str, Any], description: str, media: str = JSON) -> dict[str, Any]:
    return {"200": {"description": description, "headers": {"X-Request-ID": {"$ref": "#/components/headers/RequestId"}},
                    "content": {media: {"schema": schema}}}}


def rows_body(manifest: Manifest, max_rows: int) -> dict[str, Any]:
    """The request body predict and explain take: JSON rows, or a CSV file."""
    rows = row_schemas(manifest)
    return {"required": True, "content": {JSON: {"schema": {
        "type": "object",
        "properties": {"rows": {"type": "array", "minItems": 1, "maxItems": max_rows,
                                "items": {"oneOf": [rows["object"], rows["array"]]}},
                       "first_row": FIRST_ROW},
        "required": ["rows"],
        "additionalProperties": False,
    }}, CSV: {"schema": {"type": "string", "description": CSV_BODY}}}}


def explain_operation(manifest: Manifest, max_rows: int) -> dict[str, Any]:
    """Why each prediction: the newest version's explanation route."""
    return {"post": {
        "summary": f"Explain predictions of {manifest.name} (the newest version)",
        "description": "Exact, additive contributions per input feature for each row (TreeSHAP for tree models): "
                       "base_values + the sum of a row's contributions is the model's output. Listed for the "
                       "models that can be explained; another answers 422 explanation_unavailable.",
        "operationId": f"explain_{manifest.name}",
        "tags": [manifest.name],
        "requestBody": rows_body(manifest, max_rows),
        "parameters": [
            {"name": "first_row", "in": "query", "required": False, "schema": FIRST_ROW},
            {"name": "columns", "in": "query", "required": False, "schema": {
                "type": "string", "enum": ["true", "false"], "default": "false",
                "description": "true adds column_contributions: the values of the columns the model's final "
                               "estimator reads"}}],
        "responses": {**ok({"$ref": "#/components/schemas/Explanation"}, "Contributions per row"),
                      **errors("400", "404", "405", "413", "415", "422", "500", "503")},
    }}


def predict_operation(manifest: Manifest, max_rows: int, pinned: bool) -> dict[str, Any]:
    which = f"version {manifest.version}" if pinned else "the newest version"
    return {"post": {
        "summary": f"Predict with {manifest.name} ({which})",
        "description": manifest.description,
        "operationId": f"predict_{manifest.name}" + (f"_{manifest.version}".replace(".", "_") if pinned else ""),
        "tags": [manifest.name],
        "requestBody": rows_body(manifest, max_rows),
        "parameters": [
            {"name": "first_row", "in": "query", "required": False, "schema": FIRST_ROW},
            {"name": "first_line", "in": "query", "required": False, "schema": {
                "type": "integer", "minimum": 1,
                "description": "CSV body only: the line, in the whole file, of the line after this body's header"}},
            {"name": "partial", "in": "query", "required": False, "schema": {
                "type": "string", "enum": ["true", "false"], "default": "false",
                "description": "CSV body only: true scores the valid rows and lists the others (a PartialScore "
                               "answer, 200) instead of refusing the whole file (422)"}},
            {"name": "drift", "in": "query", "required": False, "schema": {
                "type": "string", "enum": ["true", "false"], "default": "false",
                "description": "CSV body with partial=true: the answer's drift carries the scored rows' bin counts "
                               "against the reference profile (a TelemetryReport: sum them over the pieces for "
                               "drift/report); 422 drift_unavailable without a profile"}},
            {"name": "explain", "in": "query", "required": False, "schema": {
                "type": "string", "enum": ["true", "false"], "default": "false",
                "description": "CSV body only: the result file's rows carry their explanations (contribution_ "
                               "columns of the predicted class, base_value, explained_class; a PartialScore also sums "
                               "them per feature); at most the explain row limit; 422 explanation_unavailable for a "
                               "model that cannot be explained"}}],
        "responses": {**csv_too(ok({"oneOf": [{"$ref": "#/components/schemas/Prediction"},
                                              {"$ref": "#/components/schemas/PartialScore"}]},
                                   "Predictions (a PartialScore for a CSV body with partial=true)")),
                      **errors("400", "404", "405", "413", "415", "422", "500", "503")},
    }}


def drift_operation(manifest: Manifest) -> dict[str, Any]:
    return {"get": {
        "summary": f"Drift of {manifest.name} {manifest.version}: the window against the reference profile",
        "description": "The rows predicted in the window (DRIFT_WINDOW_SECONDS, at most about DRIFT_WINDOW_ROWS), "
                       "each feature's and the predictions' reference and observed bin counts, a two-sample chi-square "
                       "test (Bonferroni-corrected across them), PSI and Jensen-Shannon distance, the features ranked "
                       "by PSI, and the alarm. 422 drift_unavailable for a bundle without a reference profile.",
        "operationId": f"drift_{manifest.name}_{manifest.version}".replace(".", "_"),
        "tags": [manifest.name],
        "responses": {**ok({"$ref": "#/components/schemas/Drift"}, "The drift window"),
                      **errors("404", "405", "422", "500", "503")}}}


def counts_schema(model: Any, max_rows: int, min_rows: int = MIN_TELEMETRY_ROWS) -> dict[str, Any]:
    """A report of bin counts for a model version, exact where its profile says: the profile's
    sha256, and each line's number of bins."""
    schema: dict[str, Any] = {"$ref": "#/components/schemas/TelemetryReport"}
    try:
        binner = Binner.of(model)
    except PipelineError:
        binner = None  # answered 422 drift_unavailable
    if binner is not None:
        general = SCHEMAS["TelemetryReport"]
        count = {"type": "integer", "minimum": 0, "maximum": max_rows}
        schema = {**general, "properties": {
            **general["properties"],
            "profile": {"const": binner.sha256},
            "rows": {"type": "integer", "minimum": min_rows, "maximum": max_rows},
            "counts": {"type": "object", "required": binner.lines, "additionalProperties": False, "properties": {
                line: {"type": "array", "items": count, "minItems": size, "maxItems": size}
                for line, size in zip(binner.lines, binner.sizes)}}}}
    return schema


def telemetry_operation(model: Any, max_rows: int) -> dict[str, Any]:
    manifest = model.manifest
    schema = counts_schema(model, max_rows)
    return {"post": {
        "summary": f"Drift telemetry for {manifest.name} {manifest.version}: a page's per-bin counts",
        "description": "What a page that opted in predicted in the browser, as counts in the reference profile's "
                       "bins (never a row or a value), checked against the profile: each line's bins, counts adding "
                       "up to rows, from 20 to TELEMETRY_MAX_ROWS rows. Kept under the browser section of the drift "
                       "window, never in the server's alarm. 400 invalid_request names each problem; 404 when "
                       "TELEMETRY=false; 422 drift_unavailable for a bundle without a reference profile.",
        "operationId": f"telemetry_{manifest.name}_{manifest.version}".replace(".", "_"),
        "tags": [manifest.name],
        "requestBody": {"required": True, "content": {JSON: {"schema": schema}}},
        "responses": {"202": {"description": "Counted", "content": {JSON: {"schema": {
            "type": "object", "required": ["accepted_rows"], "properties": {"accepted_rows": {"type": "integer"}}}}}},
                      **errors("400", "404", "405", "413", "415", "422", "500", "503")}}}


def drift_report_operation(model: Any) -> dict[str, Any]:
    manifest = model.manifest
    return {"post": {
        "summary": f"The drift report of a file scored on the server with {manifest.name} {manifest.version}",
        "description": "The bin counts its pieces answered (predict with a CSV body, partial=true and drift=true), "
                       "summed, judged against the reference profile as a drift window is: a self-contained HTML "
                       "page. 400 invalid_request names each problem of the counts.",
        "operationId": f"drift_report_{manifest.name}_{manifest.version}".replace(".", "_"),
        "tags": [manifest.name],
        "requestBody": {"required": True, "content": {JSON: {"schema": counts_schema(model, 10**12, 1)}}},
        "responses": {"200": {"description": "The report", "content": {"text/html": {"schema": {"type": "string"}}}},
                      **errors("400", "404", "405", "413", "415", "422", "500", "503")}}}


def csv_too(answer: dict[str, Any]) -> dict[str, Any]:
    """A CSV body may ask for a CSV answer (``Accept: text/csv``)."""
    answer["200"]["content"][CSV] = {"schema": {"type": "string", "description": CSV_ANSWER}}
    return answer


def build(registry: Registry, max_rows: int, default_model: str, max_explain_rows: int = 1_000,
          max_telemetry_rows: int = MAX_TELEMETRY_ROWS) -> dict[str, Any]:
    """The whole document for the models in ``registry``."""
    paths: dict[str, Any] = {
        "/api/v1/models": {"get": {
            "summary": "List models", "operationId": "list_models",
            "responses": {**ok({"$ref": "#/components/schemas/ModelList"}, "Every model version"),
                          **errors("405", "500", "503")}}},
        "/api/v1/models/{name}": {"get": {
            "summary": "The newest manifest of a model", "operationId": "get_model",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {**ok({"$ref": "#/components/schemas/ManifestDocument"}, "The manifest"),
                          **errors("404", "405", "500", "503")}}},
    }
    for name in registry.names():
        newest = registry.get(name).manifest
        paths[f"/api/v1/models/{name}/predict"] = predict_operation(newest, max_rows, pinned=False)
        if unavailable(registry.get(name)) is None:  # listed where it answers
            paths[f"/api/v1/models/{name}/explain"] = explain_operation(newest, max_explain_rows)
        for version in registry.versions(name):
            manifest = registry.get(name, version).manifest
            paths[f"/api/v1/models/{name}/versions/{version}/predict"] = predict_operation(manifest, max_rows, True)
            paths[f"/api/v1/models/{name}/versions/{version}/drift"] = drift_operation(manifest)
            paths[f"/api/v1/models/{name}/versions/{version}/drift/report"] = drift_report_operation(
                registry.get(name, version))
            paths[f"/api/v1/models/{name}/versions/{version}/telemetry"] = telemetry_operation(registry.get(name, version),
                                                                                        max_telemetry_rows)
    if default_model in registry.names():
        rows = row_schemas(registry.get(default_model).manifest)
        paths["/predict"] = {"post": {
            "summary": f"Classic endpoint: predict with {default_model}",
            "operationId": "classic_predict",
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object",
                "properties": {"features": {"oneOf": [rows["array"], {"type": "array", "minItems": 1,
                                                                         "maxItems": max_rows, "items": rows["array"]}]}},
                "required": ["features"], "additionalProperties": False}}}},
            "responses": {**ok({"type": "object", "required": ["prediction"],
                                "properties": {"prediction": {"type": "array"}}}, "Predicted labels"),
                          **errors("400", "405", "413", "415", "422", "500", "503", schema="ClassicError")}}}
    paths["/healthz"] = {"get": {"summary": "Process alive", "operationId": "healthz",
                                 "responses": ok({"type": "object"}, "Alive")}}
    paths["/readyz"] = {"get": {"summary": "Models loaded", "operationId": "readyz",
                                "responses": {**ok({"type": "object"}, "Ready"), **errors("503")}}}
    paths["/metrics"] = {"get": {"summary": "Prometheus metrics", "operationId": "metrics",
                                 "responses": ok({"type": "string"}, "Prometheus text format", "text/plain")}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "py_pipeline fallback server", "version": "1",
                 "description": "The same py_pipeline models the browser runs, over HTTP."},
        "paths": paths,
        "components": {"headers": {"RequestId": {"description": "The request id (the caller's, when sane)",
                                                 "schema": {"type": "string"}}},
                       "schemas": SCHEMAS},
    }


#: The codes a server answer may carry (the client's own and the service worker's aside).
SERVER_CODES = set(STATUS_BY_CODE) - {"offline"}

#: One source's drift window (GET .../drift: the server's, and under "browser" the browsers').
DRIFT_SOURCE: dict[str, Any] = {"type": "object", "required": ["model", "window", "enough_rows", "alarm", "ranked",
                                                              "features", "predictions"], "properties": {
    "model": {"type": "object"},
    "window": {"type": "object", "required": ["rows", "from", "to", "seconds", "max_rows"],
               "description": "from and to: Unix seconds"},
    "enough_rows": {"type": "boolean", "description": "at least 100 rows: below, nothing is judged"},
    "alarm": {"type": "boolean"}, "alpha": {"type": "number"}, "corrected_alpha": {"type": "number"},
    "psi_alarm": {"type": "number"},
    "ranked": {"type": "array", "items": {"type": "string"}, "description": "features (and '(predictions)') by PSI"},
    "features": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/DriftLine"}},
    "predictions": {"$ref": "#/components/schemas/DriftLine"}}}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"],
        "properties": {"code": {"type": "string", "enum": sorted(SERVER_CODES),
                                "description": "; ".join(f"{c} ({STATUS_BY_CODE[c]}): {CATALOGUE[c].meaning}"
                                                         for c in sorted(SERVER_CODES))},
                       "message": {"type": "string"},
                       "details": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                       "total": {"type": "integer", "description": "problems in all, when details lists the first"}}}}},
    "Problem": {"type": "object", "description": "One problem, as data; 'message' words it. Details of errors "
                "that are not about rows carry 'field' and 'expected' only.", "properties": {
        "code": {"type": "string", "enum": sorted(PROBLEM_CODES),
                 "description": "; ".join(f"{c}: {m}" for c, m in PROBLEM_CODES.items())},
        "row": {"type": ["integer", "null"], "description": "the 1-based data row (row 1 follows a file's header)"},
        "line": {"type": ["integer", "null"], "description": "the 1-based physical line of a file (its header is 1)"},
        "field": {"type": ["string", "null"]},
        "expected": {"type": "string"},
        "got": {"type": "string"},
        "message": {"type": "string"}}},
    "ClassicError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Prediction": {"type": "object", "required": ["model", "predictions", "backend"], "properties": {
        "model": {"type": "object", "required": ["name", "version"],
                  "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
        "predictions": {"type": "array"},
        "classes": {"type": "array"},
        "probabilities": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
        "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"},
                     "description": "values outside their feature's typical range (code out_of_range): scored all "
                                    "the same, flagged; the first 100"},
        "warning_count": {"type": "integer", "description": "how many warnings in all"},
        "backend": {"const": "server"}}},
    "Explanation": {"type": "object", "required": ["model", "output", "outputs", "features", "derived", "base_values",
                                                    "contributions", "backend"], "properties": {
        "model": {"type": "object"}, "backend": {"const": "server"},
        "output": {"type": "string", "enum": ["probability", "margin", "value"],
                   "description": "what base_values + contributions add up to"},
        "outputs": {"type": "array", "description": "the class (or 'value') each output column is for"},
        "features": {"type": "array", "items": {"type": "string"}, "description": "one line per input feature, "
                     "then one per set of features some columns are computed from (see derived)"},
        "derived": {"type": "array", "items": {"type": "object", "required": ["name", "from"], "properties": {
            "name": {"type": "string"}, "from": {"type": "array", "items": {"type": "string"}}}}},
        "base_values": {"type": "array", "items": {"type": "number"}},
        "contributions": {"type": "array", "description": "rows x lines (as features) x outputs",
                          "items": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}},
        "column_contributions": {"type": "array", "description": "with ?columns=true: rows x columns x outputs"},
        "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
        "warning_count": {"type": "integer"}}},
    "DriftLine": {"type": "object", "required": ["labels", "reference", "observed", "chi2", "df", "p_value", "psi",
                                                 "js_distance", "rejected", "drifted"], "properties": {
        "labels": {"type": "array", "items": {"type": "string"}, "description": "each bin"},
        "reference": {"type": "array", "items": {"type": "integer"}},
        "observed": {"type": "array", "items": {"type": "integer"}},
        "chi2": {"type": "number"}, "df": {"type": "integer"}, "p_value": {"type": "number"}, "psi": {"type": "number"},
        "js_distance": {"type": "number"}, "bins_tested": {"type": "integer"},
        "rejected": {"type": "boolean", "description": "the corrected test rejects"},
        "drifted": {"type": "boolean", "description": "rejected, and PSI at least psi_alarm"}}},
    "DriftSource": DRIFT_SOURCE,
    "Drift": {**DRIFT_SOURCE, "properties": {**DRIFT_SOURCE["properties"], "browser": {
        "$ref": "#/components/schemas/DriftSource",
        "description": "the same for the counts browsers sent (telemetry): informational, never in the server's alarm"}}},
    "TelemetryReport": {"type": "object", "required": ["format", "profile", "rows", "counts"],
                        "additionalProperties": False, "properties": {
        "format": {"const": "py_pipeline.telemetry/1"},
        "profile": {"type": "string", "description": "sha256 of the model version's reference profile"},
        "rows": {"type": "integer", "minimum": 20, "description": "rows counted (at most TELEMETRY_MAX_ROWS)"},
        "counts": {"type": "object", "description": "each feature, and '(predictions)': its bin counts, in the "
                   "profile's bins, adding up to rows", "additionalProperties": {
                       "type": "array", "items": {"type": "integer", "minimum": 0}}},
        "dropped_rows": {"type": "integer", "minimum": 0, "maximum": MAX_DROPPED,
                         "description": "rows a full queue dropped unsent"}}},
    "PartialScore": {"type": "object", "required": ["model", "backend", "columns", "rows", "scored", "invalid_rows",
                                                     "problems", "result", "errors", "preview"], "properties": {
        "model": {"type": "object"}, "backend": {"const": "server"},
        "columns": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "the file's column that fed each feature"},
        "rows": {"type": "integer"}, "scored": {"type": "integer"}, "invalid_rows": {"type": "integer"},
        "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
        "result": {"type": "object", "required": ["header", "rows"], "description": "the result file's header line "
                   "and its lines for the scored rows", "properties": {"header": {"type": "string"},
                                                                        "rows": {"type": "string"}}},
        "errors": {"type": "object", "required": ["header", "rows"], "description": "the error file's header line "
                   "and its lines, one per problem", "properties": {"header": {"type": "string"},
                                                                     "rows": {"type": "string"}}},
        "contribution_sums": {"type": "object", "additionalProperties": {"type": "number"},
                              "description": "explain=true: each feature's absolute contributions summed over the "
                                             "scored rows"},
        "preview": {"type": "array", "items": {"type": "array"}, "description": "the result's header, then its "
                    "first rows"}}},
    "ModelList": {"type": "object", "required": ["models"], "properties": {"models": {"type": "array", "items": {
        "type": "object", "required": ["name", "version", "task", "runtimes"],
        "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "task": {"type": "string"},
                       "runtimes": {"type": "array", "items": {"type": "string"}}}}}}},
    # the manifest's fields, from their typed dataclasses (py_pipeline/manifest_types.py)
    **json_schema(refs="#/components/schemas/")["$defs"],
}
