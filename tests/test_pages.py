"""Every page run through Streamlit's AppTest: no exception, and the numbers a user sees equal those in data/."""

import dataclasses
import html
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pytest
from hostile_markup import HOSTILE_TAGS, HOSTILE_URLS, MARKUP, live_markup, with_markup
from streamlit.testing.v1 import AppTest

from ui.data import DATA_DIR_VARIABLE
from usascp.load import DEFAULT_DATA_DIR

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PAGES = [
    "pages/overview.py",
    "pages/map.py",
    "pages/city.py",
    "pages/compare.py",
    "pages/funding.py",
    "pages/impact.py",
    "pages/projects.py",
    "pages/events.py",
    "pages/present.py",
    "pages/data.py",
    "pages/about.py",
    "pages/search.py",
]


def run_app(page: str | None = None, **params) -> AppTest:
    """Open the app at `page` with URL parameters, as a person following a shared link would."""
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def opened(app: AppTest, key: str) -> AppTest:
    """`app` after a person opens the expander `key`: its contents are made only while it is open (ui.layout.opened_expander)."""
    closed = len(app.dataframe)
    app.session_state[key] = True
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert len(app.dataframe) > closed, f"opening {key} showed no table"
    return app


def metric_values(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def as_read(text: str) -> str:
    """What a person reads: data shown as itself is written with character references (formatting.markdown_text),
    and with invisible word joiners where Streamlit would otherwise make a link."""
    from usascp.formatting import WORD_JOINER

    return html.unescape(text).replace(WORD_JOINER, "")


def shown(table) -> "pd.DataFrame":
    """A table as a person reads it: the text each cell shows (usascp.labels words it), under its header."""
    import pyarrow as pa

    display = table.proto.arrow_data.styler.display_values
    if not display:
        return table.value
    words = pa.ipc.open_stream(display).read_all().to_pandas()
    words.columns = list(table.value.columns)
    return words.reset_index(drop=True)


def page_text(app: AppTest) -> str:
    return " ".join(as_read(element.value) for element in list(app.markdown) + list(app.caption))


class ArrowFixes(logging.Handler):
    """Streamlit's note (with a traceback in the server log) that a table had to be patched before Arrow took it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        if "Serialization of dataframe to Arrow table was unsuccessful" in record.getMessage():
            self.records.append(record)

    def __enter__(self):
        self.logger = logging.getLogger("streamlit.dataframe_util")
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)


@pytest.fixture(scope="module")
def overview():
    return run_app()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_an_exception(page):
    with ArrowFixes() as fixes:
        app = run_app(page)
    assert not fixes.records, "a table was handed to Arrow with a column of mixed types (a traceback in the server log)"
    for table in app.dataframe:
        headers = list(table.value.columns)
        assert not [header for header in headers if "_" in str(header)], f"column names, not words, on {page}: {headers}"
        assert not shown(table).isin(["None", "nan", "<NA>"]).any().any(), f"a missing value shown as such on {page}"
    # The Present page writes its slide title as a styled <h1>; every other page uses st.title.
    assert app.title[0].value if page != "pages/present.py" else '<h1 class="slide-title">' in page_text(app)


def test_overview_headline_numbers_come_from_the_csv_files(overview, raw_tables):
    grants, projects, metrics, cities = (raw_tables[t] for t in ("grants", "projects", "metrics", "cities"))
    usascp = set(projects.loc[projects["relationship"] == "usascp_project", "project_id"])
    disclosed = grants.loc[grants["project_id"].isin(usascp), "amount_usd"].astype(float).sum()
    counted = metrics[(metrics["value_type"] == "result") & (metrics["duplicate_of"] == "")]

    def total(metric):
        return counted.loc[counted["metric"] == metric, "value"].astype(float).sum()

    top_level_usascp = projects[(projects["relationship"] == "usascp_project") & (projects["parent_project_id"] == "")]
    assert disclosed == 4_398_750
    assert metric_values(overview) == {
        "Member cities": str(len(cities)),
        "USASCP projects": str(len(top_level_usascp)),
        "Disclosed funding": f"${disclosed / 1e6:.1f}M",
        "Records digitized": f"{total('records_digitized'):,.0f}",
        "Professionals trained": f"{total('professionals_trained'):,.0f}",
        "Hospitals and clinics onboarded": f"{total('hospitals_onboarded'):,.0f}",
    }
    # WiSE's "more than 21 million" is the customer base of the paired utilities (context), not people reached.
    assert "21,000,000" not in page_text(overview) and "People served" not in metric_values(overview)
    assert metric_values(overview)["Records digitized"] == "108,750"


def test_overview_says_how_much_is_not_disclosed(overview):
    text = page_text(overview)
    assert "disclosed across 4 of 19 projects" in text
    assert "26 original 2018 pilot cities" in text
    assert "15 of 19 projects publish no amount" in text
    assert "committed over $10.0M since 2018 (as of Dec 2023)" in text


def test_overview_cites_the_source_of_each_result(overview):
    notes = [element.value for element in overview.markdown]
    assert (
        '<small style="color:#4A4A4A">as of Mar 2022 · '
        "[The Phnom Penh Post](https://phnompenhpost.com/national/paper-out-digital-20-hospitals)</small>"
    ) in notes


def test_overview_help_explains_the_network_size(overview):
    cities_metric = next(metric for metric in overview.metric if metric.label == "Member cities")
    assert "26 original pilot cities" in cities_metric.help
    assert "reported 34 members as of 6 Apr 2025" in cities_metric.help
    assert "3 of them are not yet named" in cities_metric.help


def test_overview_highlights_recent_results_with_sources(overview):
    text = page_text(overview)
    assert "5 utility pairs" in text
    assert "[U.S. Water Partnership](https://uswaterpartnership.org/wise/)" in text
    assert "108,750 medical records" in text


def test_overview_lists_where_projects_work(overview):
    busiest = overview.dataframe[0].value
    assert list(busiest["city"][:1]) == ["Vientiane"]
    assert dict(zip(busiest["city"], busiest["projects"]))["Phnom Penh"] == 2
    assert len(overview.dataframe) == 1  # the table of every member city is made when its expander is opened
    assert len(opened(run_app(), "overview_cities_table").dataframe[1].value) == 31  # a fresh app: `overview` is shared


def test_overview_map_is_offline(overview):
    spec = json.loads(overview.get("deck_gl_json_chart")[0].proto.json)
    assert spec["mapStyle"] == "/app/static/basemap-blank.json"


def test_cambodia_shows_the_hospital_grant_and_its_records(raw_tables):
    app = run_app(country="KHM")
    values = metric_values(app)
    assert values["Disclosed funding"] == "$98,750"
    assert values["Records digitized"] == "108,750"
    assert values["Member cities"] == "4"  # Battambang, Phnom Penh, Siem Reap, Sihanoukville
    assert values["USASCP projects"] == "2"  # the hospital grant and the school-gardens award
    assert "disclosed across 1 of 2 projects" in page_text(app)
    assert "region-wide programs name no city" in page_text(app)


def test_singapore_has_projects_but_no_published_amount():
    app = run_app(country="SGP")
    values = metric_values(app)
    assert values["Disclosed funding"] == "not disclosed"
    assert values["USASCP projects"] == "2"  # the IVLP course held there and the CET expert delegation
    with_related = run_app(country="SGP", related="1")
    assert metric_values(with_related)["Projects and programs"] == "4"  # plus TCTP and the shoe recycling


def test_funding_page_for_cambodia():
    app = run_app("pages/funding.py", country="KHM")
    assert metric_values(app) == {
        "Disclosed funding": "$98,750",
        "Projects with a published amount": "1 of 2",
        "Amount not disclosed": "1 project",
    }
    rows = shown(app.dataframe[-1])
    assert list(rows.columns[:4]) == ["project", "amount", "lead agency", "sector"]  # words, never lead_agency
    assert set(rows["project"]) == {
        "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare",
        "BIF award: Agroecology Garden for the Future (AG4F) school gardens",
    }
    assert list(rows["amount"]) == ["$98,750", "not disclosed"]


def test_funding_breakdown_switches_dimension():
    app = run_app("pages/funding.py")
    assert app.segmented_control[0].value == "sector"
    app.segmented_control[0].set_value("country").run()
    breakdown = shown(opened(app, "funding_breakdown_table").dataframe[0]).set_index("country")
    assert breakdown.at["Cambodia", "disclosed funding"] == "$98,750"
    assert breakdown.at["Regional (ASEAN-wide)", "disclosed funding"] == "$4,000,000"
    assert breakdown.at["Singapore", "disclosed funding"] == "not disclosed"  # never a grey None


def test_funding_by_year_draws_every_year_and_the_year_not_published_with_no_traceback():
    with ArrowFixes() as fixes:
        app = run_app("pages/funding.py")
        app.segmented_control(key="funding_dimension").set_value("year").run()
    assert not app.exception and not fixes.records, [record.exc_info for record in fixes.records]
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["yaxis"]["type"] == "category"
    silent = spec["data"][1]
    assert dict(zip(silent["y"], silent["x"]))["Year not published"] == 2
    assert sum(silent["x"]) == 15 == int(metric_values(app)["Amount not disclosed"].split()[0])
    breakdown = opened(app, "funding_breakdown_table").dataframe[0].value
    assert list(breakdown.iloc[:, 0]) == ["2019", "2020", "2022", "2023", "2024", "Year not published"]


def test_funding_shows_committed_against_disbursed_by_year_and_who_publishes_nothing():
    app = run_app("pages/funding.py", related="1")
    assert not app.exception
    assert "Money over time" in [header.value for header in app.header]
    chart = next(
        json.loads(element.proto.spec)
        for element in app.get("plotly_chart")
        if "Committed against disbursed, by calendar year" in element.proto.spec
    )
    committed, disbursed, silent = chart["data"]
    at_2023 = committed["x"].index("2023")
    assert (committed["y"][at_2023], disbursed["y"][at_2023]) == (100_000, 100_000)  # the STIC awards
    assert committed["y"][committed["x"].index("2024")] == 3_100_000  # BIF 2.0's $3M and the 2024 STIC awards
    assert sum(silent["y"]) == int(metric_values(app)["Amount not disclosed"].split()[0]) == 19
    assert "Projects that publish no money (19)" in [expander.label for expander in app.expander]
    by_year = next(frame.value for frame in opened(app, "funding_money_table").dataframe if "committed" in frame.value.columns)
    assert by_year.set_index("year").loc["2023", "disbursed"] == "$100,000"
    assert by_year.set_index("year").loc["2021", "committed"] == "not disclosed"

    app.segmented_control(key="funding_year_basis").set_value("fiscal").run()
    assert app.query_params["years"] == "fiscal"
    # Still open under its new label ("by U.S. fiscal year"), as the person left it.
    assert "Table: committed and disbursed by U.S. fiscal year" in [expander.label for expander in app.expander]
    by_year = next(frame.value for frame in app.dataframe if "committed" in frame.value.columns)
    assert by_year.set_index("year").loc["2025", "committed"] == "$3,000,000"  # 28 Oct 2024 falls in FY2025


# A link with each page-level parameter, and what the page must show for it.
LINKED_VIEWS = {
    "funding": ("pages/funding.py", {"by": "year"}),
    "map": ("pages/map.py", {"size": "disclosed_usd", "focus": "KHM", "pairs": "1"}),
    "projects": ("pages/projects.py", {"search": "water", "sort": "title", "project": "wise"}),
    "city": ("pages/city.py", {"profile": "cebu_city"}),
    "present": ("pages/present.py", {"slide": "impact"}),
    "impact": ("pages/impact.py", {"result": "participants"}),
}


def every_linked_option():
    """(page, param, widget key, value in the link, value in the widget) for every option of every page control."""
    from usascp import aggregate, charts
    from usascp.filters import Filters, select_grants as grants_of, select_projects as projects_of
    from usascp.load import load_dataset
    from usascp.presentation import SLIDE_KEYS

    data = load_dataset()
    projects = projects_of(data, Filters())
    cities, measures = aggregate.city_measures(data, projects, grants_of(data, Filters(), projects))
    results = sorted(aggregate.metric_totals(data, by="project", projects=projects)["metric"].unique())
    controls = [
        ("pages/funding.py", "by", "funding_dimension", list(charts.DIMENSION_LABELS), "sector"),
        ("pages/funding.py", "years", "funding_year_basis", list(aggregate.YEAR_BASES), "calendar"),
        ("pages/map.py", "size", "map_measure", list(measures), "projects"),
        ("pages/map.py", "focus", "map_focus", sorted(set(cities["iso3"])), ""),
        ("pages/projects.py", "sort", "project_sort", list(aggregate.PROJECT_ORDERS), "listed"),
        ("pages/city.py", "profile", "profile_city", list(data.cities["city_id"]), None),
        ("pages/present.py", "slide", "present_slide", list(SLIDE_KEYS), "headline"),
        ("pages/impact.py", "result", "impact_metric", results, "records_digitized"),
    ]
    return [
        pytest.param(page, param, key, value, id=f"{param}={value}")
        for page, param, key, options, default in controls
        for value in options
        if value != default
    ]


@pytest.mark.parametrize("page, param, key, value", every_linked_option())
def test_every_option_of_every_page_control_is_written_in_the_link_and_read_back(page, param, key, value):
    """The browser journeys (tests/journeys/test_officer.py) click a sample of these; here every one goes round:
    chosen in the widget, it is written in the address; that address opened afresh shows it chosen."""
    app = run_app(page)
    widget = app.get(WIDGET_KINDS[param])
    widget = next(element for element in widget if element.key == key)
    widget.set_value(value).run()
    assert not app.exception
    assert app.query_params[param] == value
    again = run_app(page, **{param: value})
    assert next(element for element in again.get(WIDGET_KINDS[param]) if element.key == key).value == value
    assert not again.main.warning


WIDGET_KINDS = {
    "by": "button_group",
    "years": "button_group",
    "size": "selectbox",
    "focus": "selectbox",
    "sort": "selectbox",
    "profile": "selectbox",
    "slide": "button_group",
    "result": "selectbox",
}


@pytest.mark.parametrize("view", LINKED_VIEWS)
def test_a_link_with_each_page_parameter_opens_that_view_and_keeps_it_in_the_address(view):
    page, params = LINKED_VIEWS[view]
    app = run_app(page, country="VNM", **params) if view == "funding" else run_app(page, **params)
    assert not app.main.warning
    assert {key: app.query_params[key] for key in params} == params  # the address still names the view
    if view == "funding":
        assert app.segmented_control(key="funding_dimension").value == "year"
        assert list(opened(app, "funding_breakdown_table").dataframe[0].value.columns)[0] == "year"
        assert app.query_params["country"] == "VNM"  # filters and page parameters live side by side
    elif view == "map":
        assert app.selectbox(key="map_measure").value == "disclosed_usd"
        assert app.selectbox(key="map_focus").value == "KHM"
        assert app.toggle(key="map_pairs").value is True
        spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
        assert any(layer["@@type"] == "ArcLayer" for layer in spec["layers"])
        assert 11 < spec["initialViewState"]["latitude"] < 13
    elif view == "projects":
        assert app.text_input(key="project_search").value == "water"
        assert app.selectbox(key="project_sort").value == "title"
        titles = list(app.dataframe[-1].value.iloc[:, 0])  # the list, under the chosen project's details
        assert titles == sorted(titles, key=str.casefold) and len(titles) == 8
        assert app.selectbox(key="project_choice").value == "wise"
    elif view == "city":
        assert app.title[0].value == "Cebu City, Philippines"
    elif view == "present":
        assert app.segmented_control(key="present_slide").value == "impact"
        assert '<h1 class="slide-title">Results so far</h1>' in slide_html(app)
    elif view == "impact":
        assert app.selectbox(key="impact_metric").value == "participants"
        assert app.get("plotly_chart")[0].proto.spec and "Participants by project" in app.get("plotly_chart")[0].proto.spec


def test_a_changed_control_is_written_into_the_address_and_the_default_leaves_it():
    app = run_app("pages/funding.py")
    assert "by" not in app.query_params
    app.segmented_control(key="funding_dimension").set_value("city").run()
    assert app.query_params["by"] == "city"
    app.segmented_control(key="funding_dimension").set_value("sector").run()
    assert "by" not in app.query_params


def test_funding_page_counts_money_in_the_years_it_was_awarded():
    app = run_app("pages/funding.py", **{"from": "2023", "to": "2025"})
    assert metric_values(app)["Disclosed funding"] == "$3.0M"  # BIF 2.0, launched Oct 2024


def test_projects_page_search_and_detail():
    app = run_app("pages/projects.py")
    assert len(app.dataframe[0].value) == 26
    app.text_input(key="project_search").input("hospital").run()
    assert list(shown(app.dataframe[0])["amount"]) == ["$98,750"]
    app.selectbox(key="project_choice").set_value("khm_hospital_digitization").run()
    assert app.query_params["project"] == "khm_hospital_digitization"
    text = page_text(app)
    assert "**Implementing partners:** First Womentech Asia; Peth Yoeung" in text
    assert "[Paper out, digital in for 20 hospitals](https://phnompenhpost.com/national/paper-out-digital-20-hospitals)" in text


def test_project_link_opens_its_detail():
    app = run_app("pages/projects.py", project="wise")
    assert app.selectbox(key="project_choice").value == "wise"
    assert "**Components:** WiSE pair:" in page_text(app)


def test_a_program_with_no_city_of_its_own_says_where_its_components_work():
    app = run_app("pages/projects.py", project="wise")
    text = page_text(app)
    assert "**Where:** its components work in Vientiane, Johor Bahru, Cebu City, Phuket, Ho Chi Minh City" in text
    assert "Where its components work: 5 member cities." in text
    assert not any("No city is named" in info.value for info in app.info)
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    assert {point["city"] for layer in spec["layers"] if layer["id"] == "cities" for point in layer["data"]} == {
        "Vientiane",
        "Johor Bahru",
        "Cebu City",
        "Phuket",
        "Ho Chi Minh City",
    }


def test_shared_url_reproduces_the_view():
    first = run_app(country="KHM", sector="Health")
    shared = {key: first.query_params[key] for key in first.query_params}
    assert shared == {"country": "KHM", "sector": "Health"}
    again = run_app(**shared)
    assert metric_values(again) == metric_values(first)
    assert again.sidebar.multiselect(key="filter_countries").value == ["KHM"]


def test_filters_from_the_url_fill_the_sidebar_and_narrow_the_numbers():
    # AppTest cannot send sidebar widget changes in a multipage app; the browser tests click them.
    app = run_app(country="VNM", related="0")
    assert app.sidebar.multiselect(key="filter_countries").value == ["VNM"]
    # The 5RTECH award in Da Nang, the Ho Chi Minh City WiSE pair, and the green buildings university partnership.
    assert metric_values(app)["USASCP projects"] == "3"
    assert dict(app.query_params) == {"country": "VNM"}  # related=0 is the default, so it leaves the URL


def test_sidebar_shows_counts_beside_each_filter_value():
    app = run_app(sector="Health")
    countries = app.sidebar.multiselect(key="filter_countries")
    assert "Cambodia (1)" in countries.options  # one Health project works in Cambodia
    assert "Indonesia (0)" in countries.options


@pytest.mark.parametrize(
    "params, notice",
    [
        ({"from": "abc"}, "Ignored start year 'abc': not a year."),
        ({"from": "2024", "to": "2019"}, "Ignored the year range 2024–2019: it ends before it starts."),
        ({"city": "atlantis"}, "Ignored city 'atlantis': not in this dataset."),
        ({"country": "XXX"}, "Ignored country 'XXX': not in this dataset."),
        ({"related": "perhaps"}, "Ignored related 'perhaps': use 1 or 0."),
    ],
)
def test_malformed_url_values_are_ignored_with_a_notice(params, notice):
    app = run_app(**params)
    assert notice in [as_read(warning.value) for warning in app.sidebar.warning]
    assert metric_values(app)["USASCP projects"] == "19"


def test_filter_with_no_match_says_so():
    app = run_app("pages/funding.py", country="BRN")
    assert "No projects match these filters" in app.info[0].value


def test_counts_in_the_thousands_are_written_with_separators(tmp_path, monkeypatch):
    import sys

    from usascp import aggregate
    from usascp.load import load_dataset

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from make_synthetic_data import generate

    generate(400, tmp_path / "400x")  # SYNTHETIC: 1,200 projects
    totals = aggregate.funding_totals(load_dataset(tmp_path / "400x"))
    assert totals.projects_total >= 1000
    covered = f"{totals.projects_disclosing:,} of {totals.projects_total:,}"
    assert "," in covered
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "400x"))
    assert f"disclosed across {covered} projects" in page_text(run_app())
    assert metric_values(run_app("pages/funding.py"))["Projects with a published amount"] == covered


def test_broken_dataset_shows_the_problems_instead_of_crashing(data_copy, monkeypatch):
    data_copy.replace("grants", ",98750,", ",-98750,")
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert app.error[0].value.startswith("**The dashboard's data cannot be shown** until 1 problem in it is fixed.")
    assert (
        "grants.csv row 2, column amount_usd: '-98750' is not a finite amount of 0 or more and at most 1,000,000,000,000,000"
        in as_read(app.markdown[0].value)
    )
    assert not app.metric


def test_a_dataset_refused_for_a_hostile_address_quotes_it_as_text(data_copy, monkeypatch):
    """A saved or shipped folder whose source address breaks out of its link is not shown, and the problem
    that says so quotes the address as text."""
    url = HOSTILE_URLS[0] + " " + MARKUP
    data_copy.replace("sources", ",https://www.usascp.org/usascp-programs,", ',"' + url.replace('"', '""') + '",')
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert_nothing_live(app, "a broken dataset")
    assert not app.metric
    assert f"sources.csv row 3, column url: {url!r} is not a web address: http:// or https://" in as_read(app.markdown[0].value)


def test_every_page_is_in_the_navigation():
    navigation = (Path(APP)).read_text()
    for page in PAGES:
        assert f'st.Page("{page}"' in navigation


def test_map_page_offers_measures_and_lists_projects_with_no_city():
    app = run_app("pages/map.py")
    measures = app.selectbox(key="map_measure")
    assert measures.options[:2] == ["Projects", "Disclosed funding (USD)"]
    assert app.toggle(key="map_pairs").label == "U.S. pairings (6)"
    assert "Not on the map: 15 projects with no city" in [header.value for header in app.header]
    unplaced = app.dataframe[-1].value
    assert "Smart Cities Business Innovation Fund 2.0" in set(unplaced["project"])
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    assert spec["mapStyle"] == "/app/static/basemap-blank.json"
    assert spec["layers"][0]["@@type"] == "GeoJsonLayer"  # land and borders under the cities
    assert len(next(layer for layer in spec["layers"] if layer["id"] == "cities")["data"]) == 31


def test_sizing_dots_by_funding_says_that_no_city_has_money_of_its_own():
    """All disclosed money is regional, country-level or shared (data/grants.csv with data/project_cities.csv):
    31 equal dots need a word saying why, with the amounts."""
    app = run_app("pages/map.py")
    app.selectbox(key="map_measure").set_value("disclosed_usd").run()
    assert [as_read(info.value) for info in app.info] == [
        "None of the $4.4M disclosed belongs to one city alone ($4.0M for region-wide programs; $300,000 for "
        "country-level work that names no city; $98,750 for projects in several cities, not split between them), "
        "so every dot is drawn at the smallest size. A city's tooltip gives the shared money that reaches it."
    ]
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    cities = {row["city"]: row for row in next(layer for layer in spec["layers"] if layer["id"] == "cities")["data"]}
    assert cities["Battambang"]["tooltip_body"].endswith("In projects shared with other places: $98,750 (not split)")
    assert cities["Battambang"]["inner_size"] == cities["Makassar"]["inner_size"]


def test_map_pairings_draw_arcs_to_us_partners():
    app = run_app("pages/map.py")
    app.toggle(key="map_pairs").set_value(True).run()
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    arcs = next(layer for layer in spec["layers"] if layer["@@type"] == "ArcLayer")
    assert {arc["tooltip_title"] for arc in arcs["data"]} >= {"Ho Chi Minh City – San Francisco", "Cebu City – Miami"}


def test_city_profile_for_phnom_penh_lists_its_projects():
    app = run_app("pages/city.py", profile="phnom_penh")
    assert app.title[0].value == "Phnom Penh, Cambodia"
    assert set(app.dataframe[0].value["project"]) == {
        "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare",
        "BIF award: Agroecology Garden for the Future (AG4F) school gardens",
    }
    assert metric_values(app) == {
        "Projects here": "2",
        "Funding for this city alone": "not disclosed",
        "Funding shared with other places": "$98,750",
    }
    assert "**108,750** medical records" in page_text(app)
    assert "population 2,129,371" in page_text(app)
    table = shown(app.dataframe[0]).set_index("project")
    assert list(table.columns) == ["amount", "also in", "role here", "sector", "lead agency", "status"]
    hospital = "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare"
    assert table.at[hospital, "amount"] == "$98,750" and table.at[hospital, "also in"] == "Battambang, Siem Reap"
    assert table.at["BIF award: Agroecology Garden for the Future (AG4F) school gardens", "amount"] == "not disclosed"
    assert "2 projects match the sidebar filters in Phnom Penh." in page_text(app)


def test_a_city_with_one_project_says_it_in_the_singular():
    app = run_app("pages/city.py", profile="battambang")
    assert metric_values(app)["Projects here"] == "1"
    assert "1 project matches the sidebar filters in Battambang." in page_text(app)


def test_a_city_with_no_projects_says_so_rather_than_not_disclosed():
    app = run_app("pages/city.py", profile="luang_prabang")
    assert metric_values(app) == {
        "Projects here": "0",
        "Funding for this city alone": "no projects",
        "Funding shared with other places": "no projects",
    }
    assert "No selected project names this city" in app.info[0].value


def test_city_profile_for_singapore():
    app = run_app("pages/city.py", profile="singapore", related="1")
    assert metric_values(app)["Projects here"] == "4"
    assert "Singapore Shoe Waste Recycling Ecosystem" in set(app.dataframe[0].value["project"])


def test_a_city_with_many_results_and_events_lists_the_latest_and_says_how_many(data_copy, monkeypatch):
    """A portfolio's city has thousands of each: the page lists 20 of each, says how many, and offers every one as a file."""
    for n in range(1, 26):  # 25 more of each in Phnom Penh: 28 results there, 26 events
        data_copy.append_line(
            "metrics",
            f"X{n:03},project,khm_hospital_digitization,,records_digitized,{n},medical records,result,false,false,"
            f"2023-{n % 12 + 1:02},,ppp_hospitals,",
        )
        data_copy.append_line(
            "events",
            f"extra_{n},Extra workshop {n},workshop,Phnom Penh,phnom_penh,Cambodia,KHM,11.56245,104.91601,geonames_1821306,city,"
            f"2024-01-{n:02},2024-01-{n:02},,false,ppp_ascn_2022,",
        )
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    app = run_app("pages/city.py", profile="phnom_penh", country="KHM")
    results, events = [m.value for m in app.markdown if m.value.startswith("- ")]
    assert results.count("\n- ") == 19 and "**108,750** medical records" in results  # published order: M008 first
    assert events.count("\n- ") == 19
    assert events.startswith("- 6 Jan 2024 · Extra workshop 6") and events.endswith("- 25 Jan 2024 · Extra workshop 25")
    assert "5th ASCN annual meeting" not in events  # 2022: older than the latest 20
    captions = [caption.value for caption in app.caption]
    assert "20 of 28 result figures, in the order they were published; the file has every one." in captions
    assert "20 of 26 events held here, the latest; the file has every one." in captions
    downloads = {button.label: button for button in app.get("download_button")}
    assert {"Download these results (CSV)", "Download these events (CSV)"} <= set(downloads)


def test_city_profile_with_an_unknown_city_says_so():
    app = run_app("pages/city.py", profile="gotham")
    assert "There is no member city 'gotham'" in app.warning[0].value


def test_impact_page_shows_results_with_lower_bounds_and_sources():
    app = run_app("pages/impact.py")
    values = metric_values(app)
    assert values["Records digitized"] == "108,750"
    assert "People served" not in values and "Customers of the paired water utilities" not in values  # context, not a result
    context = shown(app.dataframe[-1]).set_index("measure").loc["Customers of the paired water utilities"]
    assert (context["figure"], context["type"], context["unit"]) == (
        "21,000,000+",
        "context",
        "customers of the paired ASEAN water utilities",
    )
    assert not app.dataframe[-1].value.set_index("measure").at["Customers of the paired water utilities", "in totals"]
    figures = app.dataframe[-1].value
    rounded = figures[(figures["measure"] == "Records digitized") & (figures["figure"] == "100,000+")]
    assert len(rounded) == 1 and not rounded["in totals"].iloc[0]


def test_impact_for_cambodia():
    app = run_app("pages/impact.py", country="KHM")
    assert metric_values(app) == {
        "Records digitized": "108,750",
        "Professionals trained": "867",
        "Hospitals and clinics onboarded": "20",
    }


def test_events_page_reaches_the_calendar_cities():
    app = run_app("pages/events.py")
    assert metric_values(app)["Events"] == "31"
    table = app.dataframe[0].value
    calendar = table[table["on USASCP calendar"]]
    assert set(calendar["city"]) == {"Kisumu", "Helsingborg", "Stockholm"}
    assert "No upcoming events are recorded" in app.info[0].value


def _plotly_numbers(values) -> list[float]:
    """Numbers in plotly's JSON: a list, or an array written as base64 bytes ({"dtype": "f8", "bdata": ...})."""
    import base64

    import numpy as np

    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def _drawn_figures(app) -> tuple[dict, dict]:
    """The Events page's timeline (plotly's JSON, as sent) and map (the deck's JSON)."""
    return json.loads(app.get("plotly_chart")[0].proto.spec), json.loads(app.get("deck_gl_json_chart")[0].proto.json)


def test_the_shipped_events_are_drawn_one_by_one_as_before(dataset):
    """A few hundred events or fewer: the timeline and the map draw each event, by the same functions as always."""
    import datetime as dt

    import plotly.io as pio

    from usascp import aggregate, charts
    from usascp.maps import events_map

    app = run_app("pages/events.py")
    timeline, deck = _drawn_figures(app)
    events = aggregate.events_timeline(dataset, dataset.events, dt.date.today())
    expected = json.loads(pio.to_json(charts.events_timeline_chart(events, dt.date.today()), validate=False))
    assert (timeline["data"], timeline["layout"]["title"]) == (expected["data"], expected["layout"]["title"])
    assert deck == json.loads(events_map(events).to_json())
    assert len(next(layer for layer in deck["layers"] if layer["id"] == "events")["data"]) == 31
    assert "Each dot counts" not in page_text(app)
    assert len(app.selectbox(key="event_choice").options) == 31


def test_many_events_are_counted_and_the_chooser_lists_the_latest(data_copy, monkeypatch, dataset):
    """646 events (data/ and 615 made-up ones, tests/many_events.py): the figures count them, the chooser lists the
    latest 500, newest first, and a link to an older event still opens it."""
    from many_events import add_to_folder

    from ui.layout import EVENTS_LISTED

    add_to_folder(data_copy.folder, dataset.events)
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    app = run_app("pages/events.py", event="ascn_governance_workshop_2018")  # the oldest event
    assert metric_values(app)["Events"] == "646"
    timeline, deck = _drawn_figures(app)
    assert timeline["layout"]["title"]["text"].startswith("Summits, meetings and exchanges per year")  # 2018-2025
    workshops = next(trace for trace in timeline["data"] if trace["name"] == "workshop")
    sizes = _plotly_numbers(workshops["marker"]["size"])
    expected = {"1 workshop in 2022": 7, "1 workshop in 2023": 7, "551 workshops in 2024": 36}  # the most: the largest
    assert dict(zip(workshops["hovertext"], sizes)) == expected
    dots = next(layer for layer in deck["layers"] if layer["id"] == "events")["data"]
    assert dots[0]["tooltip_title"] == "551 workshops in Jakarta, Indonesia"  # with the 2023 symposium
    assert dots[0]["tooltip_body"] == "5 Sep 2023 – 20 Apr 2024"
    assert "Each dot counts the events of one kind held at one place" in page_text(app)
    # Every figure has its table: the counts behind the timeline, one click away.
    counts = shown(next(table for table in opened(app, "events_counts_table").dataframe if "month or year" in table.value.columns))
    assert counts[counts["month or year"] == "2024"].values.tolist() == [
        ["2024", "ASCN meeting", 1],
        ["2024", "conference", 1],
        ["2024", "exchange", 1],
        ["2024", "summit", 60],
        ["2024", "workshop", 551],
    ]

    chooser = app.selectbox(key="event_choice")
    assert len(chooser.options) == EVENTS_LISTED + 1  # the latest 500, and the event the link names
    assert chooser.options[0] == "8th ASCN annual meeting (ASCN8)"  # newest first
    assert chooser.value == "ascn_governance_workshop_2018"
    assert "### ASCN Governance Workshop" in page_text(app)
    assert not any("leave this event out" in info.value for info in app.info)  # the filters show it; the list does not
    assert "The list holds the latest 500 of these 646 events, newest first" in page_text(app)


def test_about_page_measures_what_is_missing():
    app = run_app("pages/about.py")
    text = page_text(app)
    assert "15 of 19 USASCP projects publish no amount" in text
    assert "published amounts cover at most 44% of it" in text
    sources = next(table.value for table in app.dataframe if "publisher" in table.value.columns)
    assert len(sources) == 123


def table_with(app: AppTest, header: str) -> "pd.DataFrame":
    """The one table on the page with `header` among its columns, as a person reads it."""
    [table] = [table for table in app.dataframe if header in table.value.columns]
    return shown(table)


def test_about_gives_each_kind_of_source_its_licence_and_each_source_its_own(raw_tables):
    app = run_app("pages/about.py")
    kinds = table_with(app, "kind of source").set_index("kind of source")
    assert "IATI publisher" not in kinds.columns  # the shipped data has no IATI record
    urls = raw_tables["sources"]["url"]
    assert int(kinds.loc["GeoNames entries", "sources"]) == urls.str.contains("geonames.org/").sum() == 44
    assert kinds.loc["GeoNames entries", "licence"] == "CC BY 4.0 (reuse crediting GeoNames)"
    assert int(kinds.loc["U.S. government pages", "sources"]) == 6
    assert kinds.loc["U.S. government pages", "licence"] == "Public domain (a U.S. government work)"
    assert kinds.loc["U.S. government pages", "terms"] == "https://www.copyright.gov/title17/92chap1.html#105"
    assert int(kinds["sources"].astype(int).sum()) == len(urls)
    text = page_text(app)
    assert "- **U.S. government pages.** Pages on U.S. federal government addresses" in text
    assert "- **usascp.org (partnership).** The partnership is a Department of State initiative" in text
    sources = table_with(app, "publisher").set_index("source")
    state = "https://www.state.gov/joint-statement-by-the-united-states-and-japan-on-furthering-the-development-of-smart-cities-in-the-indo-pacific/"
    assert sources.loc[state, "licence"] == "Public domain (a U.S. government work)"
    assert sources.loc["https://mb.com.ph/2024/10/29/us-offers-3-m-for-asean-green-tech", "licence"] == "None stated: cited for facts only"
    # One source, opened by a link, says its licence under its title.
    geonames = run_app("pages/about.py", source="geonames_1821306")
    assert "**Licence:** CC BY 4.0 (reuse crediting GeoNames) ([terms](https://creativecommons.org/licenses/by/4.0/))" in page_text(
        geonames
    )


def change_log_lines(app: AppTest) -> list[str]:
    """The change log's entries as a person reads them, one per version."""
    [log] = [text for text in (as_read(element.value) for element in app.markdown) if text.startswith("- **") and "Rows: " in text]
    return log.split("\n- ")


def test_about_shows_the_change_log_newest_first_the_current_version_marked_the_shipped_data_last(tmp_path, monkeypatch, dataset):
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.store import DatasetStore

    assert "No editor has saved a version of the data" in page_text(run_app("pages/about.py"))
    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    with_iati = dataset_from_upload(read_upload([UploadedFile(sample.name, sample.read_bytes())], dataset.cities), dataset, True)
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    first = store.save(with_iati, editor="maria", files=[sample.name])
    store.save(dataset, editor="ana", files=["usascp-data.xlsx"])
    store.restore(first.name)  # the older one shown again
    monkeypatch.setenv("USASCP_STORE_DIR", str(store.root))
    app = run_app("pages/about.py")
    assert "Editors have saved 2 versions of the data." in page_text(app)
    newest, older, shipped = change_log_lines(app)
    first_saved = ",".join(older.split("**")[1].split(",")[:2])  # "2 Dec 2026, 05:19:42 UTC"
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d UTC", first_saved)
    assert newest.startswith("- **") and newest.split("**")[1].endswith(", saved by ana from usascp-data.xlsx")
    assert "shown now" not in newest and "Removed (from the version of " not in newest
    assert f"4 sources, 4 projects, 4 project–source links, 2 project–city links, 1 project–country link, 4 grants, 5 transactions and 2 figures removed (from the version of {first_saved})" in newest
    assert older.split("**")[1].endswith(f", saved by maria from {sample.name}") and "** · **shown now**" in older
    assert (
        "4 sources, 4 projects, 4 project–source links, 2 project–city links, 1 project–country link, 4 grants, 5 transactions and 2 figures "
        f"added (from the shipped data).  \n  Rows: {len(dataset.sources) + 4} sources, 31 member cities, {len(dataset.projects) + 4} projects"
    ) in older
    assert shipped.startswith("**The data the dashboard was shipped with**") and "shown now" not in shipped
    download = next(button for button in app.get("download_button") if button.proto.label == "Download the change log (CSV)")
    assert download is not None


def test_an_editors_name_and_file_names_in_the_change_log_are_shown_as_text(tmp_path, monkeypatch, dataset):
    from usascp.store import DatasetStore

    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    store.save(dataset, editor=MARKUP, files=[MARKUP + ".csv", "plain.csv"])
    monkeypatch.setenv("USASCP_STORE_DIR", str(store.root))
    app = run_app("pages/about.py")
    assert_nothing_live(app, "the change log")
    assert f"saved by {MARKUP.split(chr(10))[0]}" in " ".join(change_log_lines(app))


def test_an_events_source_says_its_licence():
    text = page_text(run_app("pages/events.py", event="ascn_annual_2022"))
    assert "- **Source:** [Sar Kheng does chair duties at smart city meet](https://www.phnompenhpost.com/" in text
    assert "— The Phnom Penh Post · None stated: cited for facts only" in text


def imported_copy(data_copy, record_id: str, url: str, publisher: str) -> None:
    """The shipped data with one project imported from a public register: its record_id, and that record as its main source."""
    sources = pd.read_csv(data_copy.path("sources"), dtype=str, keep_default_na=False)
    record = {"source_id": "public_record", "title": f"Record {record_id}", "publisher": publisher, "url": url,
              "date_published": "2025-03", "date_accessed": "2026-11-25"}
    pd.concat([sources, pd.DataFrame([record])]).to_csv(data_copy.path("sources"), index=False)
    projects = pd.read_csv(data_copy.path("projects"), dtype=str, keep_default_na=False)
    projects["record_id"] = ""
    projects.loc[projects["project_id"] == "wise_hcmc_sfpuc", "record_id"] = record_id
    projects.to_csv(data_copy.path("projects"), index=False)
    links = pd.read_csv(data_copy.path("project_sources"), dtype=str, keep_default_na=False)
    main = pd.DataFrame([{"project_id": "wise_hcmc_sfpuc", "source_id": "public_record"}])
    pd.concat([main, links]).to_csv(data_copy.path("project_sources"), index=False)  # first: its main source


def test_an_imported_projects_detail_and_download_link_its_public_record(data_copy, monkeypatch):
    url = "https://d-portal.org/ctrack.html#view=act&aid=XM-TEST-USASCP-0001"
    imported_copy(data_copy, "XM-TEST-USASCP-0001", url, "U.S. Department of State")
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    app = run_app("pages/projects.py", project="wise_hcmc_sfpuc")
    assert (
        "- **Public record:** [XM-TEST-USASCP-0001](https://d-portal.org/ctrack.html#view=act&amp;aid=XM-TEST-USASCP-0001)"
        " (an IATI activity, on d-portal)"
    ) in " ".join(element.value for element in app.markdown)
    text = page_text(app)
    assert "— U.S. Department of State · Public domain (U.S. government data)" in text  # its record, among its sources
    assert "— U.S.-ASEAN Smart Cities Partnership · None stated: cited for facts only" in text
    assert "Public record" not in page_text(run_app("pages/projects.py", project="wise"))  # no record_id: no line
    download = next(button for button in app.get("download_button") if button.proto.label == "Download these projects (CSV)")
    assert download is not None
    from usascp import aggregate
    from usascp.labels import for_download
    from usascp.load import load_dataset

    copy = load_dataset(data_copy.folder)
    rows = for_download(aggregate.project_table(copy, copy.projects), ["project_id", "record_id", "record_url"]).set_index("project id")
    assert rows.loc["wise_hcmc_sfpuc"].tolist() == ["XM-TEST-USASCP-0001", url]
    assert rows.drop("wise_hcmc_sfpuc")["public record (address)"].isna().all()


def test_a_foreignassistance_gov_record_is_named_as_such(data_copy, monkeypatch):
    url = "https://foreignassistance.gov/cd/vietnam/"
    imported_copy(data_copy, "7200AA19CA00001", url, "ForeignAssistance.gov")
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    text = " ".join(element.value for element in run_app("pages/projects.py", project="wise_hcmc_sfpuc").markdown)
    assert f"- **Public record:** [7200AA19CA00001]({url}) (on ForeignAssistance.gov)" in text


def test_map_position_is_kept_in_the_url():
    app = run_app("pages/map.py", focus="KHM")
    view = json.loads(app.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    assert 11 < view["latitude"] < 13 and 103 < view["longitude"] < 105 and view["zoom"] > 5
    assert app.query_params["focus"] == "KHM"
    assert "Ignored focus 'XYZ'" in run_app("pages/map.py", focus="XYZ").warning[0].value


def slide_html(app: AppTest) -> str:
    """The slide's HTML with the text in it as a person reads it."""
    return " ".join(as_read(element.value) for element in app.markdown if "slide-" in element.value)


def test_present_opens_on_the_headline_slide_with_the_data_numbers():
    app = run_app("pages/present.py")
    html = slide_html(app)
    assert '<h1 class="slide-title">U.S.-ASEAN Smart Cities Partnership</h1>' in html
    for value in ("31", "19", "$4.4M", "108,750", "867", "20"):
        assert f'<div class="slide-stat-value">{value}</div>' in html
    assert app.segmented_control(key="present_slide").value == "headline"
    assert app.selectbox(key="present_auto").options == ["Off", "Every 10 s", "Every 20 s", "Every 30 s", "Every minute"]
    assert [button.label for button in app.button] == ["Previous", "Next"]


def test_present_next_and_previous_move_through_the_slides_and_the_url():
    app = run_app("pages/present.py")
    app.button[1].click().run()
    assert app.segmented_control(key="present_slide").value == "map"
    assert app.query_params["slide"] == "map"
    assert "Where the partnership works" in slide_html(app)
    app.button[0].click().run()
    app.button[0].click().run()  # back past the first slide wraps round to the last
    assert app.segmented_control(key="present_slide").value == "events"
    assert "No upcoming events are published as of" in slide_html(app)


def test_present_follows_the_filters_and_a_shared_slide_link():
    app = run_app("pages/present.py", country="KHM", slide="funding")
    html = slide_html(app)
    assert '<h1 class="slide-title">Funding by sector</h1>' in html
    assert "$98,750 disclosed, published for 1 of 2 projects" in html
    assert len(app.get("plotly_chart")) == 1


def test_present_ignores_an_unknown_slide_with_a_notice():
    app = run_app("pages/present.py", slide="slide-99")
    assert app.segmented_control(key="present_slide").value == "headline"
    assert "Ignored slide 'slide-99'" in as_read(app.warning[0].value)


def live_link_on_slide(app: AppTest) -> tuple[str | None, str | None]:
    """(the link the slide's code and words open, the words) on the slide shown; (None, None) when it has none."""
    found = re.search(r'<a class="slide-qr" href="([^"]+)"[^>]*><span class="slide-qr-link">(.*?)</span>', slide_html(app))
    return (found.group(1), found.group(2).replace("<wbr>", "")) if found else (None, None)


def test_present_without_a_public_address_draws_no_code_and_says_how_to_set_one(monkeypatch):
    monkeypatch.delenv("USASCP_PUBLIC_URL", raising=False)
    app = run_app("pages/present.py", slide="map")
    assert live_link_on_slide(app) == (None, None) and "<img" not in slide_html(app)
    notes = [as_read(caption.value) for caption in app.caption if "QR code" in caption.value]
    assert len(notes) == 1 and "Set `USASCP_PUBLIC_URL` to the address people reach this dashboard at" in notes[0]
    assert ".streamlit/secrets.toml" in notes[0]


@pytest.mark.parametrize("where", ["environment", "secrets"])
def test_present_with_a_public_address_links_each_slide_to_its_live_view(monkeypatch, where):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("USASCP_PUBLIC_URL", raising=False)
    if where == "environment":
        monkeypatch.setenv("USASCP_PUBLIC_URL", "https://usascp.example.org/")
    app = AppTest.from_file(APP, default_timeout=60)
    if where == "secrets":
        app.secrets["USASCP_PUBLIC_URL"] = "https://usascp.example.org"
    app.query_params.update({"country": "KHM", "sector": "Training & exchange", "slide": "funding"})
    app.run()
    app.switch_page("pages/present.py").run()
    assert not app.exception
    link, words = live_link_on_slide(app)
    assert link == "https://usascp.example.org/present?country=KHM&sector=Training+%26+exchange&slide=funding"
    assert words == "usascp.example.org/present?country=KHM…"  # cut before a &, under 60 characters
    assert re.search(r'<img src="data:image/svg\+xml;[^"]+" alt="QR code of the link to this slide" style="--qr-modules: \d+">', slide_html(app))
    assert not [caption for caption in app.caption if "QR code" in caption.value] and not app.warning
    app.button[1].click().run()  # Next: the code follows the slide
    assert live_link_on_slide(app)[0] == "https://usascp.example.org/present?country=KHM&sector=Training+%26+exchange&slide=impact"


def test_present_gives_a_link_too_long_for_a_readable_code_without_one(monkeypatch):
    address = "https://usascp.example.org/" + "/".join(["a-long-base-path"] * 16)  # 298 characters: allowed
    monkeypatch.setenv("USASCP_PUBLIC_URL", address)
    app = run_app("pages/present.py", slide="map")
    link, words = live_link_on_slide(app)
    assert link is None and "<img" not in slide_html(app) and not app.warning
    assert f'<a class="slide-qr" href="{address}/present?slide=map"' in slide_html(app)
    assert "This view's link is too long for a QR code; it opens here:" in slide_html(app)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("javascript:alert(document.cookie)", "must start with https:// or http://"),
        ("https://editor:hunter2@usascp.example.org", "user name or password"),
        ("https://usascp.example.org\n<script>", "control character"),
        ("https://bücher.example", "xn--bcher-kva.example"),
        ("https://usascp.example.org/" + "a" * 5000, "over the 300 allowed"),
    ],
)
def test_present_with_a_hostile_public_address_says_why_and_draws_no_code(monkeypatch, value, reason):
    monkeypatch.setenv("USASCP_PUBLIC_URL", value)
    app = run_app("pages/present.py")
    assert live_link_on_slide(app) == (None, None) and "<img" not in slide_html(app)
    (warning,) = [as_read(w.value) for w in app.warning]
    assert warning.startswith("USASCP_PUBLIC_URL is not used: ") and reason in warning and "Set `USASCP_PUBLIC_URL`" in warning
    assert "hunter2" not in warning and "<script>" not in warning
    assert "<script>" not in page_text(app)


