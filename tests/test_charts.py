"""Plotly figures: titles that say what they show, unknown amounts never drawn as zero dollars."""

import datetime as dt
import html

import pandas as pd

from usascp import aggregate, charts


def test_funding_bars_keep_not_disclosed_in_its_own_panel(dataset):
    table = aggregate.funding_by(dataset, "sector")
    figure = charts.funding_bars(table, "sector")
    dollars, silent = figure.data
    assert figure.layout.title.text == "Disclosed funding by sector, and projects that publish no amount"
    assert list(dollars.y) == [html.escape(sector) for sector in table["sector"]]  # plotly shows "&amp;" as "&"
    water = list(dollars.y).index("Water")
    assert dollars.text[water] == ""  # no "$0" label for a sector with no published amount
    assert silent.x[water] == 2 and silent.marker.color == charts.NOT_DISCLOSED_GREY
    assert dollars.text[0] == "$4.0M"
    assert figure.layout.xaxis.title.text == "USD" and figure.layout.xaxis2.title.text == "projects"


def test_treemap_nests_agency_sector_project(dataset):
    rows = aggregate.funding_rows(dataset)
    rows = rows[rows["amount_usd"].notna()].rename(columns={"project": "title"})
    figure = charts.funding_treemap(rows, 15)
    tree = figure.data[0]
    assert tree.values[0] == 4_398_750 and tree.customdata[0] == "$4.4M"
    assert "State/Health/Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare" in tree.ids
    assert "Not shown: 15 projects with no published amount" in figure.layout.title.text


def test_metric_bars_mark_lower_bounds():
    table = pd.DataFrame(
        {"project": ["A", "B"], "value": [100_000.0, 867.0], "is_lower_bound": [True, False], "is_approximate": [False, False]}
    )
    figure = charts.metric_bars(table, "Records digitized", "records")
    assert list(figure.data[0].text) == ["867", "100,000+"]
    assert figure.layout.title.text.startswith("Records digitized by project (records)")
    assert "minimum" in figure.layout.title.text


def test_events_chart_has_one_series_per_type_and_a_today_line(dataset):
    timeline = aggregate.events_timeline(dataset.events, dt.date(2026, 11, 25))
    figure = charts.events_timeline_chart(timeline, dt.date(2026, 11, 25))
    assert {trace.name for trace in figure.data} == set(dataset.events["event_type"])
    assert sum(len(trace.x) for trace in figure.data) == 29  # two events have no published date
    assert figure.layout.annotations[0].text == "today"


def test_palette_is_defined_once_and_covers_every_country():
    from usascp.schema import ASEAN_COUNTRIES

    assert set(charts.COUNTRY_COLOURS) == set(ASEAN_COUNTRIES)
    assert len(set(charts.COUNTRY_COLOURS.values())) == len(charts.COUNTRY_COLOURS)


def test_export_figure_has_projector_type_and_a_footnote(dataset):
    from usascp import aggregate

    figure = charts.funding_bars(aggregate.funding_by(dataset, "sector"), "sector")
    exported = charts.for_export(figure, "USASCP dashboard · Cambodia · data as of Nov 2026")
    assert exported.layout.font.size == 20
    assert exported.layout.annotations[-1].text == "USASCP dashboard · Cambodia · data as of Nov 2026"
    assert figure.layout.font.size == charts.FONT["size"]  # the page's figure is left as it was


def test_chart_font_list_is_valid_css():
    # An unquoted family name with a digit ("Source Sans 3") invalidates the whole list: browsers fall back to serif.
    for family in charts.FONT["family"].split(","):
        family = family.strip()
        assert family.startswith('"') or all(not ch.isdigit() for ch in family), family


