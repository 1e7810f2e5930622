"""A matrix of small fitted pipelines, each written as a bundle, for parity against scikit-learn.

Each entry covers something the shipped models do not: other estimators, regression, a
classifier without ``predict_proba``, and classifiers whose ``predict`` is *not* the argmax of
``predict_proba`` (``FixedThresholdClassifier``, ``SVC``), where a shortcut in an engine would
show. Entries whose data is a pandas DataFrame are fitted on it, with columns chosen by name
(or by boolean mask) and missing values, the way most real pipelines are written. Every
bundle is then exported to the portable engine as the build does (``build_scripts.export``);
``NOT_PORTABLE`` lists the entries that keep the scikit-learn engine, and why. Data sets ship
with scikit-learn (offline) or come from our own generator.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.ensemble import (AdaBoostClassifier, BaggingClassifier, BaggingRegressor, ExtraTreesClassifier,
                              ExtraTreesRegressor, GradientBoostingClassifier, GradientBoostingRegressor,
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier,
                              RandomForestRegressor, StackingClassifier, StackingRegressor, VotingClassifier,
                              VotingRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (LinearRegression, LogisticRegression, PassiveAggressiveClassifier, Perceptron,
                                  Ridge, RidgeClassifier, SGDClassifier, SGDRegressor)
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.naive_bayes import BernoulliNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestCentroid, RadiusNeighborsClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (Binarizer, FunctionTransformer, KBinsDiscretizer, MaxAbsScaler, MinMaxScaler,
                                   Normalizer, OneHotEncoder, OrdinalEncoder, PolynomialFeatures, PowerTransformer,
                                   QuantileTransformer, RobustScaler, StandardScaler)
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR, NuSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from lightgbm import LGBMClassifier, LGBMRegressor
from xgboost import XGBClassifier, XGBRegressor

from build_scripts.data import machine_failures
from build_scripts.export import export_bundle
from build_scripts.feature_packages import add_to_bundle, build_package
from build_scripts.paths import ROOT
from py_pipeline import Feature, Schema, write_bundle
from py_pipeline.schema import schema_rows
from machine_physics import physics_features
from machine_physics.steps import PhysicsFeatures


def numeric_schema(X: np.ndarray, names: list[str]) -> Schema:
    """Every column a number, its range the data's widened by a tenth on each side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) / 10
    return Schema(tuple(Feature(_name(n), minimum=float(a - p), maximum=float(b + p))
                        for n, a, b, p in zip(names, lo, hi, pad)))


def _name(raw: str) -> str:
    return raw.replace(" ", "_").replace("(", "").replace(")", "")


def _dataset(loader: Callable[..., Any]) -> tuple[np.ndarray, np.ndarray, Schema]:
    data = loader()
    X = np.asarray(data.data, dtype=np.float64)
    names = list(data.feature_names)
    y = np.asarray(data.target_names)[data.target] if hasattr(data, "target_names") else data.target
    return X, y, numeric_schema(X, names)


def _machine() -> tuple[np.ndarray, np.ndarray, Schema]:
    table = machine_failures.generate(1500, 7)
    X = np.array(table.rows(), dtype=object)
    numbers = np.asarray(X[:, 1:], dtype=np.float64)
    schema = Schema((Feature("product_type", type="category", categories=machine_failures.TYPES),)
                    + numeric_schema(numbers, ["air", "process", "speed", "torque", "wear"]).features)
    return X, table.failure_type, schema


def _machine_preprocessing() -> ColumnTransformer:
    return ColumnTransformer([
        ("type", OneHotEncoder(drop="first", handle_unknown="ignore", sparse_output=False), [0]),
        ("physics", make_pipeline(PhysicsFeatures(), MinMaxScaler()), [1, 2, 3, 4, 5]),
    ], remainder="drop")


NUMBERS = ["air", "process", "speed", "torque", "wear"]


