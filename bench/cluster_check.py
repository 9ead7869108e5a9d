"""`make cluster-test`: a summit crowd, an upload, a save and a killed replica, through `make cluster`'s nginx.

    python bench/cluster_check.py                       # 300 sessions over 60 s; writes bench/cluster.json
    python bench/cluster_check.py --sessions 30 --over 8 --out /tmp/short.json

Starts bench/cluster.py's cluster (PostgreSQL, nginx, three replicas on loopback), warms each replica up with one
viewer, then, each part bounded in time:

1. **Upload and download through the balancer.** A browser tab (its cookies kept: nginx's route cookie and
   Streamlit's XSRF cookie) opens the Data page over a websocket through nginx, asks for an upload address
   (file_urls_request, as the browser's uploader does), PUTs an IATI file to it through nginx with the XSRF header,
   reruns with the file in the uploader's state, then asks for the activity report's deferred download and GETs the
   /media/ address it is given, through nginx. Both must reach the session's replica. The same PUT and GET with a
   route cookie that leads to another replica show what affinity prevents (Streamlit's "400 Invalid session_id",
   a 404 for the file).
2. **The crowd.** `sessions` viewers arrive evenly over `over` seconds. Each is a tab: it GETs the page (nginx sets
   its route cookie), opens the websocket with the cookie, loads the Overview and picks a country, exactly as
   bench/viewers.py's viewers do (time to a rendered page: from the GET to the server's "script finished"),
   then stays connected. Halfway through the arrivals one replica is killed with SIGKILL and started again
   `restart_after` seconds later. When every viewer has arrived and rendered, each replica's memory is read (the
   process and its upload fork server), then every open session picks another country: sessions on the other
   replicas must see no error; those the kill cut reconnect as the browser does (same cookie) and must be served.
   nginx's access log tells whether the dead replica was sent anything but a connection attempt, and later
   viewers whose key hashes to the restarted replica must land on it again.
3. **A save seen by every replica.** An editor's save (the store API, as the Data page's Save button calls it,
   against the same database, shipped data plus the IATI sample) moves the current version; each replica,
   asked directly over its own websocket every 0.25 s, must show the new Disclosed funding within 5 s.

Writes the figures as JSON (bench/cluster.json). Exit status 1 when a target is missed: any error, p95 over
5 s, a save not seen by all within 5 s, upload or download not through the session's replica.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
import cluster as cluster_module  # noqa: E402
import viewers  # noqa: E402
from cluster import REPLICA_HEADER, ROUTE_COOKIE, Cluster  # noqa: E402

RESULTS = REPO / "bench" / "cluster.json"
IATI_SAMPLE = REPO / "tests" / "fixtures" / "iati-activities-test.xml"
FUNDING = "Disclosed funding"
TARGET_P95_S = 5.0
TARGET_SAVE_S = 5.0


def _closed_errors() -> tuple:
    """What a viewer can meet: a connection refused or closed, a run that never ends, a page that is not whole."""
    from websockets.exceptions import WebSocketException

    return (OSError, RuntimeError, asyncio.TimeoutError, WebSocketException, StopIteration)


def http(method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None, timeout: float = 60):
    """(status, headers, body) of one request; an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Tab:
    """A browser tab's cookies and where nginx sent its last request."""

    def __init__(self, address: str, route: str | None = None):
        self.address = address
        self.cookies: dict[str, str] = {} if route is None else {ROUTE_COOKIE: route}
        self.answered_by = ""

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())} if self.cookies else {}

    def open(self, path: str = "/") -> None:
        """What a browser does before its websocket: the page, then the health check (which sets the XSRF cookie)."""
        for step in (path, "/_stcore/health"):
            status, _, _ = self.request("GET", step)
            if status != 200:
                raise RuntimeError(f"GET {step} through nginx answered {status}")

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None):
        status, answer_headers, content = http(method, self.address + path, {**self.headers(), **(headers or {})}, body)
        for cookie in answer_headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        self.answered_by = answer_headers.get(REPLICA_HEADER, "")
        return status, answer_headers, content


