"""deploy/prometheus (issue 33): the alert rules pass ``promtool test rules`` (Debian's prometheus
package, which ``make test`` installs), and every metric the rules and the Grafana dashboard
query is one the server exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from server_fallback import create_app

from ..support.paths import ROOT

DEPLOY = ROOT / "deploy" / "prometheus"


def test_the_alert_rules_pass_their_promtool_tests():
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: `make promtool` installs Debian's prometheus package")
    for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]):
        done = subprocess.run([promtool, *command], cwd=DEPLOY, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_rules_and_the_dashboard_query_metrics_the_server_exports(model_dir):
    client = create_app({"TESTING": True, "MODEL_DIR": str(model_dir), "SITE_DIR": ""}).test_client()
    client.post("/api/v1/models/iris/versions/1.0.0/predict", json={"rows": [[5.1, 3.5, 1.4, 0.2]]})
    exported = {line.split("{")[0].split(" ")[0] for line in client.get("/metrics").get_data(as_text=True).splitlines()
                if line and not line.startswith("#")}
    dashboard = json.loads((DEPLOY / "dashboard.json").read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    queries.append((DEPLOY / "alerts.yml").read_text())
    used = {m for q in queries for m in re.findall(r"\b((?:drift|http|rows)_[a-z_]+)\b", q)}
    assert used and used <= exported, sorted(used - exported)
