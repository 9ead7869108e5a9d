"""Where a map's dots and names go so that none hides another: plain geometry in screen pixels.

Both kinds of map use it. In the browser, deck.gl moves each dot and name by a pixel offset computed
here for the map's first view (deck.gl's collision filter then hides names that collide once a person
zooms out). In a picture (PNG for slides), names become plotly annotations, with a leader line when a
name had to move away from its dot. Pixels are those of a web map (Web Mercator, 512 pixels around the
world at zoom 0, y growing downwards); a picture passes its own pixel coordinates.

Text is measured with the advance widths of Arial, which Liberation Sans shares (the font Chromium draws
pictures with here); Source Sans, drawn in the browser, is narrower, so boxes err on the large side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from usascp.outlines import TILE_PIXELS

# Arial / Helvetica advance widths in thousandths of the font size, for the printable ASCII characters.
_ASCII_WIDTHS = (
    # space ! " # $ % & ' ( ) * + , - . /
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
    # 0-9
    + [556] * 10
    # : ; < = > ? @
    + [278, 278, 584, 584, 584, 556, 1015]
    # A-Z
    + [667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833]
    + [722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611]
    # [ \ ] ^ _ `
    + [278, 278, 278, 469, 556, 333]
    # a-z
    + [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833]
    + [556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500]
    # { | } ~
    + [334, 260, 334, 584]
)
_WIDE = 667  # any other character: as wide as a capital, which errs on the large side for accented letters
LINE_HEIGHT = 1.25  # a line of text is this many font sizes tall


def text_width(text: str, font_px: float) -> float:
    """How wide `text` is drawn at `font_px`, in pixels."""
    return font_px * sum(_ASCII_WIDTHS[ord(c) - 32] if 32 <= ord(c) < 127 else _WIDE for c in str(text)) / 1000


def web_mercator_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Where (lon, lat) is on a web map at `zoom`, in pixels from its top-left corner (y grows downwards)."""
    world = TILE_PIXELS * 2**zoom
    lat = max(min(lat, 85.0), -85.0)
    x = (lon + 180) / 360 * world
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * world
    return x, y


