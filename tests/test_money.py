"""Money over time: committed against disbursed by calendar or U.S. fiscal year, from the shipped data and odd rows."""

import dataclasses

import pandas as pd
import pytest

from usascp import aggregate, charts
from usascp.dates import fiscal_year_of
from usascp.formatting import format_usd, format_usd_short


def with_transactions(dataset, rows):
    """The shipped dataset with these transactions instead of its own (each row a dict of the table's columns)."""
    columns = list(dataset.transactions.columns)
    frame = pd.DataFrame([{column: row.get(column) for column in columns} for row in rows], columns=columns)
    frame = frame.astype({"amount": "Float64", "fiscal_year": "Int64"})
    return dataclasses.replace(dataset, transactions=frame)


def row(transaction_id, project_id, kind, amount, date=None, fiscal_year=None, currency="USD"):
    return {
        "transaction_id": transaction_id,
        "project_id": project_id,
        "transaction_type": kind,
        "amount": amount,
        "currency": currency,
        "transaction_date": date,
        "fiscal_year": fiscal_year,
        "source_id": "usascp_home",
    }


def by_year(money):
    return {
        year: (None if pd.isna(committed) else committed, None if pd.isna(disbursed) else disbursed, silent)
        for year, committed, disbursed, silent in money.table[["year", "committed_usd", "disbursed_usd", "projects_silent"]].itertuples(index=False)
    }


@pytest.mark.parametrize(
    ("date", "expected"),
    [("2023-09", 2023), ("2023-10", 2024), ("2023-10-01", 2024), ("2024-09-30", 2024), ("2023", None), (None, None), ("2023-13", None)],
)
def test_a_date_falls_in_the_fiscal_year_that_ends_in_september(date, expected):
    assert fiscal_year_of(date) == expected


def test_shipped_usascp_projects_by_calendar_year(dataset):
    money = aggregate.money_by_year(dataset, aggregate.select_projects(dataset))
    table = by_year(money)
    # G001 $98,750 (Oct 2020), G002 $1M (Feb 2022) and G004 $300,000 (Dec 2022), G003 $3M (28 Oct 2024).
    assert table["2020"][0] == 98_750
    assert table["2022"][0] == 1_300_000
    assert table["2024"][0] == 3_000_000
    assert table["2021"] == (None, None, 0)  # a year with nothing is drawn as a gap, not left out
    assert list(money.table["year"])[-1] == aggregate.YEAR_UNKNOWN
    assert money.table["disbursed_usd"].isna().all()  # USASCP's own projects publish no disbursement
    # Every reporting unit is either counted with money or among those that publish none.
    totals = aggregate.funding_totals(dataset, aggregate.select_projects(dataset))
    assert len(money.silent) == totals.projects_not_disclosing == money.table["projects_silent"].sum()


def test_shipped_stic_awards_were_committed_and_disbursed_in_2023_and_2024(dataset):
    projects = aggregate.select_projects(dataset, ("sister_program",))
    table = by_year(aggregate.money_by_year(dataset, projects[projects["project_id"] == "stic_asu"]))
    assert table["2023"][:2] == (100_000, 100_000)
    assert table["2024"][:2] == (100_000, 100_000)


def test_fiscal_years_move_october_onwards_into_the_next_year(dataset):
    money = aggregate.money_by_year(dataset, aggregate.select_projects(dataset), basis="fiscal")
    table = by_year(money)
    assert table["2021"][0] == 98_750  # Oct 2020 is FY2021
    assert table["2023"][0] == 300_000  # Dec 2022 is FY2023
    assert table["2025"][0] == 3_000_000  # 28 Oct 2024 is FY2025
    # A project that starts in "2019" may have started in FY2019 or FY2020: not placed, and not called undated.
    assert list(money.table["year"])[-1] == aggregate.FISCAL_YEAR_UNKNOWN


def test_commitment_rows_replace_a_projects_grants_so_nothing_is_counted_twice(dataset):
    changed = with_transactions(
        dataset,
        [
            row("a", "bif2", "commitment", 2_000_000, "2024-10-28"),
            row("b", "bif2", "commitment", 1_000_000, "2025-03"),
            row("c", "bif2", "disbursement", 400_000, "2025-06"),
        ],
    )
    table = by_year(aggregate.money_by_year(changed, aggregate.select_projects(changed)))
    assert table["2024"][0] == 2_000_000  # not the $3M grant as well
    assert table["2025"][:2] == (1_000_000, 400_000)


