"""A throwaway PostgreSQL cluster for tests: initdb into a temporary folder, pg_ctl on 127.0.0.1 and a free port.

No system service. PostgreSQL refuses to run as root (CI runs as root), so as root every PostgreSQL command
runs as the unprivileged user `nobody` through `runuser` (util-linux), and the folder is given to that user.
The superuser is `usascp` with a password (TCP connections need it: scram-sha-256), so tests can also
check what a wrong password gets.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

def _newest_bin() -> Path:
    """Debian's PostgreSQL programs (/usr/lib/postgresql/<major>/bin, not on the PATH), the newest major; or USASCP_PG_BIN."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = Path(os.environ["USASCP_PG_BIN"]) if os.environ.get("USASCP_PG_BIN") else _newest_bin()
USER = "usascp"
PASSWORD = "pg-" + uuid.uuid4().hex[:12]
UNPRIVILEGED = "nobody"


def missing() -> str | None:
    """Why no cluster can be started here, or None."""
    for program in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / program).exists():
            return f"{PG_BIN / program} not found (apt-get install postgresql)"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root and runuser (util-linux) is missing: initdb refuses to run as root"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -r requirements.txt)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="usascp-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.running = False
        (self.folder / "password").write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, UNPRIVILEGED)
            shutil.chown(self.folder / "password", UNPRIVILEGED)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, f"--pwfile={self.folder / 'password'}", "-E", "UTF8", "--locale=C",
            "--auth-host=scram-sha-256", "--auth-local=trust", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.start()

    def _run(self, program: str, *arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", UNPRIVILEGED, "--", *command]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if finished.returncode != 0:
            raise RuntimeError(f"{program} failed: {finished.stderr or finished.stdout}")
        return finished

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=60"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "30", "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `immediate` is as abrupt as PostgreSQL gets short of a kill (no checkpoint; recovery at the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def url(self, database: str, password: str = PASSWORD, port: int | None = None) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{port or self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'create database "{name}"')
        return name

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
