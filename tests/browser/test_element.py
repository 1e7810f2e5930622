"""<model-predictor> (browser tier): the element on plain pages (examples/), served with the
site's strict Content-Security-Policy: forms from every model's schema, predictions and events in
both modes, field errors, one runtime for two elements, offline after the first visit, and the
page told when the policy blocks something."""

from __future__ import annotations

import json

import pytest

from build_scripts.golden import read_golden
from server_fallback import create_app
from server_fallback.site import SITE_CSP

from ..support.browser import LOAD_TIMEOUT_MS, Visit, wait_until_controlled
from ..support.live import LiveServer
from ..support.paths import ROOT

ELEMENT_PAGE = "/examples/element.html"


def manifests(model_dir) -> list[dict]:
    index = json.loads((model_dir / "index.json").read_text())["models"]
    return [json.loads((model_dir / entry["path"] / "manifest.json").read_text()) for entry in index]


def events(page, element_id: str, kind: str) -> list[str]:
    return page.locator(f'#log li[data-type="{kind}"]').filter(has_text=f"{element_id} {kind}:").all_inner_texts()


@pytest.fixture(scope="module")
def shared(browser, live_server):
    """One visit to the element page, both elements ready, for the tests that only fill, read and
    restart its elements (`restart`): each Pyodide start costs seconds, a restart on a running
    runtime a fraction of one."""
    visit = Visit(browser, live_server.url)
    page = visit.open(ELEMENT_PAGE).page
    page.wait_for_selector("#iris[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector("#machine[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    yield visit
    visit.close()


def restart(page, element_id: str, attributes: dict | None = None, removed: tuple = ()) -> None:
    """Set (or remove) attributes of an element, by default none (a fresh form), and wait until it
    is ready again or fails: the page's runtime stays up."""
    page.evaluate("""async ([id, attributes, removed]) => {
      const el = document.getElementById(id);
      const settled = new Promise((resolve) => {
        el.addEventListener('ready', resolve, { once: true });
        el.addEventListener('error', resolve, { once: true });
      });
      for (const name of removed) el.removeAttribute(name);
      for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
      if (!Object.keys(attributes).length && !removed.length) el.setAttribute('model', el.getAttribute('model'));
      await settled;
    }""", [element_id, attributes or {}, list(removed)])


def test_two_elements_share_one_runtime_predict_and_fire_events(browser, live_server):
    visit = Visit(browser, live_server.url)
    workers = []
    visit.page.on("worker", lambda w: workers.append(w.url))
    page = visit.open(ELEMENT_PAGE).page
    page.wait_for_selector("#iris[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector("#machine[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    assert len(workers) == 1, workers  # one Pyodide for the page
    assert sum(u.endswith("pyodide.asm.wasm") for u in visit.requests) == 1
    iris = page.locator("#iris")
    for name, value in zip(["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"],
                           ["2.5", "1.3", "4.0", "0.8"]):
        iris.locator(f"#f-{name}").fill(value)
    iris.locator("#predict").click()
    page.wait_for_function("() => document.querySelectorAll('#log li[data-type=prediction]').length === 1")
    assert events(page, "iris", "prediction") == ["iris prediction: versicolor (browser)"]
    assert iris.locator("#label").inner_text() == "versicolor"
    values = iris.locator(".bar .value").all_inner_texts()  # sorted from the highest
    assert values[0] == "77.5%" and [float(v[:-1]) for v in values] == sorted((float(v[:-1]) for v in values),
                                                                              reverse=True)
    # a field error: shown at the field, and fired as a PredictionError naming the field
    iris.locator("#f-petal_width_cm").fill("")
    iris.locator("#predict").click()
    page.wait_for_selector('#log li[data-type="error"]')
    assert events(page, "iris", "error") == ["iris error: invalid_input: Check the highlighted fields."]
    assert "invalid" in iris.locator('[data-field="petal_width_cm"]').get_attribute("class")
    assert iris.locator('[data-field="petal_width_cm"] .problem').inner_text() == "Enter a number from 0 to 10 cm"
    # the predictor is there for scripting, and answers like predictor.predict
    scripted = page.evaluate("""async () => {
      const result = await document.querySelector('#machine').predictor.predict([["L", 302.0, 310.5, 1300, 60, 210]]);
      return result.classes;
    }""")
    assert "failure" in scripted
    assert visit.foreign_requests() == [] and visit.errors == []
    visit.close()


def test_the_form_follows_each_models_schema(shared, model_dir):
    page = shared.page
    for manifest in manifests(model_dir):
        mode = "browser" if "browser" in manifest["runtimes"] else "server"
        restart(page, "iris", {"mode": mode, "model": manifest["name"], "version": manifest["version"]})
        page.wait_for_selector(f"#iris[data-ready={mode}]", timeout=LOAD_TIMEOUT_MS)
        element = page.locator("#iris")
        fields = element.locator(".field")
        assert fields.evaluate_all("els => els.map(e => e.dataset.field)") == [f["name"] for f in manifest["features"]]
        for feature in manifest["features"]:
            control = element.locator(f"#f-{feature['name']}")
            if feature["type"] == "category":
                assert control.locator("option").all_inner_texts() == feature["categories"]
            else:
                assert control.get_attribute("type") == "number"
                assert control.get_attribute("max") == (None if feature.get("maximum") is None
                                                        else str(feature["maximum"]).removesuffix(".0"))
            if feature.get("unit"):
                assert f"[{feature['unit']}]" in element.locator(f'label[for="f-{feature["name"]}"]').inner_text()
        before = page.locator('#log li[data-type="prediction"]').count()
        element.locator("#predict").click()  # the manifest's example fills the form
        page.wait_for_function(f"() => document.querySelectorAll('#log li[data-type=prediction]').length > {before}",
                               timeout=LOAD_TIMEOUT_MS)
        assert element.locator("#backend").inner_text() == mode
        assert element.locator("#model-version").inner_text() == f"{manifest['name']} {manifest['version']}"
    restart(page, "iris", {"model": "iris"}, removed=("mode", "version"))
    assert shared.errors == []


def test_server_mode_answers_through_the_fallback(shared):
    page = shared.page
    restart(page, "iris", {"mode": "server"})
    page.wait_for_selector("#iris[data-ready=server]", timeout=LOAD_TIMEOUT_MS)
    page.locator("#iris #predict").click()
    page.wait_for_function("() => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes('(server)'))")
    assert page.locator("#iris #backend").inner_text() == "server"
    restart(page, "iris", removed=("mode",))


def test_the_element_page_predicts_offline_after_the_first_visit(browser, model_dir, site_dir):
    server = LiveServer(create_app({"MODEL_DIR": str(model_dir), "SITE_DIR": str(site_dir)}))
    visit = Visit(browser, server.url)
    page = visit.open(ELEMENT_PAGE).page
    page.wait_for_selector("#iris[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    wait_until_controlled(page)
    visit.context.set_offline(True)
    server.stop()  # offline for real: the server is gone too
    page.reload()
    page.wait_for_selector("#iris[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.locator("#iris #predict").click()
    page.wait_for_selector('#log li[data-type="prediction"]', timeout=LOAD_TIMEOUT_MS)
    assert "(browser)" in events(page, "iris", "prediction")[0]
    visit.close()


def test_the_readmes_policy_is_the_one_served_and_the_element_runs_under_it(browser, live_server):
    """The README lists the directives a host must send; the site is served with exactly those,
    and the element predicts under them with nothing blocked."""
    readme = (ROOT / "README.md").read_text()
    assert f"Content-Security-Policy: {SITE_CSP}" in readme
    nginx = (ROOT / "web" / "hosting" / "nginx.conf").read_text()
    assert f'Content-Security-Policy "{SITE_CSP}"' in nginx
    visit = Visit(browser, live_server.url)
    response = visit.page.goto(live_server.url + ELEMENT_PAGE)
    assert response.headers["content-security-policy"] == SITE_CSP
    page = visit.page
    page.wait_for_selector("#iris[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    page.locator("#iris #predict").click()
    page.wait_for_selector('#log li[data-type="prediction"]', timeout=LOAD_TIMEOUT_MS)
    assert page.locator("#iris #policy").is_hidden()
    visit.close()


def test_a_blocked_inline_script_is_named_in_the_page(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.open("/examples/blocked.html").page
    page.wait_for_selector("model-predictor #policy:not([hidden])", timeout=LOAD_TIMEOUT_MS)
    text = page.locator("model-predictor #policy").inner_text()
    assert "Content-Security-Policy blocked inline script (script-src-elem)" in text
    assert page.title() != "inline code ran"
    visit.close()


def test_the_chart_example_draws_one_line_per_class(browser, live_server):
    visit = Visit(browser, live_server.url)
    page = visit.open("/examples/chart.html").page
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    lines = page.locator("#chart polyline")
    assert lines.evaluate_all("els => els.map(e => e.dataset.class)") == ["setosa", "versicolor", "virginica"]
    assert all(len(points.split()) == 100 for points in lines.evaluate_all("els => els.map(e => e.getAttribute('points'))"))
    assert visit.foreign_requests() == [] and visit.errors == []
    visit.close()


@pytest.mark.parametrize("model, field, typed, advice", [
    ("iris", "petal_width_cm", "", "Enter a number from 0 to 10 cm"),
    ("iris", "petal_width_cm", "1e400", "Enter a number from 0 to 10 cm"),  # overflows: not a number
    ("iris", "petal_width_cm", "99", "Enter a number from 0 to 10 cm"),
    ("iris", "sepal_length_cm", "-1", "Enter a number from 0 to 15 cm"),
    ("machine_failure", "tool_wear_min", "1.5", "Enter a whole number from 0 to 500 min"),
])
def test_fields_say_what_to_enter_as_they_are_typed(shared, model, field, typed, advice):
    """Constraint validation as the field is typed and left: the advice, once, beside the field;
    never "row 0" or "null"; a Predict with a bad field asks for the field instead."""
    page = shared.page
    element_id = "iris" if model == "iris" else "machine"
    restart(page, element_id)
    element = page.locator(f"#{element_id}")
    page.wait_for_selector(f"#{element_id}[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    box = element.locator(f"#f-{field}")
    box.fill("")
    box.press_sequentially(typed)
    box.blur()
    problem = element.locator(f'[data-field="{field}"] .problem')
    assert problem.inner_text() == advice
    element.locator("#predict").click()
    assert element.locator("#error").inner_text() == "Check the highlighted fields."
    shown = element.inner_text()
    assert "row 0" not in shown and "null" not in shown
    assert element.locator("#result").is_hidden()
    restart(page, element_id)


def test_probabilities_add_up_to_100_as_shown_and_tiny_ones_say_so(shared):
    page = shared.page
    shown = page.evaluate("""async () => {
      const { shownPercents } = await import('../lib/model_predictor.js');
      return [shownPercents([0.3334, 0.3333, 0.3333]), shownPercents([0.9996, 0.0003, 0.0001]),
              shownPercents([0.0004, 0.1236, 0.876])];
    }""")
    assert shown == [["33.4%", "33.3%", "33.3%"], ["100.0%", "<0.1%", "<0.1%"], ["<0.1%", "12.4%", "87.6%"]]
    # an imported model's card says where it came from (build_scripts/import_model.py writes lineage)
    sources = page.evaluate("""async () => {
      const { lineageText } = await import('../lib/model_predictor.js');
      return [lineageText({source: "mlflow", uri: "models:/churn@champion", name: "churn", version: "3",
                           alias: "champion", run_id: "0123456789abcdef"}),
              lineageText({source: "handoff", artifact: "churn.joblib", artifact_sha256: "ab".repeat(32)}),
              lineageText(undefined)];
    }""")
    assert sources == ["MLflow model churn version 3 (alias champion), run 0123456789ab, from models:/churn@champion",
                       "handed over as churn.joblib (sha256 abababababab…)", ""]


def test_the_model_card_tells_what_the_model_is_and_how_well_it_did(shared, model_dir):
    manifest = json.loads((model_dir / "machine_failure" / "1.1.0" / "manifest.json").read_text())
    page = shared.page
    restart(page, "machine")
    card = page.locator("#machine #card")
    card.locator("summary").click()
    text = card.inner_text()
    metrics = manifest["metrics"]
    assert f"accuracy {metrics['accuracy']}" in text and f"F1 {metrics['f1']}" in text
    assert f"on {metrics['test_rows']:,} rows not used in training" in text
    assert "failure; no_failure" in text
    assert manifest["training_data"]["sha256"][:12] in text
    assert "browser (portable engine), server (portable engine)" in text
    size = sum(f["size"] for f in manifest["portable"].values())
    assert f"{size / 1024:.0f} KB of model files" in text
    assert card.locator("tr").count() == 1 + len(manifest["features"])
    assert "whole numbers, 0 to 500 min" in card.locator("tr").last.inner_text()


def test_named_examples_fill_the_form_and_answer_as_pinned(browser, live_server):
    """The recipe's named examples (golden cases, answers pinned) are offered; picking one fills the
    form and predicts it; classes read as "HDF: heat dissipation failure"."""
    cases = [c for c in read_golden("failure_type")["cases"] if c.get("example")]
    visit = Visit(browser, live_server.url)
    page = visit.open("/?model=failure_type&mode=browser").page
    page.wait_for_selector("body[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
    element = page.locator("model-predictor")
    assert element.locator("#examples option").all_inner_texts() == [c["example"] for c in cases]
    for case in cases[2:4]:
        element.locator("#examples").select_option(label=case["example"])
        label = case["expected"]["1.0.0"]["label"]
        meaning = {"none": "no failure", "HDF": "heat dissipation failure", "PWF": "power failure"}[label]
        page.wait_for_function("([el, text]) => document.querySelector(el).shadowRoot.querySelector('#label')"
                               ".textContent === text", arg=["model-predictor", f"{label}: {meaning}"])
        values = [element.locator(f"#f-{name}").input_value() for name in
                  ["product_type", "air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm",
                   "tool_wear_min"]]
        # as JavaScript's String() writes them: 303.0 is "303"
        assert values == [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in case["row"]]
        assert element.locator(".bar .name").first.inner_text() == f"{label}: {meaning}"
    element.locator("#card summary").click()
    assert "TWF: tool wear failure" in element.locator("#card").inner_text()
    assert visit.errors == []
    visit.close()


def test_a_server_only_model_without_a_server_says_so_and_stays_off(browser, site_dir):
    """A static host with no server (or no network): a server-only model's Predict stays off with
    a sentence a person understands, never a URL or a status; browser models still predict. The
    demo's picker marks server-only models."""
    from ..support.browser import PlainStaticHost

    host = PlainStaticHost(site_dir)
    try:
        visit = Visit(browser, host.url)
        page = visit.open(ELEMENT_PAGE).page
        page.evaluate("() => document.querySelector('#machine').setAttribute('model', 'machine_failure_heavy')")
        page.wait_for_selector("#machine[data-ready=unavailable]", timeout=LOAD_TIMEOUT_MS)
        machine = page.locator("#machine")
        assert machine.locator("#note").inner_text() == "This model needs the prediction server, which can't be reached."
        assert machine.locator("#predict").is_disabled()
        assert "http" not in machine.inner_text() and "404" not in machine.inner_text()
        page.wait_for_selector("#iris[data-ready=browser]", timeout=LOAD_TIMEOUT_MS)
        demo = visit.open("/").page
        demo.wait_for_selector("body[data-ready]", timeout=LOAD_TIMEOUT_MS)
        labels = demo.locator("#model option").all_inner_texts()
        assert "machine_failure_heavy (server only)" in labels and "iris" in labels
        visit.close()
    finally:
        host.stop()


def test_the_what_if_chart_is_single_predictions_of_the_same_rows(shared):
    """One batch of 100 rows sweeping the chosen feature, the others held: each point is what a
    single prediction of that row gives."""
    page = shared.page
    restart(page, "machine")
    machine = page.locator("#machine")
    machine.locator("#predict").click()
    machine.locator("#whatif-chart polyline").wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    machine.locator("#whatif-feature").select_option("torque_nm")
    page.wait_for_function("""() => JSON.parse(document.querySelector('#machine').shadowRoot
      .querySelector('#whatif-chart polyline').dataset.x).at(-1) === 200""", timeout=LOAD_TIMEOUT_MS)
    line = machine.locator("#whatif-chart polyline")
    assert line.get_attribute("data-series") == "failure"
    xs, values = json.loads(line.get_attribute("data-x")), json.loads(line.get_attribute("data-values"))
    assert len(xs) == len(values) == 100 and xs[0] == 0
    singles = page.evaluate("""async (xs) => {
      const el = document.querySelector('#machine');
      const row = el.readRow();
      const out = [];
      for (const x of xs) {
        const r = await el.predictor.predict([{ ...row, torque_nm: x }]);
        out.push(r.probabilities[0][r.classes.indexOf('failure')]);
      }
      return out;
    }""", [xs[0], xs[50], xs[99]])
    assert singles == pytest.approx([values[0], values[50], values[99]], abs=1e-12)
    assert max(values) - min(values) > 0.01  # the sweep moves the answer
    assert shared.foreign_requests() == [] and shared.errors == []


def test_the_telemetry_attribute_opts_in_and_sends_counts(shared, live_server):
    """`telemetry` (empty: the page's origin) and `telemetry-every` reach the client's option: the
    element's predictor reports to its model version's endpoint once 20 rows are counted."""
    page = shared.page
    assert page.evaluate("() => document.querySelector('#iris').predictor.telemetry") is None  # off by default
    restart(page, "iris", {"telemetry": "", "telemetry-every": "20"})
    status = page.evaluate("""async () => {
      const predictor = document.querySelector('#iris').predictor;
      for (let i = 0; i < 20; i++) await predictor.predict([[5.1, 3.5, 1.4, 0.2 + i / 100]]);
      for (let i = 0; i < 50 && predictor.telemetry.sentReports === 0; i++) await new Promise((r) => setTimeout(r, 100));
      return predictor.telemetry;
    }""")
    assert status["endpoint"] == f"{live_server.url}/api/v1/models/iris/versions/1.0.0/telemetry", status
    assert status["everyRows"] == 20 and status["sentReports"] == 1 and status["sentRows"] == 20, status
    restart(page, "iris", removed=("telemetry", "telemetry-every"))
    assert shared.errors == []
