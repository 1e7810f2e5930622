"""A second visit restores Python from this device's snapshot (issue 35): after a first visit, the
page keeps a memory snapshot of the interpreter with numpy and py_pipeline imported, and a later
visit restores it, with the same answers, online and offline. Every failure falls back to a normal
start and says so in the progress events: a damaged snapshot, a library missing from the cache,
one made for another build (an update since), a restore that fails (then none is made again for
that build)."""

from __future__ import annotations

from ..support.browser import LOAD_TIMEOUT_MS

# Records the client's progress events (the element re-fires them on the page).
RECORD = """
window.__progress = [];
addEventListener('progress', (e) => { if (e.detail?.stage) window.__progress.push(e.detail); }, true);
"""
ROWS = {
    "iris": [[6.1, 2.8, 4.7, 1.2]],
    "machine_failure": [{"product_type": "M", "air_temperature_k": 300.1, "process_temperature_k": 310.2,
                         "rotational_speed_rpm": 1500, "torque_nm": 40.5, "tool_wear_min": 120}],
}
PREDICT = "async (rows) => (await document.querySelector('model-predictor').predictor.predict(rows)).probabilities[0]"
HOW = "() => window.__progress.find((p) => p.stage === 'ready' && p.snapshot)?.snapshot"
MADE = "() => window.__progress.find((p) => p.stage === 'snapshot')"
# Damages this device's snapshot: its memory's bytes, a library gone, where a library sits, or its key.
TAMPER = """
async (how) => {
  const cache = await caches.open('snapshot-py-pipeline');
  const urls = (await cache.keys()).map((r) => r.url);
  const memory = urls.find((u) => u.endsWith('.snapshot'));
  if (how === 'damage') {
    const bytes = new Uint8Array(await (await cache.match(memory)).arrayBuffer());
    bytes.fill(7, 5_000_000, 5_001_000);
    await cache.put(memory, new Response(bytes));
  } else if (how === 'library') {
    await cache.delete(urls.find((u) => u.endsWith('.lib/0')));
  } else {
    const described = memory ? memory + '.json' : urls.find((u) => u.endsWith('.snapshot.json'));
    const meta = await (await cache.match(described)).json();
    if (how === 'misplace') meta.libraries[0].tableBase += 1; // a restore that cannot place numpy
    else meta.key = 'another-build.' + meta.key;
    await cache.put(described, new Response(JSON.stringify(meta)));
  }
}
"""


# A page that keeps no snapshot (configureRuntime): how its runtime started.
OPTED_OUT = """
async () => {
  const { configureRuntime, createPredictor } = await import("/lib/predictor.js");
  configureRuntime({ snapshot: false });
  let how;
  const predictor = await createPredictor({ model: "iris", mode: "browser",
    onProgress: (p) => { if (p.stage === "ready" && p.snapshot) how ??= p.snapshot; } });
  await predictor.predict([[6.1, 2.8, 4.7, 1.2]]);
  predictor.close();
  return how;
}
"""


def _visit(context, url: str, model: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/?mode=browser&model={model}")
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    return page, page.evaluate(HOW), page.evaluate(PREDICT, ROWS[model]), errors


def _made(page) -> dict:
    page.wait_for_function(MADE, timeout=LOAD_TIMEOUT_MS)
    return page.evaluate(MADE)


def test_a_later_visit_restores_python_and_falls_back_whatever_fails(browser, live_server):
    context = browser.new_context()
    context.add_init_script(RECORD)
    try:
        first, how, answers, errors = _visit(context, live_server.url, "machine_failure")
        assert how == "no snapshot: none on this device yet", how
        made = _made(first)
        assert made["snapshot"] == "made", made
        assert "A snapshot of Python" in made["message"], made
        assert errors == []
        first.close()

        # restored: the same answers, a model with its own package (machine-physics) and one without
        page, how, again, errors = _visit(context, live_server.url, "machine_failure")
        assert how == "restored from this device's snapshot", how
        assert again == answers and errors == []
        page.close()
        page, how, iris_answer, errors = _visit(context, live_server.url, "iris")
        assert how == "restored from this device's snapshot" and errors == [], how

        # offline, from the service worker's cache and this device's snapshot
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=LOAD_TIMEOUT_MS)
        context.set_offline(True)
        page.close()
        page, how, offline, errors = _visit(context, live_server.url, "iris")
        assert how == "restored from this device's snapshot" and offline == iris_answer and errors == [], how
        context.set_offline(False)

        # damaged bytes, a library gone: refused (sha256), deleted, a normal start, made again
        for tamper in ("damage", "library"):
            page.evaluate(TAMPER, tamper)
            page.close()
            page, how, again, errors = _visit(context, live_server.url, "machine_failure")
            assert how == "no snapshot: the one on this device is damaged", (tamper, how)
            assert again == answers and errors == []
            assert _made(page)["snapshot"] == "made"

        # a restore that fails (not the bytes: numpy cannot be placed where the snapshot has it) is
        # a normal start, and no snapshot is made again for this build
        page.evaluate(TAMPER, "misplace")
        page.close()
        page, how, again, errors = _visit(context, live_server.url, "machine_failure")
        assert how.startswith("the snapshot failed to restore (") and "its functions would sit at" in how, how
        assert how.endswith("): a normal start") and again == answers and errors == []
        page.close()
        page, how, again, errors = _visit(context, live_server.url, "machine_failure")
        assert how.startswith("no snapshot: one failed to restore here ("), how
        assert again == answers and errors == []

        # one made for another build (an update since) is refused, and made again for this one
        page.evaluate(TAMPER, "rekey")
        page.close()
        page, how, again, errors = _visit(context, live_server.url, "machine_failure")
        assert how == "no snapshot: the one on this device is of another build", how
        assert again == answers and errors == []
        assert _made(page)["snapshot"] == "made"
        page.close()

        # a page that keeps none: Python starts as usual, and the one kept is deleted
        page = context.new_page()
        page.goto(f"{live_server.url}/models/index.json")
        assert page.evaluate(OPTED_OUT) == "no snapshot: turned off on this page (configureRuntime({snapshot: false}))"
        assert "snapshot-py-pipeline" not in page.evaluate("caches.keys()")
        page.close()
    finally:
        context.close()
