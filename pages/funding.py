"""Funding: what the partnership's projects publish about money, broken down the way program officers ask."""

import streamlit as st

from ui.layout import SHOWN_ROWS, chart, download_rows, export_footnote, filter_caption, first_rows, no_match, opened_expander, people_table
from ui.page import start
from ui.url_state import control
from usascp import aggregate, charts, export
from usascp.dates import format_partial_date
from usascp.filters import describe, filter_options, select_grant_rows, select_projects
from usascp.formatting import format_usd, plural
from usascp.labels import for_download
from usascp.link_values import choice

# The funding rows as the page shows them, and as the downloads hand them out (with ids and the source's title).
SHOWN_COLUMNS = [
    "project",
    "amount_usd",
    "lead_agency",
    "sector",
    "country",
    "place",
    "recipient",
    "award_date",
    "amount_kind",
    "status",
    "relationship",
    "source_url",
    "note",
]
# The download adds the project's id and the source's title to exactly what is shown.
DOWNLOAD_COLUMNS = ["project_id", *SHOWN_COLUMNS[: SHOWN_COLUMNS.index("source_url")], "source", "source_url", "note"]

MONEY_COLUMNS = ["year", "committed_usd", "disbursed_usd", "projects_committing", "projects_disbursing", "projects_silent"]
# The money rows behind "Money over time", as downloaded: one row per transaction, with its project and source.
TRANSACTION_COLUMNS = [
    "project_id",
    "project",
    "transaction_type",
    "amount",
    "currency",
    "transaction_date",
    "fiscal_year",
    "recipient",
    "source",
    "source_url",
    "note",
]


def money_notes(money: aggregate.MoneyByYear, basis_words: str) -> list[str]:
    """What the money chart leaves out, each in one sentence: nothing is dropped without a word."""
    lines = []
    if money.rows_not_placed:
        sums = [
            f"{format_usd(total)} {kind}"
            for rows, total, kind in (
                (money.committed_rows_not_placed, money.committed_not_placed_usd, "committed"),
                (money.disbursed_rows_not_placed, money.disbursed_not_placed_usd, "disbursed"),
            )
            if rows
        ]
        why = (
            "dated by fiscal year only; choose U.S. fiscal year to place them"
            if money.basis == "calendar"
            else "dated by a year alone, which may fall in either of two fiscal years; choose Calendar year to place them"
        )
        lines.append(f"Not drawn: {plural(money.rows_not_placed, 'amount')} with no {basis_words} ({' and '.join(sums)}): {why}.")
    if money.other_currency_rows:
        lines.append(
            f"Kept aside: {plural(money.other_currency_rows, 'transaction')} in {', '.join(money.other_currencies)}, "
            "never converted to US dollars or added here."
        )
    if money.budgets_left_out:
        lines.append(f"Left out: {plural(money.budgets_left_out, 'budget')} (a plan to spend, not a commitment).")
    return lines


dataset, filters = start()
projects = select_projects(dataset, filters)
grants = select_grant_rows(dataset, filters, projects)

st.title("Funding")
filter_caption(dataset, filters)
if projects.empty:
    no_match(dataset, filters)
    st.stop()

transactions = aggregate.select_transaction_rows(dataset, projects, filters.year_from, filters.year_to)
totals = aggregate.funding_totals(dataset, projects, grants)
disclosed_col, coverage_col, silent_col = st.columns(3)
disclosed_col.metric(
    "Disclosed funding",
    format_usd(totals.disclosed_usd),
    border=True,
    help="The sum of every exact amount a public source states for the selected projects.",
)
coverage_col.metric("Projects with a published amount", f"{totals.projects_disclosing:,} of {totals.projects_total:,}", border=True)
silent_col.metric(
    "Amount not disclosed",
    plural(totals.projects_not_disclosing, "project"),
    border=True,
    help="Counted here and in every chart below, never added as zero.",
)
if totals.disclosed_usd is None:
    st.info(
        "None of the selected projects publishes an amount awarded. The breakdowns below show how many projects there are, "
        "not dollars" + ("; Money over time shows the transactions they publish." if len(transactions) else ".")
    )

labels = charts.DIMENSION_LABELS
dimension = control(
    choice("by", labels, default="sector", refusal=f"Ignored breakdown '{{value}}': not one of {', '.join(labels)}."),
    "funding_dimension",
    lambda: st.segmented_control("Break down by", list(labels), format_func=labels.get, key="funding_dimension", required=True),
)
table = aggregate.funding_by(dataset, dimension, projects, grants)
footnote = export_footnote(dataset, filters)
chart(charts.funding_bars(table, dimension), f"funding_bars_{dimension}", f"usascp-funding-by-{dimension}.png", footnote)
if expander := opened_expander(f"Table: funding by {labels[dimension].lower()}", "funding_breakdown_table"):
    with expander:
        breakdown = [dimension, "disclosed_usd", "grants", "projects_disclosing", "projects_not_disclosed"]
        people_table(table, breakdown)
        download_rows(table, breakdown, "Download CSV", f"usascp-funding-by-{dimension}.csv", key="download_breakdown")