def test_de_obligations_net_and_fiscal_year_only_rows_wait_for_the_fiscal_axis(dataset):
    changed = with_transactions(
        dataset,
        [
            row("o1", "bif2", "obligation", 500_000, fiscal_year=2023),
            row("o2", "bif2", "obligation", -120_000, fiscal_year=2023),
            row("d1", "bif2", "disbursement", 200_000, "2023-11-15", fiscal_year=2024),
        ],
    )
    projects = aggregate.select_projects(changed)
    fiscal = aggregate.money_by_year(changed, projects, basis="fiscal")
    assert by_year(fiscal)["2023"][0] == 380_000 + 300_000  # net obligations, and the UNCC grant (Dec 2022, FY2023)
    assert by_year(fiscal)["2024"][1] == 200_000
    assert fiscal.rows_not_placed == 0
    calendar = aggregate.money_by_year(changed, projects, basis="calendar")
    assert by_year(calendar)["2023"][1] == 200_000
    assert calendar.rows_not_placed == 2 and calendar.committed_not_placed_usd == 380_000


def test_other_currencies_are_counted_aside_never_added(dataset):
    changed = with_transactions(
        dataset,
        [row("e", "bif2", "disbursement", 90_000, "2025-01", currency="EUR"), row("u", "bif2", "disbursement", 10, "2025-01")],
    )
    money = aggregate.money_by_year(changed, aggregate.select_projects(changed))
    assert by_year(money)["2025"][1] == 10
    assert (money.other_currency_rows, money.other_currencies) == (1, ("EUR",))


def test_a_components_money_folds_into_its_selected_program(dataset):
    changed = with_transactions(dataset, [row("x", "bif1_ag4f", "disbursement", 25_000, "2023-05")])
    money = aggregate.money_by_year(changed, aggregate.select_projects(changed))
    assert by_year(money)["2023"][1] == 25_000
    assert money.table.set_index("year").loc["2023", "projects_disbursing"] == 1
    assert "bif1_ag4f" not in set(money.silent["project_id"])


def test_the_chosen_years_narrow_transactions_by_date_or_fiscal_year(dataset):
    changed = with_transactions(
        dataset,
        [row("a", "bif2", "disbursement", 1, "2022-05"), row("b", "bif2", "disbursement", 2, fiscal_year=2024), row("c", "bif2", "disbursement", 4, "2025")],
    )
    chosen = aggregate.select_transactions(changed, aggregate.select_projects(changed), 2023, 2024)
    assert list(chosen["transaction_id"]) == ["b"]


def test_a_project_with_no_money_at_all_and_no_start_year_is_counted_as_year_not_published(dataset):
    money = aggregate.money_by_year(dataset, aggregate.select_projects(dataset))
    undated = money.silent[money.silent["start_date"].isna()]
    assert money.table.set_index("year").loc[aggregate.YEAR_UNKNOWN, "projects_silent"] == len(undated) > 0


def test_the_chart_draws_committed_and_disbursed_and_the_silent_projects(dataset):
    projects = aggregate.select_projects(dataset, ("usascp_project", "sister_program"))
    money = aggregate.money_by_year(dataset, projects)
    figure = charts.money_by_year_chart(money.table, "calendar year")
    committed, disbursed, silent = figure.data
    assert (committed.name, disbursed.name) == ("Committed", "Disbursed")
    at_2023 = list(committed.x).index("2023")
    assert (committed.y[at_2023], disbursed.y[at_2023]) == (100_000, 100_000)
    assert committed.text[at_2023] == "$100k" and committed.customdata[at_2023] == "$100,000"
    assert list(silent.x)[-1] == aggregate.YEAR_UNKNOWN and sum(silent.y) == len(money.silent)
    assert figure.layout.xaxis.type == "category"
    assert charts.money_by_year_chart(money.table, aggregate.YEAR_BASIS_WORDS["fiscal"]).layout.title.text == (
        "Committed against disbursed, by U.S. fiscal year"
    )


def test_negative_amounts_read_with_the_sign_before_the_dollar():
    assert format_usd(-2500) == "-$2,500"
    assert format_usd(-3_400_000) == "-$3.4M"
    assert format_usd_short(-98_750) == "-$99k"
    assert format_usd_short(5_000) == "$5,000"


