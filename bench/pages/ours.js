// The client library as a page would use it: createPredictor, then predict.
import { explainFigures, finish, params } from "./measure.js";
import { configureRuntime, createPredictor, readManifest } from "../lib/predictor.js";
import { registerOffline } from "../lib/offline.js";

const row = JSON.parse(params.get("row"));
const warmup = params.get("warmup") === "1";
if (params.get("snapshot") === "0") configureRuntime({ snapshot: false }); // issue 35's baseline
const predictor = await createPredictor({ model: params.get("model"), version: params.get("version"),
  mode: warmup ? "auto" : "browser", serverWarmup: warmup,
  onProgress: (p) => { // how Python started, and the snapshot made for the next visit (issue 35)
    if (p.snapshot) window[p.stage === "snapshot" ? "__snapshot" : "__started"] = p.snapshot;
  } });
const out = { created: performance.now(), started: window.__started };
const first = await predictor.predict([row]);
out.first = performance.now();
out.firstBackend = first.backend;
if (warmup) { // when the browser takes over from the server
  while (predictor.backend !== "browser") await new Promise((resolve) => setTimeout(resolve, 5));
  out.browserReady = performance.now();
}
if (params.get("measure") === "explain") {
  await explainFigures(predictor, row, await readManifest({ model: params.get("model"), version: params.get("version") }), out);
} else {
  await finish((rows) => predictor.predict(rows), row, out, (columns) => predictor.predictColumns(columns));
}
// after measuring: the service worker's precaching (20 MB hashed) would compete for the CPU
if (params.get("sw") === "1") await registerOffline();
window.__bench = out;
