"""`make load-test`: many viewers on one dashboard server, over loopback.

    python bench/viewers.py                  # 20, then 50 viewers, on the shipped data
    python bench/viewers.py 20 50 100        # other crowd sizes
    USASCP_DATA_DIR=bench/data/1000x python bench/viewers.py 20

Starts one `streamlit run dashboard.py` server and, for each crowd size, opens that many sessions at
the same moment. Each session speaks the browser's own protocol over the websocket (protobuf BackMsg
and ForwardMsg): it asks for the Overview, waits for the page to finish, then picks a country in the
sidebar the way the browser does (the multiselect's widget id with the label it displays) and waits
again. "Time to a rendered page" is from the request to the server's last message of that run
(script finished): everything the browser needs to draw the page has arrived. Browser drawing time
is left out, since at a summit every viewer's own device does that part.

Reports the median and 95th percentile of both times and the server's memory per session (resident
memory with every session open, less the memory before them, divided by the sessions). Then the same
crowds against bench/floor_app.py, a page with the same Country filter and one line of text: the floor
one Streamlit process on this machine sets, whatever the page does. Writes bench/viewers.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "viewers.json"
CROWDS = (20, 50)
# Countries the viewers pick in turn, so the server cannot answer every session from one cached view.
COUNTRY_LABEL_PREFIXES = ("Cambodia", "Indonesia", "Malaysia", "Philippines", "Thailand", "Vietnam", "Laos", "Singapore")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def resident_mb(pid: int) -> float:
    """Resident memory of the server process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def start_server(port: int, app: Path = REPO / "dashboard.py") -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the dashboard server did not answer its health check within 60 s")


def rerun_message(widget_states=None, page_name: str = "") -> bytes:
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_script_hash = ""
    message.rerun_script.page_name = page_name  # a page's url_path ("data"), as the browser sends it; "" is the default page
    if widget_states is not None:
        message.rerun_script.widget_states.CopyFrom(widget_states)
    return message.SerializeToString()


