"""Time and memory of `python -m usascp validate` on each amplifying file, at the sizes the hardening issue measured.

Each file is built once into bench/data/amplifiers/ (not committed), then checked in a process of its
own; wall time and that process's peak resident memory are printed and written to bench/amplifiers.json.
The target: every file answered in under 15 s and 600 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from amplifiers import AS_MEASURED  # noqa: E402

FOLDER = REPO / "bench" / "data" / "amplifiers"
TARGET_SECONDS, TARGET_MB = 15, 600


# `python -m usascp ARGS...` that writes its own peak memory (Linux's VmHWM, in kB) to the file named first as it
# exits. Not the ru_maxrss os.wait4 reports: Linux carries that over from the process that started the child, so
# it would count this one's memory, the amplifying files it built included.
_REPORTING_ITS_PEAK = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def report():
    with open("/proc/self/status") as status, open(peak_file, "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(report)
sys.argv[0] = "usascp"
runpy.run_module("usascp", run_name="__main__", alter_sys=True)
"""


def measure(path: Path) -> dict:
    peak_file = FOLDER / "peak.kb"
    peak_file.unlink(missing_ok=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", _REPORTING_ITS_PEAK, str(peak_file), "validate", str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = process.stdout.read().decode(errors="replace")
    status = process.wait()
    seconds = time.monotonic() - started
    lines = output.strip().splitlines()
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(int(peak_file.read_text()) / 1024),
        "exit": status,
        "answer": lines[0][:200] if lines else "",
        "lines": len(lines),
    }


def main() -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    results, missed = {}, []
    for label, (name, build) in AS_MEASURED.items():
        path = FOLDER / name
        if not path.exists():
            path.write_bytes(build())
        result = {"file_kb": round(path.stat().st_size / 1024), **measure(path)}
        results[label] = result
        ok = result["seconds"] < TARGET_SECONDS and result["peak_mb"] < TARGET_MB and result["exit"] in (1, 2)
        if not ok:
            missed.append(label)
        print(f"{label:52} {result['file_kb']:>7,} KB {result['seconds']:>6.1f} s {result['peak_mb']:>5} MB  exit {result['exit']}  {result['answer'][:90]}")
    (REPO / "bench" / "amplifiers.json").write_text(json.dumps(results, indent=2) + "\n")
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