def percentile(values: list[float], share: float) -> float:
    return viewers.percentile(values, share) if values else 0.0


# 1. Upload and download


def _multipart(name: str, content: bytes, mime: str) -> tuple[bytes, str]:
    boundary = "----usascp" + uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _other_route(cluster: Cluster, than: str) -> str:
    """A route key nginx sends to a replica other than `than` (a browser without affinity would be sent anywhere)."""
    for _ in range(200):
        route = uuid.uuid4().hex
        probe = Tab(cluster.address, route)
        probe.request("GET", "/_stcore/health")
        if cluster.replica_at(probe.answered_by) is not None and cluster.replica_at(probe.answered_by) != cluster.replica_at(than):
            return route
    raise RuntimeError("no route key led to another replica in 200 tries")


async def upload_and_download(cluster: Cluster) -> dict:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    began = time.perf_counter()
    tab = Tab(cluster.address)
    await asyncio.to_thread(tab.open, "/data")
    viewer = viewers.Viewer(cluster.port, 0, headers=tab.headers())
    viewer.keep_elements = True
    found: dict = {"replica": None}
    async with viewer.connect(ping_interval=None) as socket_:
        viewer.note_answer(socket_)
        found["replica"] = cluster.replica_at(viewer.answered_by).number
        await socket_.send(viewers.rerun_message(page_name="data"))
        await viewer._until_finished(socket_)
        uploader = next(proto for kind, proto in viewer.elements if kind == "file_uploader")

        request = BackMsg()
        request.file_urls_request.request_id = "upload-1"
        request.file_urls_request.file_names.append(IATI_SAMPLE.name)
        await socket_.send(request.SerializeToString())
        urls = (await viewer.until_reply(socket_, "file_urls_response")).file_urls_response.file_urls[0]

        content = IATI_SAMPLE.read_bytes()
        body, content_type = _multipart(IATI_SAMPLE.name, content, "application/xml")
        xsrf = {"X-Xsrftoken": tab.cookies.get("_streamlit_xsrf", ""), "Content-Type": content_type}
        status, _, _ = await asyncio.to_thread(tab.request, "PUT", urls.upload_url, xsrf, body)
        found["upload_status"] = status
        found["upload_replica"] = getattr(cluster.replica_at(tab.answered_by), "number", None)

        states = WidgetStates()
        state = states.widgets.add()
        state.id = uploader.id
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = IATI_SAMPLE.name, len(content), urls.file_id
        info.file_urls.CopyFrom(urls)
        viewer.elements.clear()
        message = viewers.rerun_message(states, page_name="data")
        await socket_.send(message)
        await viewer._until_finished(socket_)
        report = next(
            (proto for kind, proto in viewer.elements if kind == "download_button" and "activity report" in proto.label), None
        )
        found["upload_read"] = report is not None
        if report is not None:
            ask = BackMsg()
            ask.backend_operation_request.request_id = "download-1"
            ask.backend_operation_request.session_id = viewer.session_id
            ask.backend_operation_request.deferred_file.file_id = report.deferred_file_id
            await socket_.send(ask.SerializeToString())
            reply = (await viewer.until_reply(socket_, "backend_operation_response")).backend_operation_response
            media = reply.deferred_file.url
            if not media.startswith("/media/"):
                raise RuntimeError(f"the deferred download gave no /media/ address: {reply.error_msg or media!r}")
            status, _, csv = await asyncio.to_thread(tab.request, "GET", media)
            found["download_status"] = status
            found["download_replica"] = getattr(cluster.replica_at(tab.answered_by), "number", None)
            found["download_bytes"] = len(csv)
            found["download_is_the_report"] = status == 200 and b"activity" in csv[:2000].lower()

            # The same two requests from a tab nginx sends elsewhere: what a balancer without affinity does.
            if len(cluster.replicas) < 2:
                return found | {"ok": found.get("download_is_the_report") is True and found["upload_status"] == 204}
            stranger = Tab(cluster.address, await asyncio.to_thread(_other_route, cluster, viewer.answered_by))
            stranger.cookies["_streamlit_xsrf"] = tab.cookies.get("_streamlit_xsrf", "")
            status, _, text = await asyncio.to_thread(stranger.request, "PUT", urls.upload_url, xsrf, body)
            found["elsewhere_upload_status"] = status
            found["elsewhere_upload_says"] = text.decode("utf-8", "replace")[:120]
            status, _, _ = await asyncio.to_thread(stranger.request, "GET", media)
            found["elsewhere_download_status"] = status
            found["elsewhere_replica"] = getattr(cluster.replica_at(stranger.answered_by), "number", None)
    found["exceptions"] = list(viewer.exceptions)
    found["ok"] = (
        found.get("upload_status") in (200, 204)
        and found.get("upload_read") is True
        and found.get("download_is_the_report") is True
        and found["upload_replica"] == found["replica"] == found.get("download_replica")
        and not viewer.exceptions
    )
    found["seconds"] = round(time.perf_counter() - began, 2)
    return found


