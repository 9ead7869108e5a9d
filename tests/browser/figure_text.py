"""Where plotly sets each piece of text of a figure, measured in Chromium: the ground truth for "no text over text".

Kaleido draws a chart picture with the plotly.js of the plotly package in the machine's Chromium; this does
the same in a Playwright page and asks the browser for every text's box, so a test sees what the PNG shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# Each text plotly drew, with what it is: the class of the text or of the group that holds it.
_MEASURE = """async ([figure, width, height, asPicture]) => {
  const holder = document.getElementById('figure');
  Plotly.purge(holder);
  holder.innerHTML = '';
  const layout = Object.assign({}, figure.layout, {width, height});
  if (asPicture) {
    // As kaleido draws a PNG: Plotly.toImage lays the figure out in a detached plot, then the SVG is shown as is.
    holder.innerHTML = await Plotly.toImage({data: figure.data, layout}, {format: 'svg', width, height, imageDataOnly: true});
  } else {
    await Plotly.newPlot(holder, figure.data, layout, {staticPlot: true});  // as st.plotly_chart draws it
  }
  const roles = ['xtick', 'ytick', 'xtitle', 'ytitle', 'gtitle', 'annotation', 'legendtext', 'bartext', 'textpoint', 'slicetext'];
  const roleOf = (element) => {
    for (let node = element; node && node !== holder; node = node.parentNode) {
      const names = (node.getAttribute && node.getAttribute('class') || '').split(/\\s+/);
      for (const name of names) {
        const base = name.replace(/^g-/, '').replace(/^(x|y)\\d+(tick|title)$/, '$1$2');
        if (roles.includes(base)) return base;
      }
    }
    return 'other';
  };
  return Array.from(holder.querySelectorAll('svg text'))
    .filter(text => text.textContent.trim() && getComputedStyle(text).display !== 'none' && getComputedStyle(text).opacity !== '0')
    .map(text => {
      const box = text.getBoundingClientRect(), frame = holder.getBoundingClientRect();
      return {text: text.textContent, role: roleOf(text), rotated: /rotate\\((?!0[,)])/.test(text.getAttribute('transform') || ''),
              box: [box.left - frame.left, box.top - frame.top, box.right - frame.left, box.bottom - frame.top]};
    });
}"""


@dataclass(frozen=True)
class Text:
    text: str
    role: str  # xtick, ytick, xtitle, ytitle, gtitle, annotation (footnotes, panel titles), bartext, textpoint, ...
    rotated: bool
    box: tuple[float, float, float, float]  # left, top, right, bottom in pixels from the figure's top left

    def overlaps(self, other: Text, slack: float = 1.0) -> bool:
        left, top, right, bottom = self.box
        other_left, other_top, other_right, other_bottom = other.box
        return min(right, other_right) - max(left, other_left) > slack and min(bottom, other_bottom) - max(top, other_top) > slack


class FigureMeasurer:
    """One Chromium page with plotly.js loaded, measuring figure after figure."""

    def __init__(self, browser):
        self.page = browser.new_page()
        self.page.set_content('<html><body style="margin:0"><div id="figure"></div></body></html>')
        self.page.add_script_tag(path=str(PLOTLY_JS))

    def texts(self, figure, width: int, height: int | None = None, picture: bool = False) -> list[Text]:
        """Every text of `figure` drawn at width x height (height: the figure's own, else 450), on a page or,
        with `picture`, as the PNG download draws it."""
        spec = json.loads(figure.to_json())
        height = height or spec.get("layout", {}).get("height") or 450
        measured = self.page.evaluate(_MEASURE, [spec, width, height, picture])
        return [Text(m["text"], m["role"], m["rotated"], tuple(m["box"])) for m in measured]


def clashes(texts: list[Text]) -> list[str]:
    """Pairs of texts drawn over each other, as "'a' (role) over 'b' (role)"."""
    return [
        f"{a.text!r} ({a.role}) over {b.text!r} ({b.role})" for i, a in enumerate(texts) for b in texts[i + 1 :] if a.overlaps(b)
    ]


def outside(texts: list[Text], width: int, height: int) -> list[str]:
    """Texts cut by the edge of the picture."""
    return [
        f"{t.text!r} ({t.role})"
        for t in texts
        if t.box[0] < -0.5 or t.box[1] < -0.5 or t.box[2] > width + 0.5 or t.box[3] > height + 0.5
    ]
