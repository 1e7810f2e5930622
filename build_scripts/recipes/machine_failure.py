"""Will the machine fail on this process? Binary, with the failure probability.

Two versions side by side: 1.0.0 a random forest, 1.1.0 histogram gradient boosting. A third
model, machine_failure_heavy, is a deliberately large forest over the browser size budget.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline

from ..golden import named_examples
from . import Trained, recipe
from ._machine import EXAMPLE, PACKAGES, SCHEMA, metrics, preprocessing, split, table, training_data

LABELS = np.array(["no_failure", "failure"])


def _train(classifier, description: str, compress: int = 3, name: str = "machine_failure") -> Trained:
    data = table()
    y = LABELS[data.machine_failure.astype(int)]
    X_train, X_test, y_train, y_test = split(data, y)
    model = Pipeline([("features", preprocessing()), ("classify", classifier)]).fit(X_train, y_train)
    return Trained(
        estimator=model, schema=SCHEMA, task="classification", description=description, compress=compress, packages=PACKAGES, training=X_train,
        extra={"example": EXAMPLE, "examples": named_examples(name), "positive_class": "failure", "metrics": metrics(model, X_test, y_test, positive="failure"),
               "training_data": training_data(data)},
    )


@recipe("machine_failure", "1.0.0")
def random_forest() -> Trained:
    return _train(RandomForestClassifier(n_estimators=100, max_depth=12, min_samples_leaf=2,
                                         class_weight="balanced_subsample", random_state=0, n_jobs=1),
                  "Machine failure probability from sensor readings (random forest).")


@recipe("machine_failure", "1.1.0")
def gradient_boosting() -> Trained:
    return _train(HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0),
                  "Machine failure probability from sensor readings (gradient boosting).")


@recipe("machine_failure_heavy", "1.0.0")
def heavy_forest() -> Trained:
    # Fully grown, uncompressed: deliberately over the browser size budget so the build routes
    # it to the server and the client never downloads it.
    return _train(ExtraTreesClassifier(n_estimators=800, min_samples_leaf=1, random_state=0, n_jobs=1),
                  "Machine failure probability, a deliberately large forest (server only).", compress=0,
                  name="machine_failure_heavy")
