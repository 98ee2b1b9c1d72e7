"""deploy/k8s production overlay: the Namespace exists before anything needs it (the README's
order works on a fresh cluster), the NetworkPolicy lets in only the ingress controller and
Prometheus and lets out only DNS, PostgreSQL and HTTPS, the HorizontalPodAutoscaler owns the
replica count, the PrometheusRule is the plain rules file, the kube-prometheus-stack label is
set and documented, and the Kubernetes minimum the preStop hook needs is stated.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from test_manifests import K8S_VERSIONS, RENDERED, ROOT, all_of, config, container, matches, one

PROD = RENDERED["production"]
NAMESPACE = yaml.safe_load((ROOT / "deploy/k8s/overlays/production/kustomization.yaml").read_text())["namespace"]
README = (ROOT / "deploy/README.md").read_text()


def pod_labels():
    return one(PROD, "Deployment")["spec"]["template"]["metadata"]["labels"]


def test_the_namespace_is_part_of_the_overlay_and_enforces_restricted_pods():
    ns = one(PROD, "Namespace")
    assert ns["metadata"]["name"] == NAMESPACE
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for doc in PROD:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, doc["kind"]


def kubectl_commands(text: str) -> list[str]:
    """Every `kubectl …` command of the README's shell blocks, continuation lines joined."""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    joined = "\n".join(b.replace("\\\n", " ") for b in blocks)
    return [line.split("#")[0].strip() for line in joined.splitlines()
            if line.strip().startswith("kubectl")]


def test_the_readmes_first_namespaced_command_comes_after_the_namespace_is_created():
    commands = kubectl_commands(README)
    first = next(i for i, c in enumerate(commands) if re.search(r"\s-n\s", c))
    namespace = re.search(r"\s-n\s+(\S+)", commands[first]).group(1)
    assert namespace == NAMESPACE
    creators = []
    for c in commands[:first]:
        if m := re.search(r"kubectl apply -f (\S+)", c):
            docs = yaml.safe_load_all((ROOT / m.group(1)).read_text())
            creators += [d["metadata"]["name"] for d in docs if d and d["kind"] == "Namespace"]
        if m := re.search(r"kubectl create namespace (\S+)", c):
            creators.append(m.group(1))
    assert NAMESPACE in creators, f"nothing creates {NAMESPACE} before: {commands[first]}"


def test_network_policy_admits_only_the_ingress_controller_prometheus_and_the_other_pods():
    (np,) = all_of(PROD, "NetworkPolicy")
    spec = np["spec"]
    assert matches(spec["podSelector"]["matchLabels"], pod_labels())
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    container_ports = {p["name"] for p in container(PROD)["ports"]}
    admitted = {}
    for rule in spec["ingress"]:
        (source,) = rule["from"]
        assert "podSelector" in source, "never from anywhere"
        for port in rule["ports"]:
            assert port["port"] in container_ports, port
            if "namespaceSelector" not in source:
                # Same namespace: only the opik-mcp pods themselves, only to the relay port.
                assert matches(source["podSelector"]["matchLabels"], pod_labels())
                admitted[port["port"]] = "opik-mcp"
                continue
            admitted[port["port"]] = source["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
    assert admitted == {"http": "ingress-nginx", "admin": "prometheus", "relay": "opik-mcp"}


def test_network_policy_lets_out_only_dns_postgres_https_and_the_relay_to_the_other_pods():
    (np,) = all_of(PROD, "NetworkPolicy")
    allowed = {(p["port"], p["protocol"]) for rule in np["spec"]["egress"] for p in rule["ports"]}
    assert allowed == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (443, "TCP"), (3002, "TCP")}
    dns = next(r for r in np["spec"]["egress"] if any(p["port"] == 53 for p in r["ports"]))
    assert dns["to"], "DNS only to the cluster's resolver"
    relay = next(r for r in np["spec"]["egress"] if any(p["port"] == 3002 for p in r["ports"]))
    (dest,) = relay["to"]
    assert set(dest) == {"podSelector"} and matches(dest["podSelector"]["matchLabels"], pod_labels())
    assert config(PROD)["OPIK_MCP_CLUSTER__RELAY_LISTEN"].endswith(":3002")
    env = {e["name"]: e for e in container(PROD)["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert env["OPIK_MCP_CLUSTER__RELAY_ADVERTISE"]["value"] == "$(POD_IP):3002"
    names = [e["name"] for e in container(PROD)["env"]]
    assert names.index("POD_IP") < names.index("OPIK_MCP_CLUSTER__RELAY_ADVERTISE"), "expanded in order"


def test_the_autoscaler_owns_the_replicas_and_matches_the_quota_split():
    (hpa,) = all_of(PROD, "HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", one(PROD, "Deployment")["metadata"]["name"])
    assert "replicas" not in one(PROD, "Deployment")["spec"], "apply would fight the autoscaler"
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert config(PROD)["OPIK_MCP_CLUSTER__REPLICAS"] == str(hpa["spec"]["minReplicas"])
    assert hpa["spec"]["minReplicas"] > one(PROD, "PodDisruptionBudget")["spec"]["maxUnavailable"]


RULE_KEYS = {"alert", "record", "expr", "for", "labels", "annotations", "keep_firing_for"}


def test_the_prometheus_rule_is_the_plain_rules_file():
    (rule,) = all_of(PROD, "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(rule["spec"]) == {"groups"}
    plain = yaml.safe_load((ROOT / "deploy/prometheus/opik-mcp-rules.yml").read_text())
    assert rule["spec"]["groups"] == plain["groups"]
    alerts = [r for g in plain["groups"] for r in g["rules"]]
    for r in alerts:
        assert set(r) <= RULE_KEYS, set(r) - RULE_KEYS
        assert r["labels"]["severity"] in {"critical", "warning"}
        assert r["annotations"]["summary"] and r["annotations"]["description"]
    names = {r["alert"] for r in alerts}
    doc = (ROOT / "docs/observability.md").read_text()
    assert not [n for n in names if n not in doc], "every alert is documented"


def test_kube_prometheus_stack_selection_label_is_set_and_documented():
    for kind in ("ServiceMonitor", "PrometheusRule"):
        (obj,) = all_of(PROD, kind)
        assert obj["metadata"]["labels"].get("release") == "kube-prometheus-stack", kind
    assert "release: kube-prometheus-stack" in README or "release=kube-prometheus-stack" in README
    assert "serviceMonitorSelector" in README


def test_the_kubernetes_minimum_for_the_pre_stop_sleep_is_stated_and_tested():
    hook = container(PROD)["lifecycle"]["preStop"]
    assert "sleep" in hook, "exec hooks need a shell the image does not have"
    minimum = K8S_VERSIONS[0].rsplit(".", 1)[0]
    words = lambda text: " ".join(text.replace("#", " ").replace("*", " ").split())  # noqa: E731
    assert f"Kubernetes {minimum} or later" in words(README)
    kustomization = (ROOT / "deploy/k8s/overlays/production/kustomization.yaml").read_text()
    assert f"Kubernetes {minimum} or later" in words(kustomization)
