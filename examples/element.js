// Listens to the elements' events, as a page's own script would (the element needs none of this).
const log = document.getElementById("log");

for (const type of ["ready", "prediction", "error"]) {
  document.addEventListener(type, (event) => {
    const el = /** @type {HTMLElement} */ (event.target);
    const detail = /** @type {any} */ (event).detail;
    const what = type === "prediction" ? `${detail.predictions[0]} (${detail.backend})`
      : type === "ready" ? detail.backend : `${detail.code}: ${detail.message}`;
    const item = document.createElement("li");
    item.textContent = `${el.id} ${type}: ${what}`;
    item.dataset.type = type;
    log.append(item);
  });
}
