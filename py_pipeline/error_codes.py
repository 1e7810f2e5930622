"""Every error code, in one table: its HTTP status and what it means. Python's exceptions
(``errors.py``), the server's answers and its OpenAPI document, and the client's ``ErrorCode``
(``web/lib/error_codes.js``, written from this table by ``python -m build_scripts.error_codes``)
all take their codes from here; a test proves that every code raised anywhere is listed.

``status`` is the HTTP status an answer with the code carries: 4xx the caller's fault, 5xx ours;
``None`` for a code only the client gives (it never crosses HTTP)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One error code: the HTTP status it is answered with (None: the client's alone), and its meaning."""

    status: int | None
    meaning: str


CATALOGUE: dict[str, Code] = {
    # the caller's rows, body or request
    "invalid_input": Code(422, "rows or a file that do not fit the model's features; details name each row and field"),
    "invalid_request": Code(400, "a JSON body that is not the object the route takes"),
    "malformed_json": Code(400, "a body that is not valid JSON, or not UTF-8"),
    "bad_request": Code(400, "a request HTTP itself could not read"),
    "unknown_model": Code(404, "no model of that name, or no such version of it"),
    "not_found": Code(404, "no such route"),
    "method_not_allowed": Code(405, "a method the route does not take"),
    "too_many_rows": Code(413, "more rows than one request may carry (MAX_ROWS)"),
    "payload_too_large": Code(413, "a body over MAX_CONTENT_LENGTH, or a batch too large for the browser to send"),
    "unsupported_media_type": Code(415, "a body that is neither application/json nor text/csv"),
    "http_error": Code(400, "another error HTTP itself raised; the answer's status says which"),
    # the model or the runtime
    "pipeline_error": Code(500, "a py_pipeline error with no more precise code"),
    "integrity_error": Code(500, "a model file whose sha256 differs from its manifest's: never loaded"),
    "incompatible_model": Code(500, "a pickled model made with other library versions than this runtime's"),
    "invalid_bundle": Code(500, "a bundle whose manifest is missing, malformed or inconsistent"),
    "schema_mismatch": Code(500, "a manifest whose features differ from those the model was trained on"),
    "model_failed": Code(500, "the model answered a non-finite number where a number belongs; nothing was sent"),
    "internal_error": Code(500, "an unexpected fault on the server, logged with the request id"),
    "model_unavailable": Code(503, "a model this runtime will not run (it refuses pickles and the model has no portable engine)"),
    "explanation_unavailable": Code(422, "a model that predicts but cannot be explained exactly (no portable engine, or an "
                                         "estimator without an implementation); the message says why"),
    "drift_unavailable": Code(422, "a model version without a reference profile: its drift cannot be measured "
                                   "(it predicts all the same)"),
    "not_ready": Code(503, "the server is still loading its models"),
    "offline": Code(503, "a file of the site that is neither saved for offline use nor reachable (the service worker)"),
    # the client's own
    "runtime_error": Code(None, "an unexpected fault in the browser runtime or the client"),
    "runtime_unavailable": Code(None, "this browser cannot run the model here (no WebAssembly, server-only model)"),
    "worker_failed": Code(None, "the browser runtime's worker stopped or did not answer; the next call starts a new one"),
    "bad_message": Code(None, "a message the worker does not know (a client and worker of different builds)"),
    "server_unreachable": Code(None, "the prediction server could not be reached"),
    "server_error": Code(None, "the prediction server answered with an error of its own, or without JSON"),
    "server_timeout": Code(None, "the prediction server did not answer in time"),
    "closed": Code(None, "a call on a predictor that was closed"),
    "cancelled": Code(None, "a batch or file cancelled through its AbortSignal"),
}

#: The HTTP status of each code that crosses HTTP.
STATUS_BY_CODE: dict[str, int] = {code: c.status for code, c in CATALOGUE.items() if c.status is not None}


def status_of(code: str) -> int:
    """The HTTP status an error with ``code`` is answered with (500 for a code the table lacks,
    which a test makes sure never happens)."""
    return STATUS_BY_CODE.get(code, 500)
