"""Program officer: every view a page's controls make is in its link, and the rows a page hands out are the rows it shows.

An officer sends "the chart I'm looking at" by copying the address. For the options of every page-level
control (ui/url_state.py binds each to the address), this chooses one as a person does (a click), copies
the address, opens it in another browser (no shared session or storage) and expects the same view:
the same numbers, the same control values, the same titles, headings and captions. `make test` walks a
sample of each control's options, different ones at each size (journey_options.sample); `JOURNEYS=all`
(`make journeys`) walks every option at both sizes, and tests/test_pages.py sends every option round the
address in AppTest. Then the officer
narrows Funding in the sidebar, downloads the rows and checks them against the cards on the page.
"""

from __future__ import annotations

import csv
import io
import time
import urllib.parse

import pytest
from journey_options import sample

from usascp import aggregate
from usascp.aggregate import METRIC_LABELS, PROJECT_ORDERS
from usascp.load import load_dataset
from usascp.presentation import SLIDE_KEYS, SLIDE_NAMES
from usascp.schema import ASEAN_COUNTRIES

# What a person sees of a page's view, read from the page itself (tables draw on a canvas; their rows
# are checked through the download below and through AppTest).
VIEW_SCRIPT = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const controls = {};
    main.querySelectorAll('[role=radiogroup]').forEach(group => {
        const checked = group.querySelector('[role=radio][aria-checked=true]');
        controls[group.getAttribute('aria-label')] = checked ? checked.innerText.trim() : null;
    });
    main.querySelectorAll('input[role=combobox]').forEach(box => controls[box.getAttribute('aria-label')] = box.value);
    main.querySelectorAll('input[role=switch]').forEach(toggle => controls[toggle.getAttribute('aria-label')] = toggle.checked);
    main.querySelectorAll('[data-testid="stTextInput"] input').forEach(box => controls[box.getAttribute('aria-label')] = box.value);
    const texts = selector => Array.from(main.querySelectorAll(selector)).map(element => element.textContent.trim());
    return {
        controls,
        headings: texts('h1, h2, h3'),
        chart_titles: texts('.gtitle'),
        captions: texts('[data-testid="stCaptionContainer"]'),
        metrics: texts('[data-testid="stMetric"]'),
        expanders: texts('[data-testid="stExpander"] summary'),
        warnings: texts('[data-testid="stAlertContentWarning"]'),
    };
}"""


def view(person) -> dict:
    """The view once the page has stopped changing (a rerun redraws it in steps)."""
    person.settle(0.5)
    previous, deadline = None, time.monotonic() + 20
    while time.monotonic() < deadline:
        current = person.page.evaluate(VIEW_SCRIPT)
        if current == previous:
            return current
        previous = current
        time.sleep(0.8)
    return previous


def address(person) -> str:
    return person.page.evaluate("() => location.href")


def params_of(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def wait_for_param(person, param: str, value: str | None, timeout_s: float = 30) -> str:
    """Wait until the address names `value` for `param` (None: the parameter has left it); returns the address."""
    deadline = time.monotonic() + timeout_s
    while True:
        url = address(person)
        if params_of(url).get(param, [None])[-1] == value:
            return url
        if time.monotonic() > deadline:
            raise AssertionError(f"the address never had {param}={value!r}: {url}")
        time.sleep(0.2)


def main(person):
    """The page's own content: the sidebar has controls of the same names (its City filter)."""
    return person.page.locator('[data-testid="stMain"]')


def options_of(person, combobox: str) -> list[str]:
    """The options a selectbox shows when opened (a long list draws only its first dozen or so)."""
    main(person).get_by_role("combobox", name=combobox, exact=True).click()
    options = person.page.get_by_role("option")
    options.first.wait_for()
    labels = [text.strip() for text in options.all_inner_texts()]
    person.page.keyboard.press("Escape")
    return labels


