"""LightGBM and XGBoost models handed over without their scikit-learn wrapper: a model file
(LightGBM's text file, XGBoost's JSON or UBJSON) or a bare ``Booster`` (from ``lgb.train`` or
``xgb.train``, a pickle or MLflow's lightgbm and xgboost flavors), wrapped into the library's own
scikit-learn estimator so that the import, the export and the checks treat it like any other.

A booster trained on class indices answers them: its classes are 0 .. n-1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: What each file suffix holds.
MODEL_FILES = {".txt": "lightgbm", ".json": "xgboost", ".ubj": "xgboost"}


class NotABooster(ValueError):
    """The file or object is not a model of either library; the message says what it is."""


def from_model_file(path: Path) -> Any:
    """The scikit-learn estimator for a LightGBM or XGBoost model file."""
    library = MODEL_FILES.get(path.suffix.lower())
    try:
        if library == "lightgbm":
            import lightgbm

            return wrap(lightgbm.Booster(model_file=str(path)))
        if library == "xgboost":
            import xgboost

            return wrap(xgboost.Booster(model_file=str(path)))
    except NotABooster:
        raise
    except Exception as exc:  # the library's own words for a file it cannot read
        raise NotABooster(f"{path} could not be read as a {library} model file: {type(exc).__name__}: {exc}") from None
    raise NotABooster(f"{path}: a model file is .txt (LightGBM) or .json / .ubj (XGBoost)")


def is_booster(obj: Any) -> bool:
    """A bare LightGBM or XGBoost Booster (not its scikit-learn wrapper)."""
    kind = type(obj)
    return kind.__name__ == "Booster" and kind.__module__.split(".")[0] in ("lightgbm", "xgboost")


def wrap(booster: Any) -> Any:
    """The scikit-learn estimator of the library around a bare ``Booster``."""
    if type(booster).__module__.startswith("xgboost"):
        return _xgboost(booster)
    return _lightgbm(booster)


def _xgboost(booster: Any) -> Any:
    import json

    import xgboost

    objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
    classifier = objective.startswith(("binary:", "multi:"))
    estimator = xgboost.XGBClassifier() if classifier else xgboost.XGBRegressor()
    estimator.load_model(bytearray(booster.save_raw("ubj")))  # XGBoost's own way in
    return estimator


def _lightgbm(booster: Any) -> Any:
    """LGBMClassifier or LGBMRegressor around the booster: the attributes its ``fit`` sets (the
    wrapper has no loader of its own)."""
    import lightgbm
    import numpy as np
    from lightgbm.compat import _LGBMLabelEncoder

    dump = booster.dump_model(num_iteration=-1)
    objective = dump["objective"].split()[0]
    if objective in ("binary", "multiclass", "multiclassova"):
        estimator = lightgbm.LGBMClassifier(objective=objective)
        estimator._le = _LGBMLabelEncoder().fit(np.arange(max(2, int(dump["num_class"]))))
        estimator._classes = estimator._le.classes_
        estimator._n_classes = len(estimator._classes)
        estimator._class_map = {c: c for c in estimator._classes.tolist()}
    else:
        estimator = lightgbm.LGBMRegressor(objective=objective)
    estimator._Booster = booster
    estimator._objective = objective
    estimator._n_features = estimator._n_features_in = booster.num_feature()
    estimator._best_iteration = booster.best_iteration
    estimator.fitted_ = True
    return estimator