@pytest.mark.parametrize(
    "page, labels",
    [
        ("pages/overview.py", {"Download the map as a PNG for slides"}),
        ("pages/map.py", {"Download the map as a PNG for slides"}),
        ("pages/funding.py", {"Download PNG for slides"}),
        ("pages/impact.py", {"Download PNG for slides"}),
        ("pages/events.py", {"Download PNG for slides"}),
        ("pages/present.py", {"Download these slides (PowerPoint)"}),
    ],
)
def test_pictures_and_slides_can_be_taken_away(page, labels):
    app = run_app(page)
    offered = {button.proto.label for button in app.get("download_button")}
    assert labels <= offered


# --- Your data: uploads explored on every page ---------------------------------------------------

HOSTILE_TITLE = "Clinic records <img src=x onerror=alert(1)> <script>alert(2)</script> ![t](http://evil.example/t.png) **bold**"


def explored(dataset, beside: bool = True, **state) -> AppTest:
    """The app as a viewer sees it after exploring `dataset` from the Data page."""
    from ui.data import EXPLORED, ExploredUpload

    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state[EXPLORED] = ExploredUpload(dataset, ("portfolio.xlsx",), beside_shipped=beside)
    for key, value in state.items():
        app.session_state[key] = value
    return app


@pytest.fixture(scope="module")
def hostile_upload(dataset):
    """The shipped data, uploaded back as a workbook with a project title full of markup."""
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.importers.template import template_workbook

    projects = dataset.projects.copy()
    projects.loc[projects["project_id"] == "khm_hospital_digitization", "title"] = HOSTILE_TITLE
    edited = dataclasses.replace(dataset, projects=projects)
    upload = read_upload([UploadedFile("portfolio.xlsx", template_workbook(edited))])
    return dataset_from_upload(upload, dataset, beside_base=True)