# 2. The crowd, and a replica killed in the middle of it


class Crowd:
    def __init__(self, cluster: Cluster, sessions: int, over: float, kill: int | None, restart_after: float):
        self.cluster = cluster
        self.sessions = sessions
        self.over = over
        self.kill_number = kill
        self.restart_after = restart_after
        self.outcomes: list[dict] = []
        self.arrived = 0
        self.all_in = asyncio.Event()
        self.release = asyncio.Event()
        self.killed_at: float | None = None
        self.restarted_at: float | None = None
        self.restart_s: float | None = None
        self.began = 0.0

    def now(self) -> float:
        return time.perf_counter() - self.began

    def _settle(self, outcome: dict) -> None:
        """This viewer has its page (or has failed): counted once towards `all_in`."""
        if not outcome.get("settled"):
            outcome["settled"] = True
            self.arrived += 1
            if self.arrived == self.sessions:
                self.all_in.set()

    def replica_of(self, viewer) -> int | None:
        replica = self.cluster.replica_at(viewer.answered_by)
        return None if replica is None else replica.number

    async def _render(self, viewer, outcome: dict, socket_, timed: bool = True) -> None:
        """The Overview, then a country picked; the times kept when `timed` (a first visit, or a reconnect during it)."""
        viewer.note_answer(socket_)
        outcome["replica"] = self.replica_of(viewer)
        outcome.setdefault("first_replica", outcome["replica"])
        await viewer.open_overview(socket_)
        first = time.perf_counter() - outcome["t0"]
        changed = time.perf_counter()
        await viewer.change_country(socket_)
        if timed:
            outcome["first_s"], outcome["change_s"] = first, time.perf_counter() - changed
        if viewer.exceptions:
            raise RuntimeError(f"the page showed an error: {viewer.exceptions[0]}")

    async def _first_visit(self, tab: Tab, number: int, outcome: dict) -> bool:
        """Load, pick a country, stay until released, pick another. True when the kill cut the session (reconnect)."""
        closed = _closed_errors()
        viewer = viewers.Viewer(self.cluster.port, number, headers=tab.headers())
        try:
            async with viewer.connect(ping_interval=None) as socket_:
                await self._render(viewer, outcome, socket_)
                outcome["state"] = "rendered"
                self._settle(outcome)
                await self.release.wait()
                try:  # after the kill and the restart: the same session picks another country
                    await viewer.change_country(socket_, number + 3)
                except closed:
                    if outcome["replica"] != self.kill_number:
                        raise
                    outcome["afterwards"] = "cut by the kill"
                    return True
                outcome["afterwards"] = "served"
                return False
        except closed as error:
            if outcome.get("afterwards") == "cut by the kill":
                return True
            if outcome.get("state") != "rendered" and outcome["replica"] == self.kill_number and self.killed_at is not None:
                outcome["cut_while_loading"] = type(error).__name__
                return True
            raise

    async def viewer(self, number: int) -> None:
        await asyncio.sleep(max(0.0, number * self.over / self.sessions - self.now()))
        outcome = {"number": number, "arrived_s": round(self.now(), 2), "t0": time.perf_counter(), "replica": None}
        self.outcomes.append(outcome)
        tab = Tab(self.cluster.address)
        try:
            await asyncio.to_thread(tab.open)
            if await self._first_visit(tab, number, outcome):
                # Reconnected with the same cookie, as the browser does: nginx sends it to a replica that answers.
                again = viewers.Viewer(self.cluster.port, number, headers=tab.headers())
                async with again.connect(ping_interval=None) as socket_:
                    await self._render(again, outcome, socket_, timed="cut_while_loading" in outcome)
                outcome["reconnected_to"] = outcome["replica"]
                outcome["state"] = "rendered"
        except _closed_errors() as error:
            outcome["state"] = "error"
            outcome["error"] = f"{type(error).__name__}: {error}"[:300]
        finally:
            self._settle(outcome)

    async def kill_and_restart(self) -> None:
        if self.kill_number is None:
            return
        await asyncio.sleep(self.over / 2)
        self.cluster.replicas[self.kill_number].kill()
        self.killed_at = self.now()
        await asyncio.sleep(self.restart_after)
        self.restart_s = await asyncio.to_thread(self.cluster.restart, self.kill_number)
        self.restarted_at = self.now()

    async def run(self) -> dict:
        before = {replica.number: replica.rss_mb() for replica in self.cluster.replicas}
        self.began = time.perf_counter()
        wall_began = time.time()
        tasks = [asyncio.create_task(self.viewer(number)) for number in range(self.sessions)]
        killer = asyncio.create_task(self.kill_and_restart())
        await asyncio.wait_for(self.all_in.wait(), timeout=self.over + 600)
        await killer
        all_rendered_s = self.now()
        open_sessions = {replica.number: 0 for replica in self.cluster.replicas}
        for outcome in self.outcomes:
            # The killed replica's sessions from before its restart are gone (they learn so when they next send).
            gone = outcome.get("replica") == self.kill_number and outcome["arrived_s"] < (self.restarted_at or 0)
            if outcome.get("state") == "rendered" and outcome.get("replica") is not None and not gone:
                open_sessions[outcome["replica"]] += 1
        memory = {
            replica.number: {
                "mb_before": before[replica.number],
                "mb_with_sessions": replica.rss_mb(),
                "sessions_open": open_sessions[replica.number],
            }
            for replica in self.cluster.replicas
        }
        self.release.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
        return self.summary(memory, all_rendered_s, wall_began)

    def summary(self, memory: dict, all_rendered_s: float, wall_began: float) -> dict:
        rendered = [outcome for outcome in self.outcomes if outcome.get("state") == "rendered"]
        errors = [outcome for outcome in self.outcomes if outcome.get("state") != "rendered"]
        first = [outcome["first_s"] for outcome in rendered]
        change = [outcome["change_s"] for outcome in rendered]
        served_by = {replica.number: 0 for replica in self.cluster.replicas}
        for outcome in rendered:
            served_by[outcome["replica"]] += 1
        result = {
            "sessions": self.sessions,
            "arrivals_over_s": self.over,
            "rendered": len(rendered),
            "errors": len(errors),
            "error_examples": [outcome.get("error", "") for outcome in errors[:5]],
            "p50_s": round(statistics.median(first), 3) if first else None,
            "p95_s": round(percentile(first, 0.95), 3) if first else None,
            "max_s": round(max(first), 3) if first else None,
            "filter_change_p50_s": round(statistics.median(change), 3) if change else None,
            "filter_change_p95_s": round(percentile(change, 0.95), 3) if change else None,
            "all_rendered_s": round(all_rendered_s, 1),
            "sessions_per_replica": served_by,
            "memory_per_replica": memory,
        }
        kept = [m for number, m in memory.items() if number != self.kill_number and m["sessions_open"]]
        if kept:  # the replicas that ran throughout: memory with the sessions open, less before, per session
            result["mb_per_session"] = round(
                sum(m["mb_with_sessions"] - m["mb_before"] for m in kept) / sum(m["sessions_open"] for m in kept), 2
            )
        if self.kill_number is not None:
            result["killed_replica"] = self.kill_summary(wall_began)
        return result

    def kill_summary(self, wall_began: float) -> dict:
        number = self.kill_number
        dead = self.cluster.replicas[number].address
        down_from, down_to = self.killed_at, self.restarted_at
        on_it = [o for o in self.outcomes if o["arrived_s"] <= down_from and o.get("first_replica") == number]
        cut = [o for o in self.outcomes if "cut_while_loading" in o or o.get("afterwards") == "cut by the kill"]
        elsewhere = [o for o in self.outcomes if o not in cut]
        arrived_while_down = [o for o in self.outcomes if down_from <= o["arrived_s"] < down_to]
        after_restart = [o for o in self.outcomes if o["arrived_s"] >= down_to + cluster_module.FAIL_TIMEOUT_S]
        # nginx's view: requests while the replica was down that tried it (a refused connect, then the next replica).
        tried, answered_by_dead = 0, 0
        for line in self.cluster.access_log():
            # By when the request began ($msec, when it was logged, less $request_time): a websocket cut by the kill
            # is logged as it ends, just after the kill, with the dead replica as its upstream.
            ended = float(line.split(" ", 1)[0]) - wall_began
            moment = ended - float(line.split(" upstream=", 1)[0].rsplit(" ", 1)[1])
            if down_from <= moment < down_to and dead in line:
                tried += 1
                upstream = line.split("upstream=", 1)[1].split(" status=", 1)[0]
                if upstream.split(",")[-1].strip() == dead:
                    answered_by_dead += 1
        return {
            "replica": number,
            "killed_at_s": round(down_from, 1),
            "restarted_at_s": round(down_to, 1),
            "restart_took_s": round(self.restart_s, 1),
            "sessions_on_it_when_killed": len(on_it),
            "sessions_cut": len(cut),
            "cut_sessions_reconnected": sum(1 for o in cut if o.get("state") == "rendered"),
            "errors_elsewhere": sum(1 for o in elsewhere if o.get("state") != "rendered"),
            "sessions_elsewhere_served_after_the_kill": sum(1 for o in elsewhere if o.get("afterwards") == "served"),
            "arrived_while_down": len(arrived_while_down),
            "arrived_while_down_rendered": sum(1 for o in arrived_while_down if o.get("state") == "rendered"),
            "arrived_while_down_sent_to_it": sum(1 for o in arrived_while_down if o.get("replica") == number),
            "requests_that_tried_it_while_down": tried,
            "requests_it_answered_while_down": answered_by_dead,
            "arrived_after_restart": len(after_restart),
            "arrived_after_restart_on_it": sum(1 for o in after_restart if o.get("replica") == number),
        }


