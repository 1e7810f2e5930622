// The demo page: pick a model, version and backend; the <model-predictor> element does the rest
// (form from the schema, prediction, probabilities, progress, field errors).
import { registerOffline, watchConnectivity } from "./lib/offline.js";
import { readIndex } from "./lib/predictor.js";

const $ = (id) => document.getElementById(id);
const ui = {
  model: $("model"), version: $("version"), mode: $("mode"), warmup: $("warmup"),
  predictor: /** @type {import("./lib/model_predictor.js").ModelPredictor} */ ($("predictor")),
  update: $("update"), reload: $("reload"), connectivity: $("connectivity"),
};

/** @type {import("./lib/predictor.js").IndexEntry[]} */
let models = [];

async function main() {
  watchConnectivity((online) => {
    ui.connectivity.hidden = online;
    document.body.dataset.online = String(online);
  });
  const params = new URLSearchParams(location.search);
  ui.mode.value = params.get("mode") ?? "auto";
  ui.warmup.checked = params.get("warmup") === "server";
  const index = await readIndex();
  models = index.models;
  const names = [...new Set(models.map((m) => m.name))];
  ui.model.replaceChildren(...names.map((n) => new Option(n, n)));
  const wanted = params.get("model") ?? index.default_model;
  ui.model.value = names.includes(wanted) ? wanted : names[0];
  fillVersions(params.get("version"));
  ui.model.addEventListener("change", () => { fillVersions(null); start(); });
  for (const control of [ui.version, ui.mode, ui.warmup]) control.addEventListener("change", start);
  // the page is ready when the element is (tests and people wait for body[data-ready])
  ui.predictor.addEventListener("ready", (event) => { document.body.dataset.ready = event.detail.backend; });
  ui.predictor.addEventListener("ready", startOffline, { once: true });
  ui.predictor.addEventListener("error", startOffline, { once: true });
  start();
}

/** @param {string | null} wanted */
function fillVersions(wanted) {
  const versions = models.filter((m) => m.name === ui.model.value).map((m) => m.version);
  ui.version.replaceChildren(...versions.map((v) => new Option(v, v)));
  ui.version.value = versions.includes(wanted) ? wanted : versions.at(-1); // newest by default
}

function start() {
  delete document.body.dataset.ready;
  ui.warmup.disabled = ui.mode.value !== "auto";
  ui.predictor.setAttribute("model", ui.model.value);
  ui.predictor.setAttribute("version", ui.version.value);
  ui.predictor.setAttribute("mode", ui.mode.value);
  ui.predictor.toggleAttribute("server-warmup", ui.warmup.checked && ui.mode.value === "auto");
}

// After the first start: the service worker then precaches from the HTTP cache the page has just
// filled, instead of downloading the runtime a second time alongside it.
function startOffline() {
  registerOffline({
    onUpdateReady: (applyUpdate) => {
      ui.update.hidden = false;
      ui.reload.onclick = applyUpdate;
    },
  }).then((offline) => {
    if (offline) window.offlineSupport = offline; // for the console and tests
  }).catch((error) => console.warn("offline support unavailable:", error));
}

main().catch((error) => {
  const box = document.createElement("p");
  box.className = "error";
  box.setAttribute("role", "alert");
  box.textContent = `The page could not start: ${error.message}`;
  document.querySelector("main").append(box);
});