def choose_option(person, combobox: str, option: str) -> None:
    """Open a selectbox and click an option, as a person does (typing a few letters first, as in a long list)."""
    box = main(person).get_by_role("combobox", name=combobox, exact=True)
    box.click()
    box.fill(option[:12])
    choice = person.page.get_by_role("option", name=option, exact=True)
    try:
        choice.click(timeout=10_000)
    except Exception:
        person.page.screenshot(path=f"/tmp/officer-choose-{person.size}.png")
        raise


def choose_radio(person, group: str, option: str) -> None:
    main(person).get_by_role("radiogroup", name=group).get_by_role("radio", name=option, exact=True).click()


def check_every_choice(person, colleague, choices, keep: int | None = 2) -> list[str]:
    """For (choose, param, value) choices: choose each by a click, see the address name it, and open the copy
    in another browser (a fresh session) to find the same view.

    Each choice stands alone (it sets the control, whatever it held), so in `make test` each size walks
    `keep` of them, different ones, and then the last (back to the default, which leaves the address);
    `JOURNEYS=all` walks every one at both sizes. `keep=None` walks every choice (a switch on, then off).
    """
    links = []
    for choose, param, value in choices if keep is None else sample(choices, person.size, keep):
        choose()
        url = wait_for_param(person, param, value)
        links.append(url)
        expected = view(person)
        assert not expected["warnings"], expected["warnings"]
        colleague.open(url)  # a pasted link: another browser, a fresh session
        seen = view(colleague)
        assert seen == expected, f"{url} opened elsewhere shows another view:\n{seen}\ninstead of\n{expected}"
    return links


def test_every_funding_breakdown_is_kept_in_a_copied_link(person):
    person.open(f"{person.server}/funding")
    colleague = person.new_window()
    keys = {"Year": "year", "Lead agency": "agency", "Sector": None, "Country": "country", "City": "city"}
    links = check_every_choice(
        person,
        colleague,
        [(lambda label=label: choose_radio(person, "Break down by", label), "by", key) for label, key in keys.items()],
    )
    assert len(set(links)) == len(links)  # each breakdown its own address
    # The Year breakdown counts every project without an amount, those with no published year included.
    colleague.open(f"{person.server}/funding?by=year")
    colleague.wait_for('[data-testid="stMain"] .ytick')
    colleague.shot("funding-by-year")
    ticks = colleague.page.locator('[data-testid="stMain"] .ytick').evaluate_all("ticks => ticks.map(t => t.textContent)")
    assert "Year not published" in ticks and "2020" in ticks and "2,019.5" not in ticks


@pytest.mark.extended
def test_every_map_measure_focus_and_pairing_is_kept_in_a_copied_link(person):
    person.open(f"{person.server}/map")
    colleague = person.new_window()
    measures = options_of(person, "Size dots by")
    countries = options_of(person, "Zoom to")
    assert measures[:2] == ["Projects", "Disclosed funding (USD)"] and len(measures) > 2
    assert countries[0] == "All member cities" and "Cambodia" in countries
    dataset = load_dataset()
    _, offered = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    assert measures == list(offered.values())
    size = {label: key for key, label in offered.items()}
    iso3 = {name: code for code, name in ASEAN_COUNTRIES.items()} | {"All member cities": None}
    assert countries == ["All member cities", *(ASEAN_COUNTRIES[code] for code in sorted(set(dataset.cities["iso3"])))]
    check_every_choice(
        person,
        colleague,
        [
            (lambda label=label: choose_option(person, "Size dots by", label), "size", None if size[label] == "projects" else size[label])
            for label in [*measures[1:], measures[0]]
        ],
        keep=1,  # each change redraws the map in software WebGL: the costliest step of all the journeys
    )
    check_every_choice(
        person,
        colleague,
        [(lambda name=name: choose_option(person, "Zoom to", name), "focus", iso3[name]) for name in [*countries[1:], countries[0]]],
        keep=1,
    )
    pairs = main(person).get_by_text("U.S. pairings (6)")  # the switch itself is visually hidden
    check_every_choice(person, colleague, [(pairs.click, "pairs", "1"), (pairs.click, "pairs", None)], keep=None)


