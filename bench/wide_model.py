"""A 31-feature pipeline as a new user fits it in a notebook (issue 24's model): scikit-learn's
breast-cancer table plus a three-value category, scaled and one-hot-encoded, a logistic
regression on top, fitted on a DataFrame, pickled, and imported with ``build_scripts.import_model``
as a user imports theirs. Also writes files of N rows drawn from the table (each row a real row,
its category drawn), so every row is valid.

    from wide_model import import_wide_model, write_rows
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def table() -> pd.DataFrame:
    """The breast-cancer table (30 numbers) with a category column and the target."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.insert(0, "site", np.array(["north", "south", "east"])[np.arange(len(frame)) % 3])
    return frame


def fitted_pipeline(frame: pd.DataFrame):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numbers = [c for c in frame.columns if c not in ("site", "target")]
    prep = ColumnTransformer([("num", StandardScaler(), numbers), ("cat", OneHotEncoder(), ["site"])])
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=5000))])
    return pipeline.fit(frame.drop(columns="target"), frame["target"].map({0: "malignant", 1: "benign"}))


def import_wide_model(work: Path) -> Path:
    """Fit, pickle and import the model into ``work/models``; answer its bundle folder."""
    frame = table()
    joblib.dump(fitted_pipeline(frame), work / "cancer.joblib")
    frame.to_csv(work / "sample.csv", index=False)
    models = work / "models"
    subprocess.run([sys.executable, "-m", "build_scripts.import_model", str(work / "cancer.joblib"), "--sample",
                    str(work / "sample.csv"), "--target", "target", "--name", "cancer", "--version", "1.0.0",
                    "--models", str(models), "--no-check", "--force"], cwd=ROOT, check=True, capture_output=True)
    return models / "cancer" / "1.0.0"


def write_rows(path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` rows of the table (features only), drawn with replacement, as CSV."""
    frame = table().drop(columns="target")
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as f:
        frame.iloc[:0].to_csv(f, index=False)
        for start in range(0, rows, 100_000):
            frame.iloc[rng.integers(0, len(frame), min(100_000, rows - start))].to_csv(f, index=False, header=False)
