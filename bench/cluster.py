"""`make cluster`: the dashboard as a summit deployment, on loopback: PostgreSQL, nginx and three replicas.

    python bench/cluster.py                 # prints the address; Ctrl-C (or SIGTERM) stops everything it started
    python bench/cluster.py --replicas 2    # another number of replicas

Everything listens on 127.0.0.1 on free ports and lives in one temporary folder that is removed at the end:

- PostgreSQL (Debian's programs, tests/pg_cluster.py: initdb into the folder, pg_ctl; no system service; as root
  it runs as `nobody`), one database holding the saved datasets (usascp/pg_store.py);
- N `streamlit run dashboard.py` replicas, each with USASCP_DATABASE_URL pointing at that database and a store
  folder of its own (its cache of the versions it serves, as on separate hosts), sharing one kept-uploads folder
  (the README asks replicas behind a balancer to share it);
- nginx (Debian's `nginx`, run as `nginx -c <generated file> -p <folder>`: its pid, logs and temporary files in the
  folder, nothing under /etc), the only address a viewer uses.

Why the balancer routes by a cookie it sets itself. A Streamlit session lives in the replica that opened its
websocket, and a browser's other requests for that session must reach the same replica: the file uploader's PUT to
/_stcore/upload_file/<session>/<file> is refused with "400 Invalid session_id" anywhere else, and a download's
/media/<file> is known only there (streamlit/streamlit issues 4173 and 2936). nginx's open-source build has no
`sticky cookie`, and `ip_hash` routes by client address: a hall of phones behind one NAT (and, here, every client,
all on 127.0.0.1) would share one replica. So nginx gives each browser a random route key the first time it comes
(`$request_id`, 128 random bits, set as the `usascp_route` cookie) and routes every request by
`hash $route consistent`: the tabs of one browser share a replica, different browsers spread evenly, and a cookie
that is not a route key nginx made (wrong length, other characters) is replaced rather than trusted. Consistent
(ketama) hashing means that when a replica is down only its own browsers move, and they move back when it returns.

Health. Passive, in nginx: a replica that refuses a connection or times out is tried no more for `FAIL_TIMEOUT_S`
(max_fails=1) and the request goes to the next replica (proxy_next_upstream), websocket handshakes included, so
a killed replica costs the sessions it held and no others. Active, here: each replica's /_stcore/health is waited
for at start and after a restart, and `make cluster` checks it every 2 s, restarting a replica whose process ended.
Websockets get HTTP/1.1 with the Upgrade and Connection headers passed on and a day's read timeout (an idle
presenter's tab stays connected through a long talk).

bench/cluster_check.py (`make cluster-test`) drives a crowd, an upload, a save and a killed replica through it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))
import pg_cluster  # noqa: E402  (the throwaway PostgreSQL the store's tests use)
from viewers import free_port  # noqa: E402

ROUTE_COOKIE = "usascp_route"
REPLICA_HEADER = "X-USASCP-Replica"  # which replica answered: a loopback diagnostic the checks read (never in deploy/)
FAIL_TIMEOUT_S = 5  # a replica that failed a connection is left out this long, then tried again
START_SECONDS = 120  # a replica (or nginx) that does not answer its health check within this is a failed start
REPLICAS = 3


def nginx_binary() -> Path | None:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    return Path(found) if found else None


def missing() -> str | None:
    """Why no cluster can be started here, or None."""
    if nginx_binary() is None:
        return "nginx not found (apt-get install nginx; .ci/run installs it)"
    return pg_cluster.missing()


def _checked_servers(servers: list[str]) -> list[str]:
    """Each `host:port` an upstream line may name: a plain host name or address and a TCP port, nothing nginx reads as syntax."""
    for server in servers:
        host, _, port = server.rpartition(":")
        if not (host and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", host)):
            raise ValueError(f"not a host name for an upstream server: {server!r}")
        if not (port.isdigit() and 0 < int(port) < 65536):
            raise ValueError(f"not a TCP port: {port!r} in {server!r}")
    return list(servers)


def balancer_routing(servers: list[str], listen: str, diagnostic_header: bool = False) -> str:
    """The part of nginx's `http {}` block every deployment shares (make cluster's and deploy/nginx.conf): the route
    cookie, websocket proxying, the upstream hashed by route and the one location. `diagnostic_header` adds the header
    naming the replica that answered, which only the loopback checks read."""
    lines = "\n".join(
        f"        server {server} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;" for server in _checked_servers(servers)
    )
    diagnostic = f"\n            add_header {REPLICA_HEADER} $upstream_addr always;" if diagnostic_header else ""
    return f"""    # Websockets: pass the upgrade on; plain requests close their upstream connection as usual.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    # The route key: the browser's own when it is one nginx could have made (32 hex digits), else a new random one.
    map $cookie_{ROUTE_COOKIE} $route {{
        "~^[0-9a-f]{{32}}$" $cookie_{ROUTE_COOKIE};
        default $request_id;
    }}
    # ...set as a cookie only when it is new (add_header sends nothing for an empty value).
    map $cookie_{ROUTE_COOKIE} $route_cookie {{
        "~^[0-9a-f]{{32}}$" "";
        default "{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
    }}

    upstream usascp {{
        hash $route consistent;
{lines}
    }}

    server {{
        listen {listen};
        # Streamlit refuses files over server.maxUploadSize (200 MB) itself; the multipart framing needs a little more.
        client_max_body_size 201m;
        proxy_request_buffering off;

        location / {{
            proxy_pass http://usascp;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 3s;
            proxy_read_timeout 86400s;
            proxy_send_timeout 86400s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 15s;
            add_header Set-Cookie $route_cookie always;{diagnostic}
        }}
    }}
