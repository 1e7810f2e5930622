// The demo page: pick a model and version, fill a form generated from its feature schema,
// predict through the client library.
import { registerOffline, watchConnectivity } from "./lib/offline.js";
import { createPredictor, readIndex } from "./lib/predictor.js";

const $ = (id) => document.getElementById(id);
const ui = {
  model: $("model"), version: $("version"), mode: $("mode"), warmup: $("warmup"), description: $("description"),
  fields: $("fields"), form: $("features"), button: $("predict"),
  loading: $("loading"), progress: $("progress"), progressText: $("progress-text"),
  result: $("result"), label: $("label"), backend: $("backend"), headline: $("headline"),
  modelVersion: $("model-version"), bars: $("bars"), error: $("error"), note: $("note"),
  update: $("update"), reload: $("reload"), connectivity: $("connectivity"),
};

/** @type {Awaited<ReturnType<typeof createPredictor>> | null} */
let predictor = null;
let manifest = null;
/** @type {import("./lib/predictor.js").IndexEntry[]} */
let models = [];
let generation = 0; // a newer start() makes older, still-loading ones drop their result

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
  ui.version.addEventListener("change", start);
  ui.mode.addEventListener("change", start);
  ui.warmup.addEventListener("change", start);
  ui.form.addEventListener("submit", onPredict);
  await start();
  // After the first start: the service worker then precaches from the HTTP cache the page has
  // just filled, instead of downloading the runtime a second time alongside it.
  registerOffline({
    onUpdateReady: (applyUpdate) => {
      ui.update.hidden = false;
      ui.reload.onclick = applyUpdate;
    },
  }).then((offline) => {
    if (offline) window.offlineSupport = offline; // for the console and tests
  }).catch((error) => console.warn("offline support unavailable:", error));
}

/** @param {string | null} wanted */
function fillVersions(wanted) {
  const versions = models.filter((m) => m.name === ui.model.value).map((m) => m.version);
  ui.version.replaceChildren(...versions.map((v) => new Option(v, v)));
  ui.version.value = versions.includes(wanted) ? wanted : versions.at(-1); // newest by default
}

async function start() {
  const mine = ++generation;
  delete document.body.dataset.ready;
  predictor?.close();
  predictor = null;
  ui.button.disabled = true;
  ui.result.hidden = true;
  showError(null);
  const entry = models.find((m) => m.name === ui.model.value && m.version === ui.version.value);
  ui.loading.hidden = false;
  ui.warmup.disabled = ui.mode.value !== "auto";
  setProgress({ fraction: 0.02, message: "Starting" });
  try {
    const loadedManifest = await (await fetch(`models/${entry.path}manifest.json`)).json();
    if (mine !== generation) return;
    manifest = loadedManifest;
    ui.description.textContent = manifest.description ?? "";
    renderFields(manifest);
    const created = await createPredictor({ model: entry.name, version: entry.version, mode: ui.mode.value,
                                            serverWarmup: ui.warmup.checked, onProgress: setProgress });
    if (mine !== generation) { created.close(); return; }
    predictor = created;
    ui.note.textContent = predictor.fallbackReason ? `Using the server: ${predictor.fallbackReason}.` : "";
    ui.button.disabled = false;
    document.body.dataset.ready = predictor.backend;
  } catch (error) {
    if (mine === generation) showError(error);
  } finally {
    // with the warm-up on, the bar stays until the browser runtime is ready
    if (mine === generation && !(predictor?.backend === "server" && ui.warmup.checked)) ui.loading.hidden = true;
  }
}

/** @param {{fraction: number, message: string}} p */
function setProgress(p) {
  ui.progress.value = p.fraction;
  ui.progressText.textContent = p.message;
  if (p.stage === "ready" && p.fraction >= 1 && predictor) ui.loading.hidden = true;
}

function renderFields(m) {
  const example = m.example ?? [];
  ui.fields.replaceChildren(...m.features.map((f, i) => {
    const wrapper = document.createElement("div");
    wrapper.className = "field";
    wrapper.dataset.field = f.name;
    const id = `f-${f.name}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = `${f.description || f.name}${f.unit ? ` [${f.unit}]` : ""}`;
    let input;
    if (f.type === "category") {
      input = document.createElement("select");
      input.append(...f.categories.map((c) => new Option(c, c)));
    } else {
      input = document.createElement("input");
      input.type = "number";
      input.step = f.type === "integer" ? "1" : "any";
      if (f.minimum !== undefined) input.min = f.minimum;
      if (f.maximum !== undefined) input.max = f.maximum;
    }
    input.id = id;
    input.name = f.name;
    if (example[i] !== undefined) input.value = example[i];
    const hint = document.createElement("div");
    hint.className = "hint";
    hint.textContent = f.type === "category" ? f.categories.join(" / ")
      : `${f.minimum ?? "−∞"} to ${f.maximum ?? "∞"}${f.unit ? ` ${f.unit}` : ""}`;
    const problem = document.createElement("div");
    problem.className = "problem";
    wrapper.append(label, input, hint, problem);
    return wrapper;
  }));
}

function readRow() {
  const row = {};
  for (const f of manifest.features) {
    const raw = ui.form.elements[f.name].value;
    // Empty stays null so the backend names the missing field; no silent defaults.
    row[f.name] = f.type === "category" ? raw : raw.trim() === "" ? null : Number(raw);
  }
  return row;
}

async function onPredict(event) {
  event.preventDefault();
  if (!predictor) return;
  showError(null);
  ui.button.disabled = true;
  try {
    renderResult(await predictor.predict([readRow()]));
  } catch (error) {
    ui.result.hidden = true;
    showError(error);
  } finally {
    ui.button.disabled = false;
  }
}

const percent = (p) => `${(p * 100).toFixed(1)}%`;

function renderResult(result) {
  ui.label.textContent = String(result.predictions[0]);
  ui.backend.textContent = result.backend;
  ui.backend.dataset.backend = result.backend;
  ui.modelVersion.textContent = `${result.model.name} ${result.model.version}`;
  const probabilities = result.probabilities?.[0] ?? [];
  const positive = manifest.positive_class;
  const index = positive === undefined ? -1 : result.classes.indexOf(positive);
  ui.headline.hidden = index < 0;
  if (index >= 0) {
    const name = positive.replaceAll("_", " ");
    ui.headline.textContent = `${name[0].toUpperCase()}${name.slice(1)} probability ${percent(probabilities[index])}`;
  }
  ui.bars.replaceChildren(...probabilities.map((p, i) => {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.dataset.class = result.classes[i];
    bar.innerHTML = `<span class="name"></span><span class="track"><span class="fill"></span></span><span class="value"></span>`;
    bar.querySelector(".name").textContent = result.classes[i];
    bar.querySelector(".fill").style.width = percent(p);
    bar.querySelector(".value").textContent = percent(p);
    return bar;
  }));
  ui.result.hidden = false;
}

function showError(error) {
  for (const el of ui.fields.querySelectorAll(".field")) {
    el.classList.remove("invalid");
    el.querySelector(".problem").textContent = "";
  }
  ui.error.hidden = !error;
  ui.error.textContent = error ? error.message : "";
  for (const d of error?.details ?? []) {
    const el = d.field && ui.fields.querySelector(`[data-field="${CSS.escape(d.field)}"]`);
    if (el) {
      el.classList.add("invalid");
      el.querySelector(".problem").textContent = `expected ${d.expected}`;
    }
  }
}

main().catch(showError);
