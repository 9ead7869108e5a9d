"""Impact: what the projects achieved, as the sources report it, each figure with its date and source."""

import streamlit as st

from ui.layout import SHOWN_ROWS, chart, download_rows, export_footnote, filter_caption, first_rows, no_match, opened_expander, people_table
from ui.page import start
from ui.url_state import control
from usascp import aggregate, charts
from usascp.dates import format_partial_date
from usascp.filters import select_projects
from usascp.formatting import format_count, format_counts, format_usd, markdown_text, plural
from usascp.link_values import choice

dataset, filters = start()
projects = select_projects(dataset, filters)

st.title("Impact")
filter_caption(dataset, filters)
if projects.empty:
    no_match(dataset, filters)
    st.stop()

# What the cards and the table say of a total: its flags, how many figures, and how recent (no sources).
DETAILS_SHOWN = ("is_lower_bound", "is_approximate", "figures", "as_of")
totals = aggregate.metric_totals(dataset, projects=projects, columns=DETAILS_SHOWN)
if totals.empty:
    st.info("None of the selected projects publishes a result figure.")
    st.stop()

rank = {metric: i for i, metric in enumerate(aggregate.HEADLINE_METRICS)}
headline = totals.assign(_rank=totals["metric"].map(rank).fillna(len(rank))).sort_values(["_rank", "metric"]).head(6)
columns = st.columns(3) + st.columns(3)
for column, row in zip(columns, headline.itertuples()):
    value = (
        format_usd(row.value) if row.metric.endswith("_usd") else format_count(row.value, row.is_lower_bound, row.is_approximate)
    )
    column.metric(
        markdown_text(aggregate.metric_label(row.metric)),
        value,
        border=True,
        help=f"Added up over {plural(row.figures, 'figure')}; latest as of {format_partial_date(row.as_of)}.",
    )
st.caption('Totals add results only, each once; a + means at least one figure is a minimum given as "more than".')

# The totals and the totals by project add up the same figures, so they name the same results.
labels = {metric: aggregate.metric_label(metric) for metric in sorted(totals["metric"].unique())}
default = "records_digitized" if "records_digitized" in labels else next(iter(labels))
metric = control(
    choice("result", labels, default=default, refusal="Ignored result '{value}': no selected project publishes it."),
    "impact_metric",
    lambda: st.selectbox("Show a result by project", list(labels), format_func=labels.get, key="impact_metric"),
)
# Only the chosen result is added up by project: every result's totals by project took a third of the rerun.
rows = aggregate.metric_rows(dataset, projects, metric)
chosen = aggregate.metric_totals(dataset, by="project", rows=rows, columns=(*DETAILS_SHOWN, "title"))
chosen = chosen.rename(columns={"title": "project"})
units = aggregate.metric_units(dataset, projects, metric, rows)
unit = units[0] if len(units) == 1 else "as reported"
top = aggregate.largest(chosen, "value", charts.BARS_SHOWN)
if len(chosen) > len(top):
    st.caption(f"The chart shows the {len(top)} largest of {len(chosen):,} projects; the table below has them all.")
chart(
    charts.metric_bars(top, labels[metric], unit),
    f"impact_{metric}",
    f"usascp-{metric}.png",
    export_footnote(dataset, filters),
)
if expander := opened_expander(f"Table: {markdown_text(labels[metric].lower())} by project", "impact_projects_table"):
    with expander:
        listed = first_rows(chosen.sort_values("value", ascending=False), "projects")
        shown = listed.assign(figure=format_counts(listed["value"], listed["is_lower_bound"], listed["is_approximate"]))
        people_table(shown, ["project", "figure", "figures", "as_of"])

st.header("Every published figure", anchor=False)
st.caption(
    "Results, targets and context, including second reports of the same result (not counted twice). Each links to its source."
)
# Only the rows shown are put together on each rerun; the download builds them all when clicked.
shown = first_rows(
    aggregate.figures_table(dataset, projects, limit=SHOWN_ROWS), "figures", aggregate.figures_count(dataset, projects)
)
display = shown.assign(
    figure=format_counts(shown["value"], shown["is_lower_bound"], shown["is_approximate"]),
)
people_table(display, ["project", "label", "figure", "unit", "value_type", "as_of", "counted", "url", "note"])
download_rows(
    lambda: aggregate.figures_table(dataset, projects),
    aggregate.FIGURE_COLUMNS,
    "Download these figures (CSV)",
    "usascp-impact-figures.csv",
)
