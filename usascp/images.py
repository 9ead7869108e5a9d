"""PNG pictures of plotly figures, drawn by kaleido in the machine's own Chromium, with no network at all.

Kaleido would fetch MathJax from a CDN unless told not to, and would download a browser if none were
found; here it uses the system Chromium (BROWSER_PATH, else `chromium` on PATH) with MathJax off and a
proxy that leads nowhere, so a picture is drawn the same way in a hall with no internet.
Starting the browser costs a few seconds, so pages render pictures only when asked (a download click),
and a deck renders all its pictures in one browser session.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from pathlib import Path

SLIDE_SIZE = (1600, 900)  # 16:9, sharp on a 1920x1080 projector once scaled
# Any request that escaped the local page would go to this closed port and fail, not leave the machine.
_NOWHERE = "http://127.0.0.1:9"


class ImageUnavailable(RuntimeError):
    """The picture could not be drawn (no Chromium here, or the browser failed); the message says which."""


def browser_path() -> str | None:
    candidate = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


def figures_png(figures, width: int = SLIDE_SIZE[0], height: int = SLIDE_SIZE[1], scale: float = 1.0) -> list[bytes]:
    """One PNG per plotly figure, all drawn in a single browser session."""
    import kaleido

    path = browser_path()
    if path is None:
        raise ImageUnavailable("Pictures need Chromium on the server (apt-get install chromium, or set BROWSER_PATH).")
    options = dict(format="png", width=width, height=height, scale=scale)

    async def draw_all() -> list[bytes]:
        async with kaleido.Kaleido(n=1, timeout=60, mathjax=False, path=path, proxy_server=_NOWHERE) as browser:
            return [await browser.calc_fig(figure.to_dict(), opts=options) for figure in figures]

    # asyncio.run needs a thread with no event loop of its own; Streamlit's script thread and pytest's may have one.
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["images"] = asyncio.run(draw_all())
        except Exception as error:  # reported to the caller below, with the reason
            outcome["error"] = error

    worker = threading.Thread(target=run, name="kaleido", daemon=True)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise ImageUnavailable(f"The picture could not be drawn: {outcome['error']}") from outcome["error"]
    return outcome["images"]


def figure_png(figure, width: int = SLIDE_SIZE[0], height: int = SLIDE_SIZE[1], scale: float = 1.0) -> bytes:
    """One plotly figure as PNG bytes."""
    return figures_png([figure], width, height, scale)[0]
