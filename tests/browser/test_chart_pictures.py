"""Chart pictures and on-page charts with no text over other text, measured where plotly sets it (figure_text).

What a viewer saw before: the PNG's footnote through the "USD" axis title, the rotated "Sector" title over
"Training & exchange", and at 1280 px the Country and City breakdowns with a dozen rotated ticks crammed
under a narrow panel. Each chart is drawn as the PNG download draws it (for_export, 1600x900), as the page
draws it at 1280 and 1920 px wide, and as the Funding slide draws it.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest
from figure_text import FigureMeasurer, clashes, outside

from usascp import aggregate, charts, images
from usascp.filters import Filters, select_events, select_grants, select_projects
from usascp.presentation import build_slides

FOOTNOTE = "U.S.-ASEAN Smart Cities Partnership dashboard · All USASCP projects · data as of Nov 2026"
# The width plotly gets in the main column: 1280 and 1920 px windows with the sidebar open, and the slide.
PAGE_WIDTHS = {"1280": 830, "1920": 1470}
SLIDE_WIDTH = 1120


@pytest.fixture(scope="module")
def measurer(browser):
    return FigureMeasurer(browser)


def funding_figures(dataset):
    projects = select_projects(dataset, Filters())
    grants = select_grants(dataset, Filters(), projects)
    figures = {
        f"funding by {dimension}": charts.funding_bars(aggregate.funding_by(dataset, dimension, projects, grants), dimension)
        for dimension in charts.DIMENSION_LABELS
    }
    # Money over time with the sister programs too, so both series have bars (the STIC awards' disbursements).
    related = select_projects(dataset, Filters(include_related=True))
    for basis, words in aggregate.YEAR_BASIS_WORDS.items():
        money = aggregate.money_by_year(dataset, related, select_grants(dataset, Filters(include_related=True), related), basis=basis)
        figures[f"money by {words}"] = charts.money_by_year_chart(money.table, words)
    return figures


def every_chart(dataset):
    """Every chart a page offers as a PNG (the maps have their own tests), built as the pages build them."""
    figures = funding_figures(dataset)
    tree = aggregate.largest_projects(dataset, *_selection(dataset), charts.TREEMAP_PROJECTS)
    figures["funding treemap"] = charts.funding_treemap(tree, 15)
    by_project = aggregate.metric_totals(dataset, by="project")
    for metric in sorted(by_project["metric"].unique()):
        chosen = by_project[by_project["metric"] == metric].merge(dataset.projects[["project_id", "title"]], on="project_id")
        top = chosen.rename(columns={"title": "project"}).nlargest(charts.BARS_SHOWN, "value")
        figures[f"results: {metric}"] = charts.metric_bars(top, aggregate.metric_label(metric), "units")
    events = aggregate.events_timeline(dataset, select_events(dataset, Filters()), dt.date(2026, 11, 25))
    figures["events timeline"] = charts.events_timeline_chart(events, dt.date(2026, 11, 25))
    return figures


def _selection(dataset):
    projects = select_projects(dataset, Filters())
    return projects, select_grants(dataset, Filters(), projects)


def unreadable(texts, width, height) -> list[str]:
    """What a viewer could not read: text over text, text cut by the edge, tilted tick labels."""
    rotated = [f"{t.text!r} tilted" for t in texts if t.rotated and t.role in ("xtick", "ytick")]
    return clashes(texts) + [f"{cut} cut by the edge" for cut in outside(texts, width, height)] + rotated


def before_automargin(figure):
    """The figure as plotly lays it out before automargin has pushed the margins out for long labels.

    A picture is taken once: kaleido has drawn PNGs in this state (the "USD" axis title 70 px under the
    plot and through the footnote, "Sector" over "Training & exchange"), so a picture must read well in it too.
    """
    unsettled = go.Figure(figure)
    unsettled.update_xaxes(automargin=False)
    unsettled.update_yaxes(automargin=False)
    return unsettled


@pytest.mark.skipif(images.browser_path() is None, reason="needs Chromium")
def test_chart_pictures_have_no_text_over_text(measurer, dataset):
    problems = []
    for name, figure in every_chart(dataset).items():
        exported = charts.for_export(figure, FOOTNOTE)
        for state, drawn in (("settled", exported), ("before automargin", before_automargin(exported))):
            texts = measurer.texts(drawn, *images.SLIDE_SIZE, picture=True)
            footnote = next(t for t in texts if t.text == FOOTNOTE)
            above = [
                f"{t.text!r} ({t.role}) below the footnote" for t in texts if t is not footnote and t.box[3] > footnote.box[1]
            ]
            problems += [f"{name} as a PNG, {state}: {problem}" for problem in unreadable(texts, *images.SLIDE_SIZE) + above]
    assert problems == []


def test_funding_breakdowns_on_the_page_have_no_text_over_text(measurer, dataset):
    problems = []
    for name, figure in funding_figures(dataset).items():
        for size, width in PAGE_WIDTHS.items():
            height = figure.layout.height
            problems += [
                f"{name} at {size}: {problem}" for problem in unreadable(measurer.texts(figure, width, height), width, height)
            ]
    assert problems == []


def test_the_funding_slide_chart_has_no_text_over_text(measurer, dataset):
    from ui.slides import funding_slide_figure

    (slide,) = build_slides(dataset, Filters(), dt.date(2026, 11, 25), keys=("funding",))
    figure = funding_slide_figure(slide.table)
    height = figure.layout.height
    assert unreadable(measurer.texts(figure, SLIDE_WIDTH, height), SLIDE_WIDTH, height) == []
