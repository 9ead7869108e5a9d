"""Every page run through Streamlit's AppTest: no exception, and the numbers a user sees equal those in data/."""

import dataclasses
import html
import json
import re
from pathlib import Path

import pytest
from hostile_markup import HOSTILE_TAGS, HOSTILE_URLS, MARKUP, live_markup, with_markup
from streamlit.testing.v1 import AppTest

from ui.data import DATA_DIR_VARIABLE

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PAGES = [
    "pages/overview.py",
    "pages/map.py",
    "pages/city.py",
    "pages/funding.py",
    "pages/impact.py",
    "pages/projects.py",
    "pages/events.py",
    "pages/present.py",
    "pages/data.py",
    "pages/about.py",
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


def metric_values(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def as_read(text: str) -> str:
    """What a person reads: data shown as itself is written with character references (formatting.markdown_text),
    and with invisible word joiners where Streamlit would otherwise make a link."""
    from usascp.formatting import WORD_JOINER

    return html.unescape(text).replace(WORD_JOINER, "")


def page_text(app: AppTest) -> str:
    return " ".join(as_read(element.value) for element in list(app.markdown) + list(app.caption))


@pytest.fixture(scope="module")
def overview():
    return run_app()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_an_exception(page):
    app = run_app(page)
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
        "People served": f"{total('people_served'):,.0f}+",  # WiSE: "more than 21 million"
    }
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
    assert "21,000,000+ people served by the paired ASEAN water systems" in text
    assert "[U.S. Water Partnership](https://uswaterpartnership.org/wise/)" in text
    assert "108,750 medical records" in text


def test_overview_lists_where_projects_work(overview):
    busiest = overview.dataframe[0].value
    assert list(busiest["city"][:1]) == ["Vientiane"]
    assert dict(zip(busiest["city"], busiest["projects"]))["Phnom Penh"] == 2
    assert len(overview.dataframe[1].value) == 31


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
    rows = app.dataframe[-1].value
    assert set(rows["project"]) == {
        "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare",
        "BIF award: Agroecology Garden for the Future (AG4F) school gardens",
    }
    assert list(rows["amount"]) == ["$98,750", "not disclosed"]


def test_funding_breakdown_switches_dimension():
    app = run_app("pages/funding.py")
    assert app.segmented_control[0].value == "sector"
    app.segmented_control[0].set_value("country").run()
    breakdown = app.dataframe[0].value.set_index("Country")
    assert breakdown.at["Cambodia", "disclosed (USD)"] == 98_750
    assert breakdown.at["Regional (ASEAN-wide)", "disclosed (USD)"] == 4_000_000


def test_funding_page_counts_money_in_the_years_it_was_awarded():
    app = run_app("pages/funding.py", **{"from": "2023", "to": "2025"})
    assert metric_values(app)["Disclosed funding"] == "$3.0M"  # BIF 2.0, launched Oct 2024


def test_projects_page_search_and_detail():
    app = run_app("pages/projects.py")
    assert len(app.dataframe[0].value) == 26
    app.text_input(key="project_search").input("hospital").run()
    assert list(app.dataframe[0].value["amount"]) == ["$98,750"]
    app.selectbox(key="project_choice").set_value("khm_hospital_digitization").run()
    assert app.query_params["project"] == "khm_hospital_digitization"
    text = page_text(app)
    assert "**Implementing partners:** First Womentech Asia; Peth Yoeung" in text
    assert "[Paper out, digital in for 20 hospitals](https://phnompenhpost.com/national/paper-out-digital-20-hospitals)" in text


def test_project_link_opens_its_detail():
    app = run_app("pages/projects.py", project="wise")
    assert app.selectbox(key="project_choice").value == "wise"
    assert "**Components:** WiSE pair:" in page_text(app)


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
    assert "Smart Cities Business Innovation Fund 2.0" in set(unplaced["title"])
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    assert spec["mapStyle"] == "/app/static/basemap-blank.json"
    assert spec["layers"][0]["@@type"] == "GeoJsonLayer"  # land and borders under the cities
    assert len(spec["layers"][1]["data"]) == 31


def test_map_pairings_draw_arcs_to_us_partners():
    app = run_app("pages/map.py")
    app.toggle(key="map_pairs").set_value(True).run()
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    arcs = next(layer for layer in spec["layers"] if layer["@@type"] == "ArcLayer")
    assert {arc["tooltip_title"] for arc in arcs["data"]} >= {"Ho Chi Minh City – San Francisco", "Cebu City – Miami"}


def test_city_profile_for_phnom_penh_lists_its_projects():
    app = run_app("pages/city.py", profile="phnom_penh")
    assert app.title[0].value == "Phnom Penh, Cambodia"
    assert set(app.dataframe[0].value["title"]) == {
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


def test_city_profile_for_singapore():
    app = run_app("pages/city.py", profile="singapore", related="1")
    assert metric_values(app)["Projects here"] == "4"
    assert "Singapore Shoe Waste Recycling Ecosystem" in set(app.dataframe[0].value["title"])


def test_city_profile_with_an_unknown_city_says_so():
    app = run_app("pages/city.py", profile="gotham")
    assert "There is no member city 'gotham'" in app.warning[0].value


def test_impact_page_shows_results_with_lower_bounds_and_sources():
    app = run_app("pages/impact.py")
    values = metric_values(app)
    assert values["Records digitized"] == "108,750"
    assert values["People served"] == "21,000,000+"
    figures = app.dataframe[-1].value
    rounded = figures[(figures["label"] == "Records digitized") & (figures["figure"] == "100,000+")]
    assert len(rounded) == 1 and not rounded["counted"].iloc[0]


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
    calendar = table[table["on_usascp_calendar"]]
    assert set(calendar["city"]) == {"Kisumu", "Helsingborg", "Stockholm"}
    assert "No upcoming events are recorded" in app.info[0].value


def test_about_page_measures_what_is_missing():
    app = run_app("pages/about.py")
    text = page_text(app)
    assert "15 of 19 USASCP projects publish no amount" in text
    assert "published amounts cover at most 44% of it" in text
    assert len(app.dataframe[1].value) == 123


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
    for value in ("31", "19", "$4.4M", "108,750", "867", "21 million+"):
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
    assert app.dataframe[0].value["location"].tolist() == ["Pai"]
    assert app.dataframe[1].value[["amount", "currency"]].values.tolist() == [[1_200_000, "EUR"]]
    assert app.success[0].value.startswith("**The upload is valid.**")


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
    from ui.slides import SLIDE_CSS

    assert not app.exception, (where, [exception.value for exception in app.exception])
    ours = {SLIDE_CSS.strip()}  # the Present page's own style sheet
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
PAGE_PARAMS = ("profile", "project", "slide", "focus")


@pytest.mark.parametrize("page", PAGES)
def test_markup_in_every_text_cell_and_hostile_addresses_stay_text_on_every_page(markup_everywhere, page):
    # Phnom Penh as a filter puts a city name in the "Showing: …" line; the other filters are hostile.
    filters = {key: MARKUP for key in ("from", "to", "country", "sector", "agency", "status", "related")}
    app = explore_markup(
        markup_everywhere, city=["phnom_penh", MARKUP], profile="phnom_penh", project="khm_hospital_digitization", **filters
    )
    assert_nothing_live(app, "overview")
    app.switch_page(page).run()
    assert_nothing_live(app, page)
    if page == "pages/city.py":
        assert f"({MARKUP} " in read_as_text(app)  # the population area, shown as a person wrote it
        assert "[Sign in to continue](https://evil.example/login)" in read_as_text(app)
    if page == "pages/projects.py":
        assert f"### {MARKUP}" in read_as_text(app)  # the project's title, read as it was written
    if page == "pages/present.py":
        from usascp.presentation import SLIDE_KEYS

        for _ in SLIDE_KEYS[1:]:
            app.button[1].click().run()  # Next: every slide
            assert_nothing_live(app, f"{page} {app.segmented_control(key='present_slide').value}")


# What each page says about the hostile value of its own parameter, quoting it as it was typed.
PAGE_NOTICES = {
    "pages/map.py": f"Ignored focus '{MARKUP}': not a country with member cities.",
    "pages/city.py": f"There is no member city '{MARKUP}' in this dataset; choose one below.",
    "pages/projects.py": f"There is no project '{MARKUP}' among the projects shown; check the link or the filters.",
    "pages/present.py": f"Ignored slide '{MARKUP}': the slides are headline, map, funding, impact, events.",
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
        assert PAGE_NOTICES[page] in [as_read(warning.value) for warning in app.main.warning]


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
