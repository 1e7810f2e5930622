"""One small error hierarchy with stable codes, shared by every backend.

The browser (through Pyodide) and the Flask server both turn these into the same
``{"code", "message", "details"}`` object, so a client sees one error shape whichever
backend answered.
"""

from __future__ import annotations

from typing import Any, Sequence

from .problems import Problem, summary


class PipelineError(Exception):
    """Base class: a stable ``code``, a human ``message`` and machine-readable ``details``
    (problem records, :mod:`py_pipeline.problems`, or plain objects)."""

    code = "pipeline_error"

    def __init__(self, message: str, details: Sequence[Problem | dict[str, Any]] | None = None,
                 total: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The problems as records (the details that are :class:`Problem`), in order.
        self.problems = [d for d in details or () if isinstance(d, Problem)]
        self.details = [d.to_dict() if isinstance(d, Problem) else d for d in details or ()]
        #: How many problems there were in all, when ``details`` lists only the first ones.
        self.total = total

    def to_dict(self) -> dict[str, Any]:
        """The error as the JSON-ready object every backend sends."""
        out: dict[str, Any] = {"code": self.code, "message": self.message, "details": self.details}
        if self.total is not None:
            out["total"] = self.total
        return out


class InvalidInput(PipelineError):
    """The caller's rows do not fit the model's feature schema."""

    code = "invalid_input"

    @classmethod
    def listing(cls, problems: Sequence[Problem], total: int | None = None, rows: int | None = None,
                most: int | None = None) -> "InvalidInput":
        """The error for row problems: the first ``most`` listed, ``total`` counted (in ``rows``
        rows, when given), its message worded from the first."""
        listed = problems if most is None else problems[:most]
        total = len(problems) if total is None else total
        return cls(summary(listed, total, rows), listed, total=total)


class UnknownModel(PipelineError):
    """No model (or no such version of it) is registered."""

    code = "unknown_model"


class IntegrityError(PipelineError):
    """A model artifact's sha256 does not match its manifest; it is never unpickled."""

    code = "integrity_error"


class IncompatibleModel(PipelineError):
    """A bundle was made with other library versions than this runtime has."""

    code = "incompatible_model"


class InvalidBundle(PipelineError):
    """A bundle's manifest is missing, malformed or inconsistent."""

    code = "invalid_bundle"


class SchemaMismatch(InvalidBundle):
    """The artifact was trained on another feature schema than its manifest lists."""

    code = "schema_mismatch"


class ModelFailed(PipelineError):
    """The model answered something no caller may be given (a NaN where a number belongs): the
    fault is the model's, never the caller's, and no answer is sent."""

    code = "model_failed"


class DriftUnavailable(PipelineError):
    """The model version has no reference profile: its drift cannot be measured."""

    code = "drift_unavailable"


class ExplanationUnavailable(PipelineError):
    """The model predicts, but its answers cannot be explained exactly here; the message says why."""

    code = "explanation_unavailable"


class ModelUnavailable(PipelineError):
    """The model exists but this runtime will not run it (for example, it refuses pickles)."""

    code = "model_unavailable"
    #: (name, version) of the model, set by the registry
    model: tuple[str, str] | None = None