def test_the_data_page_reports_a_broken_upload_by_row_and_keeps_the_shipped_data():
    app = run_app("pages/data.py")
    header = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"
    broken = f'{header}\nU1,wise,A,"12,5OO",2021,,,grant,usascp_home,\nU2,wise,B,5000,03/04/2021,,,grant,usascp_home,\n'
    app.file_uploader[0].set_value([("grants.csv", broken.encode(), "text/csv")])
    app.radio[0].set_value("beside").run()
    assert not app.exception
    assert app.error[0].value.startswith("**2 problems to fix**")
    # A few problems are sentences, each read whole (a table cuts the longest column at 1280 pixels).
    assert (
        "- grants.csv row 2, column amount_usd: '12,5OO' is not a number (is there a letter O where a zero should be?)\n"
        "- grants.csv row 3, column award_date: '03/04/2021' is not a date that can be read only one way "
        "(3 April or March 4? write 2021-04-03 or 2021-03-04)"
    ) in page_text(app)
    assert not app.dataframe
    assert not [button for button in app.button if button.label.startswith("Explore")]
    assert "explored_upload" not in app.session_state


def test_a_valid_upload_is_explored_with_its_numbers_on_the_overview():
    app = run_app("pages/data.py")
    header = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"
    app.file_uploader[0].set_value(
        [("grants.csv", f'{header}\nU1,wise,A,"$1,250,000",15/03/2021,,,grant,usascp_home,\n'.encode(), "text/csv")]
    )
    app.radio[0].set_value("beside").run()
    assert app.success[0].value.startswith("**The upload is valid.** It holds 1 grant.")
    next(button for button in app.button if button.label.startswith("Explore")).click().run()
    assert not app.exception
    # $4,398,750 shipped + $1,250,000 uploaded
    assert metric_values(app)["Disclosed funding"] == "$5.6M"


