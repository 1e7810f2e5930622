"""The baseline a reader of a typical tutorial would deploy: Flask's development server and
one ``model.predict(np.array(features).reshape(1, -1))`` per request. Used by server_load.py.

    python bench/baseline_app.py PORT MODEL_ARTIFACT
"""

import sys

import joblib
import numpy as np
from flask import Flask, jsonify, request

app = Flask(__name__)
model = joblib.load(sys.argv[2])


@app.route("/predict", methods=["POST"])
def predict():
    features = request.get_json()["features"]
    prediction = model.predict(np.array(features).reshape(1, -1))
    return jsonify({"prediction": prediction.tolist()})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
