"""Which failure mode, if any: none, TWF, HDF, PWF, OSF or RNF (multi-class)."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from ..golden import named_examples
from . import Trained, recipe
from ._machine import EXAMPLE, PACKAGES, FAILURE_MODES, SCHEMA, metrics, preprocessing, split, table, training_data


@recipe("failure_type", "1.0.0")
def random_forest() -> Trained:
    data = table()
    X_train, X_test, y_train, y_test = split(data, data.failure_type)
    model = Pipeline([("features", preprocessing()),
                      ("classify", RandomForestClassifier(n_estimators=150, max_depth=14, min_samples_leaf=1,
                                                          class_weight="balanced_subsample", random_state=0,
                                                          n_jobs=1))]).fit(X_train, y_train)
    return Trained(
        estimator=model, schema=SCHEMA, task="classification", packages=PACKAGES, training=X_train,
        description="Failure mode of a machine process (random forest): none, tool wear, heat dissipation, "
                    "power, overstrain or random.",
        extra={"example": EXAMPLE, "examples": named_examples("failure_type"), "class_labels": FAILURE_MODES,
               "metrics": metrics(model, X_test, y_test), "training_data": training_data(data)},
    )