@pytest.mark.extended
def test_the_projects_search_sort_and_project_are_kept_in_a_copied_link(person):
    person.open(f"{person.server}/projects")
    colleague = person.new_window()
    search = main(person).get_by_role("textbox", name="Search titles, partners, places and summaries")

    def type_search(words: str):
        def typed():
            search.fill(words)
            search.press("Enter")

        return typed

    check_every_choice(person, colleague, [(type_search("water"), "search", "water")])
    orders = options_of(person, "Sort by")
    assert orders == list(PROJECT_ORDERS.values())
    keys = {label: key for key, label in PROJECT_ORDERS.items()}
    check_every_choice(
        person,
        colleague,
        [
            (lambda label=label: choose_option(person, "Sort by", label), "sort", None if keys[label] == "listed" else keys[label])
            for label in [*orders[1:], orders[0]]
        ],
    )
    # Twenty-six projects: the program with no city of its own, one of its pairs, and a project elsewhere.
    check_every_choice(
        person,
        colleague,
        [
            (lambda: choose_option(person, "Project", "Water Smart Engagements (WiSE)"), "project", "wise"),
            (
                lambda: choose_option(person, "Project", "WiSE pair: Metropolitan Cebu Water District and Miami-Dade Water and Sewer Department"),
                "project",
                "wise_cebu_miami",
            ),
        ],
    )
    assert "its components work in" not in view(person)["captions"]
    check_every_choice(person, colleague, [(type_search(""), "search", None)])


@pytest.mark.extended
def test_the_city_of_a_profile_is_kept_in_a_copied_link(person):
    person.open(f"{person.server}/city")
    colleague = person.new_window()
    assert options_of(person, "City")[:2] == ["Bandar Seri Begawan, Brunei", "Battambang, Cambodia"]  # a long list: the first shown
    # Every member city: one with projects and shared money, one with none ("no projects"), one with a pairing.
    check_every_choice(
        person,
        colleague,
        [
            (lambda name=name: choose_option(person, "City", name), "profile", city_id)
            for name, city_id in (
                ("Phnom Penh, Cambodia", "phnom_penh"),
                ("Luang Prabang, Laos", "luang_prabang"),
                ("Cebu City, Philippines", "cebu_city"),
            )
        ],
    )
    colleague.open(f"{person.server}/city?profile=luang_prabang")
    assert colleague.metrics()["Funding for this city alone"] == "no projects"


@pytest.mark.extended
def test_the_slide_and_the_impact_result_are_kept_in_a_copied_link(person):
    person.open(f"{person.server}/present")
    colleague = person.new_window()
    check_every_choice(
        person,
        colleague,
        [
            (lambda key=key: choose_radio(person, "Slide", SLIDE_NAMES[key]), "slide", None if key == "headline" else key)
            for key in [*SLIDE_KEYS[1:], SLIDE_KEYS[0]]
        ],
    )
    person.open(f"{person.server}/impact")
    results = options_of(person, "Show a result by project")
    dataset = load_dataset()
    published = aggregate.metric_totals(dataset, by="project", projects=aggregate.select_projects(dataset))["metric"]
    assert results == [aggregate.metric_label(metric) for metric in sorted(published.unique())]  # every one, none hidden
    keys = {label: key for key, label in METRIC_LABELS.items()}
    default = view(person)["controls"]["Show a result by project"]
    check_every_choice(
        person,
        colleague,
        [
            (lambda label=label: choose_option(person, "Show a result by project", label), "result", None if label == default else keys[label])
            for label in [*(label for label in results if label != default), default]
        ],
    )


