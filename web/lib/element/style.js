// <model-predictor>'s look and markup: one constructed style sheet (a strict `style-src 'self'`
// allows it, a <style> element it would not), its custom properties and parts, and the template.

export const STYLE = `
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
.warnings { margin: 0 0 0.75rem; padding: 0.5rem 0.75rem 0.5rem 1.75rem; border-radius: 4px; font-size: 0.9rem;
  background: var(--mp-warning-bg, #fff4e0); color: var(--mp-warning, #6b4400); }
.bar { display: grid; grid-template-columns: minmax(4rem, 7rem) 1fr 4rem; align-items: center; gap: 0.5rem; margin: 0.25rem 0; }
.bar .name { overflow-wrap: anywhere; }
.bar .track { display: block; background: #eceff4; height: 0.8rem; border-radius: 3px; overflow: hidden; }
.bar .fill { display: block; background: var(--accent); height: 100%; }
.bar .value { text-align: right; font-variant-numeric: tabular-nums; }
.why { margin-top: 1rem; font-size: 0.9rem; }
.why-title { font-weight: 600; margin: 0 0 0.5rem; }
.why-bar { display: grid; grid-template-columns: minmax(6rem, 1.3fr) 1fr 4.5rem; align-items: center; gap: 0.5rem;
  margin: 0.3rem 0; }
.why-bar .name { overflow-wrap: anywhere; font-size: 0.85rem; }
.why-bar .track { display: block; height: 0.8rem; position: relative; background: #eceff4; border-radius: 3px; }
.why-bar .track::after { content: ""; position: absolute; left: 50%; top: -2px; bottom: -2px; border-left: 1px solid #888; }
.why-bar .fill { display: block; height: 100%; border-radius: 2px; }
.why-bar.up .fill { background: var(--mp-positive, #c0392b); }
.why-bar.down .fill { background: var(--mp-negative, #2856c6); }
.why-bar .value { text-align: right; font-variant-numeric: tabular-nums; font-size: 0.85rem; }
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
@media (max-width: 480px) { .fields { grid-template-columns: 1fr; } button { width: 100%; }
  .why-bar { grid-template-columns: 1fr 4.5rem; } .why-bar .name { grid-column: 1 / -1; } }
`;

export const TEMPLATE = `
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
  <ul id="warnings" class="warnings" part="warnings" hidden></ul>
  <p class="meta">Model <span id="model-version"></span></p>
  <div id="bars" class="bars" part="bars"></div>
  <div id="why" class="why" part="why" hidden>
    <p id="why-title" class="why-title" part="why-title"></p>
    <div id="why-bars" role="list"></div>
    <p id="why-note" class="meta"></p>
  </div>
  <div id="whatif" class="whatif" part="whatif" hidden>
    <label>What if <select id="whatif-feature"></select> changed, the others held?</label>
    <svg id="whatif-chart" viewBox="0 0 320 152" role="img"></svg>
  </div>
</section>
<p id="error" class="error" part="error" role="alert" hidden></p>
<p id="note" class="note" part="note"></p>
<p id="policy" class="error" part="policy" role="alert" hidden></p>
`;

/** @type {CSSStyleSheet | null} */
let shared = null;
/** One style sheet for every element on the page. */
export function sheet() {
  if (!shared) {
    shared = new CSSStyleSheet();
    shared.replaceSync(STYLE);
  }
  return shared;
}

