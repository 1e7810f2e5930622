// <model-predictor>: a prediction form for any page. One module script and one tag:
//
//   <script type="module" src="/predict/lib/model_predictor.js"></script>
//   <model-predictor model="iris"></model-predictor>
//
// It renders a labelled form from the model's schema, predicts through the client library
// (browser or server, as `mode` says), and shows the prediction, the class probabilities from
// the highest, which backend answered, and the load progress. Every element on a page shares the
// page's one browser runtime.
//
// Attributes: model (required), version (default: newest), mode ("auto" | "browser" | "server"),
// server-url, assets-url (the folder holding models/, pyodide/ and lib/; default: the folder above
// this module), server-warmup (boolean), offline (boolean: register the assets' service worker, so
// the page predicts offline after its first visit; the page must lie within the worker's scope).
// Events (bubbling, composed): "ready" {backend, fallbackReason, model}, "progress" (the client's
// progress object), "prediction" (the same result object as predictor.predict), "error" (the
// same PredictionError).
// Styling: CSS custom properties --mp-accent, --mp-text, --mp-muted, --mp-surface, --mp-error,
// --mp-radius, --mp-font; parts: form, field, label, input, hint, problem, button, progress,
// result, prediction, badge, headline, bars, bar, error, note, description.
import { ErrorCode, PredictionError, createPredictor, readManifest, serverManifestUrl } from "./predictor.js";

const DEFAULT_ASSETS = new URL("../", import.meta.url);

const STYLE = `
:host { display: block; font-family: var(--mp-font, inherit); color: var(--mp-text, #1d2330);
  --accent: var(--mp-accent, #2856c6); --muted: var(--mp-muted, #6b7385); --error: var(--mp-error, #c62828); }
[hidden] { display: none !important; }
.description, .note, .meta { color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 0.75rem 1rem; margin-bottom: 1rem; }
.field label { display: block; font-size: 0.9rem; margin-bottom: 0.2rem; }
.field input, .field select { width: 100%; box-sizing: border-box; padding: 0.4rem; font-size: 16px; min-height: 44px;
  border: 1px solid #b8bfcc; border-radius: var(--mp-radius, 4px); background: white; color: inherit; }
.field .hint { font-size: 0.75rem; color: var(--muted); }
.field.invalid input, .field.invalid select { border: 2px solid var(--error); }
.field .problem { font-size: 0.8rem; color: var(--error); }
button { padding: 0.55rem 1.5rem; font-size: 1rem; min-height: 44px; border-radius: var(--mp-radius, 4px); border: 0;
  background: var(--accent); color: white; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: progress; }
.loading { display: flex; align-items: center; gap: 0.75rem; margin: 1rem 0; }
.loading progress { flex: 1; }
.result { background: var(--mp-surface, white); border-radius: var(--mp-radius, 6px); padding: 1rem; margin-top: 1rem;
  box-shadow: 0 1px 3px #0002; }
.result-head { display: flex; justify-content: space-between; align-items: center; gap: 0.5rem; margin-bottom: 0.75rem; }
.badge { font-size: 0.8rem; padding: 0.15rem 0.6rem; border-radius: 999px; background: #e3e8f4; }
.badge[data-backend="browser"] { background: #d7f0dd; color: #1b5e20; }
.badge[data-backend="server"] { background: #fde8cc; color: #8a4b00; }
.headline { font-size: 1.6rem; font-weight: 600; margin: 0.25rem 0 0.75rem; }
.bar { display: grid; grid-template-columns: minmax(4rem, 7rem) 1fr 4rem; align-items: center; gap: 0.5rem; margin: 0.25rem 0; }
.bar .name { overflow-wrap: anywhere; }
.bar .track { display: block; background: #eceff4; height: 0.8rem; border-radius: 3px; overflow: hidden; }
.bar .fill { display: block; background: var(--accent); height: 100%; }
.bar .value { text-align: right; font-variant-numeric: tabular-nums; }
.error { color: var(--error); overflow-wrap: anywhere; }
.whatif { margin-top: 1rem; font-size: 0.85rem; }
.whatif select, .examples select { font-size: 16px; min-height: 44px; margin-left: 0.25rem; max-width: 100%; }
.whatif svg { width: 100%; max-width: 32rem; height: auto; display: block; margin-top: 0.5rem; }
.card { font-size: 0.85rem; margin: 0 0 1rem; }
.examples { display: flex; align-items: center; gap: 0.5rem; margin: 0 0 0.75rem; font-size: 0.9rem; }
.card summary { cursor: pointer; min-height: 44px; display: flex; align-items: center; color: var(--accent); }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 0.75rem; margin: 0.5rem 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; overflow-wrap: anywhere; }
.card table { border-collapse: collapse; width: 100%; }
.card th, .card td { text-align: left; padding: 0.2rem 0.4rem; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
.table-wrap { overflow-x: auto; }
@media (max-width: 480px) { .fields { grid-template-columns: 1fr; } button { width: 100%; } }
`;

