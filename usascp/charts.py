"""Plotly figures and the one colour palette every chart and map uses.

Plotly reads HTML tags in every text it draws (titles, tick labels, hover text, annotations): names and
titles from the data go in through formatting.plotly_text, so a "<a href>" in a project title stays text.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

# Okabe-Ito: distinguishable with the common forms of colour blindness, and in greyscale by order.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
NOT_DISCLOSED_GREY = "#8C8C8C"

# One colour per ASEAN country: Okabe-Ito first, then Paul Tol's muted scheme for the rest. Eleven
# categories cannot all be told apart by every viewer, so maps also name the country in tooltips and tables.
COUNTRY_COLOURS = {
    "BRN": "#882255",
    "KHM": "#0072B2",
    "IDN": "#D55E00",
    "LAO": "#009E73",
    "MYS": "#E69F00",
    "MMR": "#332288",
    "PHL": "#56B4E9",
    "SGP": "#CC79A7",
    "THA": "#999933",
    "TLS": "#44AA99",
    "VNM": "#4D4D4D",
}

COHORT_COLOURS = {
    "original_2018_pilot": PALETTE["blue"],
    "later_member": PALETTE["orange"],
}
COHORT_LABELS = {
    "original_2018_pilot": "Original 2018 pilot city",
    "later_member": "Joined since 2023",
}
COHORT_LEGEND = {COHORT_LABELS[cohort]: COHORT_COLOURS[cohort] for cohort in COHORT_LABELS}  # label -> colour


def hex_to_rgb(colour: str, alpha: int = 255) -> list[int]:
    """ "#0072B2" -> [0, 114, 178, alpha], the form deck.gl layers take."""
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


# Categorical colours in a fixed order, for series that are not cohorts.
SERIES_COLOURS = [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "sky", "purple", "black")]
# Quoted names: an unquoted "Source Sans 3" makes the whole CSS list invalid and the browser falls back to serif.
# "Source Sans" is the font Streamlit serves itself; Liberation Sans is what a PNG rendered on Debian gets.
FONT = dict(family='"Source Sans", "Source Sans Pro", "Liberation Sans", Arial, sans-serif', size=15, color="#1A1A1A")

DIMENSION_LABELS = {"year": "Year", "agency": "Lead agency", "sector": "Sector", "country": "Country", "city": "City"}
# Names beside horizontal bars are broken into lines of about this many characters, so a long one ("Country
# level (no city named)") neither widens the margin nor crowds the bars at 1280 px.
LABEL_CHARACTERS = 20


def wrapped_label(text, width: int = LABEL_CHARACTERS, lines: int = 3) -> str:
    """A name from the data as a plotly category label: escaped (plotly_text), broken at spaces into at most
    `lines` lines of about `width` characters, the last cut with "…" only when even that is too short."""
    import textwrap

    from usascp.formatting import plotly_text

    text = str(text)
    parts = textwrap.wrap(text, width, break_on_hyphens=False) or [text]
    if len(parts) > lines:
        parts = parts[: lines - 1] + [textwrap.shorten(" ".join(parts[lines - 1 :]), width, placeholder=" …")]
    # Escaped line by line: a cut never falls inside a character reference.
    return "<br>".join(plotly_text(part) for part in parts)


def _label_lines(label: str) -> list[str]:
    """The lines of a label as drawn: <br> breaks lines, character references are one character."""
    import html

    return [html.unescape(line) for line in str(label).split("<br>")]


def _style(layout: dict, title: str, height: int) -> dict:
    """Every chart's title, type, size and margins on `layout`, and room on each of its axes for the longest
    category name (with a 10-pixel margin plotly would cut "Training & exchange")."""
    layout.update(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=18), pad=dict(l=8)),
        font=FONT,
        height=height,
        margin=dict(l=10, r=20, t=70, b=50),
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        showlegend=False,
    )
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            axis["automargin"] = True
    return layout


def _figure(data: list[dict], layout: dict):
    """A plotly Figure of traces and a layout written as plain dicts, taken as they are.

    Building a figure through plotly's objects checks every property as it is set: 15-20 ms a chart, most of
    a page's time once its data is quick. The charts written this way are checked once, by the tests, which
    build each of them again through plotly's checks (tests/test_charts.py). The figure is a PlainFigure: a page
    that only sends it never builds plotly's objects at all.
    """
    return _plain_figure_class()({"data": data, "layout": layout})


@functools.cache
def _plain_figure_class():
    """PlainFigure, made on first use: plotly is imported only by pages that draw a chart."""
    import plotly.graph_objects as go
    import plotly.io as pio

    class PlainFigure(go.Figure):
        """A go.Figure kept as the plain dicts it was written as, until something asks for plotly's objects.

        Sending a chart (st.plotly_chart) asks a figure only for `to_dict()`. A go.Figure answers from objects it
        made by deep-copying its dicts twice and copying plotly's template in: about 2 ms of a treemap's 3 on every
        rerun. This figure answers with its dicts and the template plotly would have added, the same JSON (the
        tests compare every chart's). Anything else (`.layout`, `update_layout`, a PNG) builds the go.Figure first,
        on the spot, and from then on it is one.
        """

        def __init__(self, figure: dict):  # plotly's own __init__ runs later, in __getattr__
            object.__setattr__(self, "_plain", figure)

        def __getattr__(self, name):
            # Reached only for an attribute the object does not have yet: plotly's state, made now. Not for a
            # special name such as copy's __deepcopy__, which the object rightly lacks.
            if name.startswith("__"):
                raise AttributeError(name)
            plain = self.__dict__.pop("_plain", None)
            if plain is None:
                raise AttributeError(name)
            go.Figure.__init__(self, plain, _validate=False)
            return getattr(self, name)

        def __reduce__(self):  # a copy, or a pickle, of a figure not built yet is one too
            plain = self.__dict__.get("_plain")
            return (PlainFigure, (plain,)) if plain is not None else super().__reduce__()

        def to_dict(self):
            plain = self.__dict__.get("_plain")
            if plain is None or plain["layout"].get("template") is not None or not isinstance(pio.templates.default, str):
                return super().to_dict()
            layout = _as_sent(plain["layout"])
            layout["template"] = _template_dict(pio.templates.default)
            return {"data": _as_sent(plain["data"]), "layout": layout}

    # Named as the module's own attribute (see __getattr__ below), so that pickle finds the class.
    PlainFigure.__module__, PlainFigure.__qualname__ = __name__, "PlainFigure"
    return PlainFigure


def __getattr__(name: str):
    if name == "PlainFigure":
        return _plain_figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _as_sent(value):
    """What go.Figure.to_dict() makes of `value`: a copy, with each numpy array as the typed array plotly.js reads
    (plotly's convert_to_base64, which changes its argument; this copies only the lists and dicts)."""
    from _plotly_utils.utils import is_homogeneous_array, is_skipped_key, to_typed_array_spec

    if isinstance(value, dict):
        return {
            key: item if is_skipped_key(key) else to_typed_array_spec(item) if is_homogeneous_array(item) else _as_sent(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        # A chart's long lists (2,000 labels, values, hover texts) hold plain values, which need no walk: copied whole.
        items = list(value) if set(map(type, value)) <= _PLAIN_VALUES else [_as_sent(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


_PLAIN_VALUES = {str, int, float, bool, type(None), np.float64, np.int64, np.bool_}


@functools.lru_cache(maxsize=4)
def _template_dict(name: str) -> dict:
    """The registered plotly template `name`, as a figure's to_dict() holds it (read-only: shared by every chart)."""
    import plotly.io as pio

    return pio.templates[name].to_plotly_json()


@functools.lru_cache(maxsize=32)
def _subplots_layout(**grid) -> str:
    """The layout make_subplots(**grid) makes (axes' domains and anchors, panel titles), as JSON; made once."""
    import json

    from plotly.subplots import make_subplots

    layout = make_subplots(**grid).to_plotly_json()["layout"]
    layout.pop("template", None)
    return json.dumps(layout)


def _subplots(**grid) -> dict:
    """A fresh copy of make_subplots(**grid)'s layout (grid values as tuples, to be kept)."""
    import json

    return json.loads(_subplots_layout(**grid))


def funding_bars(table, dimension: str, title: str | None = None):
    """Disclosed funding per group beside the number of projects that publish no amount.

    `table` is aggregate.funding_by(). Unknown amounts get their own panel, counted in projects: they are
    never drawn as a zero-length bar of dollars.
    """
    import math

    from usascp.formatting import format_usd

    label = DIMENSION_LABELS[dimension]
    groups = [wrapped_label(value) for value in table[dimension]]
    disclosed = [None if pd.isna(amount) else float(amount) for amount in table["disclosed_usd"]]
    silent = table["projects_not_disclosed"].astype(int).tolist()
    layout = _subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=(0.68, 0.32),
        horizontal_spacing=0.07,
        # The units are in the panel titles, and the breakdown in the chart's title: no axis titles, which
        # plotly set over long category names ("Training & exchange") and picture footnotes.
        subplot_titles=("Disclosed funding (USD)", "Not disclosed (projects)"),
    )
    data = [
        dict(
            type="bar",
            y=groups,
            x=[amount or 0 for amount in disclosed],
            orientation="h",
            marker=dict(color=PALETTE["blue"]),
            text=[format_usd(amount) if amount else "" for amount in disclosed],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="bar",
            y=groups,
            x=silent,
            orientation="h",
            marker=dict(color=NOT_DISCLOSED_GREY),
            text=[str(count) if count else "" for count in silent],
            textposition="outside",
            cliponaxis=False,
            customdata=["project" if count == 1 else "projects" for count in silent],
            hovertemplate="%{y}: %{x} %{customdata} with no published amount<extra></extra>",
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    top = max([amount or 0 for amount in disclosed] + [1])
    # Ticks stay level and few: the bars carry their own numbers, and a narrow panel at 1280 px has room for
    # about five (plotly would otherwise tilt a dozen "0 1 2 … 11" to fit them).
    layout["xaxis"].update(tickprefix="$", range=[0, top * 1.25], nticks=6, tickangle=0, gridcolor="#E5E5E5")
    most = max(silent + [1])
    layout["xaxis2"].update(range=[0, most * 1.3], dtick=max(1, math.ceil(most / 4)), tickformat="d", tickangle=0, gridcolor="#E5E5E5")
    # Groups are categories, always: plotly guesses "linear" for labels like "2020" (ticks at 2,019.5, and
    # the "Year not published" bar dropped as not a number).
    for axis in ("yaxis", "yaxis2"):
        layout[axis].update(type="category", autorange="reversed")
    lines = max(len(_label_lines(group)) for group in groups) if groups else 1
    height = 160 + (38 if lines == 1 else 24 + 17 * lines) * max(len(groups), 3)
    title = title or f"Disclosed funding by {label.lower()}, and projects that publish no amount"
    return _figure(data, _style(layout, title, height))


COMMITTED_COLOUR = PALETTE["blue"]
DISBURSED_COLOUR = PALETTE["orange"]


LABELLED_YEARS = 8  # up to this many years, each bar carries its amount; more make bars too narrow to label


def money_by_year_chart(table, basis_words: str, title: str | None = None):
    """Committed against disbursed US dollars per year, above the projects that publish no money at all.

    `table` is aggregate.money_by_year().table. A year with nothing of a kind has no bar (unknown is not
    zero); the projects that publish nothing get their own grey panel, counted by start year, so a year
    with quiet projects is visibly not a year without work (no panel when every project publishes money).
    Bars carry their amounts while there are few years; with more, the axis and the hover say them, since
    plotly would shrink each label to its narrow bar until it cannot be read.
    """
    from usascp.formatting import format_usd, format_usd_short

    years = [str(year) for year in table["year"]]
    silent = table["projects_silent"].astype(int).tolist()
    with_silent = any(silent)
    layout = _subplots(
        rows=2 if with_silent else 1,
        cols=1,
        shared_xaxes=True,
        row_heights=(0.74, 0.26) if with_silent else None,
        vertical_spacing=0.12,
        subplot_titles=("US dollars", "Projects that publish no money (by start year)") if with_silent else ("US dollars",),
    )
    labelled = len(years) <= LABELLED_YEARS
    data = []
    for column, name, colour in (
        ("committed_usd", "Committed", COMMITTED_COLOUR),
        ("disbursed_usd", "Disbursed", DISBURSED_COLOUR),
    ):
        amounts = [None if pd.isna(amount) else float(amount) for amount in table[column]]
        data.append(
            dict(
                type="bar",
                x=years,
                y=amounts,
                name=name,
                marker=dict(color=colour),
                text=[format_usd_short(amount) if amount is not None and labelled else "" for amount in amounts],
                customdata=[format_usd(amount) if amount is not None else "" for amount in amounts],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"{name} in %{{x}}: %{{customdata}}<extra></extra>",
                xaxis="x",
                yaxis="y",
            )
        )
    if with_silent:
        data.append(
            dict(
                type="bar",
                x=years,
                y=silent,
                name="Publish no money",
                marker=dict(color=NOT_DISCLOSED_GREY),
                text=[str(count) if count else "" for count in silent],
                textposition="outside",
                cliponaxis=False,
                customdata=["project starts" if count == 1 else "projects start" for count in silent],
                hovertemplate="%{y} %{customdata} in %{x} with no published money<extra></extra>",
                showlegend=False,
                xaxis="x2",
                yaxis="y2",
            )
        )
        most = max(silent)
        layout["yaxis2"].update(range=[0, most * 1.45], dtick=max(1, -(-most // 2)), tickformat="d", gridcolor="#E5E5E5")
    drawn = [float(amount) for column in ("committed_usd", "disbursed_usd") for amount in table[column].dropna()]
    top = max([abs(amount) for amount in drawn] + [1])
    lowest = min(drawn + [0])
    # The legend sits at the left above the dollars panel, level with its centred title: at the right it would lie
    # under plotly's toolbar, which appears there on hover.
    layout.update(barmode="group", legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0))
    # Ticks in the labels' own words ("$500k", "$1.5M"): plotly's SI prefixes, as format_usd_short writes them.
    layout["yaxis"].update(tickprefix="$", tickformat="~s", range=[lowest * 1.25, top * 1.25], nticks=6, gridcolor="#E5E5E5")
    # Years are categories: plotly would read "2020" as a number and drop "Year not published".
    for axis in [name for name in layout if name.startswith("xaxis")]:
        layout[axis].update(type="category", tickangle=0)
    layout = _style(layout, title or f"Committed against disbursed, by {basis_words}", 520 if with_silent else 420)
    # Two series share the panel: the legend says which is which, with room for it under the title.
    # The left margin holds the dollar ticks ("-$2.5M") even in a picture taken before automargin settles.
    layout.update(showlegend=True)
    layout["margin"] = dict(layout["margin"], t=90, l=80)
    return _figure(data, layout)


TREEMAP_PROJECTS = 40  # boxes named one by one; smaller projects are summed per agency and sector


def funding_treemap(rows, not_disclosed_count: int):
    """Disclosed funding as nested boxes: lead agency, then sector, then project.

    `rows` has lead_agency, sector, title and amount_usd (one row per project with a published amount).
    Boxes are coloured by sector; the agency and total boxes stay light so their labels read well.
    """

    from usascp.formatting import format_usd, plotly_text

    # Plain lists grouped in Python: the tree has a few dozen boxes, and a pandas groupby per agency and per
    # sector cost most of the Funding page's time.
    amounts = rows["amount_usd"].astype(float).tolist()
    agencies = [plotly_text(agency) for agency in rows["lead_agency"]]
    sectors = [plotly_text(sector) for sector in rows["sector"]]
    titles = [plotly_text(title) for title in rows["title"]]
    sector_colour = {sector: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, sector in enumerate(sorted(set(sectors)))}
    tree: dict[str, dict[str, list[int]]] = {}
    for index, (agency, sector) in enumerate(zip(agencies, sectors)):
        tree.setdefault(agency, {}).setdefault(sector, []).append(index)

    def total(indexes) -> float:
        return float(np.sum(np.array([amounts[index] for index in indexes], dtype=float)))  # as pandas adds a column

    ids, labels, parents, values, colours = ["total"], ["All disclosed funding"], [""], [total(range(len(amounts)))], ["#E8EEF3"]
    for agency in sorted(tree):
        by_agency = tree[agency]
        ids.append(agency), labels.append(agency), parents.append("total")
        values.append(total(sorted(index for indexes in by_agency.values() for index in indexes)))
        colours.append("#D5DEE7")
        for sector in sorted(by_agency):
            sector_id = f"{agency}/{sector}"
            ids.append(sector_id), labels.append(sector), parents.append(agency), values.append(total(by_agency[sector]))
            colours.append(sector_colour[sector])
            for index in by_agency[sector]:
                ids.append(f"{sector_id}/{titles[index]}"), labels.append(titles[index]), parents.append(sector_id)
                values.append(amounts[index])
                colours.append(sector_colour[sector])
    treemap = dict(
        type="treemap",
        ids=ids,
        labels=labels,
        parents=parents,
        values=values,
        branchvalues="total",
        marker=dict(colors=colours, line=dict(color="#FFFFFF", width=2)),
        customdata=[format_usd(value) for value in values],
        texttemplate="<b>%{label}</b><br>%{customdata}",
        hovertemplate="%{label}: %{customdata}<extra></extra>",
        insidetextfont=dict(size=15),
        pathbar=dict(visible=False),
    )
    subtitle = (
        f"<br><sup>Not shown: {not_disclosed_count} project{'s' if not_disclosed_count != 1 else ''} with no published amount</sup>"
        if not_disclosed_count
        else ""
    )
    title = "Disclosed funding by lead agency, sector and project (USD)" + subtitle
    return _figure([treemap], _style({"xaxis": {}, "yaxis": {}}, title, 460))


BARS_SHOWN = 25  # a bar chart of more projects than this is unreadable; pages chart the largest and list the rest


def metric_bars(table, label: str, unit: str):
    """One result metric by project: bars with the figure written on them, "+" marking lower bounds.

    `table` has project (title), value, is_lower_bound, is_approximate.
    """

    from usascp.formatting import format_counts, plotly_text

    table = table.sort_values("value", ascending=True)
    text = format_counts(table["value"], table["is_lower_bound"], table["is_approximate"])
    names = [wrapped_label(title, 34) for title in table["project"]]
    bars = dict(
        type="bar",
        y=names,
        x=table["value"].astype(float).to_numpy(),
        orientation="h",
        marker=dict(color=PALETTE["green"]),
        text=text,
        textposition="outside",
        cliponaxis=False,
        hovertext=[plotly_text(title) for title in table["project"]],
        hovertemplate="%{hovertext}: %{text}<extra></extra>",
    )
    # No axis title: the unit is in the chart's title.
    layout = {
        "xaxis": dict(range=[0, float(table["value"].max()) * 1.25], nticks=6, tickangle=0, gridcolor="#E5E5E5"),
        "yaxis": dict(automargin=True, tickfont=dict(size=14)),
    }
    note = (
        '<br><sup>A + marks a figure the source gives as a minimum ("more than").</sup>' if table["is_lower_bound"].any() else ""
    )
    lines = max(len(_label_lines(name)) for name in names)
    row = max(44, 12 + 18 * lines)
    title = f"{plotly_text(label)} by project ({plotly_text(unit)}){note}"
    return _figure([bars], _style(layout, title, 170 + row * max(len(table), 2)))


EVENT_TYPE_COLOURS = {
    "ASCN meeting": PALETTE["blue"],
    "summit": PALETTE["vermillion"],
    "conference": PALETTE["orange"],
    "workshop": PALETTE["green"],
    "training": PALETTE["purple"],
    "exchange": PALETTE["sky"],
}


def _today_line(today) -> dict:
    """A dotted line at today, named above the plot: the layout's shapes and annotations."""
    now = pd.Timestamp(today)
    return {
        "shapes": [
            dict(
                type="line",
                x0=now.timestamp() * 1000,
                x1=now.timestamp() * 1000,
                xref="x",
                y0=0,
                y1=1,
                yref="y domain",
                line=dict(color=PALETTE["black"], dash="dot"),
            )
        ],
        "annotations": [dict(x=now, y=1.02, yref="paper", text="today", showarrow=False, font=dict(size=13))],
    }


def events_timeline_chart(events, today):
    """Dated events on a time axis, one row per event type, with a line at today."""

    from usascp.formatting import plotly_text

    dated = events[events["start_day"].notna()]
    data = [
        dict(
            type="scatter",
            x=pd.to_datetime(rows["start_day"]).to_numpy(),  # the same dates a Timestamp per event gives, 10x quicker
            y=np.full(len(rows), event_type, dtype=object),
            mode="markers",
            marker=dict(size=13, color=EVENT_TYPE_COLOURS.get(event_type, PALETTE["black"]), line=dict(color="#FFFFFF", width=1)),
            hovertext=(rows["name"] + " · " + rows["city"]).map(plotly_text).to_numpy(dtype=object),
            hovertemplate="%{hovertext}<br>%{x|%b %Y}<extra></extra>",
            name=event_type,
        )
        for event_type, rows in dated.groupby("event_type")
    ]
    layout = {
        **_today_line(today),
        # No axis titles: dates and event types name themselves, and a title plotly sets beside the type names
        # can land on them.
        "xaxis": dict(gridcolor="#E5E5E5", tickangle=0),
        "yaxis": {},
    }
    return _figure(data, _style(layout, "Summits, meetings and exchanges over time", 380))


# A counted marker's width in pixels: the largest count's, by period (a month is about 20 pixels of a
# 36-month axis at 1280 px, a year about 90 of an 8-year one), and the least any count gets.
COUNT_MARKER_PX = {"month": 18, "year": 36}
COUNT_MARKER_LEAST_PX = 7
LABELLED_PERIODS = 12  # up to this many periods on the axis, each marker has its count written above it


def event_counts_chart(counts, period: str, today):
    """Events counted by type and month (or year), for more events than can be drawn one by one: a marker per
    type and period whose area grows with its count, centred in its period, with a line at today.

    `counts, period` is aggregate.events_by_period(). The title says the markers are counts; the hover gives
    each in words ("412 workshops in Mar 2024"), and with few periods each count is written above its marker.
    """
    from usascp.formatting import plotly_text, plural

    most = max(int(counts["events"].max()) if len(counts) else 1, 1)
    largest = COUNT_MARKER_PX[period]
    # The counts are written beside few markers; with more, the hover says them (and the table under the chart).
    labelled = counts["period_start"].nunique() <= LABELLED_PERIODS
    data = []
    for event_type, rows in counts.groupby("event_type", sort=True):
        numbers = rows["events"].to_numpy()
        trace = dict(
            type="scatter",
            x=rows["period_start"].to_numpy(),
            y=np.full(len(rows), event_type, dtype=object),
            # Periods, not days: each marker sits in the middle of its month or year, between the ticks.
            xperiod="M1" if period == "month" else "M12",
            xperiod0="2000-01-01",
            xperiodalignment="middle",
            mode="markers",
            marker=dict(
                size=np.maximum(largest * np.sqrt(numbers / most), COUNT_MARKER_LEAST_PX).round(1),
                color=EVENT_TYPE_COLOURS.get(event_type, PALETTE["black"]),
                line=dict(color="#FFFFFF", width=1),
            ),
            hovertext=[plotly_text(f"{plural(int(number), event_type)} in {when}") for number, when in zip(numbers, rows["period"])],
            hovertemplate="%{hovertext}<extra></extra>",
            name=event_type,
        )
        if labelled:
            written = [f"{int(number):,}" for number in numbers]
            trace.update(mode="markers+text", text=written, textposition="top center", cliponaxis=False)
        data.append(trace)
    layout = {
        **_today_line(today),
        "xaxis": dict(gridcolor="#E5E5E5", tickangle=0, ticklabelmode="period"),
        "yaxis": {},
    }
    title = (
        f"Summits, meetings and exchanges per {period}"
        f"<br><sup>Each marker counts the events of one kind in a {period}: the bigger, the more.</sup>"
    )
    return _figure(data, _style(layout, title, 400))


# An average character is about this share of the font size in the sans-serif fonts charts are drawn in.
CHARACTER_EM = 0.55


def _category_names(trace) -> list[str]:
    """The names a trace writes beside the y axis: horizontal bars' categories, or a scatter's text rows."""
    values = list(trace.y) if getattr(trace, "y", None) is not None else []
    if getattr(trace, "orientation", None) == "h" or (values and all(isinstance(value, str) for value in values)):
        return [line for value in values for line in _label_lines(value)]
    return []


def for_projector(figure, base_size: int = 24):
    """The same figure with type readable from the back of a hall: bigger fonts, thicker margins.

    The left margin is made wide enough for the longest category name at the new size here, rather than
    left to plotly's automargin: a picture is laid out once, and text placed before automargin widened the
    margin could land on the names.
    """
    figure = figure.to_dict()
    import plotly.graph_objects as go

    projected = go.Figure(figure)
    scale = base_size / FONT["size"]
    tick_size = round(base_size * 0.9)
    projected.update_layout(font=dict(size=base_size), title=dict(font=dict(size=round(18 * scale))))
    projected.update_xaxes(title_font=dict(size=base_size), tickfont=dict(size=tick_size))
    projected.update_yaxes(title_font=dict(size=base_size), tickfont=dict(size=tick_size))
    projected.update_annotations(font=dict(size=round(base_size * 0.85)))  # panel titles: two must fit side by side
    projected.update_traces(textfont=dict(size=base_size), selector=dict(type="bar"))
    projected.update_traces(textfont=dict(size=round(base_size * 0.8)), selector=dict(type="scatter"))
    projected.update_layout(legend=dict(font=dict(size=base_size)))
    names = [name for trace in projected.data for name in _category_names(trace)]
    if names:
        widest = max(len(name) for name in names) * tick_size * CHARACTER_EM
        projected.update_layout(margin=dict(l=max(projected.layout.margin.l or 0, round(widest) + 24)))
    return projected


def _height_below_plot(figure) -> float:
    """Pixels that tick labels, axis titles and a legend set under the plot area take, from their font sizes.

    Exact enough to place a footnote under them: every chart keeps its tick labels on one level line
    (tickangle=0), so their height is their font's.
    """
    base = figure.layout.font.size or FONT["size"]
    below = 0.0
    for axis in figure.select_xaxes():
        if axis.visible is False:
            continue
        size = axis.tickfont.size or base
        ticks = 0 if axis.showticklabels is False else (axis.ticklen or 5) + 1.3 * size + 4
        title = 0 if not axis.title.text else 1.3 * (axis.title.font.size or base) + 14
        below = max(below, ticks + title)
    legend = figure.layout.legend
    if figure.layout.showlegend and legend.y is not None and legend.y < 0:
        below += 1.6 * (legend.font.size or base) + 10
    return below


FOOTNOTE_CHARACTERS = 150  # a line of the footnote; plotly never wraps an annotation itself


def for_export(figure, footnote: str, base_size: int = 20):
    """A figure made for a slide or a PNG: projector-sized type and a footnote saying what it shows and when.

    The footnote goes under everything plotly sets below the plot (tick labels, axis titles, a legend),
    measured from their font sizes, and the bottom margin grows to hold it.
    """
    import textwrap

    from usascp.formatting import plotly_text

    exported = for_projector(figure, base_size)
    size = round(base_size * 0.7)
    below = _height_below_plot(exported) + 10
    lines = textwrap.wrap(footnote, FOOTNOTE_CHARACTERS) or [footnote]
    exported.add_annotation(
        text="<br>".join(plotly_text(line) for line in lines),  # names the filtered cities, which come from the data
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="top",
        yshift=-below,
        showarrow=False,
        align="left",
        font=dict(size=size, color="#4A4A4A"),
    )
    margin = exported.layout.margin
    exported.update_layout(
        height=None,
        margin=dict(b=round(below + 1.35 * size * len(lines) + 16), l=max(margin.l or 10, 20), r=max(margin.r or 20, 30)),
    )
    return exported
