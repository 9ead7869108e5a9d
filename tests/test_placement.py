"""Dots moved apart and names placed clear of each other: the geometry every map and picture relies on."""

import math

from usascp import placement


def _overlapping_pairs(xs, ys, radii):
    return [
        (i, j)
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if math.hypot(xs[j] - xs[i], ys[j] - ys[i]) < radii[i] + radii[j] - 1e-6
    ]


def test_text_width_follows_the_letters():
    assert placement.text_width("Singapore", 20) == 20 * (667 + 222 + 556 + 556 + 556 + 556 + 556 + 333 + 556) / 1000
    assert placement.text_width("iii", 20) < placement.text_width("MMM", 20)
    assert placement.text_width("Đà Nẵng", 20) > placement.text_width("Da Nang", 20) * 0.9  # accents counted wide


def test_web_mercator_pixels_match_the_map_views():
    x, y = placement.web_mercator_px(0, 0, 0)
    assert (x, y) == (256, 256)
    east, _ = placement.web_mercator_px(90, 0, 1)
    assert east == 768
    _, north = placement.web_mercator_px(0, 60, 0)
    assert north < 256  # y grows downwards


def test_separate_moves_overlapping_dots_apart_and_leaves_the_others():
    # Johor Bahru and Singapore at the region's zoom: 3 pixels apart, 8-pixel dots.
    xs, ys, radii = [100.0, 101.0, 300.0], [100.0, 103.0, 300.0], [8.0, 8.0, 8.0]
    offsets = placement.separate(xs, ys, radii, gap=2)
    moved_x = [x + dx for x, (dx, _) in zip(xs, offsets)]
    moved_y = [y + dy for y, (_, dy) in zip(ys, offsets)]
    assert _overlapping_pairs(xs, ys, radii) == [(0, 1)]
    assert _overlapping_pairs(moved_x, moved_y, [r + 1 for r in radii]) == []
    assert offsets[2] == (0.0, 0.0)
    assert max(math.hypot(*o) for o in offsets) < 16  # moved by about a dot, no more


def test_separate_parts_dots_at_the_same_spot_the_same_way_every_time():
    first = placement.separate([50, 50, 50], [50, 50, 50], [6, 6, 6])
    assert first == placement.separate([50, 50, 50], [50, 50, 50], [6, 6, 6])
    assert len({(round(dx, 3), round(dy, 3)) for dx, dy in first}) == 3


def test_smaller_dots_move_more():
    offsets = placement.separate([0.0, 10.0], [0.0, 0.0], [20.0, 5.0])
    assert abs(offsets[1][0]) > abs(offsets[0][0]) > 0


def test_names_sit_clear_of_every_dot_and_each_other():
    # Three close cities (Battambang, Siem Reap, Phnom Penh at a country zoom) and a lone one.
    xs, ys, radii = [100, 130, 190, 600], [200, 185, 260, 100], [8, 8, 10, 8]
    texts = ["Battambang", "Siem Reap", "Phnom Penh", "Vientiane"]
    spots = placement.place_labels(xs, ys, radii, texts, 17, bounds=(0, 0, 800, 450))
    assert all(spots)
    boxes = [spot.box for spot in spots]
    for i, box in enumerate(boxes):
        assert 0 <= box[0] and box[2] <= 800 and 0 <= box[1] and box[3] <= 450
        for other in boxes[i + 1 :]:
            assert not placement._boxes_meet(box, other)
        for x, y, r in zip(xs, ys, radii):
            assert not placement._box_meets_circle(box, x, y, r)
    assert spots[3].dx > 0 and spots[3].anchor == "start" and not spots[3].leader  # a lone name: right of its dot


def test_a_crowded_name_moves_out_with_a_leader_line_or_gives_up():
    # Four dots on the diagonals of a centre dot: no side of it has room, but a line can pass between them.
    xs = [200] + [200 + 26 * math.cos((a + 0.5) * math.pi / 2) for a in range(4)]
    ys = [200] + [200 + 26 * math.sin((a + 0.5) * math.pi / 2) for a in range(4)]
    spots = placement.place_labels(xs, ys, [8] * 5, ["Centre"], 15)
    assert spots[0].leader and math.hypot(spots[0].dx, spots[0].dy) > 25
    assert placement.place_labels(xs, ys, [8] * 5, ["Centre"], 15, leaders=False) == [None]


def test_obstacles_such_as_the_legend_are_kept_clear():
    free = placement.place_labels([100], [20], [6], ["Manila"], 17)[0]
    blocked = placement.place_labels([100], [20], [6], ["Manila"], 17, obstacles=(free.box,))[0]
    assert blocked and not placement._boxes_meet(blocked.box, free.box)


def test_names_checked_against_the_dots_within_reach_are_placed_as_when_checked_against_every_dot():
    import random

    rng = random.Random(11)
    words = ["Manila", "Ho Chi Minh City", "Johor Bahru", "Bandar Seri Begawan", "Vientiane", "Cebu", "Hue", "Phnom Penh"]
    for case in range(60):
        count = rng.randint(1, 40)
        spread = rng.choice((60, 200, 600))
        xs = [rng.uniform(0, spread) for _ in range(count)]
        ys = [rng.uniform(0, spread * 0.6) for _ in range(count)]
        radii = [rng.choice((4, 7, 12, 20)) for _ in range(count)]
        texts = [rng.choice(words) for _ in range(count)]
        options = dict(leaders=case % 2 == 0, bounds=(0, 0, spread, spread * 0.6) if case % 3 == 0 else None)
        near = placement.place_labels(xs, ys, radii, texts, 15, **options)
        assert near == placement.place_labels(xs, ys, radii, texts, 15, every_dot=True, **options), case
