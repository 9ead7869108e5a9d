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
    # The units are in the panel titles; axis titles, which plotly set over long names and footnotes, are gone.
    assert [annotation.text for annotation in figure.layout.annotations] == [
        "Disclosed funding (USD)",
        "Not disclosed (projects)",
    ]
    assert not any(axis.title.text for axis in (*figure.select_xaxes(), *figure.select_yaxes()))


def test_year_bars_are_categories_and_keep_the_year_not_published(dataset):
    table = aggregate.funding_by(dataset, "year")
    figure = charts.funding_bars(table, "year")
    dollars, silent = figure.data
    assert figure.layout.yaxis.type == "category"  # never "2,019.5": years are labels, not numbers
    assert list(silent.y) == ["2019", "2020", "2022", "2023", "2024", aggregate.YEAR_UNKNOWN]
    assert silent.x[-1] == 2 and sum(silent.x) == 15  # what the "Amount not disclosed" card counts


def test_a_single_year_is_one_category(dataset):
    projects = dataset.projects[dataset.projects["project_id"] == "khm_hospital_digitization"]
    figure = charts.funding_bars(aggregate.funding_by(dataset, "year", projects), "year")
    assert list(figure.data[0].y) == ["2020"] and figure.layout.yaxis.type == "category"


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
    timeline = aggregate.events_timeline(dataset, dataset.events, dt.date(2026, 11, 25))
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


def test_exported_breakdowns_leave_no_text_to_set_over_other_text(dataset):
    """The layout behind readable pictures (tests/browser/test_chart_pictures.py measures the drawn text): no
    axis titles, which plotly set over long names and the footnote; level ticks, few enough for a narrow
    panel; long names wrapped beside their bars; the footnote under the tick labels."""
    for dimension in charts.DIMENSION_LABELS:
        exported = charts.for_export(charts.funding_bars(aggregate.funding_by(dataset, dimension), dimension), "What and when")
        assert not any(axis.title.text for axis in (*exported.select_xaxes(), *exported.select_yaxes())), dimension
        assert [axis.tickangle for axis in exported.select_xaxes()] == [0, 0], dimension
        projects_axis = exported.layout.xaxis2
        assert (projects_axis.range[1] - projects_axis.range[0]) / projects_axis.dtick <= 6, dimension
        lines = [html.unescape(line) for name in exported.data[0].y for line in name.split("<br>")]
        assert max(len(line) for line in lines) <= charts.LABEL_CHARACTERS, dimension
        footnote = exported.layout.annotations[-1]
        assert footnote.text == "What and when" and -footnote.yshift >= 1.3 * exported.layout.xaxis.tickfont.size + 5
    city = charts.funding_bars(aggregate.funding_by(dataset, "city"), "city")
    assert "Country level (no<br>city named)" in city.data[0].y


def test_long_names_are_wrapped_not_cut():
    assert charts.wrapped_label("Regional (ASEAN-wide)") == "Regional<br>(ASEAN-wide)"  # never broken at a hyphen
    assert charts.wrapped_label("Training & exchange") == "Training &amp; exchange"
    hospital = "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare"
    assert charts.wrapped_label(hospital, 34).replace("<br>", " ") == hospital


def every_chart(dataset) -> dict:
    """One of each chart the pages draw, from data/, by name."""
    projects = aggregate.select_projects(dataset, tuple(aggregate.RELATIONSHIPS))
    by_project = aggregate.metric_totals(dataset, by="project", projects=projects)
    trained = by_project[by_project["metric"] == "professionals_trained"].merge(
        dataset.projects[["project_id", "title"]].rename(columns={"title": "project"}), on="project_id"
    )
    from many_events import many_events, with_events

    events = aggregate.events_timeline(dataset, dataset.events, dt.date(2026, 11, 25))
    many = with_events(dataset, many_events(dataset.events))
    figures = {
        **{
            f"bars by {dimension}": charts.funding_bars(aggregate.funding_by(dataset, dimension), dimension)
            for dimension in charts.DIMENSION_LABELS
        },
        **{
            f"money by {basis} year": charts.money_by_year_chart(
                aggregate.money_by_year(dataset, projects, basis=basis).table, basis
            )
            for basis in aggregate.YEAR_BASES
        },
        "treemap": charts.funding_treemap(aggregate.largest_projects(dataset, projects, None, charts.TREEMAP_PROJECTS), 15),
        "metric bars": charts.metric_bars(trained, "Professionals trained", "people"),
        "events": charts.events_timeline_chart(events, dt.date(2026, 11, 25)),
        "event counts": charts.event_counts_chart(*aggregate.events_by_period(many, many.events), dt.date(2026, 11, 25)),
    }
    assert len(trained) and len(events)
    return figures