def test_a_projects_detail_lists_its_transactions_and_their_dollar_totals(dataset):
    from usascp.labels import shown

    detail = aggregate.project_detail(dataset, "stic_asu")
    assert detail.money_in_dollars == (None, 200_000)  # it publishes what was paid, and no commitment row
    table = shown(detail.transactions, ["transaction_type", "amount", "currency", "transaction_date", "fiscal_year"])
    assert table.values.tolist() == [
        ["disbursement", "100,000", "USD", "Sep 2023", ""],
        ["disbursement", "100,000", "USD", "Jul 2024", ""],  # dated to the month: no fiscal year needed
    ]
    assert {"usascp_symposium_2023", "mirage_symposium_2024"} <= set(detail.sources["source_id"])
    assert aggregate.project_detail(dataset, "bif2").transactions.empty


def test_a_de_obligation_reads_with_its_sign_in_a_table(dataset):
    from usascp.labels import shown

    changed = with_transactions(dataset, [row("o", "bif2", "obligation", -2_500.5, fiscal_year=2024)])
    detail = aggregate.project_detail(changed, "bif2")
    assert detail.money_in_dollars == (-2_500.5, None)
    assert shown(detail.transactions, ["amount", "fiscal_year"]).values.tolist() == [["-2,500.50", 2024]]


def test_the_transactions_download_has_peoples_headers_and_runs_oldest_first(dataset):
    from usascp.labels import for_download

    changed = with_transactions(
        dataset,
        [row("late", "bif2", "disbursement", 5, "2025-03"), row("fy", "bif2", "obligation", -7, fiscal_year=2024), row("early", "bif2", "commitment", 9, "2023-10-02")],
    )
    rows = aggregate.transaction_rows(changed, changed.transactions)
    assert rows["transaction_id"].tolist() == ["fy", "early", "late"]  # FY2024 sorts by its first day, 1 Oct 2023
    downloaded = for_download(rows, ["project", "transaction_type", "amount", "currency", "transaction_date", "fiscal_year", "source_url"])
    assert list(downloaded.columns) == ["project", "kind of transaction", "amount (in its currency)", "currency", "date", "fiscal year", "source (address)"]
    assert downloaded["amount (in its currency)"].tolist() == [-7, 9, 5]


def test_cents_are_added_as_pandas_adds_them_and_whole_dollars_by_numpy_to_the_same_figures(dataset, monkeypatch):
    """money_by_year adds whole dollars with numpy (exact in any order) and anything else as pandas does, in the rows'
    order: both ways give the same table for whole dollars, and cents are kept to the cent."""
    projects = aggregate.select_projects(dataset, tuple(aggregate.RELATIONSHIPS))
    fast = {basis: aggregate.money_by_year(dataset, projects, basis=basis) for basis in aggregate.YEAR_BASES}
    monkeypatch.setattr(aggregate, "_whole_money", lambda dataset: False)
    for basis, money in fast.items():
        slow = aggregate.money_by_year(dataset, projects, basis=basis)
        pd.testing.assert_frame_equal(slow.table, money.table, check_exact=True)
        assert (slow.committed_not_placed_usd, slow.disbursed_not_placed_usd) == (money.committed_not_placed_usd, money.disbursed_not_placed_usd)
    monkeypatch.undo()

    changed = with_transactions(
        dataset,
        [
            row("a", "bif2", "obligation", 0.1, "2024-01-05"),
            row("b", "bif2", "obligation", 0.2, "2024-02-05"),
            row("c", "bif2", "disbursement", 1_000.55, "2024-03-05"),
            row("d", "bif2", "disbursement", 0.3, fiscal_year=2024),  # no calendar year: not placed, but counted aside
        ],
    )
    assert not aggregate._whole_money(changed)
    money = aggregate.money_by_year(changed, aggregate.select_projects(changed, tuple(aggregate.RELATIONSHIPS)))
    committed, disbursed, _ = by_year(money)["2024"]
    # The STIC award of 2024 (bif2's own grant is left out: it publishes commitments), then the two obligations,
    # added in that order as pandas adds them.
    assert committed == pd.Series([100_000.0, 0.1, 0.2], dtype="Float64").groupby([2024] * 3).sum().iloc[0]
    assert disbursed == 1_000.55
    assert (money.disbursed_not_placed_usd, money.disbursed_rows_not_placed) == (0.3, 1)
