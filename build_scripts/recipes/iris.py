"""Iris species from flower measurements: StandardScaler + LogisticRegression.

Uses the copy of Fisher's iris data that scikit-learn ships, so training is offline and
deterministic (fixed split seed; lbfgs is deterministic).
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from py_pipeline import Feature, Schema

from ..golden import named_examples
from . import Trained, recipe

SCHEMA = Schema((
    Feature("sepal_length_cm", unit="cm", minimum=0, maximum=15, description="Sepal length"),
    Feature("sepal_width_cm", unit="cm", minimum=0, maximum=10, description="Sepal width"),
    Feature("petal_length_cm", unit="cm", minimum=0, maximum=15, description="Petal length"),
    Feature("petal_width_cm", unit="cm", minimum=0, maximum=10, description="Petal width"),
))


@recipe("iris", "1.0.0")
def train() -> Trained:
    data = load_iris()
    X = np.asarray(data.data, dtype=np.float64)
    y = np.asarray(data.target_names)[data.target]  # species names as labels
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    pipeline.fit(X_train, y_train)
    held_out = float(accuracy_score(y_test, pipeline.predict(X_test)))
    pipeline.fit(X, y)  # the shipped model uses all 150 flowers
    return Trained(
        estimator=pipeline,
        schema=SCHEMA,
        task="classification",
        description="Iris species from sepal and petal measurements (logistic regression).",
        training=X.tolist(),
        extra={"example": X[0].tolist(), "examples": named_examples("iris"), "metrics": {"test_rows": len(y_test), "accuracy": round(held_out, 4)}},
    )
