"""deploy/k8s: every overlay renders with kustomize (kubectl kustomize), validates strictly
against the Kubernetes JSON schemas bundled by `kubernetes-validate` (oldest and newest
supported versions), and keeps the promises the manifests make: hardened pods, probes on the
admin port, consistent selectors and port names, SSE-friendly Ingress, affinity and
PostgreSQL for more than one replica, and env names the binary really reads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import envcheck  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = sorted(p.name for p in (ROOT / "deploy/k8s/overlays").iterdir() if p.is_dir())
K8S_VERSIONS = ["1.30.0", "1.37.0"]
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def render(overlay: str) -> list[dict]:
    out = subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


RENDERED = {o: render(o) for o in OVERLAYS}


def one(docs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def all_of(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def pod_spec(docs):
    return one(docs, "Deployment")["spec"]["template"]["spec"]


def container(docs):
    (c,) = pod_spec(docs)["containers"]
    return c


def config(docs) -> dict[str, str]:
    """The ConfigMap env the container loads (envFrom), plus literal env values."""
    c = container(docs)
    (ref,) = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
    data = dict(one(docs, "ConfigMap", ref).get("data", {}))
    data.update({e["name"]: e["value"] for e in c.get("env", []) if "value" in e})
    return data


def secret_env(docs) -> dict[str, dict]:
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container(docs).get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})}


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def replica_count(docs) -> int:
    """The autoscaler's minimum when one scales the Deployment, else the Deployment's count."""
    hpas = all_of(docs, "HorizontalPodAutoscaler")
    if hpas:
        return hpas[0]["spec"]["minReplicas"]
    return one(docs, "Deployment")["spec"].get("replicas", 1)


# -------------------------------------------------------------------------------- schemas

@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_builtin_resource_validates_strictly(overlay, version):
    errors = []
    for doc in RENDERED[overlay]:
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD: checked below
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {e.message} at {list(e.path)}")
    assert not errors, "\n".join(errors)


# The fields of monitoring.coreos.com/v1 ServiceMonitor that these manifests use, from the
# Prometheus Operator API reference (no schema for CRDs ships with kubernetes-validate).
SERVICE_MONITOR_ENDPOINT_KEYS = {"port", "targetPort", "path", "scheme", "interval", "scrapeTimeout",
                                 "honorLabels", "relabelings", "metricRelabelings", "tlsConfig"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_selects_the_admin_service_and_port(overlay):
    docs = RENDERED[overlay]
    monitors = all_of(docs, "ServiceMonitor")
    if not monitors:
        pytest.skip(f"{overlay} has no ServiceMonitor")
    for sm in monitors:
        assert sm["apiVersion"] == "monitoring.coreos.com/v1"
        assert set(sm["spec"]) <= {"selector", "endpoints", "namespaceSelector", "jobLabel"}
        selected = [s for s in all_of(docs, "Service")
                    if matches(sm["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
        assert [s["metadata"]["name"] for s in selected] == ["opik-mcp-admin"]
        ports = {p["name"]: p for p in selected[0]["spec"]["ports"]}
        for ep in sm["spec"]["endpoints"]:
            assert set(ep) <= SERVICE_MONITOR_ENDPOINT_KEYS, set(ep) - SERVICE_MONITOR_ENDPOINT_KEYS
            assert ep["port"] in ports and ep["path"] == "/metrics"
            assert ep["interval"].endswith("s") and ep["scrapeTimeout"].endswith("s")


# -------------------------------------------------------------------------------- the pod

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pod_is_hardened(overlay):
    spec = pod_spec(RENDERED[overlay])
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] != 0
    assert pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    sc = container(RENDERED[overlay])["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"]
    assert sc.get("privileged", False) is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_read_only_root_has_writable_tmp_and_data(overlay):
    spec = pod_spec(RENDERED[overlay])
    empty = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    mounts = {m["mountPath"]: m["name"] for m in container(RENDERED[overlay])["volumeMounts"]}
    assert mounts.get("/tmp") in empty and mounts.get("/data") in empty
    assert all("sizeLimit" in v["emptyDir"] for v in spec["volumes"] if "emptyDir" in v)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_use_the_admin_listener(overlay):
    docs = RENDERED[overlay]
    c = container(docs)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    expected = {"http": 3001, "admin": 9464}
    relay = config(docs).get("OPIK_MCP_CLUSTER__RELAY_LISTEN")
    if relay:
        # The direct relay between replicas (docs/scaling.md): its own named port.
        expected["relay"] = int(relay.rsplit(":", 1)[1])
    assert ports == expected
    assert config(docs).get("OPIK_MCP_ADMIN__PORT") == "9464"
    assert config(docs).get("OPIK_MCP_ADMIN__HOST") == "0.0.0.0", "the kubelet probes the pod IP"
    for probe, path in [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz")]:
        get = c[probe]["httpGet"]
        assert (get["path"], get["port"]) == (path, "admin"), probe
    assert c["startupProbe"]["failureThreshold"] * c["startupProbe"]["periodSeconds"] >= 30


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_resources_are_requested_and_limited(overlay):
    res = container(RENDERED[overlay])["resources"]
    for part in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(res[part]), part


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_scrape_annotations_point_at_the_admin_port(overlay):
    meta = one(RENDERED[overlay], "Deployment")["spec"]["template"]["metadata"]
    ann = meta["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert ann["prometheus.io/port"] == "9464" and ann["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_image_is_pinned(overlay):
    image = container(RENDERED[overlay])["image"]
    assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image


# -------------------------------------------------------------------------------- wiring

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_and_pdb_select_the_pods_and_name_real_ports(overlay):
    docs = RENDERED[overlay]
    labels = one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    container_ports = {p["name"] for p in container(docs)["ports"]}
    for svc in all_of(docs, "Service"):
        assert matches(svc["spec"]["selector"], labels), svc["metadata"]["name"]
        for p in svc["spec"]["ports"]:
            assert p["targetPort"] in container_ports, p
    assert matches(one(docs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"], labels)
    assert one(docs, "Deployment")["spec"]["selector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_defined(overlay):
    docs = RENDERED[overlay]
    assert not all_of(docs, "Secret"), "secrets are created outside the repository"
    refs = secret_env(docs)
    assert {"OPIK_API_KEY", "OPIK_MCP_AUTH__JWT__JWKS_URL", "DATABASE_URL"} <= set(refs)
    assert {r["name"] for r in refs.values()} == {"opik-mcp"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_is_sse_friendly_tls_and_routes_to_the_mcp_port(overlay):
    docs = RENDERED[overlay]
    ingresses = all_of(docs, "Ingress")
    if not ingresses:
        pytest.skip(f"{overlay} has no Ingress")
    services = {s["metadata"]["name"]: {p["name"] for p in s["spec"]["ports"]} for s in all_of(docs, "Service")}
    for ing in ingresses:
        ann = ing["metadata"]["annotations"]
        assert ann["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
        for t in ("proxy-read-timeout", "proxy-send-timeout"):
            assert int(ann[f"nginx.ingress.kubernetes.io/{t}"]) >= 300, t  # >> 15 s keep-alive
        tls_hosts = {h for t in ing["spec"]["tls"] for h in t["hosts"]}
        paths = []
        for rule in ing["spec"]["rules"]:
            assert rule["host"] in tls_hosts, rule["host"]
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]
                assert backend["port"]["name"] in services[backend["name"]]
                assert backend["port"]["name"] == "http", "the admin port is never published"
                paths.append(p["path"])
        assert {"/mcp", "/sse", "/messages"} <= set(paths)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_more_than_one_replica_needs_postgres_and_shared_sessions_or_affinity(overlay):
    docs = RENDERED[overlay]
    replicas = replica_count(docs)
    if replicas <= 1:
        pytest.skip(f"{overlay} runs one replica")
    assert secret_env(docs)["DATABASE_URL"].get("optional") is False, "DATABASE_URL must be required"
    cfg = config(docs)
    service = one(docs, "Service", "opik-mcp")["spec"]
    annotations = [ing["metadata"]["annotations"] for ing in all_of(docs, "Ingress")]
    if cfg.get("OPIK_MCP_CLUSTER__SHARED_SESSIONS") == "true":
        # Shared sessions (docs/scaling.md): no affinity anywhere, and each pod's quota share
        # matches the replica count.
        assert service.get("sessionAffinity", "None") == "None"
        for ann in annotations:
            assert "nginx.ingress.kubernetes.io/upstream-hash-by" not in ann
            assert "nginx.ingress.kubernetes.io/affinity" not in ann
        assert cfg.get("OPIK_MCP_CLUSTER__REPLICAS") == str(replicas)
        return
    assert service.get("sessionAffinity") == "ClientIP"
    for ann in annotations:
        assert ("nginx.ingress.kubernetes.io/upstream-hash-by" in ann
                or ann.get("nginx.ingress.kubernetes.io/affinity") == "cookie")


# -------------------------------------------------------------------------------- config

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_auth_is_required_unless_the_mcp_port_is_loopback_only(overlay):
    cfg = config(RENDERED[overlay])
    mode = cfg.get("OPIK_MCP_AUTH__MODE", "none")
    if mode == "none":
        assert cfg.get("SSE_HOST") in LOOPBACK or cfg.get("OPIK_MCP_AUTH__ALLOW_UNAUTHENTICATED") == "true"
    if overlay == "production":
        assert mode != "none"
        assert cfg.get("OPIK_MCP_SERVER__SERVE_CLIENT", "false") == "false", "no client in production"
        assert cfg.get("OPIK_MCP_AUTH__ALLOW_UNAUTHENTICATED", "false") == "false"


# Values for the names that come from the Secret, so their names are checked too.
SECRET_PLACEHOLDERS = {
    "OPIK_API_KEY": "opik-api-key-placeholder",
    "OPIK_MCP_AUTH__JWT__JWKS_URL": "https://idp.example.com/.well-known/jwks.json",
    "OPIK_MCP_AUTH__JWT__HS_SECRET": "x" * 48,
    "DATABASE_URL": "postgres://opik@db.example.com:5432/opik_mcp",
}
ENV_CASES = sorted({(o, k, v) for o in OVERLAYS for k, v in config(RENDERED[o]).items()}
                   | {(o, k, SECRET_PLACEHOLDERS[k]) for o in OVERLAYS for k in secret_env(RENDERED[o])})


@pytest.mark.parametrize("overlay,name,value", ENV_CASES, ids=[f"{o}-{k}" for o, k, _ in ENV_CASES])
def test_config_env_name_is_a_setting_of_the_binary(overlay, name, value):
    if not name.startswith(("OPIK_", "SSE_", "MCP_", "TRANSPORT")):
        pytest.skip(f"{name} is not an opik-mcp setting (read by a library)")
    verdict = envcheck.check(name, value)
    if verdict.status == "skip":
        pytest.skip(verdict.detail)
    assert verdict.status == "pass", f"{name}={value!r}: {verdict.detail}"
