"""The Dockerfile and deploy/ keep the promises `make cluster` tests on loopback (issue 16, item 5).

No image is built and nothing is deployed here (this machine has no Docker daemon, no Docker Hub and no Kubernetes):
these tests read the files and check what they promise. A replica runs as a non-root user with Chromium for the
pictures and answers its health check on /_stcore/health; compose runs PostgreSQL, three replicas and nginx with the
very configuration bench/cluster.py writes for `make cluster` (generated from the same function, so the two cannot
drift), and that configuration passes `nginx -t`; Kubernetes runs three replicas with probes on the same endpoint,
behind an Ingress with cookie affinity and a day's websocket timeouts, and its Secret holds placeholders only.
"""

from __future__ import annotations

import fnmatch
import shutil
import http.server
import re
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import kubernetes_validate
import yaml

from usascp import pg_store, public_link, sso

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
sys.path.insert(0, str(REPO / "bench"))
import cluster  # noqa: E402

HEALTH = "/_stcore/health"
PLACEHOLDER = "CHANGE-ME"


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) for each instruction, continuation lines joined and comments left out."""
    logical, current = [], ""
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def arguments(instruction: str) -> list[str]:
    return [rest for name, rest in dockerfile() if name == instruction]


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # SafeLoader resolves the `<<: *app` merge keys


def manifests() -> dict[str, dict]:
    """Every Kubernetes object in deploy/kubernetes/, by kind (one of each)."""
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            assert document["kind"] not in found, f"two {document['kind']} objects"
            found[document["kind"]] = document
    return found


def image_user() -> str:
    return arguments("USER")[-1].split(":")[0]


def test_the_image_runs_as_a_non_root_user_with_chromium_and_a_health_check():
    instructions = dockerfile()
    base = instructions[0]
    assert base[0] == "FROM" and re.fullmatch(r"python:3\.11[\w.-]*-slim-bookworm(@sha256:[0-9a-f]{64})?", base[1]), base
    installs = " ".join(arguments("RUN"))
    assert "apt-get install -y --no-install-recommends chromium" in installs
    assert "fonts-liberation" in installs  # the font the pictures are drawn and measured in (usascp/placement.py)
    assert "rm -rf /var/lib/apt/lists/*" in installs
    assert "pip install --no-cache-dir -r requirements.txt" in installs and "requirements-dev" not in installs
    # usascp/images.py finds Chromium through BROWSER_PATH; the image says where Debian puts it.
    assert 'os.environ.get("BROWSER_PATH")' in (REPO / "usascp" / "images.py").read_text()
    assert "BROWSER_PATH=/usr/bin/chromium" in " ".join(arguments("ENV"))
    # The last USER is the one that runs: a number (Kubernetes' runAsNonRoot can check it), not root.
    names = [name for name, _ in instructions]
    assert names.index("USER") > max(index for index, name in enumerate(names) if name in ("RUN", "COPY"))
    assert image_user().isdigit() and int(image_user()) >= 1000
    assert "chown usascp:usascp /app/saved-data /app/kept-uploads" in installs  # the only folders it may write
    assert arguments("EXPOSE") == ["8501"]
    healthcheck = arguments("HEALTHCHECK")[0]
    assert f"http://127.0.0.1:8501{HEALTH}" in healthcheck and "urllib.request" in healthcheck and "curl" not in healthcheck
    command = yaml.safe_load(arguments("CMD")[0])  # the exec form is a JSON list
    assert command[:3] == ["streamlit", "run", "dashboard.py"]
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert command[command.index("--server.port") + 1] == "8501"


def test_the_image_health_check_command_fails_without_a_health_answer_and_passes_with_one():
    """The HEALTHCHECK's own Python, run against a stand-in server on a free port (nothing else differs)."""
    healthcheck = arguments("HEALTHCHECK")[0]
    exec_form = yaml.safe_load(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert exec_form[:2] == ["python", "-c"]

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == HEALTH else 404)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        ours = exec_form[2].replace("127.0.0.1:8501", f"127.0.0.1:{port}")
        assert subprocess.run([sys.executable, "-c", ours], timeout=30).returncode == 0
        wrong_path = ours.replace(HEALTH, "/_stcore/nothing")
        assert subprocess.run([sys.executable, "-c", wrong_path], capture_output=True, timeout=30).returncode != 0
    finally:
        server.shutdown()