const TEMPLATE = `
<p id="description" class="description" part="description"></p>
<details id="card" class="card" part="card"><summary>About this model</summary><div id="card-body"></div></details>
<div id="loading" class="loading" hidden><progress id="progress" part="progress" max="1" value="0"></progress>
  <span id="progress-text">Starting</span></div>
<form id="features" part="form" novalidate>
  <label id="examples-field" class="examples" hidden>Example <select id="examples" part="examples"></select></label>
  <div id="fields" class="fields"></div>
  <button id="predict" part="button" type="submit" disabled>Predict</button>
</form>
<section id="result" class="result" part="result" hidden aria-live="polite">
  <div class="result-head">
    <span>Prediction: <strong id="label" part="prediction"></strong></span>
    <span id="backend" class="badge" part="badge"></span>
  </div>
  <p id="headline" class="headline" part="headline" hidden></p>
  <p class="meta">Model <span id="model-version"></span></p>
  <div id="bars" class="bars" part="bars"></div>
  <div id="whatif" class="whatif" part="whatif" hidden>
    <label>What if <select id="whatif-feature"></select> changed, the others held?</label>
    <svg id="whatif-chart" viewBox="0 0 320 150" role="img"></svg>
  </div>
</section>
<p id="error" class="error" part="error" role="alert" hidden></p>
<p id="note" class="note" part="note"></p>
<p id="policy" class="error" part="policy" role="alert" hidden></p>
`;

/** @type {CSSStyleSheet | null} */
let shared = null;
/** One style sheet for every element on the page. */
function sheet() {
  if (!shared) {
    shared = new CSSStyleSheet();
    shared.replaceSync(STYLE);
  }
  return shared;
}

/**
 * A class as people read it: the code and what it means when the recipe says ("TWF: tool wear
 * failure"), else the class itself.
 * @param {any} manifest @param {unknown} c
 */
export function classLabel(manifest, c) {
  const meaning = manifest?.class_labels?.[String(c)];
  return meaning && meaning !== String(c) ? `${c}: ${meaning}` : String(c);
}

/**
 * Where an imported model came from, as the model card says it: the MLflow registered model,
 * version, alias and run, or the handed-over file and its sha256.
 * @param {any} lineage
 * @returns {string}
 */
export function lineageText(lineage) {
  if (!lineage) return "";
  if (lineage.source === "mlflow") {
    const model = lineage.name ? `MLflow model ${lineage.name} version ${lineage.version}` : "MLflow run";
    return [`${model}${lineage.alias ? ` (alias ${lineage.alias})` : ""}`,
      lineage.run_id && `run ${String(lineage.run_id).slice(0, 12)}`, `from ${lineage.uri}`].filter(Boolean).join(", ");
  }
  return `handed over as ${lineage.artifact}${lineage.artifact_sha256 ? ` (sha256 ${lineage.artifact_sha256.slice(0, 12)}…)` : ""}`;
}

/** What a page says when the model needs a server it cannot reach: never a URL or a status. */
const SERVER_MISSING = "This model needs the prediction server, which can't be reached.";
const SERVER_FAULTS = new Set([ErrorCode.SERVER_UNREACHABLE, ErrorCode.SERVER_TIMEOUT, ErrorCode.SERVER_ERROR]);

