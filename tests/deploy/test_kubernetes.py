"""deploy/kubernetes: valid against the Kubernetes API schemas (bundled, offline), and
the properties that matter: probes, confinement, resources, selectors, and a policies
ConfigMap that carries every file of policies/ unchanged."""

from __future__ import annotations

import copy
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
import yaml
from conftest import ROOT

try:
    import kubernetes_validate
except ImportError:  # pragma: no cover - a missing test dependency, said plainly
    pytest.fail("kubernetes-validate is not installed: pip install -e '.[test]'", pytrace=False)

K8S = ROOT / "deploy" / "kubernetes"
POLICIES = ROOT / "policies"
# The oldest Kubernetes these manifests are meant for, and the newest the validator knows.
VERSIONS = ("1.29", kubernetes_validate.utils.latest_version())


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_policies", K8S / "gen_policies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_generator()


def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def documents() -> list[dict]:
    docs = []
    for name in kustomization()["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def find(kind: str, name: str | None = None) -> dict:
    found = [d for d in documents() if d["kind"] == kind
             and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def deployment() -> dict:
    return find("Deployment", "hukou-points")


def pod_spec() -> dict:
    return deployment()["spec"]["template"]["spec"]


def container() -> dict:
    (only,) = pod_spec()["containers"]
    return only


def pod_specs() -> list[tuple[str, dict]]:
    return [(d["metadata"]["name"], d["spec"]["template"]["spec"]) for d in documents()
            if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job")]


def dockerfile_env(name: str) -> str:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(rf"\b{name}=(\S+)", text)
    assert match, f"Dockerfile sets no {name}"
    return match.group(1)


def policy_tree() -> dict[str, str]:
    """Every file under policies/, read here without the generator's help."""
    return {p.relative_to(POLICIES).as_posix(): p.read_text(encoding="utf-8")
            for p in POLICIES.rglob("*") if p.is_file()}


# Schemas ----------------------------------------------------------------------------------

def test_kustomization_lists_every_manifest():
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization()["resources"]) == on_disk


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_validates_against_the_api_schemas(version):
    docs = documents()
    assert len(docs) >= 8
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} at {where}: {exc.message}")


def test_the_validator_rejects_an_unknown_field_and_a_wrong_type():
    """The schema check above is strict: a misspelt probe or a string port would fail it."""
    misspelt = copy.deepcopy(deployment())
    spec = misspelt["spec"]["template"]["spec"]["containers"][0]
    spec["readinesProbe"] = spec.pop("readinessProbe")
    wrong_type = copy.deepcopy(deployment())
    wrong_type["spec"]["replicas"] = "three"
    for bad in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(bad, VERSIONS[-1], strict=True)


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def test_kustomize_renders_everything_into_the_namespace():
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is on PATH")
    out = subprocess.run([*command, str(K8S)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rendered = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in rendered) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in documents())
    namespace = kustomization()["namespace"]
    for doc in rendered:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == namespace, doc["kind"]
        kubernetes_validate.validate(doc, VERSIONS[-1], strict=True)


# The service's pods -----------------------------------------------------------------------

def test_probes_use_the_health_endpoints_on_the_service_port():
    c = container()
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports["http"] == 8000  # the image's EXPOSE and gunicorn's default bind
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_the_service_runs_as_the_image_user_on_a_read_only_root():
    pod, c = pod_spec()["securityContext"], container()["securityContext"]
    uid = int(re.search(r"^USER (\d+)$", (ROOT / "Dockerfile").read_text(), re.M).group(1))
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == uid
    assert c["runAsNonRoot"] is True and c["runAsUser"] == uid
    assert c["readOnlyRootFilesystem"] is True
    assert c["allowPrivilegeEscalation"] is False
    assert c["capabilities"]["drop"] == ["ALL"]
    assert c["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod_spec()["automountServiceAccountToken"] is False


@pytest.mark.parametrize("name", ["hukou-points", "redis"])
def test_every_pod_meets_the_restricted_pod_security_profile(name):
    """The namespace enforces 'restricted': a pod that misses it would never start."""
    assert find("Namespace")["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"] == "restricted"
    spec = dict(pod_specs())[name]
    pod = spec.get("securityContext", {})
    for c in spec["containers"] + spec.get("initContainers", []):
        sc = c.get("securityContext", {})
        assert sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, c["name"]
        assert sc.get("runAsUser", pod.get("runAsUser", 1)) != 0, c["name"]
        assert sc.get("allowPrivilegeEscalation") is False, c["name"]
        assert not sc.get("privileged"), c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add")
        seccomp = sc.get("seccompProfile", pod.get("seccompProfile", {}))
        assert seccomp.get("type") == "RuntimeDefault", c["name"]
        assert sc.get("readOnlyRootFilesystem") is True, c["name"]
    assert not any("hostPath" in v for v in spec.get("volumes", []))
    assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))


