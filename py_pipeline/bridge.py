"""The entry points that JavaScript calls through Pyodide.

Strings and flat buffers cross the JS/Python boundary, never long-lived proxies: nothing leaks,
floats round-trip exactly, and errors come back in the same shape the server sends. Batches
cross as typed arrays (:func:`predict_columns`); :func:`predict` takes JSON rows as the server
does, for input the column encoder leaves as it is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidInput, PipelineError
from .bundle import choose_engine, load_engine, read_manifest
from .columns import ColumnBatch, validate_batch
from .drift.telemetry import Counter
from .explanations import explain_rows
from .model import Model, load_model
from .problems import starting_at

if TYPE_CHECKING:  # imported by the first file scored: a page that only predicts starts 30 ms sooner
    from . import csv_io

_loaded: dict[str, Model] = {}
#: Telemetry counts by bundle directory (a Counter), or why the model cannot be counted.
_counters: dict[str, Counter | str] = {}


def load(directory: str, allow_pickle: bool = True) -> str:
    """Load (once) the bundle in ``directory``; answer ``{"ok": true, "result": manifest}``.

    The model runs on the engine its manifest gives the browser (the one whose files the worker
    fetched): portable when it has one, otherwise scikit-learn, which unpickles the artifact,
    unless ``allow_pickle`` is false (then: ``model_unavailable``).
    """

    def run() -> dict[str, Any]:
        if directory not in _loaded:
            manifest = read_manifest(directory)
            engine = load_engine(directory, manifest, choose_engine(manifest, "browser", allow_pickle=allow_pickle))
            _loaded[directory] = Model(manifest, engine, directory)
        return _loaded[directory].manifest.to_dict()

    return _answer(run)


def unload(directory: str) -> str:
    """Forget the model loaded from ``directory`` (no predictor uses it any more)."""
    _counters.pop(directory, None)
    return _answer(lambda: {"unloaded": _loaded.pop(directory, None) is not None})


def predict(directory: str, rows_json: str, first_row: int = 1, telemetry: int = 0) -> str:
    """Predict the JSON-encoded ``rows`` with the bundle in ``directory``; problems name rows from
    ``first_row`` (a chunk of a larger batch names them in the whole batch). ``telemetry``: count
    the predictions for the page's drift telemetry, a report every this many rows (0: not counted)."""
    return _answer(lambda: _counted(directory, telemetry,
                                    lambda: _model(directory).predict(_rows(rows_json), starting_at(first_row))))


def _counted(directory: str, every_rows: int, run: Any) -> dict[str, Any]:
    """``run()``'s answer, its predictions counted when ``every_rows`` asks for it; the answer then
    carries ``telemetry``: a report once ``every_rows`` rows are counted (``drift.telemetry``), or
    ``{"unavailable": why}`` for a model without a usable profile (it predicts all the same)."""
    if not every_rows:
        return run()
    model = _model(directory)
    if directory not in _counters:
        try:
            _counters[directory] = Counter(model)
        except PipelineError as exc:
            _counters[directory] = exc.message
    counter = _counters[directory]
    if isinstance(counter, str):
        return {**run(), "telemetry": {"unavailable": counter}}
    model.observer = counter.tally  # only for this call: the page's files and explanations are not counted
    try:
        result = run()
    finally:
        model.observer = None
    report = counter.take(int(every_rows))
    return {**result, "telemetry": report} if report else result


def explain(directory: str, rows_json: str, first_row: int = 1, columns: bool = False, flat: bool = False) -> str:
    """Explain the JSON-encoded ``rows`` (``Model.explain``), validated as :func:`predict` does;
    ``flat``: the contributions as one row-major list with their ``shape`` (the page's form)."""
    return _answer(lambda: _model(directory).explain(_rows(rows_json), starting_at(first_row), bool(columns),
                                                     bool(flat)))


def explain_columns(directory: str, meta_json: str, numbers: Any, codes: Any, first_row: int = 1) -> str:
    """Explain a column batch (``columns.py``), validated as :func:`predict_columns` does; answer
    JSON as :func:`explain` gives it, the contributions flattened row-major (rows x lines x
    outputs) for the page to hold as one Float64Array."""

    def run() -> dict[str, Any]:
        model = _model(directory)
        at = starting_at(first_row)
        batch = ColumnBatch.from_wire(model.manifest.schema, json.loads(meta_json), _buffer(numbers), _buffer(codes))
        X = validate_batch(model.manifest.schema, batch, at)
        result = {**explain_rows(model, X, flat=True), **model.warnings(X, at)}
        return result

    return _answer(run)


def _rows(rows_json: str) -> Any:
    try:
        return json.loads(rows_json)
    except ValueError as exc:
        raise InvalidInput(f"rows are not valid JSON: {exc}") from None


