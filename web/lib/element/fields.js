// The form: a labelled field per feature (number inputs with their range, selects for
// categories), checked as it is typed by the browser's own constraint validation; the named
// example rows to pick from; and the form's values as one row.
import { fieldAdvice, rangeText } from "./labels.js";

/**
 * One field per feature, filled with the example row when the manifest gives one.
 * @param {any} manifest
 * @returns {HTMLElement[]}
 */
export function formFields(manifest) {
  const example = manifest.examples?.[0]?.row ?? manifest.example ?? [];
  return manifest.features.map((/** @type {any} */ f, /** @type {number} */ i) => {
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
    if (f.type === "category" || f.values) { // a number the pipeline encodes takes only its fitted values
      input = document.createElement("select");
      input.append(...(f.categories ?? f.values).map((/** @type {string | number} */ c) => new Option(String(c), String(c))));
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
    // limits (min, max) are checked as it is typed and when it is left, by the browser's own
    // constraint validation; a value outside the typical range is allowed, and the answer flags it
    input.addEventListener("input", () => checkField(wrapper, f));
    input.addEventListener("blur", () => checkField(wrapper, f));
    if (example[i] !== undefined && example[i] !== null) input.value = String(example[i]);
    const hint = document.createElement("div");
    hint.className = "hint";
    hint.part = "hint";
    hint.textContent = f.type === "category" ? f.categories.join(" / ") : rangeText(f);
    const problem = document.createElement("div");
    problem.className = "problem";
    problem.part = "problem";
    wrapper.append(label, input, hint, problem);
    return wrapper;
  });
}

/**
 * Say beside the field what to enter when its value cannot be right (empty, not a number,
 * out of range, not whole); clear it otherwise. Returns whether the field is fine.
 * @param {HTMLElement} wrapper @param {any} f
 */
export function checkField(wrapper, f) {
  const input = /** @type {HTMLInputElement} */ (wrapper.querySelector("input, select"));
  const wrong = !input.validity.valid;
  wrapper.classList.toggle("invalid", wrong);
  /** @type {HTMLElement} */ (wrapper.querySelector(".problem")).textContent = wrong ? fieldAdvice(f) : "";
  return !wrong;
}

/**
 * The named example rows the recipe gives (a healthy machine, each failure mode) as the select's
 * options: picking one fills the form, then calls `picked`.
 * @param {HTMLSelectElement} select @param {HTMLElement} box the select's field (hidden with no examples)
 * @param {HTMLElement} fields @param {any} manifest @param {() => void} picked
 */
export function examplePicker(select, box, fields, manifest, picked) {
  const examples = manifest.examples ?? [];
  select.replaceChildren(...examples.map((/** @type {any} */ e, /** @type {number} */ i) => new Option(e.name, String(i))));
  box.hidden = examples.length === 0;
  select.onchange = () => {
    const row = examples[Number(select.value)]?.row ?? [];
    fields.querySelectorAll(".field").forEach((wrapper, i) => {
      const input = /** @type {HTMLInputElement} */ (wrapper.querySelector("input, select"));
      input.value = row[i] === null || row[i] === undefined ? "" : String(row[i]);
      checkField(/** @type {HTMLElement} */ (wrapper), manifest.features[i]);
    });
    picked();
  };
}

/**
 * The form's values as one row object (an empty number field is null: the model names it).
 * @param {HTMLElement} fields @param {any[]} features
 */
export function formRow(fields, features) {
  /** @type {Record<string, string | number | null>} */
  const row = {};
  const inputs = [...fields.querySelectorAll(".field")].map((w) => w.querySelector("input, select"));
  features.forEach((f, i) => {
    const raw = /** @type {HTMLInputElement} */ (inputs[i]).value;
    row[f.name] = f.type === "category" ? raw : raw.trim() === "" ? null : Number(raw);
  });
  return row;
}

/**
 * Mark the fields an error names, each saying what to enter; answer whether every detail named
 * one (a one-row form speaks of fields, never of "row 1" or "null").
 * @param {HTMLElement} fields @param {any[]} features @param {any} error
 */
export function markFields(fields, features, error) {
  for (const el of fields.querySelectorAll(".field")) {
    el.classList.remove("invalid");
    /** @type {HTMLElement} */ (el.querySelector(".problem")).textContent = "";
  }
  const byName = new Map(features.map((f) => [f.name, f]));
  const named = (error?.details ?? []).filter((/** @type {any} */ d) => byName.has(d.field));
  for (const d of named) {
    const el = /** @type {HTMLElement} */ (fields.querySelector(`[data-field="${CSS.escape(d.field)}"]`));
    el.classList.add("invalid");
    /** @type {HTMLElement} */ (el.querySelector(".problem")).textContent = fieldAdvice(byName.get(d.field));
  }
  return named.length > 0 && named.length === error.details.length;
}