def test_the_build_leaves_out_local_data_tests_and_secrets_and_keeps_what_the_app_runs():
    patterns = [
        line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: length + 1]) for length in range(len(parts))]
        return any(fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
                   for prefix in prefixes for pattern in patterns)  # fmt: skip

    for left_out in (".venv", "bench/data", "saved-data", "kept-uploads", "screenshots", "tests", ".git",
                     ".streamlit/secrets.toml", "usascp/__pycache__/x.pyc", ".ruff_cache"):  # fmt: skip
        assert ignored(left_out), left_out
    for kept in ("dashboard.py", "pages", "ui", "usascp", "data", "static", ".streamlit/config.toml", "requirements.txt"):
        assert (REPO / kept).exists() and not ignored(kept), kept


def test_compose_runs_postgresql_three_replicas_and_nginx_as_make_cluster_does():
    services = compose()["services"]
    replicas = sorted(name for name in services if name.startswith("app-"))
    assert replicas == ["app-1", "app-2", "app-3"] and cluster.REPLICAS == 3
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"  # the major version make cluster runs (Debian 12's)
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    for name in replicas:
        app = services[name]
        assert app["build"]["context"] == ".." and (DEPLOY / app["build"]["context"] / "Dockerfile").exists()
        assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
        url = app["environment"]["USASCP_DATABASE_URL"].replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "secret")
        address = pg_store.database_address(url, "USASCP_DATABASE_URL")
        assert address.problem is None and address.params["host"] == "postgres", address
        assert address.params["user"] == postgres["environment"]["POSTGRES_USER"]
        assert address.params["dbname"] == postgres["environment"]["POSTGRES_DB"]
        # Unset, compose passes an empty value: the dashboard reads that as no address (no QR code, and it says why).
        assert app["environment"]["USASCP_PUBLIC_URL"] == "${USASCP_PUBLIC_URL:-}"
        assert public_link.configured_address("", None) == (None, None)
        assert "kept-uploads:/app/kept-uploads" in app["volumes"]  # shared by the replicas, as in make cluster
        assert any(volume.endswith(":/app/.streamlit/secrets.toml:ro") for volume in app["volumes"])
    nginx = services["nginx"]
    assert nginx["image"] == "nginx:1.22.1"
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert {name: nginx["depends_on"][name]["condition"] for name in replicas} == dict.fromkeys(replicas, "service_healthy")
    assert nginx["ports"] == [f"{cluster.DEPLOY_LISTEN}:{cluster.DEPLOY_LISTEN}"]
    # nginx's upstream names exactly the replicas compose runs, on the port the image listens on.
    assert cluster.DEPLOY_SERVERS == [f"{name}:{arguments('EXPOSE')[0]}" for name in replicas]


def test_the_compose_nginx_configuration_is_the_one_make_cluster_runs():
    written = (DEPLOY / "nginx.conf").read_text()
    assert written == cluster.deploy_nginx_config(), (
        "regenerate: python bench/cluster.py --deploy-nginx-config > deploy/nginx.conf"
    )
    loopback = cluster.nginx_config(9000, [9001, 9002, 9003], Path("/tmp/usascp-cluster-x"), as_root=False)
    # The routing both use, word for word: only the servers and the listening address differ (and the loopback-only
    # diagnostic header, which deploy/ must not send).
    shared = cluster.balancer_routing(["HOST:1"], "LISTEN")
    loopback_servers = ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    for config, servers, listen in ((written, cluster.DEPLOY_SERVERS, cluster.DEPLOY_LISTEN),
                                    (loopback, loopback_servers, "127.0.0.1:9000")):  # fmt: skip
        routing = cluster.balancer_routing(servers, listen, diagnostic_header=config is loopback)
        assert routing in config
    assert shared.split("upstream usascp")[0] in written and shared.split("upstream usascp")[0] in loopback
    assert cluster.REPLICA_HEADER not in written and cluster.REPLICA_HEADER in loopback
    assert "hash $route consistent;" in written and "proxy_read_timeout 86400s;" in written
    assert "daemon off" not in written  # the official image's command says it already (twice is an error)
    with pytest.raises(ValueError, match="host name"):
        cluster.deploy_nginx_config(["app;1:8501"])
    with pytest.raises(ValueError, match="not a TCP port"):
        cluster.deploy_nginx_config(["app-1:0"])


