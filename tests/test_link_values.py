"""Each page control's parse/format pair: a link written by the page reads back as the same view; a bad one is refused in words."""

import pytest

from usascp import aggregate, charts
from usascp.link_values import LONGEST_TEXT, choice, flag, text
from usascp.presentation import SLIDE_KEYS


@pytest.mark.parametrize(
    "link, values",
    [
        (choice("by", charts.DIMENSION_LABELS, default="sector"), list(charts.DIMENSION_LABELS)),
        (choice("sort", aggregate.PROJECT_ORDERS, default="listed"), list(aggregate.PROJECT_ORDERS)),
        (choice("slide", SLIDE_KEYS, default="headline"), list(SLIDE_KEYS)),
        (choice("focus", {"": "All member cities", "KHM": "Cambodia"}, default=""), ["", "KHM"]),
        (flag("pairs"), [True, False]),
        (text("search"), ["", "water", "Phnom Penh", "RIT 5RTECH"]),
    ],
)
def test_every_value_written_into_a_link_reads_back_as_itself(link, values):
    for value in values:
        written = link.write(value)
        if value == link.default:
            assert written is None  # the default leaves the link plain
        else:
            assert link.read(written) == (value, None)


def test_a_choice_refuses_a_value_that_is_not_an_option_quoting_it():
    link = choice("by", charts.DIMENSION_LABELS, default="sector", refusal="Ignored breakdown '{value}': not a breakdown.")
    assert link.read("planet") == ("sector", "Ignored breakdown 'planet': not a breakdown.")
    assert link.read("Sector") == ("sector", "Ignored breakdown 'Sector': not a breakdown.")  # keys, not labels
    default = choice("size", ["projects"], default="projects")
    assert default.read("<b>x</b>") == ("projects", "Ignored size '<b>x</b>': not one of the choices.")


def test_a_refusal_sentence_survives_braces_in_the_value():
    link = choice("slide", SLIDE_KEYS, default="headline", refusal="Ignored slide '{value}'.")
    assert link.read("{value}{0}") == ("headline", "Ignored slide '{value}{0}'.")


def test_a_flag_is_1_or_0():
    link = flag("pairs", what="pairings")
    assert link.read("1") == (True, None) and link.read("0") == (False, None)
    assert link.read("yes") == (False, "Ignored pairings 'yes': use 1 or 0.")
    assert link.write(True) == "1" and link.write(False) is None


def test_text_is_one_line_and_a_longer_one_is_refused_not_cut():
    link = text("search", what="search")
    assert link.read("  water\tsupply\n\x00 ") == ("water supply", None)
    assert link.read("x" * LONGEST_TEXT) == ("x" * LONGEST_TEXT, None)
    value, notice = link.read("x" * (LONGEST_TEXT + 1))
    assert value == "" and notice == f"Ignored the search in the link: it is longer than {LONGEST_TEXT} characters."


def test_projects_sort_by_every_order(dataset):
    table = aggregate.project_table(dataset, aggregate.select_projects(dataset))
    by_amount = aggregate.sort_projects(table, "amount")
    assert list(by_amount["amount_usd"].head(3)) == [3_000_000, 1_000_000, 300_000]
    assert by_amount["amount_usd"].tail(1).isna().all()  # not disclosed comes last, never as zero
    titles = list(aggregate.sort_projects(table, "title")["title"])
    assert titles == sorted(titles, key=str.casefold)
    newest = list(aggregate.sort_projects(table, "newest")["start_date"])
    oldest = list(aggregate.sort_projects(table, "oldest")["start_date"])
    assert newest[:2] == ["2024-10", "2024-06-02"] and oldest[0] == "2019-10"
    assert newest[-2:] == oldest[-2:] == [None, None]  # undated last either way
    assert list(aggregate.sort_projects(table, "listed")["project_id"]) == list(table["project_id"])
    with pytest.raises(ValueError, match="order must be one of"):
        aggregate.sort_projects(table, "random")