async def serves_again(cluster: Cluster, number: int, seconds: float = 30) -> dict:
    """New tabs until one is sent to the restarted replica and is served a whole page there."""
    began = time.perf_counter()
    tabs = 0
    while time.perf_counter() - began < seconds:
        tab = Tab(cluster.address)
        tabs += 1
        await asyncio.to_thread(tab.request, "GET", "/")
        if getattr(cluster.replica_at(tab.answered_by), "number", None) != number:
            continue
        viewer = viewers.Viewer(cluster.port, 900 + tabs, headers=tab.headers())
        async with viewer.connect(ping_interval=None) as socket_:
            viewer.note_answer(socket_)
            if getattr(cluster.replica_at(viewer.answered_by), "number", None) != number:
                continue
            await viewer.open_overview(socket_)
            await viewer.change_country(socket_)
        return {"served_again": not viewer.exceptions, "new_tabs_until_one_reached_it": tabs,
                "seconds": round(time.perf_counter() - began, 1)}  # fmt: skip
    return {"served_again": False, "new_tabs_until_one_reached_it": tabs, "seconds": round(time.perf_counter() - began, 1)}


# 3. A save, seen by every replica


async def funding_on(port: int) -> str:
    viewer = viewers.Viewer(port, 0)
    async with viewer.connect(ping_interval=None) as socket_:
        await viewer.open_overview(socket_)
    return viewer.metrics.get(FUNDING, "")