def test_every_chart_written_as_dicts_passes_plotlys_own_checks_unchanged(dataset):
    """The charts are built from plain dicts without plotly's per-property checks (charts._figure), for speed.
    Here each goes through those checks once: a misspelt or mistyped property fails, and nothing is coerced."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    for name, figure in every_chart(dataset).items():
        checked = go.Figure(figure.to_dict())  # raises on any property plotly does not know, or a value of the wrong kind
        assert json.loads(pio.to_json(checked)) == json.loads(pio.to_json(figure)), name


def test_a_chart_sent_as_its_dicts_is_the_json_plotlys_figure_would_send(dataset, monkeypatch):
    """A page sends a chart without building plotly's objects (charts.PlainFigure): what st.plotly_chart sends
    (plotly.io.to_json of to_dict()) must be what the go.Figure of the same dicts sends, template and all, under
    plotly's default template and Streamlit's (which the app sets when it imports Streamlit)."""
    import copy
    import json
    import pickle

    import plotly.graph_objects as go
    import plotly.io as pio
    import streamlit.elements.plotly_chart  # noqa: F401  registers the "streamlit" template

    for template in ("plotly", "streamlit", "none"):
        monkeypatch.setattr(pio.templates, "default", template)
        for name, figure in every_chart(dataset).items():
            fresh = copy.deepcopy(figure)
            assert "_plain" in figure.__dict__, f"{name}: built before it was sent"
            built = go.Figure(figure.__dict__["_plain"], _validate=False)  # as charts._figure made it before
            sent, expected = (json.loads(pio.to_json(each.to_dict(), validate=False)) for each in (figure, built))
            assert sent == expected, (template, name)  # keys in another order, which JSON does not mind
            assert "_plain" in figure.__dict__  # sending it built nothing
            # Anything else builds the go.Figure on the spot, and it is one from then on.
            assert fresh.layout.title.text == built.layout.title.text and "_plain" not in fresh.__dict__
            fresh.update_layout(height=123)
            assert fresh.to_dict()["layout"]["height"] == 123 and isinstance(fresh, go.Figure)
    # A figure a cache keeps is pickled: built or not, it comes back the same.
    figure = every_chart(dataset)["treemap"]
    copied = pickle.loads(pickle.dumps(figure))
    assert "_plain" in copied.__dict__ and json.loads(pio.to_json(copied.to_dict())) == json.loads(pio.to_json(figure.to_dict()))
    assert figure.layout.height == 460  # built
    assert json.loads(pio.to_json(pickle.loads(pickle.dumps(figure)))) == json.loads(pio.to_json(figure)) == json.loads(pio.to_json(copied))


def test_past_a_few_hundred_events_the_timeline_counts_them_per_type_and_month(dataset):
    """615 made-up events (tests/many_events.py): a marker per type and month, its area growing with its count,
    the count in words on hover, and a title that says the markers are counts."""
    from many_events import many_events, with_events

    many = with_events(dataset, many_events(dataset.events))
    assert len(many.events) > aggregate.EVENTS_DRAWN_ONE_BY_ONE >= len(dataset.events)  # the shipped data: one by one
    counts, period = aggregate.events_by_period(many, many.events)
    assert period == "month"
    assert counts[["event_type", "period", "events"]].values.tolist() == [
        ["summit", "Mar 2024", 60],  # its source names only the month
        ["workshop", "Mar 2024", 400],
        ["workshop", "Apr 2024", 150],
    ]  # the 5 undated workshops have no place on a time axis
    assert list(counts["period_start"].dt.strftime("%Y-%m-%d")) == ["2024-03-01", "2024-03-01", "2024-04-01"]
    # The same counts from the timeline's rows, numbered afresh, as from the dataset's own.
    timeline = aggregate.events_timeline(many, many.events, dt.date(2026, 11, 25))
    pd.testing.assert_frame_equal(aggregate.events_by_period(many, timeline)[0], counts)

    figure = charts.event_counts_chart(counts, period, dt.date(2026, 11, 25))
    summit, workshop = figure.data
    assert (summit.name, workshop.name) == ("summit", "workshop")
    assert list(workshop.hovertext) == ["400 workshops in Mar 2024", "150 workshops in Apr 2024"]
    assert list(summit.hovertext) == ["60 summits in Mar 2024"]
    # Area with the count: the largest count gets the month's largest marker, 150 of 400 sqrt(150/400) of it.
    assert list(workshop.marker.size) == [18.0, 11.0] and list(summit.marker.size) == [7.0]  # 6.97 px: the least
    assert (workshop.xperiod, workshop.xperiodalignment) == ("M1", "middle")
    assert list(workshop.text) == ["400", "150"] and workshop.mode == "markers+text"  # few periods: counts written
    assert figure.layout.title.text.startswith("Summits, meetings and exchanges per month<br><sup>Each marker counts")
    assert figure.layout.annotations[0].text == "today"


def test_counted_events_span_years_or_give_only_a_year_are_counted_per_year(dataset):
    from many_events import many_events, with_events

    long_span = with_events(
        dataset, many_events(dataset.events, (("symposium_2023", "2019-06-01", 300), ("symposium_2023", "2024-03-05", 300)))
    )
    counts, period = aggregate.events_by_period(long_span, long_span.events)
    assert period == "year" and counts[["period", "events"]].values.tolist() == [["2019", 300], ["2024", 300]]
    year_only = with_events(
        dataset, many_events(dataset.events, (("symposium_2023", "2024", 300), ("symposium_2023", "2024-03-05", 300)))
    )
    counts, period = aggregate.events_by_period(year_only, year_only.events)
    assert period == "year" and counts[["period", "events"]].values.tolist() == [["2024", 600]]  # never all in January
    figure = charts.event_counts_chart(counts, period, dt.date(2026, 11, 25))
    assert figure.data[0].xperiod == "M12" and list(figure.data[0].hovertext) == ["600 workshops in 2024"]
    assert list(figure.data[0].text) == ["600"]
    assert "per year" in figure.layout.title.text


def test_a_counted_timeline_stays_small_however_many_events_and_escapes_its_words(dataset):
    """Its size follows types x periods, not events: 100 times the events, the same markers."""
    from many_events import many_events, with_events

    kinds = ("symposium_2023", "africities_2022", "ipbf_2020")  # a workshop, a summit, a conference
    months = [f"{2023 + month // 12}-{month % 12 + 1:02d}-10" for month in range(6, 24)]  # Jul 2023 to Dec 2024
    calendar = [(event_id, start, 2) for start in months for event_id in kinds]
    few = with_events(dataset, many_events(dataset.events, calendar))
    lots = with_events(dataset, many_events(dataset.events, [(event_id, start, 200) for event_id, start, _ in calendar]))
    today = dt.date(2026, 11, 25)
    small = charts.event_counts_chart(*aggregate.events_by_period(few, few.events), today)
    large = charts.event_counts_chart(*aggregate.events_by_period(lots, lots.events), today)
    assert len(lots.events) == 10_800 and sum(len(trace.x) for trace in large.data) == 54  # 3 types x 18 months
    assert len(large.to_json()) < 1.1 * len(small.to_json()) < 20 * 1024  # only the counts' digits differ
    assert large.data[0].mode == "markers" and large.data[0].text is None  # 18 months: the hover says the counts
    # One marker per event would pass the 200 KiB a chart at 10,800 events.
    assert len(charts.events_timeline_chart(aggregate.events_timeline(lots, lots.events, today), today).to_json()) > 200 * 1024

    hostile = lots.events.assign(event_type=lots.events["event_type"].str.replace("workshop", "<b>workshop</b>"))
    counted = charts.event_counts_chart(*aggregate.events_by_period(with_events(dataset, hostile), hostile), today)
    marked = next(trace for trace in counted.data if trace.name == "<b>workshop</b>")
    assert marked.hovertext[0] == "200 &lt;b&gt;workshop&lt;/b&gt;s in Jul 2023"  # plotly shows it as typed
    assert not any("<b>" in text for trace in counted.data for text in trace.hovertext)
