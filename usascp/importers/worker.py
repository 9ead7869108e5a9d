"""Checking an upload in a process of its own, so that a heavy or hostile file costs that process, never the server.

Reading and validating an upload is the heaviest work a viewer can ask of the server, and it is Python
that holds the GIL: on the server's own threads, one viewer's 108 KB workbook stalled every other
viewer's reruns for 22.8 s, and five small wide workbooks left the server holding 1.1 GB afterwards.

Here each check (tables.check_upload) runs in a fresh `python -m usascp.importers.worker` process that
reads the files and choices from its stdin and writes the result to its stdout (both pickled). It
- may use `budget.memory_bytes` beyond what it holds once its modules are imported (RLIMIT_AS): a file
  that needs more fails alone, with a message saying so;
- is killed after `budget.seconds`;
- returns only the result (bounded by the same budget), and its memory goes back to the system when it ends.
At most WORKERS run at once; a viewer whose check waits for a turn waits, and the others are not slowed.

Not multiprocessing: inside `streamlit run`, `sys.modules["__main__"]` is the dashboard script, and a
spawned or fork-server child re-runs the main module first, so every check ran the whole dashboard
again (seen as a flood of "missing ScriptRunContext" in the server log). A new interpreter costs about
a second of imports, paid once per upload a viewer checks (the page keeps the result for its session).
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import subprocess
import sys
import threading
from pathlib import Path

from usascp.budgets import Budget, default_budget
from usascp.importers.tables import UploadCheck, UploadedFile, check_upload
from usascp.load import Dataset
from usascp.schema import Problem, ProblemList

WORKERS = 2  # the machine's cores: more at once would only share them
_turns = threading.BoundedSemaphore(WORKERS)
_ROOT = Path(__file__).resolve().parents[2]  # where `usascp` can be imported from
log = logging.getLogger(__name__)


def check_upload_isolated(
    files: list[UploadedFile],
    base: Dataset | None,
    beside_base: bool,
    relationship: str = "usascp_project",
    budget: Budget | None = None,
    fagov_choice=None,
    progress=None,
) -> UploadCheck:
    """tables.check_upload, run in a child process within `budget`'s memory and time; never raises for a bad file.

    `progress(bytes read, total)` is called in the caller's thread as the child reports how far it has read
    a ForeignAssistance.gov download (through a pipe of its own: its stdout carries only the answer).
    """
    budget = budget or default_budget()
    request = pickle.dumps((files, base, beside_base, relationship, budget, fagov_choice), protocol=pickle.HIGHEST_PROTOCOL)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(_ROOT), os.environ.get("PYTHONPATH"))))}
    with _turns:
        progress_read, progress_write = os.pipe()
        environment[PROGRESS_FD] = str(progress_write)
        child = subprocess.Popen(
            [sys.executable, "-m", "usascp.importers.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_ROOT,
            env=environment,
            pass_fds=(progress_write,),
        )
        os.close(progress_write)  # the child holds the only write end: the pipe ends when the child does
        outcome: dict = {}
        talking = threading.Thread(target=_talk, args=(child, request, budget.seconds, outcome), daemon=True)
        talking.start()
        with os.fdopen(progress_read, "rb") as reports:
            for line in reports:  # until the child ends (or is killed for its time)
                if progress is not None:
                    read, _, total = line.decode().partition(" ")
                    progress(int(read), int(total) or None)
        talking.join()
        answer = outcome["answer"]
    try:
        outcome, payload = pickle.loads(answer) if answer else ("died", None)
    except Exception:  # noqa: BLE001 - an answer cut short by the child's death is a check that failed
        log.exception("the answer of an upload check could not be read")
        outcome, payload = "died", None
    if outcome == "ok":
        return payload
    reason = _REASONS.get(outcome, "could not be checked ({})")
    return _refused(files, reason.format(payload or "", memory=budget.describe("memory_bytes"), seconds=budget.describe("seconds")))


PROGRESS_FD = "USASCP_PROGRESS_FD"


def _talk(child: subprocess.Popen, request: bytes, seconds: float, outcome: dict) -> None:
    """Send the request and wait for the answer, killing the child after `seconds` (run in a thread of its own)."""
    try:
        outcome["answer"], _ = child.communicate(request, timeout=seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        outcome["answer"] = pickle.dumps(("time", None))


def _progress_writer():
    """In the child: a function that tells the parent how far a download has been read, or None when nobody listens."""
    descriptor = os.environ.get(PROGRESS_FD)
    if not descriptor:
        return None
    pipe = os.fdopen(int(descriptor), "w", buffering=1)

    def report(read: int, total: int | None) -> None:
        try:
            pipe.write(f"{read} {total or 0}\n")
        except OSError:
            pass  # the parent stopped listening; the check goes on

    return report


_REASONS = {
    "memory": "needed more than the {memory} of memory an upload may use to be read and checked; "
    "split it into smaller files, or save large tables as CSV",
    "time": "took longer than the {seconds} an upload may take to be read and checked; split it into smaller files",
    "died": "stopped the process reading it (it may need more memory than an upload may use); split it into smaller files",
}


def _refused(files: list[UploadedFile], reason: str) -> UploadCheck:
    names = tuple(file.name for file in files)
    problems = ProblemList([Problem(", ".join(names), None, None, None, reason)])
    return UploadCheck(names, "", None, problems, ProblemList(), {}, {})


def _cap_memory(extra_bytes: int) -> None:
    """Limit this process's address space to what it has now plus `extra_bytes`."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    current = pages * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (current + extra_bytes, resource.RLIM_INFINITY))


def _serve_one_check() -> None:
    """The child's side: read the request from stdin, write (outcome, result) to stdout."""
    answer_to = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed goes to the log, not into the answer
    files, base, beside_base, relationship, budget, fagov_choice = pickle.load(sys.stdin.buffer)
    progress = _progress_writer()
    _cap_memory(budget.memory_bytes)
    try:
        answer = ("ok", check_upload(files, base, beside_base, relationship, budget, fagov_choice, progress))
    except MemoryError:
        answer = ("memory", None)
    except Exception as error:  # noqa: BLE001 - any failure is reported to the viewer as "could not be checked"
        log.exception("checking an upload failed")
        answer = ("error", type(error).__name__)
    try:
        pickled = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        pickled = pickle.dumps(("memory", None))
    answer_to.write(pickled)
    answer_to.flush()


if __name__ == "__main__":
    logging.basicConfig()
    _serve_one_check()
