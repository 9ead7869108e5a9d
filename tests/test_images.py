"""PNG pictures drawn by kaleido in the system Chromium, offline."""

import io

import pytest
from PIL import Image

from usascp import aggregate, charts, images

needs_chromium = pytest.mark.skipif(images.browser_path() is None, reason="drawing pictures needs Chromium")


@needs_chromium
def test_a_chart_becomes_a_16_by_9_png_with_its_footnote(dataset):
    figure = charts.funding_bars(aggregate.funding_by(dataset, "sector"), "sector")
    exported = charts.for_export(figure, "U.S.-ASEAN Smart Cities Partnership dashboard · All USASCP projects")
    png = images.figure_png(exported)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png)).size == images.SLIDE_SIZE


@needs_chromium
def test_several_pictures_share_one_browser(dataset):
    figures = [charts.funding_bars(aggregate.funding_by(dataset, d), d) for d in ("sector", "agency")]
    pngs = images.figures_png(figures, 800, 450, scale=2)
    assert [Image.open(io.BytesIO(png)).size for png in pngs] == [(1600, 900), (1600, 900)]


def test_without_a_browser_the_reason_is_given(monkeypatch, dataset):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert images.browser_path() is None
    with pytest.raises(images.ImageUnavailable, match="Chromium"):
        images.figure_png(charts.funding_bars(aggregate.funding_by(dataset, "sector"), "sector"))
