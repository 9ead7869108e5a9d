"""Valid but odd datasets (one year, one project, no dates, no grants, ...) render every page, for everyone.

A dataset that validates can be saved by an editor and then becomes every viewer's data; if any page,
or the sidebar every page shares, cannot draw it, the whole dashboard is down, the Restore button with it.
Each dataset here is cut from the shipped data and written as a folder, loaded as the dashboard loads a
saved version, and every page is walked.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui.data import DATA_DIR_VARIABLE
from usascp.filters import Filters
from usascp.load import Dataset, load_dataset
from usascp.schema import TABLE_FILES
from usascp.store import write_table

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


def keep_projects(dataset: Dataset, project_ids) -> Dataset:
    """The dataset with only these projects, and every row that pointed at another one dropped or unlinked."""
    keep = set(project_ids)
    projects = dataset.projects[dataset.projects["project_id"].isin(keep)].copy()
    projects.loc[~projects["parent_project_id"].isin(keep), "parent_project_id"] = None
    metrics = dataset.metrics[dataset.metrics["project_id"].isna() | dataset.metrics["project_id"].isin(keep)].copy()
    metrics.loc[~metrics["duplicate_of"].isin(set(metrics["metric_id"])), "duplicate_of"] = None
    events = dataset.events.copy()
    events.loc[~events["project_id"].isin(keep), "project_id"] = None
    return dataclasses.replace(
        dataset,
        projects=projects,
        project_cities=dataset.project_cities[dataset.project_cities["project_id"].isin(keep)],
        project_countries=dataset.project_countries[dataset.project_countries["project_id"].isin(keep)],
        project_sources=dataset.project_sources[dataset.project_sources["project_id"].isin(keep)],
        city_pairs=dataset.city_pairs[dataset.city_pairs["project_id"].isin(keep)],
        grants=dataset.grants[dataset.grants["project_id"].isin(keep)],
        transactions=dataset.transactions[dataset.transactions["project_id"].isin(keep)],
        metrics=metrics,
        events=events,
    )


def one_year(dataset: Dataset) -> Dataset:
    projects = dataset.projects.assign(
        start_date=dataset.projects["start_date"].where(dataset.projects["start_date"].isna(), "2020"),
        end_date=dataset.projects["end_date"].where(dataset.projects["end_date"].isna(), "2020"),
        status_as_of=None,
    )
    return dataclasses.replace(
        dataset,
        projects=projects,
        grants=dataset.grants.assign(award_date="2020"),
        transactions=dataset.transactions.assign(transaction_date="2020", fiscal_year=None),
    )


def no_dates(dataset: Dataset) -> Dataset:
    """No project publishes a date, and no grant or transaction is left to carry one."""
    projects = dataset.projects.assign(start_date=None, end_date=None, status_as_of=None)
    return dataclasses.replace(dataset, projects=projects, grants=dataset.grants.iloc[0:0], transactions=dataset.transactions.iloc[0:0])


def one_city(dataset: Dataset) -> Dataset:
    """Phnom Penh alone: every link to another city dropped, projects that lose their site become unplaced."""
    city = "phnom_penh"
    links = dataset.project_cities[dataset.project_cities["city_id"] == city]
    projects = dataset.projects.copy()
    lost_site = (projects["geographic_scope"] == "city") & ~projects["project_id"].isin(links["project_id"])
    projects.loc[lost_site, "geographic_scope"] = "unspecified"
    metrics = dataset.metrics.copy()
    metrics.loc[metrics["city_id"].notna() & (metrics["city_id"] != city), "city_id"] = None
    events = dataset.events.copy()
    events.loc[events["city_id"].notna() & (events["city_id"] != city), "city_id"] = None
    return dataclasses.replace(
        dataset,
        cities=dataset.cities[dataset.cities["city_id"] == city],
        projects=projects,
        project_cities=links,
        city_pairs=dataset.city_pairs[dataset.city_pairs["city_id"] == city],
        metrics=metrics,
        events=events,
    )


def money_only_as_transactions(dataset: Dataset) -> Dataset:
    """No grants: money only as transactions, a de-obligation outweighing its obligation, and a payment in euros."""
    rows = [
        ("X1", "bif2", "obligation", 50_000.0, "USD", None, 2024),
        ("X2", "bif2", "obligation", -80_000.0, "USD", None, 2024),
        ("X3", "khm_hospital_digitization", "disbursement", 12_000.0, "EUR", "2021-03", None),
    ]
    columns = ["transaction_id", "project_id", "transaction_type", "amount", "currency", "transaction_date", "fiscal_year"]
    frame = pd.DataFrame(rows, columns=columns).assign(source_id="usascp_home", recipient=None, note=None)
    frame = frame[list(dataset.transactions.columns)].astype({"amount": "Float64", "fiscal_year": "Int64"})
    return dataclasses.replace(dataset, grants=dataset.grants.iloc[0:0], transactions=frame)


ODD_DATASETS = {
    "one year": one_year,
    "one project": lambda dataset: keep_projects(dataset, ["vientiane_nbs_pilot"]),
    "one undated project with nothing else": lambda dataset: no_dates(keep_projects(dataset, ["usdot_smart_cities_program"])),
    "no dated projects": no_dates,
    "no projects": lambda dataset: keep_projects(dataset, []),
    "no grants": lambda dataset: dataclasses.replace(dataset, grants=dataset.grants.iloc[0:0]),
    "no metrics": lambda dataset: dataclasses.replace(dataset, metrics=dataset.metrics.iloc[0:0]),
    "no events": lambda dataset: dataclasses.replace(dataset, events=dataset.events.iloc[0:0]),
    "one city": one_city,
    "money only as transactions, netting below zero": money_only_as_transactions,
}


def write_folder(dataset: Dataset, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for table, file_name in TABLE_FILES.items():
        write_table(getattr(dataset, table), folder / file_name, table)
    return folder


@pytest.fixture(scope="module", params=list(ODD_DATASETS))
def odd_folder(request, dataset, tmp_path_factory):
    folder = write_folder(ODD_DATASETS[request.param](dataset), tmp_path_factory.mktemp("odd") / "data")
    load_dataset(folder)  # valid: validate would let an editor save it
    return request.param, folder


def test_the_odd_datasets_are_what_they_say(dataset):
    from usascp.filters import filter_options

    assert filter_options(one_year(dataset)).year_min == filter_options(one_year(dataset)).year_max == 2020
    assert filter_options(no_dates(dataset)).year_min is None
    assert len(keep_projects(dataset, []).projects) == 0
    assert len(one_city(dataset).cities) == 1


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_a_valid_odd_dataset(odd_folder, page, monkeypatch):
    name, folder = odd_folder
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(folder))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["profile"] = "phnom_penh"
    app.query_params["project"] = "khm_hospital_digitization"
    # Each page's own choice from a link: a comparison, a search, an event, a source, a partner.
    app.query_params["place"] = ["KHM", "phnom_penh", "VNM"]
    app.query_params["q"] = "phnom"
    app.query_params["event"] = "ascn_annual_2022"
    app.query_params["source"] = "globalties_wise"
    app.query_params["partner"] = "First Womentech Asia"
    app.run()
    assert not app.exception, (name, [exception.value for exception in app.exception])
    app.switch_page(page).run()
    assert not app.exception, (name, page, [exception.value for exception in app.exception])
    assert app.title or page == "pages/present.py"


def test_a_one_year_dataset_says_so_instead_of_a_year_slider(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(write_folder(one_year(dataset), tmp_path / "data")))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["from"] = "2019"
    app.run()
    assert not app.exception
    assert not app.slider
    captions = [caption.value for caption in app.sidebar.caption]
    assert "Years active: every dated project and grant falls in 2020." in captions
    assert any("Ignored start year 2019" in warning.value for warning in app.sidebar.warning)


def test_a_dataset_without_dates_says_none_are_published(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(write_folder(no_dates(dataset), tmp_path / "data")))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    assert not app.slider
    assert "Years active: no project or grant in this dataset publishes a date." in [c.value for c in app.sidebar.caption]


def test_a_session_keeps_working_when_the_years_of_the_data_shrink(dataset, tmp_path, monkeypatch):
    """A viewer chose 2020-2021; an editor then saves data dated 2023-2024 only. Their next rerun must not fail."""
    narrow = dataclasses.replace(
        dataset,
        projects=dataset.projects.assign(start_date="2023", end_date="2024", status_as_of=None),
        grants=dataset.grants.assign(award_date="2023"),
        transactions=dataset.transactions.assign(transaction_date="2023", fiscal_year=None),
    )
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(write_folder(narrow, tmp_path / "narrow")))
    app = AppTest.from_file(APP, default_timeout=60)
    # The session's state as the older data left it (AppTest cannot rerun a multipage app's sidebar).
    app.session_state["filter_years"] = (2020, 2021)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert app.slider[0].value == (2023, 2024)
    assert "from" not in app.query_params and "to" not in app.query_params


@pytest.mark.parametrize(
    "chosen, expected",
    [((2018, 2019), (2021, 2022)), ((2020, 2021), (2021, 2021)), ((2021, 2030), (2021, 2022)), ((2021, 2022), (2021, 2022))],
)
def test_a_chosen_year_range_is_kept_inside_the_data(chosen, expected):
    from usascp.filters import FilterOptions, years_within

    options = FilterOptions(2021, 2022, {}, {}, {}, [], [])
    assert years_within(chosen, options) == expected
    assert years_within(chosen, FilterOptions(2020, 2020, {}, {}, {}, [], [])) is None


def test_validate_warns_about_a_dataset_the_dashboard_would_show_oddly(dataset, tmp_path, capsys):
    from usascp.__main__ import main

    assert main(["validate", str(write_folder(one_year(dataset), tmp_path / "one-year"))]) == 0
    output = capsys.readouterr().out
    assert "Warning: There is no year filter: every dated project and grant falls in 2020." in output
    assert main(["validate", str(write_folder(keep_projects(dataset, []), tmp_path / "empty"))]) == 0
    assert "Warning: It has no projects: every page will show the member cities and sources only." in capsys.readouterr().out
    assert main(["validate", "data"]) == 0
    assert "Warning" not in capsys.readouterr().out  # the shipped data is not odd


@pytest.mark.parametrize("name", [name for name in ODD_DATASETS if name != "one project"])  # one project shows normally
def test_each_odd_dataset_gets_a_warning_and_the_shipped_data_none(dataset, name):
    from usascp.oddities import oddities

    assert oddities(ODD_DATASETS[name](dataset)), name
    assert oddities(dataset) == []


def test_an_editor_reaches_restore_from_any_page_when_the_saved_data_cannot_be_shown(tmp_path, monkeypatch):
    """A saved version that no longer loads (say, checked by a rule added after it was saved) is undone from any page."""
    import shutil

    from usascp.editors import hash_password
    from usascp.load import DEFAULT_DATA_DIR
    from usascp.store import DatasetStore

    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    store.save(load_dataset(DEFAULT_DATA_DIR))
    saved = store.active_folder()
    broken = saved.parent / "20990101T000000000000Z-broken"
    shutil.copytree(saved, broken)
    grants = (broken / "grants.csv").read_text().replace(",98750,", ",-98750,")
    (broken / "grants.csv").write_text(grants)
    store.restore(broken.name)
    monkeypatch.setenv("USASCP_STORE_DIR", str(tmp_path / "store"))

    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["editors"] = {"maria": hash_password("summit-2026", iterations=1_000)}
    app.query_params["country"] = "KHM"
    app.run()
    assert not app.exception
    assert app.error[0].value.startswith("**The dashboard's data cannot be shown** until 1 problem in it is fixed.")
    assert [button.label for button in app.button] == ["Sign in"]  # the editors' section, on the Overview
    # After its first run AppTest runs a page file on its own, which sends a session with no filters back
    # through dashboard.py, losing a click on the way (a browser does not): give it filters, as a session has.
    app.session_state["filters"] = Filters()
    app.switch_page("pages/data.py").run()
    app.text_input[0].input("maria")
    app.text_input[1].input("summit-2026")
    next(button for button in app.button if button.label == "Sign in").click().run()
    next(button for button in app.button if button.key == "restore_shipped").click().run()
    assert not app.exception and not app.error
    viewer = AppTest.from_file(APP, default_timeout=60)
    viewer.query_params["country"] = "KHM"
    viewer.run()
    assert not viewer.error
    assert {metric.label: metric.value for metric in viewer.metric}["Member cities"] == "4"  # Cambodia's, from the link


def test_a_sidebar_that_cannot_draw_the_data_leaves_every_page_working(monkeypatch):
    import ui.filters

    def broken(*args, **kwargs):
        raise RuntimeError("a dataset the sidebar cannot count")

    monkeypatch.setattr(ui.filters, "sidebar_counts", broken)
    for page in ("pages/overview.py", "pages/data.py"):
        app = AppTest.from_file(APP, default_timeout=60)
        app.run()
        if page != "pages/overview.py":
            app.switch_page(page).run()
        assert not app.exception, page
        assert app.title, page
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert "The filters could not be drawn for this data; every page shows all of it." in [e.value for e in app.sidebar.error]
    assert {metric.label: metric.value for metric in app.metric}["USASCP projects"] == "19"


def test_a_dataset_with_no_projects_says_so_and_has_nothing_to_disclose(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(write_folder(keep_projects(dataset, []), tmp_path / "data")))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert {metric.label: metric.value for metric in app.metric}["Disclosed funding"] == "no projects"
    assert "This data holds no projects: the pages show the member cities and sources only." in [i.value for i in app.info]


def test_a_city_with_no_projects_has_nothing_to_disclose():
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["profile"] = "bandar_seri_begawan"
    app.run()
    app.switch_page("pages/city.py").run()
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Projects here"] == "0"
    assert metrics["Funding for this city alone"] == metrics["Funding shared with other places"] == "no projects"


@pytest.mark.parametrize("page", PAGES)
def test_an_iati_file_whose_activities_fall_in_one_year_is_explored_on_every_page(dataset, page):
    """The hardening issue's case: every activity and transaction dated 2022, explored instead of the shipped projects."""
    import re

    from ui.data import EXPLORED, ExploredUpload
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload

    sample = (Path(__file__).parent / "fixtures" / "iati-activities-test.xml").read_text()
    one_year = re.sub(r'iso-date="\d{4}(-\d\d-\d\d)?"', 'iso-date="2022-06-30"', sample)
    upload = read_upload([UploadedFile("one-year.xml", one_year.encode())], dataset.cities)
    explored = dataset_from_upload(upload, dataset, beside_base=False)
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state[EXPLORED] = ExploredUpload(explored, ("one-year.xml",), beside_shipped=False)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert not app.slider
    assert "Years active: every dated project and grant falls in 2022." in [caption.value for caption in app.sidebar.caption]
    app.switch_page(page).run()
    assert not app.exception, (page, [exception.value for exception in app.exception])


def test_one_project_is_counted_in_the_singular(dataset, tmp_path, monkeypatch):
    # The Vientiane nature-based solutions pilot publishes no amount: 1 of 1 project, never "1 of 1 projects".
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(write_folder(keep_projects(dataset, ["vientiane_nbs_pilot"]), tmp_path / "data")))
    app = AppTest.from_file(APP, default_timeout=60).run()
    text = " ".join(element.value for element in list(app.markdown) + list(app.caption))
    assert "disclosed across 0 of 1 project" in text
    assert "1 of 1 project publishes no amount" in text
    app.switch_page("pages/projects.py").run()
    assert any(caption.value.startswith("1 of 1 project (components") for caption in app.caption)