def _machine_frame(missing: float = 0.05) -> tuple[pd.DataFrame, np.ndarray, Schema]:
    """The machine table as a DataFrame, a share of its readings and types knocked out (NaN / None),
    its columns in another order than the schema's, and a second category column (``shift``)."""
    table = machine_failures.generate(1500, 11)
    X = np.array(table.rows(), dtype=object)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"product_type": X[:, 0], **{n: X[:, i + 1].astype(np.float64) for i, n in enumerate(NUMBERS)},
                          "shift": rng.choice(["day", "night", "weekend"], len(X))})
    for column in ["product_type", "air", "torque", "shift"]:
        knocked = rng.random(len(frame)) < missing
        frame.loc[knocked, column] = np.nan  # as read_csv gives a missing cell, in text columns too
    numbers = frame[NUMBERS].to_numpy(dtype=np.float64)
    ranges = numeric_schema(np.where(np.isnan(numbers), np.nanmean(numbers, axis=0), numbers), NUMBERS).features
    schema = Schema((Feature("product_type", type="category", categories=machine_failures.TYPES, missing=True),
                     Feature("shift", type="category", categories=("day", "night", "weekend"), missing=True))
                    + tuple(Feature(f.name, minimum=f.minimum, maximum=f.maximum, missing=f.name in ("air", "torque"))
                            for f in ranges))
    return frame[list(reversed(frame.columns))], table.failure_type, schema


def _frame_preprocessing() -> ColumnTransformer:
    """Columns by name, imputers, one-hot and ordinal encoders, a robust scaler, remainder passthrough."""
    return ColumnTransformer([
        ("type", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore", sparse_output=False)), ["product_type"]),
        ("shift", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["shift"]),
        ("readings", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), RobustScaler()),
         ["air", "torque"]),
    ], remainder="passthrough")


def _binary(data: Callable[[], tuple[Any, np.ndarray, Schema]]) -> Callable[[], tuple[Any, np.ndarray, Schema]]:
    def load() -> tuple[Any, np.ndarray, Schema]:
        X, y, schema = data()
        return X, np.where(y == "none", "ok", "failure"), schema
    return load


def _regression_target(data: Callable[[], tuple[Any, np.ndarray, Schema]]) -> Callable[[], tuple[Any, np.ndarray, Schema]]:
    def load() -> tuple[Any, np.ndarray, Schema]:
        X, y, schema = data()
        return X, np.asarray(X["speed"], dtype=np.float64) * 0.01 + (y != "none") * 5.0, \
            Schema(tuple(f for f in schema.features))
    return load


def _int_labels(data: Callable[[], tuple[Any, np.ndarray, Schema]]) -> Callable[[], tuple[Any, np.ndarray, Schema]]:
    """Labels as 0 .. n-1, which XGBoost's classifier requires."""
    def load() -> tuple[Any, np.ndarray, Schema]:
        X, y, schema = data()
        return X, np.unique(y, return_inverse=True)[1], schema
    return load


def _native_missing() -> ColumnTransformer:
    """Categories as ordinal codes, the readings passed on with their NaN (the booster routes them)."""
    return ColumnTransformer([("type", OrdinalEncoder(), ["product_type", "shift"])], remainder="passthrough")


