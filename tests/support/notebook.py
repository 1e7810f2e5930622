"""What a data scientist hands over from a notebook: a DataFrame-fitted churn pipeline (joblib) and
a CSV sample of its data, written to a folder (the root conftest's ``notebook`` fixture)."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

PLANS = ["basic", "pro", "team", "enterprise"]


def churn_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "plan": rng.choice(PLANS[:3], n),  # no "enterprise" customer in the data: only the encoder knows it
        "monthly_fee": rng.uniform(10, 90, n).round(2),
        "support_calls": rng.integers(0, 12, n),
        "tenure_months": rng.uniform(1, 60, n).round(1),
    })
    frame.loc[rng.random(n) < 0.05, "tenure_months"] = np.nan  # the CRM leaves some empty
    score = 0.04 * frame.monthly_fee + 0.3 * frame.support_calls - 0.05 * frame.tenure_months.fillna(30)
    frame["churned"] = np.where(score + rng.normal(0, 1, n) > 2.0, "yes", "no")
    return frame


def hand_over(folder: Path) -> tuple[Path, Pipeline, pd.DataFrame]:
    """Fit the pipeline, write ``churn.joblib`` and ``sample.csv`` (300 rows) into ``folder``."""
    data = churn_data(800, 1)
    X, y = data.drop(columns="churned"), data.churned
    pipeline = Pipeline([
        ("features", ColumnTransformer([
            ("plan", OneHotEncoder(categories=[PLANS], handle_unknown="ignore"), ["plan"]),
            ("numbers", make_pipeline(SimpleImputer(), StandardScaler()), ["monthly_fee", "support_calls",
                                                                             "tenure_months"]),
        ])),
        ("classify", LogisticRegression(max_iter=500)),
    ]).fit(X, y)
    joblib.dump(pipeline, folder / "churn.joblib")
    data.iloc[:300].to_csv(folder / "sample.csv", index=False)
    return folder, pipeline, data