"""


_LOG_FORMAT = (
    "log_format routed '$msec \"$request_method $uri\" $status $request_time upstream=$upstream_addr status=$upstream_status';"
)


def nginx_config(listen_port: int, replica_ports: list[int], folder: Path, as_root: bool | None = None) -> str:
    """The balancer's whole configuration: every path in `folder`, listening on 127.0.0.1:listen_port only."""
    as_root = os.geteuid() == 0 if as_root is None else as_root
    for port in (listen_port, *replica_ports):
        if not (isinstance(port, int) and 0 < port < 65536):
            raise ValueError(f"not a TCP port: {port!r}")
    if any(character in str(folder) for character in ';{}"\'\\\n\r\t $#'):
        raise ValueError(f"the cluster's folder {str(folder)!r} holds a character nginx's configuration would read as syntax")
    # As root, nginx's workers switch to an unprivileged user (and nginx gives it the temporary folders it makes).
    user = "user nobody nogroup;\n" if as_root else ""
    servers = [f"127.0.0.1:{port}" for port in replica_ports]
    routing = balancer_routing(servers, f"127.0.0.1:{listen_port}", diagnostic_header=True)
    return f"""# Made by bench/cluster.py for one run of `make cluster`; removed with its folder.
{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    {_LOG_FORMAT}
    access_log {folder}/nginx-access.log routed;
    client_body_temp_path {folder}/nginx-client-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    server_tokens off;

{routing}}}
"""


# deploy/compose.yaml's replicas, by the names compose gives them on its network, and the port nginx listens on there.
DEPLOY_SERVERS = [f"app-{number}:8501" for number in range(1, REPLICAS + 1)]
DEPLOY_LISTEN = "8080"


def deploy_nginx_config(servers: list[str] = DEPLOY_SERVERS, listen: str = DEPLOY_LISTEN) -> str:
    """deploy/nginx.conf: the same routing as `make cluster` for the official nginx image in deploy/compose.yaml (logs to
    its stdout and stderr, its own pid and temporary folders, no loopback diagnostics). `python bench/cluster.py
    --deploy-nginx-config > deploy/nginx.conf` writes it; tests/test_deploy.py checks the file equals this."""
    return f"""# deploy/nginx.conf: the balancer of deploy/compose.yaml, with the routing `make cluster` runs (bench/cluster.py).
# Do not edit by hand: `python bench/cluster.py --deploy-nginx-config > deploy/nginx.conf` writes it, and
# tests/test_deploy.py fails when the two differ. Replicas on other hosts: change DEPLOY_SERVERS there.
worker_processes auto;
error_log /dev/stderr warn;

events {{
    worker_connections 4096;
}}

http {{
    {_LOG_FORMAT}
    access_log /dev/stdout routed;
    server_tokens off;

{balancer_routing(servers, listen)}}}
"""