@pytest.mark.parametrize("page", PAGES)
def test_an_explored_upload_renders_every_page_and_markup_in_titles_stays_text(hostile_upload, page):
    app = explored(hostile_upload)
    app.query_params["project"] = "khm_hospital_digitization"
    app.query_params["profile"] = "phnom_penh"
    app.run()
    banner = [element.value for element in app.markdown if "You are exploring" in element.value]
    assert banner and "portfolio" in banner[0] and "beside the shipped data" in banner[0]
    app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]
    for element in app.markdown:
        assert "](http://evil.example" not in element.value, (page, element.value)
        if element.proto.allow_html:
            assert "<img src=x" not in element.value and "<script>" not in element.value, (page, element.value)


def test_an_upload_with_an_infinite_amount_is_refused_by_row_on_the_data_page():
    app = run_app("pages/data.py")
    header = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"
    app.file_uploader[0].set_value([("grants.csv", f"{header}\nU1,wise,A,1e309,2021,,,grant,usascp_home,\n".encode(), "text/csv")])
    app.radio[0].set_value("beside").run()
    assert not app.exception
    assert app.error[0].value.startswith("**1 problem to fix**")
    assert "- grants.csv row 2, column amount_usd: '1e309' is not a finite amount of 0 or more and at most" in page_text(app)