class Viewer:
    """One browser tab, as far as the server can tell."""

    def __init__(self, port: int, number: int, headers: dict[str, str] | None = None):
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.origin = f"http://127.0.0.1:{port}"
        self.number = number
        self.headers = headers or {}  # a browser's cookies, when a balancer routes by one (bench/cluster.py)
        self.answered_by = ""  # the balancer's X-USASCP-Replica header on the websocket's answer, if any
        self.country_widget = None
        self.query_string = ""
        self.metrics: dict[str, str] = {}  # label -> value of the metric cards of the last run
        self.keep_elements = False  # when set, every element of a run is kept in `elements` (type, proto)
        self.elements: list = []
        self.exceptions: list[str] = []  # exception elements a page drew (an error the viewer would see)
        self.session_id = ""  # the server's id of this session (new_session), which some requests must name

    def connect(self, **options):
        """The websocket a browser tab opens (its handshake carries the tab's cookies)."""
        return websockets.connect(
            self.url, subprotocols=["streamlit"], origin=self.origin, max_size=None, open_timeout=120,
            additional_headers=self.headers, **options,
        )  # fmt: skip

    def note_answer(self, socket_) -> None:
        if socket_.response is not None:
            self.answered_by = socket_.response.headers.get("X-USASCP-Replica", "")

    async def open_overview(self, socket_) -> None:
        await socket_.send(rerun_message())
        await self._until_finished(socket_)

    async def change_country(self, socket_, number: int | None = None) -> None:
        """Pick a country in the sidebar (the viewer's own, or the one `number` gives) and wait for the page."""
        await socket_.send(rerun_message(self._country_choice(number)))
        await self._until_finished(socket_)
        if "country=" not in self.query_string:
            raise RuntimeError(f"the country choice did not reach the filters (address: ?{self.query_string})")

    async def _until_finished(self, socket_) -> None:
        """Read messages until the run ends with the page drawn (a run that reruns itself goes on)."""
        while not self._take(await self._next(socket_)):
            pass

    async def until_reply(self, socket_, kind: str):
        """Read messages (a run's included) until one of `kind` (e.g. "file_urls_response") comes; return it."""
        while True:
            message = await self._next(socket_)
            if message.WhichOneof("type") == kind:
                return message
            self._take(message)

    @staticmethod
    async def _next(socket_) -> ForwardMsg:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket_.recv(), timeout=120))
        return message

    def _take(self, message: ForwardMsg) -> bool:
        """Note what a message tells; True when it ends a run successfully."""
        kind = message.WhichOneof("type")
        if kind == "delta":
            element = message.delta.new_element.WhichOneof("type")
            if element == "multiselect":
                widget = message.delta.new_element.multiselect
                if widget.label == "Country":
                    self.country_widget = widget
            elif element == "metric":
                self.metrics[message.delta.new_element.metric.label] = message.delta.new_element.metric.body
            elif element == "exception":
                self.exceptions.append(message.delta.new_element.exception.message or "an exception")
            if element is not None and self.keep_elements:
                self.elements.append((element, getattr(message.delta.new_element, element)))
        elif kind == "new_session":
            self.session_id = message.new_session.initialize.session_id
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "script_finished":
            if message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return True
            if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise RuntimeError("the page failed to compile")
        return False

    def _country_choice(self, number: int | None = None):
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        if self.country_widget is None:
            raise RuntimeError("the Overview drew no Country filter")
        prefix = COUNTRY_LABEL_PREFIXES[(self.number if number is None else number) % len(COUNTRY_LABEL_PREFIXES)]
        label = next(option for option in self.country_widget.options if option.startswith(prefix))
        states = WidgetStates()
        state = states.widgets.add()
        state.id = self.country_widget.id
        state.string_array_value.data.append(label)
        return states

    async def visit(self, start: asyncio.Event, all_rendered: asyncio.Event, rendered: list, release: asyncio.Event):
        await start.wait()
        began = time.perf_counter()
        async with self.connect() as socket_:
            await self.open_overview(socket_)
            first_page = time.perf_counter() - began
            changed = time.perf_counter()
            await self.change_country(socket_)
            filter_change = time.perf_counter() - changed
            rendered.append((first_page, filter_change))
            if len(rendered) == self.crowd:
                all_rendered.set()
            await release.wait()  # stay connected until memory has been read with every session open

    crowd = 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def crowd_of(size: int, port: int, server_pid: int) -> dict:
    before_mb = resident_mb(server_pid)
    start, all_rendered, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
    rendered: list[tuple[float, float]] = []
    Viewer.crowd = size
    viewers = [Viewer(port, number) for number in range(size)]
    tasks = [asyncio.create_task(viewer.visit(start, all_rendered, rendered, release)) for viewer in viewers]
    began = time.perf_counter()
    start.set()
    waiting = asyncio.create_task(all_rendered.wait())
    # Sessions stay open until released, so the only tasks that end before `waiting` are failures.
    done, _ = await asyncio.wait([waiting, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not waiting:
            release.set()
            raise task.exception() or RuntimeError("a session closed before the others had rendered")
    wall = time.perf_counter() - began
    with_sessions_mb = resident_mb(server_pid)
    release.set()
    await asyncio.gather(*tasks)
    first = [pair[0] for pair in rendered]
    change = [pair[1] for pair in rendered]
    return {
        "sessions": size,
        "first_page_median_s": round(statistics.median(first), 3),
        "first_page_p95_s": round(percentile(first, 0.95), 3),
        "filter_change_median_s": round(statistics.median(change), 3),
        "filter_change_p95_s": round(percentile(change, 0.95), 3),
        "all_done_s": round(wall, 2),
        "server_mb_before": round(before_mb, 1),
        "server_mb_with_sessions": round(with_sessions_mb, 1),
        "mb_per_session": round((with_sessions_mb - before_mb) / size, 2),
    }


async def warm_up(port: int) -> None:
    """One viewer first, so the crowd measures a running server, not the first load of the data."""
    Viewer.crowd = 1
    start, done, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
    start.set()
    release.set()
    await Viewer(port, 0).visit(start, done, [], release)


def crowds_on(app: Path, crowds: list[int], name: str) -> list[dict]:
    """Each crowd in turn against one server of `app`, after one viewer has warmed it up."""
    port = free_port()
    server = start_server(port, app)
    found = []
    try:
        asyncio.run(warm_up(port))
        for size in crowds:
            result = asyncio.run(crowd_of(size, port, server.pid))
            found.append(result)
            print(
                f"{name:<9} {size:>3} sessions: first page median {result['first_page_median_s']:.2f} s, "
                f"p95 {result['first_page_p95_s']:.2f} s; filter change median {result['filter_change_median_s']:.2f} s, "
                f"p95 {result['filter_change_p95_s']:.2f} s; all done in {result['all_done_s']:.1f} s; "
                f"server {result['server_mb_with_sessions']:.0f} MB, {result['mb_per_session']:.1f} MB per session",
                flush=True,
            )
            time.sleep(2)  # let closed sessions go before the next crowd reads the memory
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


def main(crowds: list[int]) -> dict:
    results = {"cpus": os.cpu_count(), "data": os.environ.get("USASCP_DATA_DIR", "data")}
    results["crowds"] = crowds_on(REPO / "dashboard.py", crowds, "dashboard")
    # The same crowds against a page that draws one line (bench/floor_app.py), in the same minutes of this machine.
    results["floor"] = crowds_on(REPO / "bench" / "floor_app.py", crowds, "floor")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:]] or list(CROWDS))