async def save_seen_by_all(cluster: Cluster, limit_s: float = 30) -> dict:
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.load import load_dataset
    from usascp.pg_store import PostgresStore, database_address

    before = {replica.number: await funding_on(replica.port) for replica in cluster.replicas}
    shipped = load_dataset()
    dataset = dataset_from_upload(read_upload([UploadedFile(IATI_SAMPLE.name, IATI_SAMPLE.read_bytes())], shipped.cities), shipped, True)
    editor_store = PostgresStore(database_address(cluster.database_url, "USASCP_DATABASE_URL"), cluster.folder / "editor")
    saved = await asyncio.to_thread(editor_store.save, dataset, None, "cluster-check", [IATI_SAMPLE.name])
    committed = time.perf_counter()
    seen: dict[int, float] = {}
    shown: dict[int, str] = {}

    async def watch(replica) -> None:
        while time.perf_counter() - committed < limit_s:
            shown[replica.number] = await funding_on(replica.port)
            if shown[replica.number] != before[replica.number]:
                seen[replica.number] = round(time.perf_counter() - committed, 2)
                return
            await asyncio.sleep(0.25)

    await asyncio.gather(*(watch(replica) for replica in cluster.replicas))
    through_nginx = await funding_on(cluster.port)
    return {
        "version": saved.name,
        "funding_before": before,
        "funding_after": shown,
        "seen_after_s": seen,
        "through_nginx": through_nginx,
        "save_seen_by_all_s": max(seen.values()) if len(seen) == len(cluster.replicas) else None,
    }