@pytest.fixture(scope="module")
def infinite_upload(dataset):
    """An explored dataset holding an infinite amount and an infinite result, as validation once let through.

    Validation now refuses them (test_load); the pages must still never crash on one (formatting's second line of defence).
    """
    grants = dataset.grants.copy()
    grants.loc[grants["grant_id"] == "G001", "amount_usd"] = float("inf")
    metrics = dataset.metrics.copy()
    metrics.loc[metrics["metric_id"] == "M008", "value"] = float("inf")
    return dataclasses.replace(dataset, grants=grants, metrics=metrics)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/impact.py"])
def test_an_infinite_number_in_an_explored_upload_is_shown_as_such_never_a_crash(infinite_upload, page):
    app = explored(infinite_upload)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]
    if page == "pages/overview.py":
        assert metric_values(app)["Disclosed funding"] == "not a finite amount"
        assert metric_values(app)["Records digitized"] == "not a finite number"


@pytest.fixture(scope="module")
def iati_upload(dataset):
    """The test IATI file (four activities) explored instead of the shipped projects."""
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload

    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    return dataset_from_upload(
        read_upload([UploadedFile(sample.name, sample.read_bytes())], dataset.cities), dataset, beside_base=False
    )


def test_funding_shows_committed_against_disbursed_by_year_for_an_uploaded_iati_export(dataset):
    """The d-portal-style mixed export, explored instead of the shipped projects: its transactions, year by year."""
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload

    mixed = Path(__file__).parent / "fixtures" / "iati-dportal-mixed.xml"
    upload = dataset_from_upload(read_upload([UploadedFile(mixed.name, mixed.read_bytes())], dataset.cities), dataset, beside_base=False)
    app = explored(upload, beside=False)
    app.run()
    app.switch_page("pages/funding.py").run()
    assert not app.exception, [exception.value for exception in app.exception]
    chart = next(
        json.loads(element.proto.spec)
        for element in app.get("plotly_chart")
        if "Committed against disbursed, by calendar year" in element.proto.spec
    )
    committed, disbursed = chart["data"]  # every project publishes money: no grey panel
    drawn = {
        year: (amount, paid)
        for year, amount, paid in zip(committed["x"], committed["y"], disbursed["y"])
        if amount is not None or paid is not None
    }
    # XM-DP-103-WATER (1.03): committed 2012, disbursed 2013; XM-DP-203-CHILD (2.03): committed and disbursed in
    # 2021, a reversal of $20,000 in 2022. Its parent's own $1M is left out (the child carries the money).
    assert drawn == {"2012": (500_000, None), "2013": (None, 200_000), "2021": (400_000, 150_000), "2022": (None, -20_000)}
    assert committed["x"][0] == "2012" and committed["x"][-1] == "2022"  # the years between are drawn, empty
    captions = [caption.value for caption in app.caption]
    assert "Kept aside: 2 transactions in GBP, never converted to US dollars or added here." in captions
    assert "Left out: 1 budget (a plan to spend, not a commitment)." in captions