def separate(xs, ys, radii, gap: float = 2.0, rounds: int = 60) -> list[tuple[float, float]]:
    """Pixel offsets that move overlapping dots apart until each is whole (Johor Bahru beside Singapore).

    Each overlapping pair is pushed apart along the line between them, the smaller dot more, until no two
    overlap or `rounds` passes are done; dots that do not overlap stay where they are. Deterministic: two
    dots at one spot part in a direction that depends only on their order.
    """
    n = len(xs)
    px = [float(x) for x in xs]
    py = [float(y) for y in ys]
    radii = [float(r) for r in radii]
    if n < 2:
        return [(0.0, 0.0)] * n
    cell = 2 * max(radii) + gap
    for _ in range(rounds):
        grid: dict[tuple[int, int], list[int]] = {}
        for i in range(n):
            grid.setdefault((int(px[i] // cell), int(py[i] // cell)), []).append(i)
        moved = False
        for i in range(n):
            cx, cy = int(px[i] // cell), int(py[i] // cell)
            for nx in (cx - 1, cx, cx + 1):
                for ny in (cy - 1, cy, cy + 1):
                    for j in grid.get((nx, ny), ()):
                        if j <= i:
                            continue
                        dx, dy = px[j] - px[i], py[j] - py[i]
                        distance = math.hypot(dx, dy)
                        needed = radii[i] + radii[j] + gap
                        if distance >= needed - 1e-6:
                            continue
                        if distance < 1e-9:
                            angle = 2.399963 * (i + 1)  # the golden angle: coincident dots fan out
                            dx, dy, distance = math.cos(angle), math.sin(angle), 1.0
                        push = needed - math.hypot(px[j] - px[i], py[j] - py[i])
                        area_i, area_j = radii[i] ** 2, radii[j] ** 2
                        share_i = area_j / (area_i + area_j)  # the smaller dot moves more
                        ux, uy = dx / distance, dy / distance
                        px[i] -= ux * push * share_i
                        py[i] -= uy * push * share_i
                        px[j] += ux * push * (1 - share_i)
                        py[j] += uy * push * (1 - share_i)
                        moved = True
        if not moved:
            break
    return [(px[i] - float(xs[i]), py[i] - float(ys[i])) for i in range(n)]


@dataclass(frozen=True)
class LabelSpot:
    """Where one name goes: its anchor point relative to its dot's centre, how the text hangs from it, and its box."""

    dx: float
    dy: float
    anchor: str  # "start", "middle" or "end": which part of the text is at the anchor (deck.gl's words)
    baseline: str  # "top", "center" or "bottom"
    box: tuple[float, float, float, float]  # left, top, right, bottom, in the plane's pixels
    leader: bool  # far enough from its dot to need a line to it


# (x direction, y direction, anchor, baseline): right, left, above, below, then the four diagonals.
_DIRECTIONS = (
    (1, 0, "start", "center"),
    (-1, 0, "end", "center"),
    (0, -1, "middle", "bottom"),
    (0, 1, "middle", "top"),
    (0.7071, -0.7071, "start", "bottom"),
    (-0.7071, -0.7071, "end", "bottom"),
    (0.7071, 0.7071, "start", "top"),
    (-0.7071, 0.7071, "end", "top"),
)


def _anchor_for(ux: float, uy: float) -> tuple[str, str]:
    """How text hangs from an anchor in direction (ux, uy) from its dot: away from the dot."""
    anchor = "start" if ux > 0.3 else "end" if ux < -0.3 else "middle"
    baseline = "top" if uy > 0.3 else "bottom" if uy < -0.3 else "center"
    return anchor, baseline


# Further out, with a leader line, sixteen directions: a crowded name finds a gap between its neighbours.
_LEADER_DIRECTIONS = tuple(
    (round(math.cos(a * math.pi / 8), 4), round(math.sin(a * math.pi / 8), 4), *_anchor_for(math.cos(a * math.pi / 8), math.sin(a * math.pi / 8)))
    for a in range(16)
)


def _box(x: float, y: float, width: float, height: float, anchor: str, baseline: str):
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    top = y if baseline == "top" else y - height if baseline == "bottom" else y - height / 2
    return (left, top, left + width, top + height)


def _boxes_meet(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box_meets_circle(box, x: float, y: float, r: float) -> bool:
    nearest_x, nearest_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r


def _segment_meets_box(x1, y1, x2, y2, box) -> bool:
    """Whether the segment crosses the box (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = x2 - x1, y2 - y1
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return True


def _segments_cross(a, b) -> bool:
    """Whether two segments (x1, y1, x2, y2) cross (touching at an end does not count)."""

    def side(x1, y1, x2, y2, x, y):
        return (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)

    d1, d2 = side(*b, a[0], a[1]), side(*b, a[2], a[3])
    d3, d4 = side(*a, b[0], b[1]), side(*a, b[2], b[3])
    return d1 * d2 < 0 and d3 * d4 < 0


def place_labels(
    xs,
    ys,
    radii,
    texts,
    font_px: float,
    bounds: tuple[float, float, float, float] | None = None,
    padding: float = 3.0,
    leaders: bool = True,
    obstacles: tuple[tuple[float, float, float, float], ...] = (),
    every_dot: bool = False,
) -> list[LabelSpot | None]:
    """A spot for each name, in the order given (most important first), clear of every dot and earlier name.

    Each name tries the eight sides of its dot, nearest first; with `leaders`, then further out, where a
    line joins it to its dot. A name with no free spot inside `bounds` (left, top, right, bottom) and clear
    of `obstacles` (boxes such as a legend) gets None. Boxes include `padding` on every side.

    A name is checked against the dots within its reach only (a dot further away than any of its spots and
    their lines can meet changes nothing): 31 names tried against all 31 dots in every spot took most of a
    map's first drawing. `every_dot` checks them all, as the tests do to hold the two to one answer.
    """
    all_dots = list(zip((float(x) for x in xs), (float(y) for y in ys), (float(r) for r in radii)))
    dots = all_dots
    height = font_px * LINE_HEIGHT
    taken: list[tuple[float, float, float, float]] = list(obstacles)
    lines: list[tuple[float, float, float, float]] = []
    near = 2 + 1.5 * padding  # from the dot's edge to the text: the padded box, even at a corner, stays clear of it
    # Without a leader line a name may sit a little further out, where it still reads as its dot's.
    distances = (near, near + 0.35 * height) + (
        (near + 0.8 * height, near + 1.8 * height, near + 3 * height, near + 4.5 * height) if leaders else ()
    )
    spots: list[LabelSpot | None] = []
    largest = max((r for _, _, r in all_dots), default=0.0)
    for (x, y, r), text in zip(all_dots, texts):
        width = text_width(text, font_px)
        if not every_dot:
            # How far from this dot's centre any spot tried, its box, its leader line, or the "nearer than any
            # other dot" test can reach, and a dot of the largest radius beyond that (with a pixel to spare).
            reach = 3 * (r + distances[-1]) + width + height + 2 * padding + largest + 8
            dots = [dot for dot in all_dots if abs(dot[0] - x) <= reach and abs(dot[1] - y) <= reach]
        spot = None
        for step, distance in enumerate(distances):
            for ux, uy, anchor, baseline in _DIRECTIONS if step < 2 else _LEADER_DIRECTIONS:
                ax, ay = x + ux * (r + distance), y + uy * (r + distance)
                left, top, right, bottom = _box(ax, ay, width, height, anchor, baseline)
                box = (left - padding, top - padding, right + padding, bottom + padding)
                if bounds and (box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2] or box[3] > bounds[3]):
                    continue
                if any(_boxes_meet(box, other) for other in taken):
                    continue
                if any(_box_meets_circle(box, dx, dy, dr + 1) for dx, dy, dr in dots):
                    continue
                if any(_segment_meets_box(*line, box) for line in lines):
                    continue
                leader = step > 1
                # Without a line, the end of a name that touches its dot must be clearly nearer that dot than
                # any other, or it reads as another city's name.
                if not leader and any(
                    math.hypot(ax - ox, ay - oy) - orr <= 2 * distance + 6 for ox, oy, orr in dots if (ox, oy) != (x, y)
                ):
                    continue
                start = (x + ux * r, y + uy * r)
                if leader and (
                    any(_segment_meets_box(*start, ax, ay, other) for other in taken)
                    or any(_segments_cross((*start, ax, ay), line) for line in lines)
                    or any(_segment_meets_box(*start, ax, ay, (dx - dr, dy - dr, dx + dr, dy + dr)) for dx, dy, dr in dots if (dx, dy) != (x, y))
                ):
                    continue
                spot = LabelSpot(ax - x, ay - y, anchor, baseline, box, leader)
                if leader:
                    lines.append((start[0], start[1], ax, ay))
                break
            if spot:
                break
        if spot:
            taken.append(spot.box)
        spots.append(spot)
    return spots
