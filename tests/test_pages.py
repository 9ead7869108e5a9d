"""Every page run through Streamlit's AppTest: no exception, and the numbers a user sees equal those in data/."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.data import DATA_DIR_VARIABLE

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def run_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    return app


@pytest.fixture(scope="module")
def overview():
    app = run_app()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metric_values(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_overview_headline_numbers_come_from_the_csv_files(overview, raw_tables):
    grants, projects, metrics, cities = (raw_tables[t] for t in ("grants", "projects", "metrics", "cities"))
    usascp = set(projects.loc[projects["relationship"] == "usascp_project", "project_id"])
    disclosed = grants.loc[grants["project_id"].isin(usascp), "amount_usd"].astype(float).sum()
    counted = metrics[(metrics["value_type"] == "result") & (metrics["duplicate_of"] == "")]
    records = counted.loc[counted["metric"] == "records_digitized", "value"].astype(float).sum()
    trained = counted.loc[counted["metric"] == "professionals_trained", "value"].astype(float).sum()
    top_level_usascp = projects[(projects["relationship"] == "usascp_project") & (projects["parent_project_id"] == "")]

    assert disclosed == 4_398_750
    assert metric_values(overview) == {
        "Member cities": str(len(cities)),
        "USASCP projects": str(len(top_level_usascp)),
        "Disclosed funding": f"${disclosed / 1e6:.1f}M",
        "Records digitized": f"{records:,.0f}",
        "Professionals trained": f"{trained:,.0f}",
    }
    assert metric_values(overview)["Records digitized"] == "108,750"


def test_overview_says_how_much_is_not_disclosed(overview):
    captions = [caption.value for caption in overview.caption]
    assert "disclosed across 4 of 19 projects" in captions
    assert "26 original 2018 pilot cities" in captions
    assert "plus 5 sister, private or related programs" in captions
    leaves_out = " ".join(markdown.value for markdown in overview.markdown)
    assert "15 of 19 USASCP projects publish no amount" in leaves_out
    assert "committed over $10.0M since 2018 (as of Dec 2023)" in leaves_out


def test_overview_cites_the_source_of_each_result(overview):
    captions = [caption.value for caption in overview.caption]
    assert "as of Mar 2022 · [The Phnom Penh Post](https://phnompenhpost.com/national/paper-out-digital-20-hospitals)" in captions


def test_overview_help_explains_the_network_size(overview):
    cities_metric = next(metric for metric in overview.metric if metric.label == "Member cities")
    assert "26 original pilot cities" in cities_metric.help
    assert "reported 34 members as of 6 Apr 2025" in cities_metric.help
    assert "3 of them are not yet named" in cities_metric.help


def test_overview_lists_where_projects_work(overview):
    busiest = overview.dataframe[0].value
    assert list(busiest["city"][:1]) == ["Vientiane"]
    assert dict(zip(busiest["city"], busiest["projects"]))["Phnom Penh"] == 2
    all_cities = overview.dataframe[1].value
    assert len(all_cities) == 31


def test_overview_map_is_offline(overview):
    import json

    spec = json.loads(overview.get("deck_gl_json_chart")[0].proto.json)
    assert spec["mapStyle"] == "/app/static/basemap-blank.json"


def test_broken_dataset_shows_the_problems_instead_of_crashing(data_copy, monkeypatch):
    data_copy.replace("grants", ",98750,", ",-98750,")
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data_copy.folder))
    app = run_app()
    assert not app.exception
    assert "cannot be shown until these problems are fixed" in app.error[0].value
    assert "grants.csv row 2, column amount_usd: '-98750.0' is not an amount of 0 or more" in app.markdown[0].value
    assert not app.metric