# All of it


async def _checks(cluster: Cluster, sessions: int, over: float, kill: int | None, restart_after: float) -> dict:
    # Each tab's page and health requests run in a thread (urllib): enough threads that tabs never queue for one
    # (asyncio's default is cpu_count + 4), as a crowd's own devices never wait for each other.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=min(256, sessions + 8)))
    for replica in cluster.replicas:  # one viewer each first: the crowd meets running servers, data loaded
        await viewers.warm_up(replica.port)
    found: dict = {"upload": await asyncio.wait_for(upload_and_download(cluster), 180)}
    crowd = Crowd(cluster, sessions, over, kill, restart_after)
    found["crowd"] = await crowd.run()
    if kill is not None:
        found["crowd"]["killed_replica"].update(await serves_again(cluster, kill))
    found["save"] = await asyncio.wait_for(save_seen_by_all(cluster), 120)
    return found


def run(sessions: int = 300, over: float = 60, replicas: int = 3, kill: int | None = 1, restart_after: float = 8,
        log=print) -> dict:  # fmt: skip
    """Start a cluster, run every check against it, stop it; the figures in bench/cluster.json's shape."""
    began = time.perf_counter()
    load_before = os.getloadavg()
    with Cluster(replicas, log=log) as cluster:
        started_s = round(time.perf_counter() - began, 1)
        found = asyncio.run(_checks(cluster, sessions, over, kill, restart_after))
        logs = {replica.number: replica.log.read_text(errors="replace") for replica in cluster.replicas}
        nginx_errors = cluster.nginx_errors()
    crowd, upload, save = found["crowd"], found["upload"], found["save"]
    tracebacks = {
        number: {"count": text.count("Traceback"), "first": text[text.index("Traceback"):][:3000]}
        for number, text in logs.items()
        if "Traceback" in text
    }
    result = {
        "replicas": replicas,
        "sessions": sessions,
        "p50_s": crowd["p50_s"],
        "p95_s": crowd["p95_s"],
        "errors": crowd["errors"],
        "upload_download_ok": upload["ok"],
        "save_seen_by_all_s": save["save_seen_by_all_s"],
        "killed_replica": crowd.get("killed_replica"),
        "store": "postgresql",
        "balancer": "nginx " + _nginx_version(),
        "affinity": f"cookie {ROUTE_COOKIE} set by nginx ($request_id), hash consistent",
        "cpus": os.cpu_count(),
        "load_average_before": [round(value, 1) for value in load_before],
        "load_average_after": [round(value, 1) for value in os.getloadavg()],
        "cluster_started_s": started_s,
        "crowd": crowd,
        "upload": upload,
        "save": save,
        "server_tracebacks": tracebacks,
        "nginx_errors": [line for line in nginx_errors.splitlines() if "[emerg]" in line or "[alert]" in line][:5],
        "total_s": round(time.perf_counter() - began, 1),
    }
    result["targets_met"] = targets_missed(result) == []
    return result


