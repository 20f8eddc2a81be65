#!/usr/bin/env bash
# Checks deploy/ offline: the Kubernetes manifests against the published
# schemas (PyPI kubernetes-validate, which carries them), the compose file,
# the RabbitMQ definitions, the alert rules and the dashboard parse, and every
# metric they name is one the services export.
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
if ! "$venv/bin/python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
fi
"$venv/bin/kubernetes-validate" --strict --quiet k8s/*.yaml
"$venv/bin/python" - <<'PY'
import json, pathlib, re, sys, yaml
here = pathlib.Path(".")
compose = yaml.safe_load((here / "compose.yaml").read_text())
services = {"intake", "routing", "resolution", "accounts", "web", "audit"}
missing = services - set(compose["services"])
assert not missing, f"compose.yaml lacks {missing}"
for name in services:
    service = compose["services"][name]
    assert service["deploy"]["replicas"] >= 2, f"{name}: two replicas at least"
    assert "guest" not in service["environment"].get("ADUAN_AMQP_URL", ""), f"{name} uses the guest account"
definitions = json.loads((here / "rabbitmq" / "definitions.json").read_text())
users = {user["name"] for user in definitions["users"]}
for name in services - {"web"}:
    assert f"aduan-{name}" in users, f"no RabbitMQ user for {name}"
assert "guest" not in users
rules = yaml.safe_load((here / "prometheus" / "alerts.yaml").read_text())
dashboard = json.loads((here / "grafana" / "aduan-dashboard.json").read_text())
expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
expressions += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
source = "".join(path.read_text() for path in pathlib.Path("../services").rglob("*.rs"))
exported = set(re.findall(r'"(aduan_[a-z_]+)"', source))
named = {re.sub(r"_(bucket|count|sum)$", "", name) for expr in expressions for name in re.findall(r"aduan_[a-z_]+", expr)}
unknown = sorted(name for name in named if name not in exported)
assert not unknown, f"metrics named in deploy/ that no service exports: {unknown}"
print(f"deploy/: {len(expressions)} expressions over {len(named)} metrics, all exported")
PY