# key -> (data, pipeline to fit, task)
MATRIX: dict[str, tuple[Callable[[], tuple[np.ndarray, np.ndarray, Schema]], Callable[[], Any], str]] = {
    "iris_logistic_multinomial": (lambda: _dataset(load_iris),
                                  lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                                  "classification"),
    "cancer_logistic_binary": (lambda: _dataset(load_breast_cancer),
                               lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                               "classification"),
    "cancer_fixed_threshold": (lambda: _dataset(load_breast_cancer),
                               lambda: make_pipeline(StandardScaler(), FixedThresholdClassifier(
                                   LogisticRegression(max_iter=1000), threshold=0.9)), "classification"),
    "cancer_svc_probability": (lambda: _dataset(load_breast_cancer),
                               lambda: make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)),
                               "classification"),
    "cancer_hist_gradient_boosting": (lambda: _dataset(load_breast_cancer),
                                      lambda: HistGradientBoostingClassifier(max_iter=30, random_state=0),
                                      "classification"),
    "iris_decision_tree": (lambda: _dataset(load_iris), lambda: DecisionTreeClassifier(random_state=0),
                           "classification"),
    "iris_knn_kd_tree": (lambda: _dataset(load_iris),
                         lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(4, algorithm="kd_tree")),
                         "classification"),
    "iris_knn_brute": (lambda: _dataset(load_iris),
                       lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(4, algorithm="brute")),
                       "classification"),
    "iris_radius_neighbours_kd_tree": (lambda: _dataset(load_iris), lambda: make_pipeline(
        StandardScaler(), RadiusNeighborsClassifier(1.5, algorithm="kd_tree", outlier_label="most_frequent")),
        "classification"),
    "iris_nearest_centroid": (lambda: _dataset(load_iris), lambda: make_pipeline(StandardScaler(), NearestCentroid()),
                              "classification"),
    "wine_random_forest": (lambda: _dataset(load_wine),
                           lambda: RandomForestClassifier(n_estimators=20, random_state=0), "classification"),
    "wine_extra_trees": (lambda: _dataset(load_wine),
                         lambda: ExtraTreesClassifier(n_estimators=20, random_state=0), "classification"),
    "wine_gradient_boosting": (lambda: _dataset(load_wine),
                               lambda: GradientBoostingClassifier(n_estimators=20, random_state=0),
                               "classification"),
    "wine_gaussian_nb": (lambda: _dataset(load_wine), lambda: GaussianNB(), "classification"),
    "wine_linear_svc_no_proba": (lambda: _dataset(load_wine),
                                 lambda: make_pipeline(StandardScaler(), LinearSVC(random_state=0)),
                                 "classification"),
    "machine_column_transformer_gb": (_machine, lambda: Pipeline([
        ("features", _machine_preprocessing()),
        ("classify", GradientBoostingClassifier(n_estimators=20, random_state=0))]), "classification"),
    "diabetes_ridge": (lambda: _dataset(load_diabetes), lambda: make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
                       "regression"),
    "diabetes_polynomial_linear": (lambda: _dataset(load_diabetes),
                                   lambda: make_pipeline(PolynomialFeatures(2), LinearRegression()), "regression"),
    "diabetes_random_forest": (lambda: _dataset(load_diabetes),
                               lambda: RandomForestRegressor(n_estimators=20, random_state=0), "regression"),
    "diabetes_hist_gradient_boosting": (lambda: _dataset(load_diabetes),
                                        lambda: HistGradientBoostingRegressor(max_iter=30, random_state=0),
                                        "regression"),
    "diabetes_decision_tree_regressor": (lambda: _dataset(load_diabetes),
                                         lambda: make_pipeline(MaxAbsScaler(), DecisionTreeRegressor(random_state=0)),
                                         "regression"),
    "diabetes_gradient_boosting_regressor": (lambda: _dataset(load_diabetes),
                                             lambda: GradientBoostingRegressor(n_estimators=30, random_state=0),
                                             "regression"),
    "diabetes_extra_trees_regressor": (lambda: _dataset(load_diabetes),
                                       lambda: ExtraTreesRegressor(n_estimators=15, random_state=0), "regression"),
    "diabetes_interactions_ridge": (lambda: _dataset(load_diabetes), lambda: make_pipeline(
        PolynomialFeatures(3, interaction_only=True, include_bias=False), StandardScaler(), Ridge()), "regression"),
    "cancer_gradient_boosting_binary": (lambda: _dataset(load_breast_cancer),
                                        lambda: GradientBoostingClassifier(n_estimators=20, random_state=0),
                                        "classification"),
    "machine_function_transformer": (_machine, lambda: Pipeline([
        ("features", ColumnTransformer([
            ("type", OneHotEncoder(drop="if_binary", sparse_output=False), [0]),
            ("physics", make_pipeline(FunctionTransformer(physics_features), StandardScaler(with_mean=False)),
             [1, 2, 3, 4, 5])])),
        ("classify", LogisticRegression(max_iter=2000))]), "classification"),
    # fitted on DataFrames: columns by name or by mask, missing values, another column order
    "frame_logistic_named_columns": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=2000)),
        "classification"),
    "frame_random_forest_missing": (_binary(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), RandomForestClassifier(n_estimators=15, random_state=0)), "classification"),
    "frame_hist_gradient_boosting_native_missing": (_machine_frame, lambda: make_pipeline(
        ColumnTransformer([("type", OrdinalEncoder(), ["product_type", "shift"])], remainder="passthrough"),
        HistGradientBoostingClassifier(max_iter=25, random_state=0)), "classification"),
    "frame_hist_gradient_boosting_binary": (_binary(_machine_frame), lambda: make_pipeline(
        ColumnTransformer([("type", OrdinalEncoder(), ["product_type", "shift"])], remainder="passthrough"),
        HistGradientBoostingClassifier(max_iter=25, random_state=0)), "classification"),
    "frame_mask_columns_tree_regressor": (_regression_target(_machine_frame), lambda: make_pipeline(
        ColumnTransformer([("numbers", MinMaxScaler(clip=True), [False, True, True, True, False, False, False]),
                           ("type", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["product_type"])],
                          remainder="drop"),
        SimpleImputer(), DecisionTreeRegressor(max_depth=8, random_state=0)), "regression"),
    "frame_hist_gradient_boosting_regressor": (_regression_target(_machine_frame), lambda: make_pipeline(
        ColumnTransformer([("type", OrdinalEncoder(), ["product_type", "shift"])], remainder="passthrough"),
        HistGradientBoostingRegressor(max_iter=25, random_state=0)), "regression"),
    # more families (issue 29), DataFrame-fitted with a category
    "frame_mlp_multiclass_relu": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(),
        MLPClassifier((16, 8), max_iter=300, random_state=0)), "classification"),
    "frame_mlp_binary_tanh": (_binary(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(),
        MLPClassifier((12,), activation="tanh", max_iter=300, random_state=0)), "classification"),
    "frame_mlp_regressor_logistic": (_regression_target(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(),
        MLPRegressor((10,), activation="logistic", max_iter=400, random_state=0)), "regression"),
    "diabetes_mlp_regressor_identity": (lambda: _dataset(load_diabetes), lambda: make_pipeline(
        StandardScaler(), MLPRegressor((8,), activation="identity", max_iter=400, random_state=0)), "regression"),
    "frame_gaussian_nb": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), GaussianNB()), "classification"),
    "frame_linear_svc_binary": (_binary(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), LinearSVC(random_state=0)), "classification"),
    "diabetes_linear_svr": (lambda: _dataset(load_diabetes), lambda: make_pipeline(
        StandardScaler(), LinearSVR(random_state=0, max_iter=5000)), "regression"),
    "frame_svc_rbf_no_proba": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), SVC()), "classification"),
    "wine_svc_poly_no_proba": (lambda: _dataset(load_wine), lambda: make_pipeline(
        StandardScaler(), SVC(kernel="poly", degree=3)), "classification"),
    "cancer_nu_svc_sigmoid_no_proba": (lambda: _dataset(load_breast_cancer), lambda: make_pipeline(
        StandardScaler(), NuSVC(kernel="sigmoid", nu=0.2, gamma=0.01)), "classification"),
    "diabetes_svr_rbf": (lambda: _dataset(load_diabetes), lambda: make_pipeline(StandardScaler(), SVR(C=10)),
                         "regression"),
    "wine_multinomial_nb": (lambda: _dataset(load_wine), lambda: make_pipeline(MinMaxScaler(), MultinomialNB()),
                            "classification"),
    "wine_complement_nb": (lambda: _dataset(load_wine), lambda: make_pipeline(MinMaxScaler(), ComplementNB()),
                           "classification"),
    "cancer_bernoulli_nb": (lambda: _dataset(load_breast_cancer), lambda: make_pipeline(
        StandardScaler(), BernoulliNB()), "classification"),
    "frame_sgd_log_loss": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)),
        "classification"),
    "cancer_sgd_modified_huber": (lambda: _dataset(load_breast_cancer), lambda: make_pipeline(
        StandardScaler(), SGDClassifier(loss="modified_huber", random_state=0)), "classification"),
    "wine_perceptron_no_proba": (lambda: _dataset(load_wine), lambda: make_pipeline(
        StandardScaler(), Perceptron(random_state=0)), "classification"),
    "cancer_ridge_classifier_no_proba": (lambda: _dataset(load_breast_cancer), lambda: make_pipeline(
        StandardScaler(), RidgeClassifier()), "classification"),
    "diabetes_sgd_regressor": (lambda: _dataset(load_diabetes), lambda: make_pipeline(
        StandardScaler(), SGDRegressor(random_state=0)), "regression"),
    "wine_passive_aggressive_no_proba": (lambda: _dataset(load_wine), lambda: make_pipeline(
        StandardScaler(), PassiveAggressiveClassifier(random_state=0)), "classification"),
    # neighbours: the training set in the bundle, ties decided as scikit-learn's search decides them
    "frame_knn_kd_tree_distance": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), KNeighborsClassifier(7, weights="distance")),
        "classification"),
    "frame_knn_brute_binary": (_binary(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), KNeighborsClassifier(5, algorithm="brute")),
        "classification"),
    "frame_knn_ball_tree_regressor": (_regression_target(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), MinMaxScaler(),
        KNeighborsRegressor(6, weights="distance", algorithm="ball_tree", p=1)), "regression"),
    "machine_knn_grid_ties": (_machine, lambda: Pipeline([  # one-hot and binned readings: many equal distances
        ("features", ColumnTransformer([("type", OneHotEncoder(sparse_output=False), [0]),
                                        ("readings", KBinsDiscretizer(4, encode="ordinal", strategy="uniform"),
                                         [1, 2, 5])])),
        ("classify", KNeighborsClassifier(8, weights="distance", metric="chebyshev"))]), "classification"),
    # ensembles over portable members, the members' own pipelines inside them
    "frame_voting_soft": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), VotingClassifier([
            ("logistic", make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))), ("bayes", GaussianNB()),
            ("forest", RandomForestClassifier(n_estimators=10, random_state=0))], voting="soft", weights=[2, 1, 1])),
        "classification"),
    "frame_voting_hard_no_proba": (_binary(_machine_frame), lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), VotingClassifier([
            ("svc", make_pipeline(StandardScaler(), SVC())), ("tree", DecisionTreeClassifier(max_depth=5, random_state=0)),
            ("knn", make_pipeline(StandardScaler(), KNeighborsClassifier()))])), "classification"),
    "diabetes_voting_regressor": (lambda: _dataset(load_diabetes), lambda: VotingRegressor([
        ("ridge", make_pipeline(StandardScaler(), Ridge())), ("forest", RandomForestRegressor(10, random_state=0))],
        weights=[3, 1]), "regression"),
    "frame_stacking_passthrough": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), StandardScaler(), StackingClassifier([
            ("svc", SVC()), ("forest", RandomForestClassifier(n_estimators=10, random_state=0)), ("bayes", GaussianNB())],
            final_estimator=LogisticRegression(max_iter=2000), passthrough=True)), "classification"),
    "cancer_stacking_binary": (lambda: _dataset(load_breast_cancer), lambda: make_pipeline(
        StandardScaler(), StackingClassifier([("mlp", MLPClassifier((8,), max_iter=300, random_state=0)),
                                              ("linear_svc", LinearSVC(random_state=0))],
                                             final_estimator=LogisticRegression()), ), "classification"),
    "diabetes_stacking_regressor": (lambda: _dataset(load_diabetes), lambda: StackingRegressor([
        ("ridge", make_pipeline(StandardScaler(), Ridge())), ("svr", make_pipeline(StandardScaler(), SVR(C=10)))],
        final_estimator=Ridge()), "regression"),
    "frame_bagging_trees": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), BaggingClassifier(DecisionTreeClassifier(), n_estimators=8,
                                                                    max_features=0.7, random_state=0)),
        "classification"),
    "wine_bagging_svc_votes": (lambda: _dataset(load_wine), lambda: BaggingClassifier(
        make_pipeline(StandardScaler(), SVC()), n_estimators=6, max_samples=0.4, random_state=0), "classification"),
    "diabetes_bagging_regressor": (lambda: _dataset(load_diabetes), lambda: BaggingRegressor(
        n_estimators=8, bootstrap_features=True, random_state=0), "regression"),
    "frame_adaboost": (_machine_frame, lambda: make_pipeline(
        _frame_preprocessing(), SimpleImputer(), AdaBoostClassifier(n_estimators=25, random_state=0)),
        "classification"),
    "cancer_adaboost_binary": (lambda: _dataset(load_breast_cancer), lambda: AdaBoostClassifier(
        DecisionTreeClassifier(max_depth=2), n_estimators=20, random_state=0), "classification"),
    # steps that remap values
    "frame_value_steps_logistic": (_machine_frame, lambda: make_pipeline(ColumnTransformer([
        ("type", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["product_type"]),
        ("power", make_pipeline(SimpleImputer(), PowerTransformer()), ["air", "torque"]),
        ("quantile", QuantileTransformer(n_quantiles=200), ["speed"]),
        ("bins", KBinsDiscretizer(5, encode="onehot-dense"), ["process"]),
        ("ordinal_bins", KBinsDiscretizer(4, encode="ordinal", strategy="uniform"), ["wear"]),
        ("binary", Binarizer(threshold=1500.0), ["speed"])]), LogisticRegression(max_iter=3000)), "classification"),
    "wine_normalizer_mlp": (lambda: _dataset(load_wine), lambda: make_pipeline(
        Normalizer(), MLPClassifier((10,), max_iter=500, random_state=0)), "classification"),
    # LightGBM and XGBoost as a pipeline's last step (issue 30), NaN routed by the booster
    "frame_lightgbm_multiclass": (_machine_frame, lambda: make_pipeline(
        _native_missing(), LGBMClassifier(n_estimators=40, num_leaves=15, verbose=-1, random_state=0)),
        "classification"),
    "frame_lightgbm_binary_zero_as_missing": (_binary(_machine_frame), lambda: make_pipeline(
        _native_missing(), LGBMClassifier(n_estimators=30, zero_as_missing=True, verbose=-1, random_state=0)),
        "classification"),
    "frame_lightgbm_regressor": (_regression_target(_machine_frame), lambda: make_pipeline(
        _native_missing(), LGBMRegressor(n_estimators=40, verbose=-1, random_state=0)), "regression"),
    "frame_xgboost_multiclass": (_int_labels(_machine_frame), lambda: make_pipeline(
        _native_missing(), XGBClassifier(n_estimators=30, max_depth=4, random_state=0)), "classification"),
    "frame_xgboost_binary": (_int_labels(_binary(_machine_frame)), lambda: make_pipeline(
        _native_missing(), XGBClassifier(n_estimators=40, max_depth=5, random_state=0)), "classification"),
    "frame_xgboost_regressor": (_regression_target(_machine_frame), lambda: make_pipeline(
        _native_missing(), XGBRegressor(n_estimators=40, max_depth=5, random_state=0)), "regression"),
}


