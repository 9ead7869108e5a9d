"""Checking an upload in a process of its own, so that a heavy or hostile file costs that process, never the server.

Reading and validating an upload is the heaviest work a viewer can ask of the server, and it is Python
that holds the GIL: on the server's own threads, one viewer's 108 KB workbook stalled every other
viewer's reruns for 22.8 s, and five small wide workbooks left the server holding 1.1 GB afterwards.

Here each check (tables.check_upload) runs in a child process forked from a fork server that has the
readers imported already (multiprocessing's "forkserver"; forking the Streamlit server itself, with its
threads, is not safe). The child
- may use `budget.memory_bytes` beyond what it starts with (RLIMIT_AS): a file that needs more fails
  alone, with a message saying so;
- is killed after `budget.seconds`;
- returns only the result (bounded by the same budget), and its memory goes back to the system when it ends.
At most WORKERS run at once; a viewer whose check waits for a turn waits, and the others are not slowed.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import threading

from usascp.budgets import Budget, default_budget
from usascp.importers.tables import UploadCheck, UploadedFile, check_upload
from usascp.load import Dataset
from usascp.schema import Problem, ProblemList

WORKERS = 2  # the machine's cores: more at once would only share them
_turns = threading.BoundedSemaphore(WORKERS)
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["usascp.importers.tables", "usascp.oddities"])
log = logging.getLogger(__name__)


def check_upload_isolated(
    files: list[UploadedFile],
    base: Dataset | None,
    beside_base: bool,
    relationship: str = "usascp_project",
    budget: Budget | None = None,
) -> UploadCheck:
    """tables.check_upload, run in a child process within `budget`'s memory and time; never raises for a bad file."""
    budget = budget or default_budget()
    with _turns:
        receiving, sending = _context.Pipe(duplex=False)
        child = _context.Process(
            target=_check_in_child, args=(sending, files, base, beside_base, relationship, budget), daemon=True
        )
        child.start()
        sending.close()
        outcome, payload = "died", None
        try:
            outcome, payload = receiving.recv() if receiving.poll(budget.seconds) else ("time", None)
        except EOFError:  # the child died without a word: killed by the system, most likely for memory
            pass
        except Exception as error:  # noqa: BLE001 - a result that cannot be received is a check that failed
            log.exception("receiving an upload check failed")
            outcome, payload = "error", type(error).__name__
        finally:
            receiving.close()
            if outcome != "ok":
                child.kill()
            child.join(10)
    if outcome == "ok":
        return payload
    reason = _REASONS.get(outcome, "could not be checked ({})")
    return _refused(files, reason.format(payload or "", memory=budget.describe("memory_bytes"), seconds=budget.describe("seconds")))


_REASONS = {
    "memory": "needed more than the {memory} of memory an upload may use to be read and checked; "
    "split it into smaller files, or save large tables as CSV",
    "time": "took longer than the {seconds} an upload may take to be read and checked; "
    "split it into smaller files",
    "died": "stopped the process reading it (it may need more memory than an upload may use); split it into smaller files",
}


def _refused(files: list[UploadedFile], reason: str) -> UploadCheck:
    names = tuple(file.name for file in files)
    problems = ProblemList([Problem(", ".join(names), None, None, None, reason)])
    return UploadCheck(names, "", None, problems, ProblemList(), {}, {})


def _check_in_child(sending, files, base, beside_base, relationship, budget: Budget) -> None:
    _cap_memory(budget.memory_bytes)
    try:
        sending.send(("ok", check_upload(files, base, beside_base, relationship, budget)))
    except MemoryError:
        sending.send(("memory", None))
    except Exception as error:  # noqa: BLE001 - any failure is reported to the viewer as "could not be checked"
        log.exception("checking an upload failed")
        sending.send(("error", type(error).__name__))
    finally:
        sending.close()


def _cap_memory(extra_bytes: int) -> None:
    """Limit this process's address space to what it has now plus `extra_bytes`."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    current = pages * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (current + extra_bytes, resource.RLIM_INFINITY))
