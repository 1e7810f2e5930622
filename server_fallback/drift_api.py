"""``GET /api/v1/models/<name>/versions/<v>/drift``: the drift window of a model version, every
feature's (and the predictions') reference and observed counts, statistics and verdict, the
features ranked by drift, and the alarm (``drift.Monitor.report``). A model version without a
reference profile answers 422 ``drift_unavailable``."""

from __future__ import annotations

from flask import current_app, jsonify

from .api import api, registry


@api.get("/models/<name>/versions/<version>/drift")
def drift(name: str, version: str):
    model = registry().get(name, version)  # 404 for an unknown model or version
    return jsonify(current_app.extensions["drift"].report(model.name, model.version))