@pytest.mark.parametrize("page", PAGES)
def test_an_iati_import_renders_on_every_page(iati_upload, page):
    app = explored(iati_upload, beside=False)
    app.query_params["project"] = "xm_test_1_water"
    app.query_params["profile"] = "phnom_penh"
    app.run()
    assert metric_values(app)["USASCP projects"] == "4"
    assert metric_values(app)["Disclosed funding"] == "$1.6M"  # 750,000 + 400,000 + 350,000 + 100,000; the euros left out
    app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]
    if page == "pages/projects.py":
        assert "Test: water utility twinning in Phnom Penh" in page_text(app)
    if page == "pages/city.py":
        assert "**45** Staff trained (Test: water utility twinning in Phnom Penh, as of 31 Dec 2023" in page_text(app)


def test_the_data_page_shows_what_an_iati_file_gave_and_what_it_could_not_place():
    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    app = run_app("pages/data.py")
    app.file_uploader[0].set_value([(sample.name, sample.read_bytes(), "text/xml")]).run()
    assert not app.exception
    assert "IATI:** iati&#45;activities&#45;test.xml" not in page_text(app)  # shown as text, not as entities
    assert "**IATI:** iati-activities-test.xml: 4 activities, 5 transactions, 2 result values." in page_text(app)
    warnings = [warning.value for warning in app.warning]
    assert warnings[0].startswith("1 location matches no member city by name or within 25 km; its activity is placed")
    assert warnings[1].startswith("1 amount in another currency is kept as it is")
    assert app.dataframe[0].value["outcome"].tolist() == ["read"] * 4  # the activity report comes first
    assert app.dataframe[1].value["location"].tolist() == ["Pai"]
    assert app.dataframe[2].value[["amount", "currency"]].values.tolist() == [[1_200_000, "EUR"]]
    assert app.success[0].value.startswith("**The upload is valid.**")


def test_the_data_page_reports_each_activity_of_a_mixed_iati_export_and_offers_the_report_as_csv():
    mixed = Path(__file__).parent / "fixtures" / "iati-dportal-mixed.xml"
    app = run_app("pages/data.py")
    app.file_uploader[0].set_value([(mixed.name, mixed.read_bytes(), "text/xml")]).run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert "**IATI:** iati-dportal-mixed.xml: 7 activities (2 set aside), 7 transactions, 1 result value." in page_text(app)
    assert app.warning[0].value == (
        "2 activities set aside and 2 parts of activities set aside: the report says why. The rest of the file is read."
    )
    assert (
        "- XM-DP-103-WATER (activity 1): transaction 4: its value 'n/a' is not a number\n"
        "- XM-DP-203-CHILD (activity 4): transaction 4: no currency (its value names none and the activity has no default-currency)\n"
        "- XM-DP-300-FUTURE (activity 5): IATI version 3.0; this dashboard reads 1.01 to 1.05 and 2.01 to 2.03\n"
        "- (no identifier) (activity 6): no iati-identifier: an activity cannot be told apart or linked without one"
    ) in page_text(app)  # a few reasons are written out whole
    report = app.dataframe[0].value
    assert report[["activity", "version read as", "outcome", "transactions", "currencies"]].values.tolist() == [
        ["XM-DP-103-WATER", "1.03", "read in part", 2, "USD"],
        ["XM-DP-105-SKILLS", "1.05", "read", 2, "GBP"],
        ["XM-DP-201-PARENT", "2.01", "read", 0, "USD"],
        ["XM-DP-203-CHILD", "2.03", "read in part", 3, "USD"],
        ["XM-DP-300-FUTURE", "3.0", "set aside", 0, ""],
        ["(no identifier)", "2.02", "set aside", 0, ""],
        ["XM-DP-NOVERSION-REGIONAL", "2.0x (by its narratives)", "read", 0, "USD"],
    ]
    assert report.loc[4, "set aside"] == "IATI version 3.0; this dashboard reads 1.01 to 1.05 and 2.01 to 2.03"
    assert report.loc[0, "set aside"] == "transaction 4: its value 'n/a' is not a number"
    assert "Download the activity report (CSV)" in [button.proto.label for button in app.get("download_button")]
    assert "Totals for iati-dportal-mixed.xml: 7 activities: 5 read (2 in part), 2 set aside; 7 transactions" in page_text(app)
    # What was read is valid and can be explored: the set-aside activities do not hold the rest back.
    assert app.success[0].value.startswith("**The upload is valid.** It holds 5 sources, 5 projects")
    assert "7 transactions" in app.success[0].value


def test_an_iati_file_in_an_encoding_python_cannot_read_is_reported_on_the_data_page_not_raised():
    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    evil = sample.read_bytes().replace(b'encoding="UTF-8"', b'encoding="x-evil"', 1)
    app = run_app("pages/data.py")
    app.file_uploader[0].set_value([("evil.xml", evil, "text/xml")]).run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert "- evil.xml: declares the encoding x-evil; IATI files must be UTF-8: save it as UTF-8" in page_text(app)


def test_without_editors_the_data_page_says_it_is_read_only_and_how_to_enable_editing():
    app = run_app("pages/data.py")
    notice = [info.value for info in app.info if "read-only" in info.value]
    assert notice and "python -m usascp hash-password" in notice[0] and ".streamlit/secrets.toml" in notice[0]
    assert not [button for button in app.button if button.label.startswith("Save")]