def predict_columns(directory: str, meta_json: str, numbers: Any, codes: Any, out: Any, first_row: int = 1,
                    telemetry: int = 0) -> str:
    """Predict a column batch (``columns.py``) into ``out``; answer JSON as :func:`predict` gives
    it, minus the arrays; problems name rows from ``first_row``.

    ``numbers`` and ``codes`` are float64 and int32 buffers and ``out`` a writable float64 buffer of
    ``rows * (1 + k)`` values (JS typed arrays under Pyodide; numpy arrays elsewhere), ``k`` being
    the number of classes (0 for a regressor). ``out`` receives each row's class index (or value),
    then the probabilities, row-major; the answer says ``"probabilities": false`` for a classifier
    that has none. Writing into the caller's array costs one copy and leaves no proxy to free.
    ``telemetry``: as :func:`predict` takes it.
    """

    def run() -> dict[str, Any]:
        model = _model(directory)
        at = starting_at(first_row)
        batch = ColumnBatch.from_wire(model.manifest.schema, json.loads(meta_json), _buffer(numbers), _buffer(codes))
        X = validate_batch(model.manifest.schema, batch, at)
        result, predictions, proba = model.predict_arrays(X, at)
        result.update(model.warnings(X, at))
        n = batch.rows
        k = len(result.get("classes", []))
        combined = np.zeros(n * (1 + k))
        combined[:n] = model.class_indices(predictions) if "classes" in result else predictions
        if proba is not None:
            combined[n:] = proba.reshape(-1)
        if not np.isfinite(combined).all():
            raise ValueError("the model answered NaN or infinity")  # as predict() refuses to send them
        if "classes" in result:
            result["probabilities"] = proba is not None
        _write(out, combined)
        return result

    return _answer(lambda: _counted(directory, telemetry, run))


_scorings: dict[int, csv_io.Scoring] = {}


def csv_open(directory: str, data: Any, explain: bool = False, drift: bool = False) -> str:
    """Read a CSV file for the bundle in ``directory`` and hold it for scoring a chunk at a time
    (:func:`csv_step`): answer its id, row count and which column feeds each feature. ``data`` is
    the file's bytes (a JS Uint8Array under Pyodide, copied once into the wasm heap and decoded as
    it is read) or its text. ``explain``: each scored row's explanation too (the predicted class's
    contribution columns), and a summary of them at the end; ``drift``: a drift report at the end
    (the bundle's ``profile.json`` must be in ``directory``)."""

    from . import csv_io

    def run() -> dict[str, Any]:
        scoring = csv_io.Scoring(data.to_bytes() if hasattr(data, "to_bytes") else data, _model(directory),
                                 "predicted" if explain else None, bool(drift))
        handle = max(_scorings, default=0) + 1
        _scorings[handle] = scoring
        return {"id": handle, "total": scoring.total, "columns": scoring.table.matched(),
                "delimiter": scoring.table.delimiter}

    return _answer(run)


def csv_step(handle: int, rows: int) -> str:
    """Score the next ``rows`` rows of an open file; answer the counts so far."""
    return _answer(lambda: _scorings[handle].step(rows))


def csv_finish(handle: int, preview: int = 10) -> str:
    """Answer a scored file's summary: a preview of the first scored rows, every problem, and the
    figures a chart needs: the predictions counted per class and, for a classifier, a 10-bin
    histogram of the probability of the positive (else predicted) class. Its files follow, from
    :func:`csv_files` (plain strings: a large result is not wrapped in JSON too)."""

    from . import csv_io

    def run() -> dict[str, Any]:
        scoring = _scorings[handle]
        s = scoring.scored
        header = [csv_io.result_header(scoring.table, s)]
        answer: dict[str, Any] = {"problems": [p.to_dict() for p in s.problems], "scored": scoring.rows_scored,
                                  "invalid_rows": s.invalid_rows, "preview": header + scoring.preview[:preview]}
        if scoring.explain:
            answer["contribution_sums"] = scoring.contribution_sums
        report = scoring.drift_report("the file scored in this browser")
        if report is not None:
            answer["drift_report"] = report
        if scoring.counts:
            answer["counts"] = scoring.counts
            answer["histogram"] = {"of": scoring.histogram_of or "predicted class",
                                   "counts": scoring.histogram.tolist()}
        return answer

    return _answer(run)


def csv_take(handle: int) -> str:
    """The result file's text scored since the last call (the caller keeps the file as it grows,
    out of the wasm heap)."""
    return _scorings[handle].take()


def csv_files(handle: int) -> tuple[str, str]:
    """Close a scored file: the rest of its result file, and its error file, as text."""
    from . import csv_io

    scoring = _scorings.pop(handle)
    return scoring.result_csv(), csv_io.errors_csv(scoring.scored, scoring.raw)


def csv_cancel(handle: int) -> str:
    """Forget an open file (the user cancelled)."""
    return _answer(lambda: {"cancelled": _scorings.pop(handle, None) is not None})


def _write(out: Any, values: np.ndarray) -> None:
    if hasattr(out, "assign"):  # a JS typed array: one copy out of the wasm heap
        if out.length != values.size:
            raise ValueError(f"the answer holds {values.size} values, the output array {out.length}")
        out.assign(values)
    else:
        np.copyto(np.frombuffer(out, dtype=np.float64), values)


def _buffer(data: Any) -> Any:
    """A JS typed array (a JsProxy under Pyodide) as a Python buffer; other buffers as they are."""
    return data.to_memoryview() if hasattr(data, "to_memoryview") else data


def _model(directory: str) -> Model:
    if directory not in _loaded:  # predict before load: load with the defaults
        _loaded[directory] = load_model(directory)
    return _loaded[directory]


def _answer(fn: Any) -> str:
    try:
        return json.dumps({"ok": True, "result": fn()}, allow_nan=False)
    except PipelineError as exc:
        return json.dumps({"ok": False, "error": exc.to_dict()})
    except Exception as exc:  # a runtime fault (e.g. a model that cannot run here): report, never crash
        return json.dumps({"ok": False, "error": {"code": "runtime_error", "message": f"{type(exc).__name__}: {exc}",
                                                  "details": []}})