def choose_cambodia_in_the_sidebar(person) -> None:
    """Narrow the view as a person does: Cambodia in the sidebar's Country filter. At 720 lines the filter is below
    the fold: a person scrolls to it, then clicks (a click that scrolls the sidebar closes the list)."""
    country = person.page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Country")
    country.scroll_into_view_if_needed()
    time.sleep(0.5)
    country.click()
    person.page.get_by_role("option", name="Cambodia", exact=False).click()
    person.page.keyboard.press("Escape")
    wait_for_param(person, "country", "KHM")


def test_the_rows_downloaded_from_a_filtered_funding_view_are_the_rows_it_shows(person):
    person.open(f"{person.server}/funding")
    choose_cambodia_in_the_sidebar(person)
    shown = view(person)
    cards = person.metrics()
    assert cards == {"Disclosed funding": "$98,750", "Projects with a published amount": "1 of 2", "Amount not disclosed": "1 project"}

    with person.page.expect_download(timeout=60_000) as download:
        person.page.get_by_role("button", name="Download these rows (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert list(rows[0])[:3] == ["project id", "project", "amount (USD)"]  # people's headers, ids kept
    amounts = [float(row["amount (USD)"]) for row in rows if row["amount (USD)"]]
    assert f"${sum(amounts):,.0f}" == cards["Disclosed funding"]
    assert f"{len(amounts)} of {len({row['project id'] for row in rows})}" == cards["Projects with a published amount"]
    assert sum(1 for row in rows if not row["amount (USD)"]) == int(cards["Amount not disclosed"].split()[0])
    assert {row["country"] for row in rows} == {"Cambodia"}

    # The breakdown's own download agrees with the chart it sits under.
    table = main(person).locator('[data-testid="stExpander"]', has_text="Table: funding by sector")
    table.get_by_text("Table: funding by sector").click()
    button = table.get_by_role("button", name="Download CSV")
    button.wait_for(state="visible")
    time.sleep(0.5)  # the expander opens with a slide: click the button where it comes to rest
    with person.page.expect_download(timeout=60_000) as download:
        button.click()
    breakdown = list(csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert list(breakdown[0]) == ["sector", "disclosed funding (USD)", "published amounts", "projects with an amount", "projects without an amount"]
    assert sum(float(row["disclosed funding (USD)"] or 0) for row in breakdown) == sum(amounts)
    assert sum(int(row["projects without an amount"]) for row in breakdown) == 1
    assert shown["chart_titles"][0].startswith("Disclosed funding by sector")


def test_money_over_time_reads_on_hover_keeps_its_years_in_a_link_and_downloads_what_it_draws(person):
    """An officer hovers a bar of "Money over time" to read it exactly, switches to fiscal years, sends the link,
    reloads, and downloads the table beneath the chart."""
    person.open(f"{person.server}/funding?related=1")
    heading = main(person).get_by_role("heading", name="Money over time")
    heading.scroll_into_view_if_needed()
    chart = main(person).locator(".js-plotly-plot", has_text="Committed against disbursed, by calendar year")
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    time.sleep(0.5)
    # Nothing covers the legend: not the title above it, nor plotly's toolbar, which appears on hover.
    chart.hover()
    chart.locator(".modebar").wait_for()
    title, legend, toolbar = (chart.locator(selector).bounding_box() for selector in (".gtitle", ".legend", ".modebar"))
    assert title["y"] + title["height"] <= legend["y"], (title, legend)
    assert legend["x"] + legend["width"] < toolbar["x"] or toolbar["y"] + toolbar["height"] <= legend["y"], (legend, toolbar)
    # The disbursed bar of 2023 (the 2023 STIC awards, paid out at the Jakarta symposium): hovered, read exactly.
    bars = chart.locator(".barlayer .trace").nth(1).locator(".point path")
    years = chart.evaluate("plot => plot.data[1].x")  # one bar path per year, an empty one where there is no amount
    assert bars.count() == len(years)
    bar = bars.nth(years.index("2023")).bounding_box()
    person.page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    tooltip = chart.locator(".hoverlayer .hovertext")
    tooltip.wait_for()
    assert " ".join(tooltip.first.text_content().split()) == "Disbursed in 2023: $100,000"
    person.shot("money-over-time-hover")

    main(person).get_by_role("radiogroup", name="Years").get_by_role("radio", name="U.S. fiscal year").click()
    url = wait_for_param(person, "years", "fiscal")
    expected = view(person)
    assert "Committed against disbursed, by U.S. fiscal year" in expected["chart_titles"]
    colleague = person.new_window()
    colleague.open(url)
    assert view(colleague) == expected
    person.page.reload()
    assert view(person) == expected  # a reload keeps the years chosen

    table = main(person).locator('[data-testid="stExpander"]', has_text="Table: committed and disbursed by U.S. fiscal year")
    table.scroll_into_view_if_needed()
    table.get_by_text("Table: committed and disbursed by U.S. fiscal year").click()
    button = table.get_by_role("button", name="Download CSV")
    button.wait_for(state="visible")
    time.sleep(0.5)
    with person.page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.suggested_filename == "usascp-committed-disbursed-fiscal-year.csv"
    rows = {row["year"]: row for row in csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig")))}
    assert list(next(iter(rows.values()))) == [
        "year",
        "committed (USD)",
        "disbursed (USD)",
        "projects committing",
        "projects disbursing",
        "projects publishing no money",
    ]
    assert float(rows["2025"]["committed (USD)"]) == 3_000_000  # BIF 2.0, launched 28 Oct 2024: FY2025
    assert float(rows["2024"]["disbursed (USD)"]) == 100_000
    assert rows["2022"]["disbursed (USD)"] == ""  # nothing published: empty, never 0
    assert sum(int(row["projects publishing no money"]) for row in rows.values()) == 19
    # The transactions behind the chart, made only when asked for: the two STIC disbursements, oldest first.
    with person.page.expect_download(timeout=60_000) as download:
        table.get_by_role("button", name="Download the transactions (CSV)").click()
    paid = list(csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert [(row["kind of transaction"], row["amount (in its currency)"], row["date"]) for row in paid] == [
        ("disbursement", "100000.0", "2023-09"),
        ("disbursement", "100000.0", "2024-07"),
    ]


def test_a_table_under_a_chart_is_made_when_opened_and_stays_open_while_the_filters_change(person):
    """The tables behind the charts are made only while their expander is open (ui.layout.opened_expander): an
    officer opens one, narrows the view in the sidebar (its label's count changes), and finds it still open with
    the new rows; closing it takes the table away."""
    person.open(f"{person.server}/funding?related=1")
    silent = main(person).locator('[data-testid="stExpander"]', has_text="Projects that publish no money")
    silent.scroll_into_view_if_needed()
    assert silent.locator("summary").text_content().strip().endswith("Projects that publish no money (19)")
    assert silent.locator('[data-testid="stDataFrame"]').count() == 0  # closed: nothing made, nothing sent
    silent.get_by_text("Projects that publish no money (19)").click()
    silent.locator('[data-testid="stDataFrame"]').wait_for()
    person.shot("funding-silent-projects-open")

    choose_cambodia_in_the_sidebar(person)
    view(person)
    label = silent.locator("summary").text_content().strip()
    assert label.endswith("Projects that publish no money (1)"), label  # Cambodia: the school-gardens award
    assert silent.locator('[data-testid="stDataFrame"]').count() == 1  # still open, with Cambodia's rows
    person.shot("funding-silent-projects-cambodia")

    silent.get_by_text("Projects that publish no money (1)").click()
    deadline = time.monotonic() + 20
    while silent.locator('[data-testid="stDataFrame"]').count() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert silent.locator('[data-testid="stDataFrame"]').count() == 0