def _answers(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM if the orchestrating process dies (even by SIGKILL)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (a replica and its upload fork server), from /proc."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
        todo.extend(children.get(current, []))
    return round(total, 1)


class Replica:
    def __init__(self, number: int, folder: Path, environment: dict[str, str]):
        self.number = number
        self.port = free_port()
        self.folder = folder / f"replica-{number}"
        self.folder.mkdir()
        self.environment = {**environment, "USASCP_STORE_DIR": str(self.folder / "store")}
        self.log = self.folder / "server.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard.py"),
            "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"--- start {self.starts}\n")
            log.flush()
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent, start_new_session=True,
            )  # fmt: skip

    def healthy(self) -> bool:
        return _answers(f"http://{self.address}/_stcore/health")

    def wait_healthy(self, seconds: float = START_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"replica {self.number} exited with {self.process.returncode}; see {self.log}")
            if self.healthy():
                return
            time.sleep(0.25)
        raise RuntimeError(f"replica {self.number} did not answer /_stcore/health within {seconds:.0f} s; see {self.log}")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crashed host or an out-of-memory kill would: no shutdown of any kind."""
        if self.running():
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if not self.running():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def rss_mb(self) -> float:
        return tree_rss_mb(self.process.pid) if self.running() else 0.0


class Cluster:
    """PostgreSQL, `replicas` dashboard servers and nginx in front, on loopback; `with Cluster() as cluster:`."""

    def __init__(self, replicas: int = REPLICAS, log=lambda line: None):
        if not 1 <= replicas <= 16:
            raise ValueError(f"replicas must be between 1 and 16, not {replicas}")
        self.count = replicas
        self.say = log
        self.folder = Path(tempfile.mkdtemp(prefix="usascp-cluster-"))
        self.postgres: pg_cluster.Cluster | None = None
        self.database_url = ""
        self.replicas: list[Replica] = []
        self.nginx: subprocess.Popen | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Cluster:
        why = missing()
        if why:
            raise RuntimeError(f"cannot start the cluster: {why}")
        try:
            began = time.monotonic()
            self.postgres = pg_cluster.Cluster()
            self.database_url = self.postgres.url(self.postgres.new_database())
            self.say(f"PostgreSQL on 127.0.0.1:{self.postgres.port} ({time.monotonic() - began:.1f} s, folder {self.postgres.folder})")
            environment = {
                **os.environ,
                "USASCP_DATABASE_URL": self.database_url,
                "USASCP_UPLOADS_DIR": str(self.folder / "kept-uploads"),
            }
            self.replicas = [Replica(number, self.folder, environment) for number in range(self.count)]
            for replica in self.replicas:
                replica.start()
            for replica in self.replicas:
                replica.wait_healthy()
                self.say(f"replica {replica.number} on {replica.address} ({time.monotonic() - began:.1f} s)")
            self._start_nginx()
            self.say(f"nginx on 127.0.0.1:{self.port} ({time.monotonic() - began:.1f} s)")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_nginx(self) -> None:
        self.port = free_port()
        config = self.folder / "nginx.conf"
        config.write_text(nginx_config(self.port, [replica.port for replica in self.replicas], self.folder))
        command = [str(nginx_binary()), "-e", str(self.folder / "nginx-error.log"), "-p", str(self.folder), "-c", str(config)]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the generated configuration {config}: {checked.stderr.strip()}")
        self.nginx = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while not _answers(f"{self.address}/_stcore/health"):
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.nginx.returncode}: {self.nginx_errors()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not pass a health check on to a replica within {START_SECONDS} s")
            time.sleep(0.2)

    def nginx_errors(self) -> str:
        log = self.folder / "nginx-error.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def access_log(self) -> list[str]:
        log = self.folder / "nginx-access.log"
        return log.read_text(errors="replace").splitlines() if log.exists() else []

    def replica_at(self, address: str) -> Replica | None:
        """The replica an X-USASCP-Replica header names (after a failover nginx lists every address it tried: the last
        one answered)."""
        last = address.split(",")[-1].strip()
        return next((replica for replica in self.replicas if replica.address == last), None)

    def restart(self, number: int) -> float:
        """Start a replica again (after a kill) on its port; seconds until it answered its health check."""
        replica = self.replicas[number]
        replica.stop()
        began = time.monotonic()
        replica.start()
        replica.wait_healthy()
        return time.monotonic() - began

    def supervise(self, stopping: threading.Event, every: float = 2.0) -> None:
        """`make cluster`'s watch: restart a replica whose process ended; say when one stops or starts answering."""
        answering = {replica.number: True for replica in self.replicas}
        while not stopping.wait(every):
            for replica in self.replicas:
                if not replica.running():
                    self.say(f"replica {replica.number} exited ({replica.process.returncode}); starting it again")
                    replica.start()
                healthy = replica.healthy()
                if healthy != answering[replica.number]:
                    self.say(f"replica {replica.number} {'answers again' if healthy else 'fails /_stcore/health'}")
                    answering[replica.number] = healthy

    def stop(self) -> None:
        """Stop everything this cluster started (each step even when another failed) and remove its folder."""
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()  # fast shutdown: open websockets are closed, not waited for
            try:
                self.nginx.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait(timeout=10)
        for replica in self.replicas:
            if replica.running():
                replica.process.terminate()
        for replica in self.replicas:
            replica.stop()
        if self.postgres is not None:
            try:
                self.postgres.stop("fast")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass  # already stopped; remove() below stops it the hard way if not
            self.postgres.remove()
            self.postgres = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=REPLICAS)
    parser.add_argument("--deploy-nginx-config", action="store_true", help="print deploy/nginx.conf and exit")
    options = parser.parse_args(arguments)
    if options.deploy_nginx_config:
        print(deploy_nginx_config(), end="")
        return 0
    if not 1 <= options.replicas <= 16:
        parser.error(f"--replicas must be between 1 and 16, not {options.replicas}")
    stopping = threading.Event()

    def stop(signal_number, _frame):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    cluster = Cluster(options.replicas, log=lambda line: print(line, flush=True))
    try:
        cluster.start()
        if stopping.is_set():
            return 0
        print(
            f"\nThe dashboard: {cluster.address}/  ({options.replicas} replicas behind nginx, saved data in PostgreSQL)\n"
            f"Logs in {cluster.folder}. Ctrl-C stops everything.\n",
            flush=True,
        )
        cluster.supervise(stopping)
    except RuntimeError as error:
        print(f"make cluster: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopping nginx, the replicas and PostgreSQL…", flush=True)
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