#: Entries that cannot load in Pyodide, and the error that says why: a KDTree pickled on 64-bit
#: CPython holds 64-bit index arrays, and 32-bit WebAssembly's intp cannot take them. The
#: build-time browser check reports this as a load failure and keeps such a model on the server.
NOT_IN_PYODIDE = {"iris_radius_neighbours_kd_tree": "Buffer dtype mismatch, expected 'const intp_t' but got 'long long'"}


#: Entries the exporter does not know, and the words of the reason the manifest gives: they keep
#: the scikit-learn engine (and still predict).
NOT_PORTABLE = {
    "cancer_fixed_threshold": "FixedThresholdClassifier is not one of the estimators",
    "cancer_svc_probability": "SVC(probability=True) is not portable: its probabilities come from libsvm's",
    "iris_radius_neighbours_kd_tree": "RadiusNeighborsClassifier is not one of the estimators",
    "iris_nearest_centroid": "NearestCentroid is not one of the estimators",
}


def write_matrix(root: Path, keys: list[str] | None = None) -> dict[str, tuple[Path, list[list[Any]]]]:
    """Fit every entry (or those of ``keys``), write it as a bundle under ``root`` and export it as
    the build does; key -> (bundle dir, rows to predict)."""
    out = {}
    physics = build_package(ROOT / "feature_packages" / "machine_physics", root / ".wheels")
    for key, (data, make, task) in MATRIX.items():
        if keys is not None and key not in keys:
            continue
        X, y, schema = data()
        estimator = make().fit(X, y)
        directory = root / key / "1.0.0"
        # a pipeline with the physics step carries the demo's feature package, as the recipes' do
        uses_physics = b"machine_physics" in pickle.dumps(estimator)
        directory.mkdir(parents=True)
        write_bundle(directory, estimator, name=key, version="1.0.0", task=task, schema=schema,
                     feature_packages=add_to_bundle(directory, [physics]) if uses_physics else None)
        rows = schema_rows(X, schema)
        export_bundle(directory, training=rows)
        out[key] = (directory, rows)
    return out


