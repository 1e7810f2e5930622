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
// the page predicts offline after its first visit; the page must lie within the worker's scope),
// explain (boolean: a "Why?" chart under each answer, each feature's exact contribution; in browser
// mode the row stays on the device), telemetry (opt in to drift telemetry: in browser mode, send the
// server at this address, or server-url / the page's origin when empty, the per-bin counts of what
// was predicted, never a row or a value; telemetry-every: rows a report counts, 100 unless given, at
// least 20; see telemetry.js).
// Events (bubbling, composed): "ready" {backend, fallbackReason, model}, "progress" (the client's
// progress object), "prediction" (the same result object as predictor.predict), "explanation"
// (predictor.explain's answer, with `explain`), "error" (the same PredictionError).
// Styling: CSS custom properties --mp-accent, --mp-text, --mp-muted, --mp-surface, --mp-error,
// --mp-radius, --mp-font, --mp-positive and --mp-negative (the "Why?" bars); parts: form, field,
// label, input, hint, problem, button, progress, result, prediction, badge, headline, bars, bar,
// why, why-title, why-bar, error, note, description.
import { ErrorCode, PredictionError, createPredictor, readManifest } from "./predictor.js";
import { modelCard } from "./element/card.js";
import { checkField, examplePicker, formFields, formRow, markFields } from "./element/fields.js";
import { fieldAdvice } from "./element/labels.js";
import { SERVER_FAULTS, SERVER_MISSING, elements, serverReachable, showBlocked } from "./element/lifecycle.js";
import { showResult } from "./element/result.js";
import { hideWhy, showWhy } from "./element/why.js";
import { TEMPLATE, sheet } from "./element/style.js";
import { drawWhatIf, sweep, sweepable } from "./element/whatif.js";

// The element's parts live in ./element/ (style, labels, card, fields, what-if, result,
// lifecycle); this module is the entry URL pages and the README use, and the element's lifecycle.
export { classLabel, fieldAdvice, lineageText, shownPercents } from "./element/labels.js";

const DEFAULT_ASSETS = new URL("../", import.meta.url);
let offlineStarted = false;

export class ModelPredictor extends HTMLElement {
  static observedAttributes = ["model", "version", "mode", "server-url", "assets-url", "server-warmup", "telemetry",
    "telemetry-every"];

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
    showBlocked(this.#el("policy"));
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
      telemetry: this.hasAttribute("telemetry") ? { url: this.getAttribute("telemetry") || undefined,
        everyRows: this.hasAttribute("telemetry-every") ? Number(this.getAttribute("telemetry-every")) : undefined }
        : undefined,
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
      this.#el("card-body").replaceChildren(...modelCard(manifest));
      this.#el("fields").replaceChildren(...formFields(manifest));
      examplePicker(/** @type {HTMLSelectElement} */ (this.#el("examples")), this.#el("examples-field"),
        this.#el("fields"), manifest, () => {
          if (this.#predictor) this.predictForm().catch(() => {});
        });
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
    if (p.stage === "snapshot") return this.#emit("progress", p); // after ready: no part of this load
    /** @type {HTMLProgressElement} */ (this.#el("progress")).value = p.fraction;
    this.#el("progress-text").textContent = p.message;
    if (p.stage === "ready" && p.fraction >= 1 && this.#predictor) this.#el("loading").hidden = true;
    if (p.stage !== undefined) this.#emit("progress", p);
  }

  /** @param {string} type @param {unknown} detail */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** The form's values as one row object (an empty number field is null: the model names it). */
  readRow() {
    return formRow(this.#el("fields"), this.#manifest?.features ?? []);
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
    const checks = fields.map((wrapper, i) => checkField(/** @type {HTMLElement} */ (wrapper),
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
      const row = this.readRow();
      const result = await predictor.predict([row]);
      this.#renderResult(result);
      this.#emit("prediction", result);
      await this.#why(row, result.predictions[0]);
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
   * With `explain`: why the row got its answer. A model that cannot be explained says so there;
   * any other failure leaves the answer shown without the view.
   * @param {Record<string, unknown>} row @param {unknown} predicted
   */
  async #why(row, predicted) {
    const el = (/** @type {string} */ id) => this.#el(id);
    if (!this.hasAttribute("explain") || !this.#predictor) {
      hideWhy(el);
      return;
    }
    try {
      const explanation = await this.#predictor.explain([row]);
      showWhy(el, this.#manifest, explanation, row, predicted);
      this.#emit("explanation", explanation);
    } catch (error) {
      hideWhy(el, error?.code === ErrorCode.EXPLANATION_UNAVAILABLE ? error.message : "");
    }
  }

  /** The what-if chart for the feature chosen (the first by default), around the form's row. */
  async #whatIf() {
    const features = sweepable(this.#manifest);
    const box = this.#el("whatif");
    const select = /** @type {HTMLSelectElement} */ (this.#el("whatif-feature"));
    box.hidden = !features.length || !this.#predictor;
    if (box.hidden) return;
    if (![...select.options].some((o) => o.value === select.value) || select.options.length !== features.length) {
      select.replaceChildren(...features.map((/** @type {any} */ f) => new Option(f.description || f.name, f.name)));
    }
    const feature = features.find((/** @type {any} */ f) => f.name === select.value) ?? features[0];
    const base = this.readRow();
    const steps = sweep(feature);
    const result = await this.#predictor.predict(steps.map((x) => ({ ...base, [feature.name]: x })));
    drawWhatIf(this.#el("whatif-chart"), feature, steps, result, this.#manifest.positive_class,
      /** @type {number | null} */ (base[feature.name]));
  }

  /** @param {any} result */
  #renderResult(result) {
    showResult((id) => this.#el(id), this.#manifest, result);
  }

  /** @param {any} error */
  #showError(error) {
    const box = this.#el("error");
    box.hidden = !error;
    box.textContent = !error ? "" : SERVER_FAULTS.has(error.code) ? SERVER_MISSING : error.message;
    if (markFields(this.#el("fields"), this.#manifest?.features ?? [], error)) box.textContent = "Check the highlighted fields.";
  }
}

if (!customElements.get("model-predictor")) customElements.define("model-predictor", ModelPredictor);