def test_an_editor_saves_an_upload_for_everyone_and_restores_the_shipped_data(tmp_path, monkeypatch):
    from usascp.editors import hash_password

    monkeypatch.setenv("USASCP_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["editors"] = {"maria": hash_password("summit-2026", iterations=1_000)}
    app.run()
    app.switch_page("pages/data.py").run()
    app.text_input[0].input("maria")
    app.text_input[1].input("wrong password")
    app.button[-1].click().run()  # the form's submit button
    assert "That name and password do not match an editor." in [error.value for error in app.error]
    app.text_input[1].input("summit-2026")
    next(button for button in app.button if button.label == "Sign in").click().run()
    assert "Signed in as **maria**." in page_text(app)

    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    app.file_uploader[0].set_value([(sample.name, sample.read_bytes(), "text/xml")])
    app.radio[0].set_value("beside").run()
    save = next(button for button in app.button if button.label == "Save as the dashboard's data")
    assert save.disabled  # not before the editor confirms
    app.checkbox[0].check().run()
    next(button for button in app.button if button.label == "Save as the dashboard's data").click().run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert app.success[-1].value.startswith("Saved as version ")
    # The versions to restore read as the change log does: who saved what, what it changed, which is shown now.
    versions = [text for text in (as_read(element.value) for element in app.markdown) if " UTC, saved by " in text]
    assert len(versions) == 1 and " UTC, saved by maria from iati-activities-test.xml** (**shown now**): 4 sources, 4 projects, " in versions[0]
    assert versions[0].endswith(", 4 grants, 5 transactions and 2 figures added (from the shipped data).")
    assert any(as_read(element.value).startswith("**The data the dashboard was shipped with**: Rows: ") for element in app.markdown)

    viewer = AppTest.from_file(APP, default_timeout=60)  # another viewer, a new session
    viewer.run()
    assert metric_values(viewer)["Disclosed funding"] == "$6.0M"  # 4,398,750 + 1,600,000 from the IATI file

    app.run()
    next(button for button in app.button if button.label == "Restore" and "shipped" in button.key).click().run()
    viewer = AppTest.from_file(APP, default_timeout=60)
    viewer.run()
    assert metric_values(viewer)["Disclosed funding"] == "$4.4M"


def test_repeated_wrong_sign_ins_are_made_to_wait_and_the_page_says_how_long(monkeypatch):
    from usascp import editors

    monkeypatch.setattr(editors, "NAME_FAILURES", editors.FailedSignIns())  # no counts left by other tests
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["editors"] = {"maria": editors.hash_password("summit-2026", iterations=1_000)}
    app.run()
    app.switch_page("pages/data.py").run()

    def sign_in(name: str, password: str) -> None:
        app.text_input[0].input(name)
        app.text_input[1].input(password)
        next(button for button in app.button if button.label == "Sign in").click().run()
        assert not app.exception, [exception.value for exception in app.exception]

    for guess in ("maria1", "Maria!", "letmein"):
        sign_in("maria", guess)
        assert "That name and password do not match an editor." in [error.value for error in app.error]
    waits = [warning.value for warning in app.warning if "Too many failed sign-ins" in warning.value]
    assert waits and "Wait 15 seconds before trying again" in waits[0]

    sign_in("maria", "summit-2026")  # the right password, too soon: refused unread
    assert "Signed in as" not in page_text(app)
    assert not app.error  # the password was not checked, so the page does not say it was wrong
    waits = [warning.value for warning in app.warning if "Too many failed sign-ins" in warning.value]
    assert waits and "refused without checking the password" in waits[0]
    assert "editor" not in app.session_state


def test_the_same_files_explored_instead_and_beside_each_show_their_own_numbers(dataset):
    # Two viewers, one file: the slides cached for the first must not be shown to the second.
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload

    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    upload = read_upload([UploadedFile(sample.name, sample.read_bytes())], dataset.cities)
    expected = {False: ("4", "$1.6M"), True: ("23", "$6.0M")}  # 19 shipped projects + 4; $4,398,750 + $1,600,000
    for beside, (projects, funding) in expected.items():
        app = explored(dataset_from_upload(upload, dataset, beside_base=beside), beside=beside)
        app.run()
        assert (metric_values(app)["USASCP projects"], metric_values(app)["Disclosed funding"]) == (projects, funding)
        app.switch_page("pages/present.py").run()
        html = slide_html(app)
        for value, label in ((projects, "USASCP projects"), (funding, "Disclosed funding")):
            assert f'<div class="slide-stat-value">{value}</div><div class="slide-stat-label">{label}</div>' in html, beside


def test_an_error_shows_viewers_words_not_a_traceback_and_logs_the_traceback(monkeypatch):
    import logging

    from usascp import aggregate

    def broken(dataset):
        raise RuntimeError("/srv/usascp/secret-path/aggregate.py: something broke")

    monkeypatch.setattr(aggregate, "network_size", broken)  # a function the Overview calls
    logged = []

    class Remember(logging.Handler):
        def emit(self, record):
            logged.append(record)

    handler = Remember()
    logging.getLogger("streamlit.error_util").addHandler(handler)
    try:
        app = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        logging.getLogger("streamlit.error_util").removeHandler(handler)
    assert any(error.value.startswith("**Sorry: something went wrong") for error in app.error)
    shown = " ".join(f"{exception.message} {exception.value} {exception.stack_trace}" for exception in app.exception)
    assert "secret-path" not in shown and "RuntimeError" not in shown and "aggregate.py" not in shown
    traceback = [record for record in logged if record.exc_info and "secret-path" in str(record.exc_info[1])]
    assert traceback and traceback[0].exc_info[2] is not None  # the server keeps the whole story


# --- Search across everything, and places side by side -------------------------------------------------


def page_links(app: AppTest) -> list[tuple[str, str, str]]:
    """Every page link as (label as read, page url path, query string)."""
    return [(as_read(link.proto.label), link.proto.page, link.proto.query_string) for link in app.get("page_link")]


def test_the_search_box_is_at_the_top_of_the_sidebar_on_every_page_and_starts_empty():
    app = run_app()
    box = app.sidebar.text_input(key="site_search")
    assert (box.label, box.value) == ("Search", "")
    first, second = list(app.sidebar.children.values())[:2]
    assert (first.key, second.value) == ("site_search", "Filters")  # above the filters


def test_search_lists_each_hit_with_its_kind_and_where_it_leads():
    app = run_app("pages/search.py", q="phnom")
    assert app.title[0].value == "Search"
    captions = [as_read(caption.value) for caption in app.caption]
    assert captions[0].startswith("10 matches for “phnom”: 1 city, 2 projects, 1 event, 6 sources.")
    assert page_links(app)[0] == ("Phnom Penh", "city", "profile=phnom_penh")
    assert "**City** · Cambodia · 2 projects named here · opens its city profile" in captions
    hospital = next(link for link in page_links(app) if link[2] == "project=khm_hospital_digitization")
    assert hospital[:2] == ("Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare", "projects")


@pytest.mark.parametrize(
    ("words", "first"),
    [
        ("wise", ("Water Smart Engagements (WiSE)", "projects", "project=wise")),
        ("rit", ("RIT Circular Entrepreneurship Program", "projects", "project=rit_circular_entrepreneurship")),
        (
            "saigon",
            (
                "WiSE pair: Saigon Water Corporation (SAWACO) and San Francisco Public Utilities Commission",
                "projects",
                "project=wise_hcmc_sfpuc",
            ),
        ),
        ("ascn8", ("8th ASCN annual meeting (ASCN8)", "events", "event=ascn_annual_2025")),
        ("dc water", ("DC Water", "projects", "partner=DC+Water&project=wise_johor_dcwater")),
        ("u.s. water partnership", ("U.S. Water Partnership", "projects", "partner=U.S.+Water+Partnership")),
        ("geonames phnom", ("GeoNames gazetteer: Phnom Penh", "about", "source=geonames_1821306")),
        ("cambodia", ("Cambodia", "map", "focus=KHM")),
    ],
)
def test_the_first_hit_of_each_kind_leads_to_its_page_with_it_chosen(words, first):
    assert page_links(run_app("pages/search.py", q=words))[0] == first


def test_search_shows_one_kind_at_a_time_and_keeps_it_in_the_address():
    app = run_app("pages/search.py", q="wise")
    pills = app.get("button_group")[0]
    assert pills.proto.label == "Show only"
    assert [option.content for option in pills.proto.options] == ["Projects (7)", "Partners (1)", "Events (3)", "Sources (2)"]
    assert len(page_links(app)) == 13
    app = run_app("pages/search.py", q="wise", kind="event")
    assert [link[1] for link in page_links(app)] == ["events"] * 3
    assert page_links(app)[0] == ("WiSE: Johor Bahru delegation to DC Water", "events", "event=wise_johor_dc_2021")
    # A kind these words do not find shows them all.
    app = run_app("pages/search.py", q="wise", kind="city")
    assert len(page_links(app)) == 13 and "kind" not in app.query_params


def test_search_links_keep_the_sidebar_filters():
    app = run_app("pages/search.py", q="phnom", country="KHM")
    assert page_links(app)[0] == ("Phnom Penh", "city", "country=KHM&profile=phnom_penh")


def test_search_with_no_match_or_no_words_says_what_to_do():
    app = run_app("pages/search.py", q="zzzqqq")
    assert "Nothing matches “zzzqqq”" in as_read(app.info[0].value)
    app = run_app("pages/search.py")
    assert "Type in the **Search** box at the top of the sidebar" in page_text(app)


def test_a_partner_link_lists_the_projects_naming_it():
    app = run_app("pages/projects.py", partner="U.S. Water Partnership")
    assert set(app.dataframe[0].value["project"].str[:10]) == {"Water Smar", "WiSE pair:"}
    assert len(app.dataframe[0].value) == 6
    assert as_read(app.info[0].value) == "Projects naming **U.S. Water Partnership**: 6 projects shown."
    assert ("Show every project", "projects", "") in page_links(app)


def test_a_partner_link_says_how_many_projects_the_filters_hide():
    # RIT runs its own (sister) program and co-hosts the symposia, a USASCP project.
    app = run_app("pages/projects.py", partner="Rochester Institute of Technology")
    assert list(app.dataframe[0].value["project"]) == [
        "Symposium on Accelerating Science, Technology and Circular Innovation in Southeast Asia"
    ]
    assert "1 project shown; 1 more is outside the sidebar filters" in as_read(app.info[0].value)


def test_a_link_opens_a_project_the_filters_hide_and_says_which_filters_to_change():
    app = run_app("pages/projects.py", project="rit_circular_entrepreneurship", country="KHM")
    assert app.selectbox(key="project_choice").value == "rit_circular_entrepreneurship"
    note = next(as_read(info.value) for info in app.info if "shown because the link named it" in info.value)
    assert note.endswith("To list it, change: Country, Include sister, private and related programs (off).")
    assert "### RIT Circular Entrepreneurship Program" in page_text(app)


def test_an_event_link_opens_it_on_the_events_page():
    app = run_app("pages/events.py", event="ascn_annual_2025")
    assert app.selectbox(key="event_choice").value == "ascn_annual_2025"
    text = page_text(app)
    assert "### 8th ASCN annual meeting (ASCN8)" in text
    assert "- **When:** 8 Sep 2025 – 12 Sep 2025\n- **Where:** Kuala Lumpur, Malaysia" in text
    assert app.query_params["event"] == "ascn_annual_2025"


def test_an_event_the_filters_hide_is_opened_with_a_note():
    app = run_app("pages/events.py", event="ascn_annual_2025", country="KHM")
    assert "### 8th ASCN annual meeting (ASCN8)" in page_text(app)
    assert any("leave this event out of the timeline" in info.value for info in app.info)


def test_a_source_link_opens_it_on_about_the_data_with_what_it_supports():
    app = run_app("pages/about.py", source="globalties_wise")
    assert app.selectbox(key="about_source").value == "globalties_wise"
    text = page_text(app)
    assert "**6 projects cite it**" in text
    assert (
        "WiSE pair: Saigon Water Corporation (SAWACO) and San Francisco Public Utilities Commission (the project, a city pair)",
        "projects",
        "project=wise_hcmc_sfpuc",
    ) in page_links(app)
    geonames = run_app("pages/about.py", source="geonames_1821306")
    assert ("Phnom Penh, Cambodia (where it is (coordinates))", "city", "profile=phnom_penh") in page_links(geonames)
    assert (
        "5th ASCN annual meeting (online, Cambodia chair) (where it was held)",
        "events",
        "event=ascn_annual_2022",
    ) in page_links(geonames)


def comparison(app: AppTest) -> dict[str, dict[str, str]]:
    """The side-by-side table as a person reads it: {place: {measure: value}}."""
    table = app.table[0].value
    table = table.rename(columns=as_read, index=as_read).map(as_read)
    return table.to_dict()


def test_compare_cambodia_and_vietnam():
    app = run_app("pages/compare.py", place=["KHM", "VNM"])
    assert app.multiselect(key="compare_places").value == ["KHM", "VNM"]
    table = comparison(app)
    assert list(table) == ["Cambodia (country)", "Vietnam (country)"]
    assert table["Cambodia (country)"]["Projects"] == "2"
    assert table["Vietnam (country)"]["Projects"] == "3"
    assert table["Cambodia (country)"]["Disclosed funding"] == "$98,750"
    assert table["Vietnam (country)"]["Projects publishing no amount"] == "2 of 3"
    assert table["Cambodia (country)"]["Records digitized"] == "108,750"
    assert app.query_params["place"] == ["KHM", "VNM"]  # the link to share


def test_compare_follows_the_sidebar_filters_and_matches_the_overview():
    app = run_app("pages/compare.py", place=["KHM", "phnom_penh"], related="1", sector="Health")
    overview = run_app(country="KHM", related="1", sector="Health")
    table = comparison(app)
    assert table["Cambodia (country)"]["Projects"] == metric_values(overview)["Projects and programs"] == "1"
    assert table["Cambodia (country)"]["Disclosed funding"] == metric_values(overview)["Disclosed funding"]


def test_compare_asks_for_two_places_and_says_which_values_of_the_link_it_ignored():
    app = run_app("pages/compare.py", place=["KHM", "Atlantis"])
    assert "Choose at least two places" in app.info[0].value
    assert "Ignored place 'Atlantis': not a member city or a country with member cities." in [
        as_read(w.value) for w in app.warning
    ]
    assert not app.table


def test_compare_offers_the_comparison_and_the_rows_behind_it_for_download():
    app = run_app("pages/compare.py", place=["KHM", "VNM", "phnom_penh"])
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == [
        "This comparison (3 rows, CSV)",
        "Projects behind it (7 rows, CSV)",  # 2 in Cambodia, 3 in Vietnam, 2 in Phnom Penh
        "Result figures behind it (6 rows, CSV)",  # the hospital grant's three, in Cambodia and in Phnom Penh
        "Events behind it (5 rows, CSV)",
    ]
    assert ("Phnom Penh: city profile", "city", "profile=phnom_penh") in page_links(app)
    assert ("Cambodia on the map", "map", "focus=KHM") in page_links(app)


# --- Markup in the data, the links and the address bar stays text -------------------------------------

# Selectbox and multiselect options are shown as plain text (checked in Chromium); every other label,
# help text, option and body is markdown.
_PLAIN_OPTIONS = {"Selectbox", "MultiSelect"}
MARKDOWN_FIELDS = ("body", "label", "help", "content", "captions", "options")


def markdown_strings(app: AppTest):
    """Every string this run hands to Streamlit's markdown renderer, with the element it belongs to."""
    from google.protobuf.message import Message

    def strings(message, plain_options):
        markdown_fields = set(MARKDOWN_FIELDS) - ({"options"} if plain_options else set())
        for descriptor, value in message.ListFields():
            values = [value] if isinstance(value, (str, bytes, bool, int, float, Message)) else value  # repeated
            for item in values:
                if isinstance(item, Message):
                    yield from strings(item, plain_options)
                elif isinstance(item, str) and descriptor.name in markdown_fields:
                    yield descriptor.name, item

    for node in app:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message) and type(node).__name__ not in ("PlotlyChart", "UnknownElement"):
            kind = proto.DESCRIPTOR.name
            if kind in ("DeckGlJsonChart", "PlotlyChart", "ArrowNamedDataFrame", "Arrow"):
                continue
            for name, text in strings(proto, kind in _PLAIN_OPTIONS):
                yield f"{kind}.{name}", text
    # st.table reads markdown in every cell, header and row label (st.dataframe does not).
    for table in app.table:
        frame = table.value
        for text in [*map(str, frame.columns), *map(str, frame.index), *(str(cell) for cell in frame.to_numpy().ravel())]:
            yield "Table.cell", text


def plotly_strings(app: AppTest):
    """Every string in every plotly figure on the page: plotly reads HTML tags in all the text it draws."""

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    for chart in app.get("plotly_chart"):
        yield from strings(json.loads(chart.proto.spec))


def assert_nothing_live(app: AppTest, where: str) -> None:
    from ui.layout import SITE_CSS
    from ui.slides import SLIDE_CSS

    assert not app.exception, (where, [exception.value for exception in app.exception])
    ours = {SLIDE_CSS.strip(), SITE_CSS.strip()}  # our own style sheets: every page's and the Present page's
    live = [
        (kind, found, text[:300])
        for kind, text in markdown_strings(app)
        if text.strip() not in ours
        for found in [live_markup(text)]
        if found
    ]
    assert not live, (where, live)
    tags = re.compile(rf"<\s*/?\s*({'|'.join(HOSTILE_TAGS)})\b", re.IGNORECASE)
    in_charts = [text for text in plotly_strings(app) if tags.search(text)]
    assert not in_charts, (where, in_charts)