class NotInTheWheel(TransformerMixin, BaseEstimator):
    """A transformer that lives in the tests, not in the wheel: Pyodide cannot unpickle it."""

    def fit(self, X: Any, y: Any = None) -> "NotInTheWheel":
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        return np.asarray(X, dtype=np.float64)


def write_foreign_bundle(directory: Path) -> Path:
    """An iris bundle whose pipeline needs :class:`NotInTheWheel` (a build-check "load failure")."""
    X, y, schema = _dataset(load_iris)
    estimator = make_pipeline(NotInTheWheel(), LogisticRegression(max_iter=1000)).fit(X, y)
    write_bundle(directory, estimator, name=directory.parent.name, version=directory.name, task="classification",
                 schema=schema)
    return directory


def write_frame_bundle_without_portable_engine(directory: Path) -> Path:
    """A DataFrame-fitted pipeline (columns by name) ending in an SVC, which the exporter does not
    know: it keeps the scikit-learn engine, which needs pandas to feed it a DataFrame."""
    X, y, schema = _machine_frame(missing=0.0)
    X = X.drop(columns=["shift"])
    schema = Schema(tuple(f for f in schema.features if f.name != "shift"))
    estimator = make_pipeline(ColumnTransformer([
        ("type", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["product_type"]),
        ("readings", StandardScaler(), NUMBERS)]), SVC(probability=True, random_state=0)).fit(X, y == "none")
    write_bundle(directory, estimator, name=directory.parent.name, version=directory.name, task="classification",
                 schema=schema)
    export_bundle(directory)
    return directory