/**
 * Does the fallback server serve this model (its manifest from the API, as JSON; the API answers
 * CORS, so a server on another origin counts)? False offline, and on a static host with no
 * server, where the route is a 404 page.
 * @param {{model: string, version?: string, serverUrl?: string}} options
 */
async function serverReachable({ model, version, serverUrl }) {
  try {
    const response = await fetch(serverManifestUrl({ model, version, serverUrl }),
      { signal: AbortSignal.timeout(3000), cache: "no-store" });
    return response.ok && Boolean((await response.json()).name);
  } catch {
    return false;
  }
}

/** How the model card names a manifest's metrics. */
const METRIC_NAMES = { accuracy: "accuracy", f1: "F1", roc_auc: "ROC AUC", r2: "R²", mae: "MAE", rmse: "RMSE",
  log_loss: "log loss", balanced_accuracy: "balanced accuracy" };

/** What the page's Content-Security-Policy blocked, for every element to show. */
const blocked = new Set();
const elements = new Set();
let offlineStarted = false;
if (typeof ReportingObserver === "function") {
  // buffered: reports from before this module loaded too (an inline script blocked earlier)
  new ReportingObserver((reports) => {
    for (const report of reports) {
      const body = /** @type {any} */ (report.body);
      const inline = `inline ${body.effectiveDirective?.startsWith("style") ? "style" : "script"}`;
      blocked.add(`${/^https?:/.test(body.blockedURL ?? "") ? body.blockedURL : inline} (${body.effectiveDirective})`);
    }
    for (const element of elements) element.showPolicy();
  }, { types: ["csp-violation"], buffered: true }).observe();
}

/** @param {number} p */
const percent = (p) => `${(p * 100).toFixed(1)}%`;

/**
 * Probabilities as shown: tenths of a percent that add up to exactly 100.0% (largest remainders
 * get the leftover tenths), and "<0.1%" for a probability that is not zero but rounds to it.
 * @param {number[]} probabilities
 * @returns {string[]}
 */
export function shownPercents(probabilities) {
  const tenths = probabilities.map((p) => Math.floor(p * 1000));
  const order = probabilities.map((p, i) => i).sort((a, b) => (probabilities[b] * 1000 - tenths[b])
    - (probabilities[a] * 1000 - tenths[a]));
  let left = 1000 - tenths.reduce((a, b) => a + b, 0);
  for (const i of order) {
    if (left <= 0) break;
    tenths[i] += 1;
    left -= 1;
  }
  return tenths.map((t, i) => (t === 0 && probabilities[i] > 0 ? "<0.1%" : `${(t / 10).toFixed(1)}%`));
}

/**
 * What to enter in a field, said once beside it ("Enter a number from 0 to 15 cm").
 * @param {any} f a feature of the manifest
 */
export function fieldAdvice(f) {
  if (f.type === "category") return `Choose one of ${f.categories.join(", ")}`;
  const kind = f.type === "integer" ? "a whole number" : "a number";
  const unit = f.unit ? ` ${f.unit}` : "";
  if (f.minimum !== undefined && f.maximum !== undefined) return `Enter ${kind} from ${f.minimum} to ${f.maximum}${unit}`;
  if (f.minimum !== undefined) return `Enter ${kind} of at least ${f.minimum}${unit}`;
  if (f.maximum !== undefined) return `Enter ${kind} of at most ${f.maximum}${unit}`;
  return `Enter ${kind}${unit ? ` in${unit}` : ""}`;
}

export class ModelPredictor extends HTMLElement {
  static observedAttributes = ["model", "version", "mode", "server-url", "assets-url", "server-warmup"];