def read_as_text(app: AppTest) -> str:
    """Every markdown string of the page as a person reads it."""
    return as_read(" ".join(text for _, text in markdown_strings(app)))


@pytest.fixture(scope="module")
def markup_everywhere(dataset):
    """The shipped data uploaded back with MARKUP in every free-text cell (names, titles, units, notes,
    publishers, places) and then, past the schema, a hostile address in every source."""
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.importers.template import template_workbook
    from usascp.schema import TABLE_FILES

    edited = dataclasses.replace(dataset, **with_markup({table: getattr(dataset, table) for table in TABLE_FILES}))
    upload = read_upload([UploadedFile("portfolio.xlsx", template_workbook(edited))])
    checked = dataset_from_upload(upload, dataset, beside_base=True)
    assert (checked.cities["population_area"].dropna().str.startswith(MARKUP)).all()
    sources = checked.sources.assign(url=[HOSTILE_URLS[i % len(HOSTILE_URLS)] for i in range(len(checked.sources))])
    return dataclasses.replace(checked, sources=sources, version=checked.version + "-hostile-urls")


def explore_markup(dataset, **params) -> AppTest:
    from ui.data import EXPLORED, ExploredUpload

    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state[EXPLORED] = ExploredUpload(dataset, (MARKUP + ".xlsx",), beside_shipped=True)
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


# Every query parameter a page reads: the shared filters, then the page-specific ones.
PAGE_PARAMS = ("profile", "project", "slide", "focus", "by", "size", "pairs", "search", "sort", "result", "q", "kind", "place", "event", "source", "partner")


@pytest.mark.parametrize("page", PAGES)
def test_markup_in_every_text_cell_and_hostile_addresses_stay_text_on_every_page(markup_everywhere, page):
    # Phnom Penh as a filter puts a city name in the "Showing: …" line; the other filters are hostile.
    filters = {key: MARKUP for key in ("from", "to", "country", "sector", "agency", "status", "related")}
    app = explore_markup(
        markup_everywhere,
        city=["phnom_penh", MARKUP],
        profile="phnom_penh",
        project="khm_hospital_digitization",
        place=["phnom_penh", "KHM", "VNM"],
        q="sign in",  # every name and title starts with MARKUP's "[Sign in to continue]..."
        event="ascn_annual_2022",
        source="globalties_wise",
        **filters,
    )
    assert_nothing_live(app, "overview")
    app.switch_page(page).run()
    assert_nothing_live(app, page)
    if page == "pages/city.py":
        assert f"({MARKUP} " in read_as_text(app)  # the population area, shown as a person wrote it
        assert "[Sign in to continue](https://evil.example/login)" in read_as_text(app)
    if page == "pages/projects.py":
        assert f"### {MARKUP}" in read_as_text(app)  # the project's title, read as it was written
        assert f"**Public record:** {MARKUP}" in read_as_text(app)  # its record_id, as written, its address refused
    if page == "pages/compare.py":
        assert MARKUP in read_as_text(app)  # the places' names in the table's header, as written
    if page == "pages/search.py":
        assert f"{MARKUP} " in read_as_text(app)  # hits' names, as written
    if page in ("pages/events.py", "pages/about.py"):
        assert f"### {MARKUP}" in read_as_text(app)  # the chosen event's name, the chosen source's title
    if page == "pages/present.py":
        from usascp.presentation import SLIDE_KEYS

        for _ in SLIDE_KEYS[1:]:
            app.button[1].click().run()  # Next: every slide
            assert_nothing_live(app, f"{page} {app.segmented_control(key='present_slide').value}")


# What each page says about the hostile values of its own parameters, quoting them as they were typed.
PAGE_NOTICES = {
    "pages/map.py": [
        f"Ignored size '{MARKUP}': not a measure the map can size dots by.",
        f"Ignored focus '{MARKUP}': not a country with member cities.",
        f"Ignored pairings '{MARKUP}': use 1 or 0.",
    ],
    "pages/city.py": [f"There is no member city '{MARKUP}' in this dataset; choose one below."],
    "pages/projects.py": [
        f"No project names the partner '{MARKUP}'; showing every project.",
        f"There is no project '{MARKUP}' in this data; check the link.",
        "Ignored the search in the link: it is longer than 200 characters.",
        f"Ignored sort '{MARKUP}': not one of listed, title, amount, newest, oldest.",
    ],
    "pages/present.py": [f"Ignored slide '{MARKUP}': the slides are headline, map, funding, impact, events."],
    "pages/funding.py": [f"Ignored breakdown '{MARKUP}': not one of year, agency, sector, country, city."],
    "pages/impact.py": [f"Ignored result '{MARKUP}': no selected project publishes it."],
    "pages/compare.py": [f"Ignored place '{MARKUP}': not a member city or a country with member cities."],
    "pages/events.py": [f"There is no event '{MARKUP}' in this data; check the link."],
    "pages/about.py": [f"There is no source '{MARKUP}' in this data; check the link."],
}


@pytest.mark.parametrize("page", PAGES)
def test_markup_in_every_query_parameter_stays_text(page):
    from usascp.filters import FILTER_PARAMS

    app = run_app(**{key: MARKUP for key in FILTER_PARAMS + PAGE_PARAMS})
    assert_nothing_live(app, "overview")
    notices = [as_read(warning.value) for warning in app.sidebar.warning]
    assert f"Ignored city '{MARKUP}': not in this dataset." in notices
    assert f"Ignored start year '{MARKUP}': not a year." in notices
    app.switch_page(page).run()
    assert_nothing_live(app, page)
    if page in PAGE_NOTICES:
        assert PAGE_NOTICES[page] == [as_read(warning.value) for warning in app.main.warning]
    if page == "pages/search.py":
        assert f"Nothing matches “{MARKUP}”" in as_read(app.info[0].value)


def test_a_searched_phrase_with_markup_from_a_link_stays_text():
    phrase = "<b>water</b> [Sign in](https://evil.example/login) :red[ALERT]"
    app = run_app("pages/projects.py", search=phrase)
    assert app.text_input(key="project_search").value == phrase
    assert_nothing_live(app, "projects")
    assert f"No project mentions “{phrase}”" in " ".join(as_read(info.value) for info in app.info)


# --- An explored upload kept for its browser across reloads ------------------------------------------

def same_browser(monkeypatch, cookies: dict) -> AppTest:
    """A new session (a reload, or a link opened in a new tab) of a browser that holds `cookies`."""
    import ui.data

    monkeypatch.setattr(ui.data, "browser_cookies", lambda: cookies)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def test_an_explored_upload_comes_back_in_a_new_session_of_its_browser_only_until_forgotten(monkeypatch):
    import os

    from ui.data import cookie_name
    from usascp.kept_uploads import ID_PATTERN, folder_name

    app = run_app("pages/data.py")
    header = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"
    app.file_uploader[0].set_value(
        [("grants.csv", f'{header}\nU1,wise,A,"$1,250,000",15/03/2021,,,grant,usascp_home,\n'.encode(), "text/csv")]
    )
    app.radio[0].set_value("beside").run()
    assert "Exploring keeps the upload on this server for 24 hours, for this browser only" in page_text(app)
    next(button for button in app.button if button.label.startswith("Explore")).click().run()
    assert metric_values(app)["Disclosed funding"] == "$5.6M"
    wanted = app.session_state["kept_upload_cookie"]
    assert wanted[0] == "set" and ID_PATTERN.match(wanted[1])
    upload_id = wanted[1]
    kept_folder = os.path.join(os.environ["USASCP_UPLOADS_DIR"], folder_name(upload_id))
    assert os.path.isdir(kept_folder)
    # (AppTest draws no banner after a switch of page; a new session of the same browser shows it below.)
    reloaded = same_browser(monkeypatch, {cookie_name(): upload_id})
    assert metric_values(reloaded)["Disclosed funding"] == "$5.6M"
    banner = as_read(next(element.value for element in reloaded.markdown if "You are exploring" in element.value))
    assert "You are exploring your upload (grants.csv), beside the shipped data." in banner
    assert "Kept on the server for this browser only, until" in banner and "(24 hours after you chose to explore it)" in banner

    colleague = same_browser(monkeypatch, {})  # another person, with the same link: the shipped data
    assert metric_values(colleague)["Disclosed funding"] == "$4.4M"
    guessed = same_browser(monkeypatch, {cookie_name(): upload_id[:-1] + ("x" if upload_id[-1] != "x" else "y")})
    assert metric_values(guessed)["Disclosed funding"] == "$4.4M"

    next(button for button in reloaded.button if button.label == "Forget this upload now").click().run()
    assert metric_values(reloaded)["Disclosed funding"] == "$4.4M"
    assert not os.path.exists(kept_folder)
    assert reloaded.session_state["kept_upload_cookie"] == ("clear",)
    after = same_browser(monkeypatch, {cookie_name(): upload_id})  # the old cookie names nothing now
    assert metric_values(after)["Disclosed funding"] == "$4.4M"
    assert after.session_state["kept_upload_cookie"] == ("clear",)


def test_an_upload_too_large_to_keep_is_explored_for_the_session_and_the_banner_says_why(monkeypatch):
    monkeypatch.setenv("USASCP_UPLOAD_KEPT_BYTES", "1000")
    app = run_app("pages/data.py")
    header = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"
    app.file_uploader[0].set_value([("grants.csv", f"{header}\nU1,wise,A,5000,2021,,,grant,usascp_home,\n".encode(), "text/csv")])
    app.radio[0].set_value("beside").run()
    next(button for button in app.button if button.label.startswith("Explore")).click().run()
    app.switch_page("pages/data.py").run()  # where the page says what it shows
    shown = as_read(next(element.value for element in app.info if "This browser shows" in element.value))
    assert "it is not kept on the server, so a reload leaves it: it is 0.1 MB as tables, more than the 0 MB" in shown
    assert "kept_upload_cookie" not in app.session_state


def test_more_than_ten_problems_are_a_table_to_sort_and_scan():
    app = run_app("pages/data.py")
    header = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"
    rows = "".join(f"U{n},wise,A,{n}OO,2021,,,grant,usascp_home,\n" for n in range(1, 12))
    app.file_uploader[0].set_value([("grants.csv", f"{header}\n{rows}".encode(), "text/csv")])
    app.radio[0].set_value("beside").run()
    assert app.error[0].value.startswith("**11 problems to fix**")
    report = app.dataframe[0].value
    assert report["value"].tolist() == [f"{n}OO" for n in range(1, 12)]


def test_the_data_page_says_where_a_truncated_iati_file_breaks_off_and_keeps_what_came_before():
    mixed = (Path(__file__).parent / "fixtures" / "iati-dportal-mixed.xml").read_text()
    cut = mixed[: mixed.index("<title><narrative>Test 2.03: Jakarta flood sensors")]
    app = run_app("pages/data.py")
    app.file_uploader[0].set_value([("cut.xml", cut.encode(), "text/xml")]).run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert as_read(app.warning[0].value).startswith(f"cut.xml: the file breaks off at line {cut.count(chr(10)) + 1} (not well-formed XML")
    assert app.dataframe[0].value["activity"].tolist() == ["XM-DP-103-WATER", "XM-DP-105-SKILLS", "XM-DP-201-PARENT"]
    assert app.success[0].value.startswith("**The upload is valid.** It holds 3 sources, 3 projects")