st.header("Money over time", anchor=False)
bases = aggregate.YEAR_BASES
basis = control(
    choice("years", bases, default="calendar", refusal=f"Ignored years '{{value}}': not one of {', '.join(bases)}."),
    "funding_year_basis",
    lambda: st.segmented_control("Years", list(bases), format_func=bases.get, key="funding_year_basis", required=True),
)
basis_words = aggregate.YEAR_BASIS_WORDS[basis]
money = aggregate.money_by_year(dataset, projects, grants, transactions, basis)
st.caption(
    "Committed: commitments and obligations where a project publishes them, otherwise the amounts it was awarded. "
    "Disbursed: money paid out (disbursements and expenditures). De-obligations and reversals are netted, never dropped."
)
if money.has_money:
    chart(
        charts.money_by_year_chart(money.table, basis_words),
        f"money_by_year_{basis}",
        f"usascp-committed-disbursed-{basis}-year.png",
        footnote,
    )
else:
    st.info(f"None of the selected projects publishes an amount with a {basis_words}, so there is nothing to draw by year.")
for line in money_notes(money, basis_words):
    st.caption(line)
if money.silent_count and (expander := opened_expander(f"Projects that publish no money ({money.silent_count:,})", "funding_silent_table")):
    with expander:
        people_table(money.silent, ["title", "lead_agency", "sector", "start_date", "status"])
if expander := opened_expander(f"Table: committed and disbursed by {basis_words}", "funding_money_table"):
    with expander:
        people_table(money.table, MONEY_COLUMNS)
        download_rows(money.table, MONEY_COLUMNS, "Download CSV", f"usascp-committed-disbursed-{basis}-year.csv", key="download_money")
        if len(transactions):
            download_rows(
                # Made on click: 20,000 rows joined with their projects and sources cost 50 ms a rerun at 10,000x.
                lambda: aggregate.transaction_rows(dataset, transactions),
                TRANSACTION_COLUMNS,
                "Download the transactions (CSV)",
                "usascp-transactions.csv",
                key="download_transactions",
            )

tree = aggregate.largest_projects(dataset, projects, grants, charts.TREEMAP_PROJECTS)
if not tree.empty:
    chart(charts.funding_treemap(tree, totals.projects_not_disclosing), "funding_treemap", "usascp-funding-treemap.png", footnote)


def rows():
    """Every funding row, for the downloads: put together when one is clicked, not on every rerun."""
    return aggregate.funding_rows(dataset, projects, grants)


st.header("The rows behind these charts", anchor=False)
st.caption("One row per published amount, largest first, then one per project that publishes none. Click a column to sort.")
row_count = aggregate.funding_row_count(dataset, projects, grants)
people_table(first_rows(aggregate.funding_rows(dataset, projects, grants, limit=SHOWN_ROWS), total=row_count), SHOWN_COLUMNS)
view = describe(filters, filter_options(dataset))
notes = [
    "U.S.-ASEAN Smart Cities Partnership dashboard: funding rows",
    f"Filters: {view}",
    f"Data as of: {format_partial_date(dataset.data_as_of)}",
    f"Disclosed: {format_usd(totals.disclosed_usd)} across {totals.projects_disclosing:,} of {plural(totals.projects_total, 'project')}.",
    "Rows with an empty amount are projects that publish no amount: unknown, not zero.",
    f"Committed and disbursed: by {basis_words}; transactions in their own currency, negative for a de-obligation.",
]
csv_col, excel_col = st.columns(2)
download_rows(rows, DOWNLOAD_COLUMNS, "Download these rows (CSV)", "usascp-funding-rows.csv", container=csv_col, width="stretch")
excel_col.download_button(
    "Download these rows (Excel)",
    lambda: export.excel_bytes(
        {
            "Funding rows": for_download(rows(), DOWNLOAD_COLUMNS),
            "Committed and disbursed": for_download(money.table, MONEY_COLUMNS),
            "Transactions": for_download(aggregate.transaction_rows(dataset, transactions), TRANSACTION_COLUMNS),
        },
        notes,
    ),
    "usascp-funding-rows.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    on_click="ignore",
    width="stretch",
)