  /** @type {Awaited<ReturnType<typeof createPredictor>> | null} */
  #predictor = null;
  /** @type {any} */
  #manifest = null;
  #generation = 0; // a newer start makes older, still-loading ones drop their result
  #scheduled = false;
  /** @type {ShadowRoot} */
  #root;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    // A constructed style sheet, not a <style> element: a strict `style-src 'self'` allows it.
    this.#root.adoptedStyleSheets = [sheet()];
    const template = document.createElement("template");
    template.innerHTML = TEMPLATE; // a constant: no page or model text goes through innerHTML
    this.#root.append(template.content);
    this.#el("whatif-feature").addEventListener("change", () => this.#whatIf());
    this.#el("features").addEventListener("submit", (event) => {
      event.preventDefault();
      this.predictForm();
    });
  }

  /** The client library's predictor for the current model (null while loading). */
  get predictor() {
    return this.#predictor;
  }

  /** The model's manifest: features, classes, description (null while loading). */
  get manifest() {
    return this.#manifest;
  }

  connectedCallback() {
    elements.add(this);
    this.showPolicy();
    if (this.hasAttribute("offline") && !offlineStarted) {
      offlineStarted = true;
      this.addEventListener("ready", () => {
        // after the first start: the worker then precaches from the HTTP cache the page just filled
        import("./offline.js").then(({ registerOffline }) => registerOffline({ assetsUrl: this.#options().assetsUrl }))
          .catch((error) => console.warn("offline support unavailable:", error));
      }, { once: true });
    }
    this.#schedule();
  }

  disconnectedCallback() {
    elements.delete(this);
    this.#generation++;
    this.#predictor?.close();
    this.#predictor = null;
  }

  attributeChangedCallback() {
    if (this.isConnected) this.#schedule();
  }

  /** Say in the page, not only in the console, what the page's Content-Security-Policy blocked. */
  showPolicy() {
    const box = this.#el("policy");
    box.hidden = blocked.size === 0;
    box.textContent = blocked.size ? `This page's Content-Security-Policy blocked ${[...blocked].join(", ")}. `
      + "Scripts must be files of the site (no inline code); see the README's CSP section." : "";
  }

  /** Several attributes set together start the model once. */
  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) this.#start();
    });
  }

  /** @param {string} id */
  #el(id) {
    return /** @type {HTMLElement} */ (this.#root.getElementById(id));
  }

  #options() {
    const mode = /** @type {"auto" | "browser" | "server"} */ (this.getAttribute("mode") ?? "auto");
    return {
      model: this.getAttribute("model") ?? "",
      version: this.getAttribute("version") || undefined,
      mode,
      serverUrl: this.getAttribute("server-url") || undefined,
      assetsUrl: new URL(this.getAttribute("assets-url") || DEFAULT_ASSETS, document.baseURI),
      serverWarmup: this.hasAttribute("server-warmup"),
    };
  }

  async #start() {
    const mine = ++this.#generation;
    this.#predictor?.close();
    this.#predictor = null;
    delete this.dataset.ready;
    const button = /** @type {HTMLButtonElement} */ (this.#el("predict"));
    button.disabled = true;
    this.#el("result").hidden = true;
    this.#showError(null);
    this.#el("loading").hidden = false;
    this.#setProgress({ fraction: 0.02, message: "Starting", stage: "model" });
    const options = this.#options();
    try {
      const manifest = await readManifest(options);
      if (mine !== this.#generation) return;
      this.#manifest = manifest;
      this.#el("description").textContent = manifest.description ?? "";
      this.#renderCard(manifest);
      this.#renderFields(manifest);
      const created = await createPredictor({ ...options, onProgress: (p) => {
        if (mine === this.#generation) this.#setProgress(p);
      } });
      if (mine !== this.#generation) {
        created.close();
        return;
      }
      this.#predictor = created;
      this.#el("note").textContent = created.fallbackReason ? `Using the server: ${created.fallbackReason}.` : "";
      if (created.backend === "server" && !options.serverWarmup && !(await serverReachable(options))) {
        if (mine !== this.#generation) return;
        // offline, or a static host with no server: say so, and keep Predict off
        this.#el("note").textContent = SERVER_MISSING;
        this.dataset.ready = "unavailable";
        this.#emit("error", new PredictionError(ErrorCode.SERVER_UNREACHABLE, SERVER_MISSING));
        addEventListener("online", () => this.#schedule(), { once: true });
        return;
      }
      button.disabled = false;
      this.dataset.ready = created.backend;
      this.#emit("ready", { backend: created.backend, fallbackReason: created.fallbackReason, model: created.model });
    } catch (error) {
      if (mine === this.#generation) {
        this.#showError(error);
        this.#emit("error", error);
      }
    } finally {
      // with the warm-up on, the bar stays until the browser runtime is ready
      if (mine === this.#generation && !(this.#predictor?.backend === "server" && options.serverWarmup)) {
        this.#el("loading").hidden = true;
      }
    }
  }

  /** @param {{fraction: number, message: string, stage?: string}} p */
  #setProgress(p) {
    /** @type {HTMLProgressElement} */ (this.#el("progress")).value = p.fraction;
    this.#el("progress-text").textContent = p.message;
    if (p.stage === "ready" && p.fraction >= 1 && this.#predictor) this.#el("loading").hidden = true;
    if (p.stage !== undefined) this.#emit("progress", p);
  }

  /** @param {string} type @param {unknown} detail */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /**
   * The model card: what the model is, what it takes, how well it did on held-out rows, what it
   * was trained on, where it runs and what the browser downloads. All from the manifest.
   * @param {any} manifest
   */
  #renderCard(manifest) {
    const text = (/** @type {string} */ tag, /** @type {string} */ value, className = "") =>
      Object.assign(document.createElement(tag), { textContent: value, className });
    const facts = document.createElement("dl");
    const add = (/** @type {string} */ term, /** @type {string} */ value) => {
      if (value) facts.append(text("dt", term), text("dd", value));
    };
    const m = manifest.metrics ?? {};
    const scores = Object.entries(m).filter(([k, v]) => typeof v === "number" && k !== "test_rows")
      .map(([k, v]) => `${METRIC_NAMES[k] ?? k} ${Number(v.toFixed(4))}`).join(", ");
    add("Model", `${manifest.name} ${manifest.version} (${manifest.task})`);
    add("Held-out metrics", scores && `${scores}${m.test_rows ? ` on ${m.test_rows.toLocaleString("en")} rows not used in training` : ""}`);
    if (manifest.classes) add("Classes", manifest.classes.map((/** @type {unknown} */ c) => classLabel(manifest, c)).join("; "));
    const data = manifest.training_data ?? {};
    add("Training data", [data.rows && `${data.rows.toLocaleString("en")} rows`, data.seed !== undefined && `seed ${data.seed}`,
      data.sha256 && `sha256 ${data.sha256.slice(0, 12)}…`].filter(Boolean).join(", "));
    add("Source", lineageText(manifest.lineage));
    add("Runs", (manifest.runtimes ?? []).map((r) => `${r} (${manifest.engines?.[r] ?? "scikit-learn"} engine)`).join(", "));
    const files = manifest.engines?.browser === "portable" ? Object.values(manifest.portable ?? {}) : [manifest.artifact];
    const bytes = files.reduce((sum, f) => sum + (f?.size ?? 0), 0);
    add("Download", bytes ? `${(bytes / 1024).toFixed(0)} KB of model files` : "");
    const table = document.createElement("table");
    const head = document.createElement("tr");
    head.append(text("th", "Feature"), text("th", "Unit"), text("th", "Accepted values"));
    table.append(head, ...manifest.features.map((/** @type {any} */ f) => {
      const row = document.createElement("tr");
      row.append(text("td", f.description || f.name), text("td", f.unit ?? ""),
        text("td", f.type === "category" ? f.categories.join(", ")
          : `${f.type === "integer" ? "whole numbers" : "numbers"} from ${f.minimum ?? "−∞"} to ${f.maximum ?? "∞"}`
            + (f.missing ? ", or empty" : "")));
      return row;
    }));
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.append(table);
    this.#el("card-body").replaceChildren(facts, wrap);
  }

  /** @param {any} manifest */
  #renderFields(manifest) {
    const example = manifest.examples?.[0]?.row ?? manifest.example ?? [];
    this.#renderExamples(manifest);
    this.#el("fields").replaceChildren(...manifest.features.map((/** @type {any} */ f, /** @type {number} */ i) => {
      const wrapper = document.createElement("div");
      wrapper.className = "field";
      wrapper.dataset.field = f.name;
      wrapper.part = "field";
      // "f-" keeps a feature's id apart from the element's own ("examples", "predict"); the input has
      // no form name, which a feature named "submit" or "action" would turn into a form property
      const id = `f-${f.name}`;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.part = "label";
      label.textContent = `${f.description || f.name}${f.unit ? ` [${f.unit}]` : ""}`;
      /** @type {HTMLInputElement | HTMLSelectElement} */
      let input;
      if (f.type === "category") {
        input = document.createElement("select");
        input.append(...f.categories.map((/** @type {string} */ c) => new Option(c, c)));
      } else {
        input = document.createElement("input");
        input.type = "number";
        input.step = f.type === "integer" ? "1" : "any";
        if (f.minimum !== undefined) input.min = String(f.minimum);
        if (f.maximum !== undefined) input.max = String(f.maximum);
      }
      input.id = id;
      input.part = "input";
      input.required = !f.missing;
      // checked as it is typed and when it is left, by the browser's own constraint validation
      input.addEventListener("input", () => this.#checkField(wrapper, f));
      input.addEventListener("blur", () => this.#checkField(wrapper, f));
      if (example[i] !== undefined && example[i] !== null) input.value = String(example[i]);
      const hint = document.createElement("div");
      hint.className = "hint";
      hint.part = "hint";
      hint.textContent = f.type === "category" ? f.categories.join(" / ")
        : `${f.minimum ?? "−∞"} to ${f.maximum ?? "∞"}${f.unit ? ` ${f.unit}` : ""}`;
      const problem = document.createElement("div");
      problem.className = "problem";
      problem.part = "problem";
      wrapper.append(label, input, hint, problem);
      return wrapper;
    }));
  }

  /**
   * The named example rows the recipe gives (a healthy machine, each failure mode), to pick from:
   * picking one fills the form and predicts it.
   * @param {any} manifest
   */
  #renderExamples(manifest) {
    const examples = manifest.examples ?? [];
    const select = /** @type {HTMLSelectElement} */ (this.#el("examples"));
    select.replaceChildren(...examples.map((/** @type {any} */ e, /** @type {number} */ i) => new Option(e.name, String(i))));
    this.#el("examples-field").hidden = examples.length === 0;
    select.onchange = () => {
      const row = examples[Number(select.value)]?.row ?? [];
      this.#el("fields").querySelectorAll(".field").forEach((wrapper, i) => {
        const input = /** @type {HTMLInputElement} */ (wrapper.querySelector("input, select"));
        input.value = row[i] === null || row[i] === undefined ? "" : String(row[i]);
        this.#checkField(/** @type {HTMLElement} */ (wrapper), manifest.features[i]);
      });
      if (this.#predictor) this.predictForm().catch(() => {});
    };
  }

  /**
   * Say beside the field what to enter when its value cannot be right (empty, not a number,
   * out of range, not whole); clear it otherwise. Returns whether the field is fine.
   * @param {HTMLElement} wrapper @param {any} f
   */
  #checkField(wrapper, f) {
    const input = /** @type {HTMLInputElement} */ (wrapper.querySelector("input, select"));
    const wrong = !input.validity.valid;
    wrapper.classList.toggle("invalid", wrong);
    /** @type {HTMLElement} */ (wrapper.querySelector(".problem")).textContent = wrong ? fieldAdvice(f) : "";
    return !wrong;
  }

  /** The form's values as one row object (an empty number field is null: the model names it). */
  readRow() {
    /** @type {Record<string, string | number | null>} */
    const row = {};
    const inputs = [...this.#el("fields").querySelectorAll(".field")].map((w) => w.querySelector("input, select"));
    (this.#manifest?.features ?? []).forEach((/** @type {any} */ f, /** @type {number} */ i) => {
      const raw = /** @type {HTMLInputElement} */ (inputs[i]).value;
      row[f.name] = f.type === "category" ? raw : raw.trim() === "" ? null : Number(raw);
    });
    return row;
  }

  /**
   * Predict the form's row, show the result, and fire "prediction" (or "error").
   * @returns {Promise<any>} the result, as predictor.predict gives it
   */
  async predictForm() {
    const predictor = this.#predictor;
    if (!predictor) throw new Error("<model-predictor>: the model is not loaded yet");
    this.#showError(null);
    const fields = [...this.#el("fields").querySelectorAll(".field")];
    const checks = fields.map((wrapper, i) => this.#checkField(/** @type {HTMLElement} */ (wrapper),
      this.#manifest.features[i]));
    if (checks.includes(false)) {
      const error = new PredictionError(ErrorCode.INVALID_INPUT, "Check the highlighted fields.",
        this.#manifest.features.filter((_, i) => !checks[i]).map((f) => ({ row: 0, field: f.name,
          expected: fieldAdvice(f) })));
      this.#el("error").hidden = false;
      this.#el("error").textContent = error.message;
      this.#emit("error", error);
      return undefined;
    }
    const button = /** @type {HTMLButtonElement} */ (this.#el("predict"));
    button.disabled = true;
    try {
      const result = await predictor.predict([this.readRow()]);
      this.#renderResult(result);
      this.#emit("prediction", result);
      this.#whatIf().catch(() => {}); // the chart is extra: a failure there leaves the answer shown
      return result;
    } catch (error) {
      this.#el("result").hidden = true;
      this.#showError(error);
      this.#emit("error", error);
      return undefined;
    } finally {
      button.disabled = false;
    }
  }

  /**
   * The what-if chart: the chosen number feature swept over its range in 100 steps, the others
   * held at the form's values, predicted as one batch (in the browser when it runs there), drawn
   * as plain SVG: the probability of the positive class (else of each class), or the value.
   */
  async #whatIf() {
    const features = (this.#manifest?.features ?? []).filter((/** @type {any} */ f) => f.type !== "category"
      && f.minimum !== undefined && f.maximum !== undefined);
    const box = this.#el("whatif");
    const select = /** @type {HTMLSelectElement} */ (this.#el("whatif-feature"));
    box.hidden = !features.length || !this.#predictor;
    if (box.hidden) return;
    if (![...select.options].some((o) => o.value === select.value) || select.options.length !== features.length) {
      select.replaceChildren(...features.map((/** @type {any} */ f) => new Option(f.description || f.name, f.name)));
    }
    const feature = features.find((/** @type {any} */ f) => f.name === select.value) ?? features[0];
    const base = this.readRow();
    const steps = Array.from({ length: 100 }, (_, i) => feature.minimum + ((feature.maximum - feature.minimum) * i) / 99)
      .map((x) => (feature.type === "integer" ? Math.round(x) : x));
    const result = await this.#predictor.predict(steps.map((x) => ({ ...base, [feature.name]: x })));
    const positive = this.#manifest.positive_class;
    const series = result.probabilities
      ? (positive !== undefined ? [result.classes.indexOf(positive)] : result.classes.map((_, c) => c))
        .map((c) => ({ name: String(result.classes[c]), values: result.probabilities.map((/** @type {number[]} */ p) => p[c]) }))
      : [{ name: "prediction", values: result.predictions }];
    const all = series.flatMap((s) => s.values);
    const [low, high] = result.probabilities ? [0, 1] : [Math.min(...all), Math.max(...all) || 1];
    const x = (/** @type {number} */ v) => 30 + ((v - feature.minimum) / (feature.maximum - feature.minimum || 1)) * 280;
    const y = (/** @type {number} */ v) => 120 - ((v - low) / (high - low || 1)) * 110;
    const chart = this.#el("whatif-chart");
    const SVG = "http://www.w3.org/2000/svg";
    const make = (/** @type {string} */ tag, /** @type {Record<string, string | number>} */ attributes, text = "") => {
      const el = document.createElementNS(SVG, tag);
      for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
      el.textContent = text;
      return el;
    };
    const colors = ["#2856c6", "#b4491c", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41"];
    chart.setAttribute("aria-label", `${series.map((s) => s.name).join(", ")} as ${feature.name} changes`);
    chart.replaceChildren(
      make("line", { x1: 30, y1: 120, x2: 310, y2: 120, stroke: "#999" }),
      make("text", { x: 30, y: 138, "font-size": 10 }, `${feature.minimum}`),
      make("text", { x: 310, y: 138, "font-size": 10, "text-anchor": "end" }, `${feature.maximum} ${feature.unit ?? ""}`),
      make("text", { x: 0, y: 14, "font-size": 10 }, result.probabilities ? "100%" : String(Number(high.toPrecision(3)))),
      ...series.map((s, k) => make("polyline", {
        points: s.values.map((v, i) => `${x(steps[i]).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
        fill: "none", stroke: colors[k % colors.length], "stroke-width": 2, "data-series": s.name,
        "data-x": JSON.stringify(steps), "data-values": JSON.stringify(s.values),
      })),
      ...series.map((s, k) => make("text", { x: 310, y: 14 + 12 * k, "font-size": 10, "text-anchor": "end",
        fill: colors[k % colors.length] }, s.name)),
    );
  }

  /** @param {any} result */
  #renderResult(result) {
    this.#el("label").textContent = classLabel(this.#manifest, result.predictions[0]);
    const badge = this.#el("backend");
    badge.textContent = result.backend;
    badge.dataset.backend = result.backend;
    this.#el("model-version").textContent = `${result.model.name} ${result.model.version}`;
    /** @type {number[]} */
    const probabilities = result.probabilities?.[0] ?? [];
    const positive = this.#manifest?.positive_class;
    const index = positive === undefined ? -1 : result.classes.indexOf(positive);
    const headline = this.#el("headline");
    headline.hidden = index < 0;
    if (index >= 0) {
      const name = positive.replaceAll("_", " ");
      headline.textContent = `${name[0].toUpperCase()}${name.slice(1)} probability ${shownPercents(probabilities)[index]}`;
    }
    const order = probabilities.map((_, i) => i).sort((a, b) => probabilities[b] - probabilities[a]);
    const shown = shownPercents(probabilities);
    this.#el("bars").replaceChildren(...order.map((i) => {
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.part = "bar";
      bar.dataset.class = result.classes[i];
      const name = Object.assign(document.createElement("span"),
        { className: "name", textContent: classLabel(this.#manifest, result.classes[i]) });
      const track = Object.assign(document.createElement("span"), { className: "track" });
      const fill = Object.assign(document.createElement("span"), { className: "fill" });
      fill.style.width = percent(probabilities[i]);
      track.append(fill);
      const value = Object.assign(document.createElement("span"), { className: "value", textContent: shown[i] });
      bar.append(name, track, value);
      return bar;
    }));
    this.#el("result").hidden = false;
  }

  /** @param {any} error */
  #showError(error) {
    for (const el of this.#el("fields").querySelectorAll(".field")) {
      el.classList.remove("invalid");
      /** @type {HTMLElement} */ (el.querySelector(".problem")).textContent = "";
    }
    const box = this.#el("error");
    box.hidden = !error;
    box.textContent = !error ? "" : SERVER_FAULTS.has(error.code) ? SERVER_MISSING : error.message;
    // A one-row form speaks of fields, never of "row 0" or "null": each field the model named says
    // what to enter, and the message points at them.
    const features = new Map((this.#manifest?.features ?? []).map((/** @type {any} */ f) => [f.name, f]));
    const named = (error?.details ?? []).filter((/** @type {any} */ d) => features.has(d.field));
    for (const d of named) {
      const el = this.#el("fields").querySelector(`[data-field="${CSS.escape(d.field)}"]`);
      el.classList.add("invalid");
      el.querySelector(".problem").textContent = fieldAdvice(features.get(d.field));
    }
    if (named.length && named.length === error.details.length) box.textContent = "Check the highlighted fields.";
  }
}

if (!customElements.get("model-predictor")) customElements.define("model-predictor", ModelPredictor);