def test_nginx_accepts_the_compose_configuration(tmp_path):
    binary = cluster.nginx_binary()
    if binary is None:
        pytest.skip("nginx not found (apt-get install nginx)")
    # Compose's service names do not resolve here, and nginx looks them up while checking: loopback in their place.
    config = (DEPLOY / "nginx.conf").read_text()
    for server in cluster.DEPLOY_SERVERS:
        config = config.replace(f"server {server} ", f"server 127.0.0.{cluster.DEPLOY_SERVERS.index(server) + 1}:8501 ")
    assert "app-" not in config
    (tmp_path / "nginx.conf").write_text(config)
    checked = subprocess.run(
        [str(binary), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf"),
         "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_kubernetes_runs_three_non_root_replicas_with_probes_on_the_health_endpoint():
    objects = manifests()
    assert set(objects) == {"Kustomization", "ConfigMap", "Secret", "Deployment", "Service", "Ingress"}
    listed = set(objects["Kustomization"]["resources"])
    assert listed == {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    deployment = objects["Deployment"]["spec"]
    assert deployment["replicas"] == cluster.REPLICAS == 3
    assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["template"]["spec"]
    assert deployment["selector"]["matchLabels"].items() <= deployment["template"]["metadata"]["labels"].items()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == image_user()  # the image's own user, whose folders those are
    (container,) = pod["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}  # fmt: skip
    assert container["ports"] == [{"name": "http", "containerPort": int(arguments("EXPOSE")[0])}]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": HEALTH, "port": "http"}, probe
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == cluster.START_SECONDS
    assert container["resources"]["requests"]["cpu"] == "1"  # one core per replica (README, Deployment)
    assert "memory" in container["resources"]["requests"] and "memory" in container["resources"]["limits"]
    # With a read-only root, every place the app writes is a volume: the two folders, its home and /tmp.
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    for writable in ("/app/saved-data", "/app/kept-uploads", "/home/usascp", "/tmp"):
        assert writable in mounts, writable
    assert {volume["name"] for volume in pod["volumes"]} == set(mounts.values())
    assert "/home/usascp" in " ".join(arguments("RUN")) and "HOME=/home/usascp" in " ".join(arguments("ENV"))


def test_kubernetes_takes_its_settings_from_the_configmap_and_its_secrets_from_the_secret():
    objects = manifests()
    container = objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    secret, config = objects["Secret"], objects["ConfigMap"]
    (database,) = [variable for variable in container["env"] if variable["name"] == "USASCP_DATABASE_URL"]
    reference = database["valueFrom"]["secretKeyRef"]
    assert reference["name"] == secret["metadata"]["name"] and reference["key"] in secret["stringData"]
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    public_url = config["data"]["USASCP_PUBLIC_URL"]
    assert public_link.public_address(public_url) == public_url  # the dashboard takes it as it is
    (secrets_volume,) = [volume for volume in objects["Deployment"]["spec"]["template"]["spec"]["volumes"] if "secret" in volume]
    assert secrets_volume["secret"]["secretName"] == secret["metadata"]["name"]
    assert [item["key"] for item in secrets_volume["secret"]["items"]] == ["secrets.toml"]
    (mount,) = [mount for mount in container["volumeMounts"] if mount["name"] == secrets_volume["name"]]
    assert mount == {"name": secrets_volume["name"], "mountPath": "/app/.streamlit/secrets.toml", "subPath": "secrets.toml",
                     "readOnly": True}  # fmt: skip


def leaves(table):
    for value in table.values():
        if isinstance(value, dict):
            yield from leaves(value)
        elif isinstance(value, list):
            yield from value
        else:
            yield value


def placeholder_only(value: str) -> bool:
    """A value that is a placeholder, or an address on example.org (reserved for examples), never a real one."""
    host = urlsplit(value).hostname if "://" in value else value.rpartition("@")[2] or None
    return PLACEHOLDER in value or bool(host and (host == "example.org" or host.endswith(".example.org")))


def test_the_secret_and_the_example_secrets_file_hold_placeholders_only():
    secret = manifests()["Secret"]
    assert set(secret["stringData"]) == {"USASCP_DATABASE_URL", "secrets.toml"} and "data" not in secret
    address = pg_store.database_address(secret["stringData"]["USASCP_DATABASE_URL"], "USASCP_DATABASE_URL")
    assert address.problem is None and address.params["password"] == PLACEHOLDER, address.problem
    assert placeholder_only(address.params["host"])
    secrets = tomllib.loads(secret["stringData"]["secrets.toml"])
    assert set(secrets) == {"auth", "usascp_editors"}
    for key in ("cookie_secret", "client_id", "client_secret"):
        assert secrets["auth"][key] == PLACEHOLDER, key
    assert all(isinstance(value, str) and placeholder_only(value) for value in leaves(secrets)), secrets
    sso.read_editor_rule(secrets["usascp_editors"])  # a rule the dashboard reads (raises with the problems if not)

    # deploy/secrets.toml.example, mounted by compose when no file of yours is given: nothing but comments (the
    # dashboard stays read-only), and once uncommented, TOML with placeholders only.
    example = (DEPLOY / "secrets.toml.example").read_text()
    assert tomllib.loads(example) == {}
    uncommented = "\n".join(line[2:] for line in example.splitlines() if line.startswith("# [") or re.match(r"# \w+ = ", line))
    settings = tomllib.loads(uncommented)
    assert set(settings) == {"editors", "auth", "usascp_editors", "connections"}
    assert all(placeholder_only(value) or value.startswith("pbkdf2_sha256$600000$<salt") for value in leaves(settings))


def test_the_ingress_keeps_a_browser_on_its_pod_by_a_cookie_and_holds_websockets_open():
    objects = manifests()
    ingress, service = objects["Ingress"], objects["Service"]
    annotations = {
        key.removeprefix("nginx.ingress.kubernetes.io/"): value for key, value in ingress["metadata"]["annotations"].items()
    }
    assert annotations["affinity"] == "cookie" and annotations["affinity-mode"] == "persistent"
    assert annotations["session-cookie-name"] == cluster.ROUTE_COOKIE
    assert annotations["session-cookie-path"] == "/" and annotations["session-cookie-change-on-failure"] == "true"
    loopback = cluster.nginx_config(9000, [9001], Path("/tmp/usascp-cluster-x"), as_root=False)
    # The same timeouts, body size and retries as make cluster's nginx (the values every test there ran with).
    for annotation, directive in (("proxy-read-timeout", "proxy_read_timeout"), ("proxy-send-timeout", "proxy_send_timeout"),
                                  ("proxy-connect-timeout", "proxy_connect_timeout"),
                                  ("proxy-next-upstream-timeout", "proxy_next_upstream_timeout"),
                                  ("proxy-body-size", "client_max_body_size"), ("proxy-next-upstream", "proxy_next_upstream"),
                                  ("proxy-next-upstream-tries", "proxy_next_upstream_tries"),
                                  ("proxy-request-buffering", "proxy_request_buffering")):  # fmt: skip
        (value,) = re.findall(rf"^\s*{directive} (.+);$", loopback, re.MULTILINE)
        expected = value.removesuffix("s") if annotation.endswith("timeout") else value  # annotations count seconds bare
        assert annotations[annotation] == expected, (annotation, annotations[annotation], expected)
    assert int(annotations["proxy-read-timeout"]) == 86400
    # The Ingress reaches the Service, and the Service the pods, by names and labels that exist.
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    assert path["backend"]["service"] == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    assert "sessionAffinity" not in service["spec"]  # ClientIP would put a hall behind one NAT on one pod
    assert [port["name"] for port in service["spec"]["ports"]] == ["http"] and service["spec"]["ports"][0]["targetPort"] == "http"
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_compose_and_the_manifests_are_valid_by_their_published_schemas():
    """The Compose Specification's schema (check-jsonschema's vendored copy: it refuses a misspelt key) and Kubernetes'
    own API schemas, strict (an unknown field is refused), for the oldest release still widely run and the newest."""
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    objects = manifests()
    del objects["Kustomization"]  # kustomize's own file, not an API object
    for version in ("1.30", kubernetes_validate.latest_version()):
        for kind, document in objects.items():
            kubernetes_validate.validate(document, version, strict=True)  # raises ValidationError with the field
    kubectl = shutil.which("kubectl")
    if kubectl:  # kustomize (inside kubectl, offline) builds the folder into the five objects, labelled
        built = subprocess.run([kubectl, "kustomize", str(KUBERNETES)], capture_output=True, text=True, timeout=60)
        assert built.returncode == 0, built.stderr
        documents = list(yaml.safe_load_all(built.stdout))
        assert sorted(document["kind"] for document in documents) == sorted(objects)
        assert all(document["metadata"]["labels"]["app.kubernetes.io/name"] == "usascp-dashboard" for document in documents)
