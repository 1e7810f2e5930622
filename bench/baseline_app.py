"""The baseline: the seed article's app. One ``model.predict(np.array(features).reshape(1, -1))``
per request, deployed as the article deploys it, ``gunicorn --bind ... baseline_app:app`` (one
sync worker unless ``-w`` says otherwise). Used by server_load.py.

    BASELINE_MODEL=path/to/model.joblib gunicorn --chdir bench --bind 127.0.0.1:5000 baseline_app:app
"""

import os

import joblib
import numpy as np
from flask import Flask, jsonify, request

app = Flask(__name__)
model = joblib.load(os.environ["BASELINE_MODEL"])


@app.route("/predict", methods=["POST"])
def predict():
    features = request.get_json()["features"]
    prediction = model.predict(np.array(features).reshape(1, -1))
    return jsonify({"prediction": prediction.tolist()})