def test_the_writable_paths_are_empty_dirs():
    mounts = {m["mountPath"]: m["name"] for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    tmp, shm = volumes[mounts["/tmp"]], volumes[mounts["/dev/shm"]]
    assert "emptyDir" in tmp and shm["emptyDir"]["medium"] == "Memory"
    # prometheus_client's multiprocess files go there, on a read-only root otherwise.
    assert PurePosixPath(dockerfile_env("PROMETHEUS_MULTIPROC_DIR")).is_relative_to("/tmp")
    read_only = {m["mountPath"] for m in container()["volumeMounts"] if m.get("readOnly")}
    assert {"/app/policies", "/etc/hukou/keys"} <= read_only


def cpu(quantity) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory(quantity) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    text = str(quantity)
    return int(text[:-2]) * units[text[-2:]] if text[-2:] in units else int(text)


@pytest.mark.parametrize("name", ["hukou-points", "redis"])
def test_every_container_has_requests_within_limits(name):
    for c in dict(pod_specs())[name]["containers"]:
        requests, limits = c["resources"]["requests"], c["resources"]["limits"]
        assert cpu(requests["cpu"]) <= cpu(limits["cpu"])
        assert memory(requests["memory"]) <= memory(limits["memory"])


def env() -> dict[str, str]:
    return {e["name"]: e["value"] for e in container()["env"] if "value" in e}


def test_every_pod_keys_decision_ids_with_one_secret():
    found = {e["name"]: e for e in container()["env"]}["HUKOU_DECISION_KEY"]
    assert found["valueFrom"]["secretKeyRef"] == {"name": "hukou-decision-key", "key": "key"}


def test_environment_points_at_the_mounts_and_the_redis_service():
    mounts = {m["name"]: m["mountPath"] for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    assert env()["HUKOU_POLICY_DIR"] == mounts["policies"] == "/app/policies"
    keys_mount = next(n for n, v in volumes.items() if "secret" in v)
    assert str(PurePosixPath(env()["HUKOU_API_KEYS_FILE"]).parent) == mounts[keys_mount]
    redis = re.fullmatch(r"redis://([a-z0-9-]+):(\d+)/\d+", env()["REDIS_URL"])
    assert redis, env()["REDIS_URL"]
    service = find("Service", redis.group(1))
    assert int(redis.group(2)) in {p["port"] for p in service["spec"]["ports"]}
    assert env()["HUKOU_TRUSTED_PROXIES"] == "1"
    # gunicorn counts the node's CPUs: an explicit count keeps workers within the limit.
    cpu_limit = cpu(container()["resources"]["limits"]["cpu"])
    assert 1 <= int(env()["HUKOU_WORKERS"]) <= 2 * cpu_limit + 1


def test_prometheus_annotations_name_the_metrics_port_and_path():
    annotations = deployment()["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    ports = {p["containerPort"] for p in container()["ports"]}
    assert int(annotations["prometheus.io/port"]) in ports
    assert annotations["prometheus.io/path"] == "/metrics"


def test_the_image_is_pinned_and_named_in_the_kustomization():
    image = container()["image"]
    name, _, tag = image.rpartition(":")
    assert tag and tag != "latest"
    assert name in {i["name"] for i in kustomization()["images"]}
    redis_image = dict(pod_specs())["redis"]["containers"][0]["image"]
    assert re.search(r":\d+\.\d+\.\d+", redis_image), redis_image


# Selectors --------------------------------------------------------------------------------

def selects(selector: dict, labels: dict) -> bool:
    return selector.items() <= labels.items()


def test_service_pdb_and_hpa_point_at_the_deployment():
    d = deployment()
    labels = d["spec"]["template"]["metadata"]["labels"]
    selector = d["spec"]["selector"]["matchLabels"]
    assert selects(selector, labels)
    service = find("Service", "hukou-points")
    assert selects(service["spec"]["selector"], labels)
    port_names = {p["name"] for p in container()["ports"]}
    assert all(p["targetPort"] in port_names for p in service["spec"]["ports"])
    pdb = find("PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == selector
    hpa = find("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        d["apiVersion"], d["kind"], d["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] == d["spec"]["replicas"] == 3
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    # A drain may take a pod only while at least two keep serving.
    assert hpa["spec"]["minReplicas"] - pdb["spec"]["maxUnavailable"] >= 2
    # HPA utilisation is relative to the request, which must therefore be set.
    assert "cpu" in container()["resources"]["requests"]


def test_redis_service_and_network_policy_select_the_right_pods():
    redis = find("StatefulSet", "redis")
    redis_labels = redis["spec"]["template"]["metadata"]["labels"]
    assert selects(redis["spec"]["selector"]["matchLabels"], redis_labels)
    service = find("Service", redis["spec"]["serviceName"])
    assert selects(service["spec"]["selector"], redis_labels)
    (redis_container,) = redis["spec"]["template"]["spec"]["containers"]
    args = redis_container["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    mounts = {m["mountPath"] for m in redis_container["volumeMounts"]}
    assert "/data" in mounts and redis["spec"]["volumeClaimTemplates"]
    policy = find("NetworkPolicy", "redis")
    assert selects(policy["spec"]["podSelector"]["matchLabels"], redis_labels)
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    assert selects(source["podSelector"]["matchLabels"],
                   deployment()["spec"]["template"]["metadata"]["labels"])
    assert {p["port"] for p in rule["ports"]} == {6379}


# Policies ConfigMap -----------------------------------------------------------------------

def test_configmap_carries_every_policy_file_with_identical_content():
    files = policy_tree()
    assert "published.yaml" in files and any(f.startswith("cities/") for f in files)
    configmap = find("ConfigMap", "hukou-policies")
    data = configmap["data"]
    assert set(data) == {rel.replace("/", "__") for rel in files}
    for rel, text in files.items():
        assert data[rel.replace("/", "__")] == text, rel


def test_volume_items_put_every_key_back_at_its_path():
    files = policy_tree()
    volume = next(v for v in pod_spec()["volumes"] if v["name"] == "policies")
    assert volume["configMap"]["name"] == "hukou-policies"
    items = {i["key"]: i["path"] for i in volume["configMap"]["items"]}
    assert items == {rel.replace("/", "__"): rel for rel in files}


def test_pod_template_carries_the_policy_digest():
    annotation = deployment()["spec"]["template"]["metadata"]["annotations"][
        gen.CHECKSUM_ANNOTATION]
    assert annotation == gen.digest(policy_tree())


def test_generated_files_are_up_to_date():
    out = subprocess.run([sys.executable, str(K8S / "gen_policies.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


@pytest.fixture
def policies_copy(tmp_path):
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def test_a_new_policy_file_makes_the_generated_files_stale(policies_copy):
    current = {p: p.read_text(encoding="utf-8") for p in (gen.CONFIGMAP, gen.DEPLOYMENT)}
    assert gen.render(POLICIES) == current
    new = policies_copy / "cities" / "hangzhou" / "2025.1.yaml"
    new.parent.mkdir()
    new.write_text("city: hangzhou\n", encoding="utf-8")
    rendered = gen.render(policies_copy)
    assert rendered[gen.CONFIGMAP] != current[gen.CONFIGMAP]
    assert "path: cities/hangzhou/2025.1.yaml" in rendered[gen.DEPLOYMENT]


def test_a_changed_policy_file_changes_the_configmap_and_the_digest(policies_copy):
    tier = policies_copy / "tiers" / "small.yaml"
    tier.write_text(tier.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    rendered = gen.render(policies_copy)
    assert rendered[gen.CONFIGMAP] != gen.CONFIGMAP.read_text(encoding="utf-8")
    assert gen.digest(gen.policy_files(policies_copy)) != gen.digest(policy_tree())


def test_a_file_name_a_configmap_key_cannot_hold_is_refused(policies_copy):
    (policies_copy / "cities" / "bei jing").mkdir()
    (policies_copy / "cities" / "bei jing" / "2025.1.yaml").write_text("x: 1\n")
    with pytest.raises(gen.PolicyLayoutError):
        gen.policy_files(policies_copy)