def _nginx_version() -> str:
    import subprocess

    answer = subprocess.run([str(cluster_module.nginx_binary()), "-v"], capture_output=True, text=True, timeout=10)
    return answer.stderr.strip().rsplit("/", 1)[-1]


def targets_missed(result: dict) -> list[str]:
    missed = []
    if result["errors"]:
        missed.append(f"{result['errors']} sessions with an error (target 0)")
    if result["p95_s"] is None or result["p95_s"] >= TARGET_P95_S:
        missed.append(f"p95 {result['p95_s']} s (target under {TARGET_P95_S} s)")
    if not result["upload_download_ok"]:
        missed.append("the upload or the download did not reach the session's replica")
    if result["save_seen_by_all_s"] is None or result["save_seen_by_all_s"] > TARGET_SAVE_S:
        missed.append(f"a save seen by every replica after {result['save_seen_by_all_s']} s (target {TARGET_SAVE_S} s)")
    killed = result.get("killed_replica")
    if killed is not None:
        if killed["errors_elsewhere"]:
            missed.append(f"{killed['errors_elsewhere']} errors on the replicas that were not killed")
        if killed["requests_it_answered_while_down"] or killed["arrived_while_down_sent_to_it"]:
            missed.append("the balancer sent work to the killed replica")
        if not killed.get("served_again"):
            missed.append("the restarted replica was not sent viewers again")
    return missed


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--over", type=float, default=60, help="seconds over which the sessions arrive")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-kill", action="store_true", help="kill no replica (to measure capacity alone)")
    options = parser.parse_args(arguments)
    if not 1 <= options.sessions <= 5000 or not 0 < options.over <= 3600 or not 1 <= options.replicas <= 16:
        parser.error("--sessions must be 1-5000, --over 0-3600 seconds and --replicas 1-16")
    why = cluster_module.missing()
    if why:
        print(f"make cluster-test: cannot start the cluster: {why}", file=sys.stderr)
        return 2
    kill = 1 if options.replicas > 1 and not options.no_kill else None
    result = run(options.sessions, options.over, options.replicas, kill=kill)
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({key: result[key] for key in list(result)[:9]}, indent=2))
    missed = targets_missed(result)
    print(f"Written to {options.out}. " + ("Every target met." if not missed else "Missed: " + "; ".join(missed)))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
