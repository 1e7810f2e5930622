"""Every error leaves the server as JSON ``{"error": {"code", "message", "details"}}``.

The status says whose fault it was: 4xx the caller's, 5xx ours. No stack trace leaves
the process; an unexpected fault is logged with its request id and answered with that id.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from py_pipeline import PipelineError
from py_pipeline.error_codes import status_of

log = logging.getLogger("server_fallback")

#: HTTP status -> (code, message) for errors werkzeug raises itself.
HTTP_CODES = {
    400: ("bad_request", "the request could not be understood"),
    404: ("not_found", "no such resource"),
    405: ("method_not_allowed", "this method is not allowed here"),
    413: ("payload_too_large", "the request body is too large"),
    415: ("unsupported_media_type", "send the body as application/json"),
    503: ("not_ready", "the server is not ready"),
}


class ApiError(Exception):
    """An error the API answers with ``code``, and the status the one table gives it
    (``py_pipeline/error_codes.py``)."""

    def __init__(self, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status_of(code), code, message, details or []


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def classic_route() -> bool:
    """The classic ``POST /predict`` answers errors as ``{"error": "<message>"}``."""
    return request.path == "/predict"


def respond(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
            total: int | None = None):
    g.error_code = code  # for the request log: the code, never the message (it may quote values)
    if classic_route():
        return jsonify({"error": message}), status
    body = error_body(code, message, details)
    if total is not None:
        body["error"]["total"] = total
    return jsonify(body), status


def register(app: Flask) -> None:
    """Install the JSON error handlers on ``app``."""

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return respond(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(PipelineError)
    def pipeline_error(exc: PipelineError):
        status = status_of(exc.code)
        if status >= 500:
            log.error("model fault (request %s): %s", g.get("request_id"), exc.message)
        return respond(status, exc.code, exc.message, exc.details, exc.total)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code, message = HTTP_CODES.get(status, ("http_error", exc.description or exc.name))
        if status == 405 and exc.valid_methods:
            message = f"{request.method} is not allowed here; use {', '.join(sorted(exc.valid_methods))}"
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body is larger than the limit of {limit} bytes"
        response, status = respond(status, code, message)
        if hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response, status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        request_id = g.get("request_id")
        log.exception("unexpected fault (request %s)", request_id)
        return respond(500, "internal_error", f"an unexpected error occurred; quote request id {request_id}",
                       [{"request_id": request_id}])
