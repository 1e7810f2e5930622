"""Shared parts of the machine-failure recipes: schema, preprocessing, data split, metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from py_pipeline import Feature, Schema
from machine_physics import PHYSICS_INPUTS
from machine_physics.steps import PhysicsFeatures

from ..data import machine_failures
from ..paths import ROOT
from ..data.machine_failures import TYPES, MachineTable

#: The feature package the physics step lives in: the demo's example of one.
PACKAGES = (ROOT / "feature_packages" / "machine_physics",)
SEED = 2020
ROWS = 10_000

#: What each failure-mode code means, shown beside the code (the AI4I 2020 data set's names).
FAILURE_MODES = {"none": "no failure", "TWF": "tool wear failure", "HDF": "heat dissipation failure",
                 "PWF": "power failure", "OSF": "overstrain failure", "RNF": "random failure"}

SCHEMA = Schema((
    Feature("product_type", type="category", categories=TYPES, description="Product quality variant"),
    # limits (a reading past them is refused) and the typical range the machines ran in (past it, a
    # prediction is made and flagged: the model saw few such readings)
    Feature("air_temperature_k", unit="K", minimum=250, maximum=350, typical_minimum=295, typical_maximum=305,
            description="Air temperature"),
    Feature("process_temperature_k", unit="K", minimum=250, maximum=400, typical_minimum=305, typical_maximum=315,
            description="Process temperature"),
    Feature("rotational_speed_rpm", unit="rpm", minimum=0, maximum=5000, description="Rotational speed"),
    Feature("torque_nm", unit="Nm", minimum=0, maximum=200, description="Torque"),
    Feature("tool_wear_min", type="integer", unit="min", minimum=0, maximum=500, description="Tool wear"),
))


def preprocessing() -> ColumnTransformer:
    """One-hot product type; physics features (temperature difference, power, strain), scaled.

    Columns are chosen by name: the pipelines are fitted on a pandas DataFrame, the way most
    real pipelines are written (the build matches the names to the schema)."""
    return ColumnTransformer([
        ("type", OneHotEncoder(categories=[list(TYPES)], sparse_output=False), ["product_type"]),
        ("physics", Pipeline([("derive", PhysicsFeatures()), ("scale", StandardScaler())]), list(PHYSICS_INPUTS)),
    ])


def table() -> MachineTable:
    return machine_failures.generate(ROWS, SEED)


def frame(data: MachineTable) -> pd.DataFrame:
    """The table as a DataFrame named by the schema: text for the type, numbers, integer tool wear."""
    X = np.array(data.rows(), dtype=object)
    columns = {f.name: X[:, i] for i, f in enumerate(SCHEMA.features)}
    out = pd.DataFrame({name: values if name == "product_type" else values.astype(np.float64)
                        for name, values in columns.items()})
    return out.astype({"tool_wear_min": np.int64})


def split(data: MachineTable, y: np.ndarray):
    return train_test_split(frame(data), y, test_size=0.2, random_state=SEED, stratify=y)


def metrics(model: Any, X_test: np.ndarray, y_test: np.ndarray, positive: str | None = None) -> dict[str, Any]:
    """Held-out accuracy, F1 (binary: of the ``positive`` class; else macro) and ROC-AUC."""
    predicted = model.predict(X_test)
    proba = model.predict_proba(X_test)
    classes = list(model.classes_)
    out: dict[str, Any] = {"test_rows": int(len(y_test)), "accuracy": round(float(accuracy_score(y_test, predicted)), 4)}
    if len(classes) == 2:
        positive = positive if positive is not None else classes[1]
        out["f1"] = round(float(f1_score(y_test, predicted, pos_label=positive)), 4)
        out["roc_auc"] = round(float(roc_auc_score(y_test == positive, proba[:, classes.index(positive)])), 4)
        out["positive_class"] = positive
    else:
        out["f1_macro"] = round(float(f1_score(y_test, predicted, average="macro")), 4)
        if set(np.unique(y_test)) == set(classes):
            out["roc_auc_ovr_macro"] = round(float(roc_auc_score(y_test, proba, multi_class="ovr",
                                                                 labels=classes)), 4)
    return out


def training_data(data: MachineTable) -> dict[str, Any]:
    return {"generator": "build_scripts.data.machine_failures.generate", "seed": SEED, "rows": ROWS,
            "sha256": data.fingerprint()}


EXAMPLE = ["L", 298.1, 308.6, 1551.0, 42.8, 0]
