// The client package as a bundled site uses it: the API and the element, from npm.
import { createPredictor } from "@py-pipeline/client";
import "@py-pipeline/client/element";

const ASSETS = new URL("/predict/", location.href); // where public/predict/ is served
const params = new URLSearchParams(location.search);
const mode = /** @type {"auto" | "browser" | "server"} */ (params.get("mode") ?? "auto");
const serverUrl = params.get("server") ?? undefined; // the fallback server, when not this origin

const element = document.getElementById("element");
element.setAttribute("mode", mode);
if (serverUrl) element.setAttribute("server-url", serverUrl);

const out = document.getElementById("scripted");
try {
  const predictor = await createPredictor({ model: "iris", mode, assetsUrl: ASSETS, serverUrl });
  const result = await predictor.predict([[2.5, 1.3, 4.0, 0.8]]);
  out.textContent = `${result.predictions[0]} (${result.backend})`;
  out.dataset.backend = result.backend;
} catch (error) {
  out.textContent = `failed: ${error.message}`;
  out.dataset.backend = "failed";
}
