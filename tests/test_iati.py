"""IATI activity files: a multi-activity file mapped onto the tables, and hostile or broken XML refused safely."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest

from usascp.__main__ import main
from usascp.importers.iati import read_iati
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload

SAMPLE = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"


@pytest.fixture(scope="module")
def imported(dataset):
    upload = read_upload([UploadedFile(SAMPLE.name, SAMPLE.read_bytes())], dataset.cities)
    return upload, dataset_from_upload(upload, dataset, beside_base=True)


def rows_of(frame, prefix="xm_test"):
    return frame[frame["project_id"].fillna("").str.startswith(prefix)]


def test_activities_become_projects_with_their_codes_read(imported):
    upload, dataset = imported
    assert upload.iati[0].summary == "iati-activities-test.xml: 4 activities, 5 transactions, 2 result values"
    projects = rows_of(dataset.projects).set_index("project_id")
    assert projects.loc["xm_test_1_water", ["title", "lead_agency", "sector", "status", "start_date", "end_date"]].tolist() == [
        "Test: water utility twinning in Phnom Penh",  # the English narrative, not the French one
        "USAID",
        "Water",
        "ongoing",
        "2021-04-01",
        "2025-12-31",
    ]
    assert projects.loc["xm_test_2_signals", ["lead_agency", "sector", "status"]].tolist() == ["State", "Transport", "completed"]
    assert projects.loc["xm_test_4_regional", ["lead_agency", "sector", "geographic_scope"]].tolist() == [
        "Other",
        "Other",
        "regional",
    ]
    sources = dataset.sources.set_index("source_id")
    assert sources.loc["iati_xm_test_1_water", "url"] == "https://d-portal.org/ctrack.html#view=act&aid=XM-TEST-1-WATER"


def test_locations_match_member_cities_by_name_or_by_point_and_the_rest_are_listed(imported):
    upload, dataset = imported
    links = rows_of(dataset.project_cities)
    assert sorted(zip(links["project_id"], links["city_id"])) == [
        ("xm_test_1_water", "phnom_penh"),
        ("xm_test_2_signals", "da_nang"),
    ]
    assert upload.iati[0].unmatched_locations == [
        {"activity": "XM-TEST-3-ENERGY", "location": "Pai", "lat": 19.3583, "lon": 98.4406, "nearest member city (km)": 85}
    ]
    assert rows_of(dataset.project_countries)[["project_id", "iso3"]].values.tolist() == [["xm_test_3_energy", "THA"]]


def test_commitments_or_else_budgets_become_funding_and_other_currencies_are_kept_aside(imported):
    upload, dataset = imported
    grants = rows_of(dataset.grants)
    assert grants[["grant_id", "amount_usd", "amount_kind"]].values.tolist() == [
        ["xm_test_1_water_commitment_1", 750_000, "commitment"],
        ["xm_test_2_signals_budget_1", 400_000, "budget"],
        ["xm_test_2_signals_budget_2", 350_000, "budget"],
        ["xm_test_4_regional_commitment_1", 100_000, "commitment"],
    ]
    assert "xm_test_3_energy" not in set(grants["project_id"])  # its only amount is in euros
    assert upload.iati[0].other_currency == [
        {"activity": "XM-TEST-3-ENERGY", "what": "commitment", "amount": 1_200_000, "currency": "EUR", "date": "2026-06-01"}
    ]
    note = dataset.projects.set_index("project_id").loc["xm_test_3_energy", "amount_note"]
    assert note == "Also reports 1,200,000 EUR in other currencies: not converted to US dollars and not added to totals."


def test_indicator_actuals_become_results_and_disbursements_stay_money(imported):
    _, dataset = imported
    metrics = rows_of(dataset.metrics)
    assert metrics[["metric", "value", "unit", "value_type", "as_of"]].values.tolist() == [
        ["staff_trained", 45, "Staff trained", "result", "2023-12-31"],
        [
            "non_revenue_water_percent",
            18,
            "percent: Non-revenue water (percent)",
            "context",
            "2023-12-31",
        ],  # a percentage is never summed
    ]
    # Disbursements were once a "disbursed_usd" result: money pretending to be an outcome. They are transactions.
    assert "disbursed_usd" not in set(dataset.metrics["metric"])


def test_every_commitment_disbursement_and_expenditure_is_a_transaction_in_its_own_currency(imported):
    _, dataset = imported
    transactions = rows_of(dataset.transactions)
    assert transactions[["transaction_id", "transaction_type", "amount", "currency", "transaction_date", "recipient"]].astype(
        object
    ).where(transactions.notna(), None).values.tolist() == [
        ["xm_test_1_water_transaction_1", "commitment", 750_000, "USD", "2021-04-15", "Test Water Authority"],
        ["xm_test_1_water_transaction_2", "disbursement", 300_000, "USD", "2022-06-30", None],
        ["xm_test_1_water_transaction_3", "disbursement", 200_000, "USD", "2023-06-30", None],
        ["xm_test_3_energy_transaction_1", "commitment", 1_200_000, "EUR", "2026-06-01", None],  # kept in euros
        ["xm_test_4_regional_transaction_1", "commitment", 100_000, "USD", "2019-03-01", None],
    ]
    projects = dataset.projects.set_index("project_id")
    assert projects.loc["xm_test_1_water", "record_id"] == "XM-TEST-1-WATER"


def activity_spending(*values: str, currency: str = ' default-currency="USD"') -> bytes:
    """An IATI file with one activity in Phnom Penh that disburses `values` (US dollars unless told)."""
    transactions = "".join(
        f'<transaction><transaction-type code="3"/><transaction-date iso-date="2023-01-0{n}"/><value>{value}</value></transaction>'
        for n, value in enumerate(values, start=1)
    )
    return (
        f'<iati-activities version="2.03"><iati-activity{currency}><iati-identifier>XM-HUGE</iati-identifier>'
        f'<recipient-country code="KH"/>{transactions}</iati-activity></iati-activities>'
    ).encode()


def test_values_beyond_a_thousand_trillion_are_set_aside_never_summed_to_infinity(dataset):
    result = read_iati("huge.xml", activity_spending("1e308", "1e308", "250"), dataset.cities)
    assert result.problems == []
    assert result.reports[0].set_aside == [
        f"transaction {n}: its value '1e308' is beyond any real amount (at most 1,000,000,000,000,000)" for n in (1, 2)
    ]
    assert result.tables["transactions"].frame["amount"].tolist() == ["250.0"]


def test_large_disbursements_are_each_kept_never_summed_into_a_figure(dataset):
    """Two of 900 trillion once added up past any metric value; each is now a transaction of its own."""
    result = read_iati("huge.xml", activity_spending("900000000000000", "900000000000000"), dataset.cities)
    assert result.problems == [] and result.troubles == 0
    assert result.tables["transactions"].frame["amount"].tolist() == ["900000000000000.0"] * 2
    assert "metrics" not in result.tables


def test_an_iati_file_with_huge_disbursements_is_reported_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "huge.xml"
    path.write_bytes(activity_spending("1e308", "1e308", "250"))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "transaction 1: its value '1e308' is beyond any real amount (at most 1,000,000,000,000,000)" in out
    assert "huge.xml: read in part (2 parts of activities set aside, listed above); what was read is valid." in out


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol9 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>X</iati-identifier><title><narrative>&lol9;</narrative></title></iati-activity></iati-activities>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>X</iati-identifier><title><narrative>&secret;</narrative></title></iati-activity></iati-activities>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_tricks_are_refused_before_anything_expands_or_is_read(dataset, payload):
    tracemalloc.start()
    result = read_iati("hostile.xml", payload, dataset.cities)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [str(problem) for problem in result.problems] == [
        "hostile.xml: declares a DOCTYPE or entities (DTDForbidden); IATI files need none and they are refused for safety"
    ]
    assert result.tables == {} and peak < 5 * 2**20
    assert "root:" not in str(result)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            b"<iati-organisations version='2.03'/>",
            "hostile.xml: not an IATI activity file (it starts with <iati-organisations>, not <iati-activities>)",
        ),
        (
            b"<iati-activities version='1.05'><iati-activity/></iati-activities>",
            "hostile.xml: its only activity could not be read: set aside, and the report says why",
        ),
        (b"<iati-activities version='2.03'></iati-activities>", "hostile.xml: holds no <iati-activity> elements"),
        (
            b"<iati-activities version='2.03'><iati-activity>",
            "hostile.xml row 1: is not well-formed XML (no element found: line 1, column 47)",
        ),
        (b"PK\x03\x04 not xml", "hostile.xml row 1: is not well-formed XML (not well-formed (invalid token): line 1, column 2)"),
    ],
)
def test_files_that_are_not_iati_activities_get_one_clear_message(dataset, payload, message):
    assert [str(problem) for problem in read_iati("hostile.xml", payload, dataset.cities).problems] == [message]


def declared(encoding: str) -> bytes:
    """The sample file with its XML declaration naming `encoding` (its bytes stay UTF-8)."""
    return SAMPLE.read_bytes().replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)


@pytest.mark.parametrize("encoding", ["x-evil", "Shift_JIS", "UTF-7", "ISO-8859-1", "windows-1252", "UTF-16", "UTF-32"])
def test_an_encoding_other_than_utf8_is_refused_with_the_way_out_never_an_exception(dataset, encoding):
    """Python's parser raised LookupError (x-evil) or ValueError (Shift_JIS, UTF-7: multi-byte) out of read_iati."""
    assert [str(problem) for problem in read_iati("hostile.xml", declared(encoding), dataset.cities).problems] == [
        f"hostile.xml: declares the encoding {encoding}; IATI files must be UTF-8: save it as UTF-8"
    ]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (b"<?xml version='1.0' encoding = 'x-evil' ?>", "declares the encoding x-evil; IATI files must be UTF-8: save it as UTF-8"),
        (
            b'\xef\xbb\xbf<?xml version="1.0"\n encoding="Shift_JIS"?>',
            "declares the encoding Shift_JIS; IATI files must be UTF-8: save it as UTF-8",
        ),
        (
            b'<?xml version="1.0" encoding="<b>x</b>"?>',
            "declares the encoding '<b>x</b>'; IATI files must be UTF-8: save it as UTF-8",
        ),
        (
            b'<?xml version="1.0"' + b" " * 100_000 + b'encoding="x-evil"?>',
            "has an XML declaration (<?xml ... ?>) that does not end within its first 65,536 bytes; "
            "IATI files must be UTF-8: save it as UTF-8",
        ),
    ],
    ids=["spaces-and-single-quotes", "after-a-mark", "not-an-encoding-name", "long-declaration"],
)
def test_the_declared_encoding_is_seen_however_it_is_written(dataset, declaration, message):
    data = SAMPLE.read_bytes().replace(b'<?xml version="1.0" encoding="UTF-8"?>', declaration, 1)
    assert [str(problem) for problem in read_iati("hostile.xml", data, dataset.cities).problems] == [f"hostile.xml: {message}"]


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.read_bytes(),
        declared("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.read_bytes(),
        SAMPLE.read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),  # with its mark
        SAMPLE.read_text().replace('<?xml version="1.0" encoding="UTF-8"?>', "").encode("utf-16"),  # no declaration
    ],
    ids=["utf-8", "utf-8-lower-case", "utf-8-with-mark", "utf-16-declared", "utf-16-undeclared"],
)
def test_utf8_and_utf16_with_its_mark_are_read(dataset, data):
    result = read_iati("sample.xml", data, dataset.cities)
    assert result.problems == [] and result.activities == 4
    titles = result.tables["projects"].frame["title"].tolist()
    assert "Test: water utility twinning in Phnom Penh" in titles


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            SAMPLE.read_text().encode("utf-16"),  # declares UTF-8
            "sample.xml: starts with UTF-16's byte-order mark but declares the encoding UTF-8; save it as UTF-8",
        ),
        (
            SAMPLE.read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"),
            "sample.xml: looks like UTF-16 without a byte-order mark (many of its bytes are empty); "
            "IATI files must be UTF-8: save it as UTF-8",
        ),
        (
            SAMPLE.read_text().replace('encoding="UTF-8"', 'encoding="UTF-32"').encode("utf-32"),
            "sample.xml: is UTF-32 (it starts with UTF-32's byte-order mark); IATI files must be UTF-8: save it as UTF-8",
        ),
    ],
    ids=["utf-16-declaring-utf-8", "utf-16-without-mark", "utf-32"],
)
def test_utf16_without_its_mark_or_declaring_another_encoding_and_utf32_are_refused(dataset, data, message):
    assert [str(problem) for problem in read_iati("sample.xml", data, dataset.cities).problems] == [message]


@pytest.mark.parametrize("error", [LookupError("unknown encoding: x-evil"), ValueError("multi-byte encodings are not supported")])
def test_an_encoding_error_from_the_parser_is_a_refusal_never_a_traceback(dataset, monkeypatch, error):
    """The declaration is read before parsing; should the parser still meet an encoding it cannot use, it is a refusal."""
    import usascp.importers.iati as iati

    def parser_that_fails(*args, **kwargs):
        raise error
        yield  # a generator, as iterparse is

    monkeypatch.setattr(iati, "iterparse", parser_that_fails)
    assert [str(problem) for problem in read_iati("odd.xml", SAMPLE.read_bytes(), dataset.cities).problems] == [
        f"odd.xml: cannot be read in the encoding it declares ({error}); IATI files must be UTF-8: save it as UTF-8"
    ]


def test_a_large_file_streams_in_bounded_memory(dataset):
    activity = SAMPLE.read_text().split("<iati-activity ", 2)[1].rsplit("</iati-activity>", 1)[0]
    one = "<iati-activity " + activity.split("</iati-activity>")[0] + "</iati-activity>\n"
    copies = 5000
    body = "".join(one.replace("XM-TEST-1-WATER", f"XM-TEST-BULK-{n}") for n in range(copies))
    data = f'<iati-activities version="2.03">{body}</iati-activities>'.encode()
    assert len(data) > 10 * 2**20
    tracemalloc.start()
    result = read_iati("bulk.xml", data, dataset.cities)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.problems == [] and result.activities == copies
    # The parsed tree of all activities would take several times the file; the tables are what remains.
    assert peak < 4 * len(data), (peak, len(data))


def test_the_command_line_summarises_an_iati_file(capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "IATI iati-activities-test.xml: 4 activities, 5 transactions, 2 result values" in out
    assert (
        "Totals for iati-activities-test.xml: 4 activities: 4 read, 0 set aside; 5 transactions (1 in EUR, 4 in USD); "
        "2 budgets; 2 result values; 2 locations placed, 1 not placed."
    ) in out
    assert (
        "valid. Would load 4 sources, 4 projects, 4 project–source links, 2 project–city links, 1 project–country link, "
        "4 grants, 5 transactions and 2 figures"
        in out
    )


def test_the_command_line_exits_2_for_an_unreadable_iati_file(tmp_path, capsys):
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(BILLION_LAUGHS)
    assert main(["validate", str(bomb)]) == 2
    assert "refused for safety" in capsys.readouterr().err


MIXED = Path(__file__).parent / "fixtures" / "iati-dportal-mixed.xml"


@pytest.fixture(scope="module")
def mixed(dataset):
    return read_iati(MIXED.name, MIXED.read_bytes(), dataset.cities)


def report_rows(result) -> list[list]:
    table = result.report_table()
    return table.astype(object).where(table.notna(), None).values.tolist()


def test_a_dportal_export_mixing_versions_is_read_activity_by_activity_with_a_report_line_each(mixed):
    """The root names no version: each activity is read by its own; a 3.0 one and one without identifier are set aside alone."""
    assert mixed.problems == []
    assert mixed.summary == "iati-dportal-mixed.xml: 7 activities (2 set aside), 7 transactions, 1 result value"
    assert list(mixed.report_table().columns) == [
        "#", "activity", "outcome", "set aside", "version read as", "transactions", "budgets", "results",
        "locations placed", "locations not placed", "currencies", "notes", "title",
    ]  # fmt: skip
    assert report_rows(mixed) == [
        [1, "XM-DP-103-WATER", "read in part", "transaction 4: its value 'n/a' is not a number", "1.03", 2, 0, 1, 1, 0,
         "USD", "other flows not read as money: 1 incoming funds", "Test 1.03: Phnom Penh water works"],
        [2, "XM-DP-105-SKILLS", "read", "", "1.05", 2, 1, 0, 0, 1, "GBP",
         ("not placed on a member city (none by that name or within 25 km): Hue; not in US dollars, kept in their own "
          "currency and not added to totals: 300,000 GBP, 120,000 GBP, 300,000 GBP"),
         "Test 1.05: vocational skills in central Viet Nam"],
        [3, "XM-DP-201-PARENT", "read", "", "2.01", 0, 0, 0, 0, 0, "USD",
         ("its own money (1 transaction) is not counted: its components in this file carry money of their own, and "
          "counting both would count it twice"), "Test 2.01: smart city innovation program"],
        [4, "XM-DP-203-CHILD", "read in part",
         "transaction 4: no currency (its value names none and the activity has no default-currency)", "2.03",
         3, 0, 0, 1, 0, "USD", "a component of XM-DP-201-PARENT", "Test 2.03: Jakarta flood sensors"],
        [5, "XM-DP-300-FUTURE", "set aside", "IATI version 3.0; this dashboard reads 1.01 to 1.05 and 2.01 to 2.03",
         "3.0", 0, 0, 0, 0, 0, "", "", "Test 3.0: an activity from a version yet to come"],
        [6, "(no identifier)", "set aside", "no iati-identifier: an activity cannot be told apart or linked without one",
         "2.02", 0, 0, 0, 0, 0, "", "", "Test 2.02: an activity without an identifier"],
        [7, "XM-DP-NOVERSION-REGIONAL", "read", "", "2.0x (by its narratives)", 0, 1, 0, 0, 0, "USD", "",
         "Test without a version: regional planning exchange"],
    ]  # fmt: skip
    assert mixed.totals_line() == (
        "Totals for iati-dportal-mixed.xml: 7 activities: 5 read (2 in part), 2 set aside; 7 transactions "
        "(2 in GBP, 5 in USD); 2 budgets; 1 result value; 2 locations placed, 1 not placed."
    )


def test_1_0x_activities_are_read_where_their_elements_mean_the_same(mixed):
    """Text without narratives (the English of two titles), roles and date types as words, DAC and DAC-3 sectors, <coordinates>."""
    projects = mixed.tables["projects"].frame.set_index("project_id")
    columns = ["title", "lead_agency", "implementing_partners", "sector", "status", "start_date", "end_date", "geographic_scope"]
    assert projects.loc["xm_dp_103_water", columns].tolist() == [
        "Test 1.03: Phnom Penh water works",  # not the French title beside it
        "USAID",
        "Test Water Supply Authority",  # role="Implementing", not the Funding one
        "Water",  # vocabulary DAC, 14020
        "ongoing",
        "2012-03-01",  # start-actual
        "2015-12-31",  # end-planned
        "city",  # its <coordinates> lie 2 km from Phnom Penh's centre
    ]
    assert projects.loc["xm_dp_105_skills", columns].tolist() == [
        "Test 1.05: vocational skills in central Viet Nam",
        "Other",
        "Test Skills Trust",
        "Training & exchange",  # vocabulary DAC-3, 111
        "completed",
        "2014-04-01",  # start-planned
        "2015-03-31",  # end-actual
        "country",  # Hue is 80 km from Da Nang: the country, and the place listed
    ]
    assert mixed.tables["project_cities"].frame[["project_id", "city_id"]].values.tolist() == [
        ["xm_dp_103_water", "phnom_penh"],
        ["xm_dp_203_child", "jakarta"],
    ]
    assert mixed.tables["metrics"].frame[["project_id", "metric", "value", "unit"]].values.tolist() == [
        ["xm_dp_103_water", "households_connected_to_piped_water", "1200.0", "Households connected to piped water"]
    ]
    assert projects["record_id"].tolist() == [
        "XM-DP-103-WATER", "XM-DP-105-SKILLS", "XM-DP-201-PARENT", "XM-DP-203-CHILD", "XM-DP-NOVERSION-REGIONAL",
    ]  # fmt: skip


def test_transactions_of_a_mixed_export_are_money_in_their_own_currency_negative_values_kept(mixed):
    transactions = mixed.tables["transactions"].frame
    columns = ["transaction_id", "transaction_type", "amount", "currency", "transaction_date", "recipient"]
    assert transactions[columns].astype(object).where(transactions[columns].notna(), None).values.tolist() == [
        ["xm_dp_103_water_transaction_1", "commitment", "500000.0", "USD", "2012-03-01", None],  # C
        ["xm_dp_103_water_transaction_2", "disbursement", "200000.0", "USD", "2013-06-30", "Test Water Supply Authority"],
        # transaction 3 is incoming funds (IF): not money this activity commits or spends; 4 has no number
        ["xm_dp_105_skills_transaction_1", "commitment", "300000.0", "GBP", "2014-04-01", None],  # never converted
        ["xm_dp_105_skills_transaction_2", "expenditure", "120000.0", "GBP", "2014-12-31", None],  # E
        ["xm_dp_203_child_transaction_1", "commitment", "400000.0", "USD", "2021-02-01", "Test Sensor Cooperative"],
        ["xm_dp_203_child_transaction_2", "disbursement", "150000.0", "USD", "2021-09-30", None],
        ["xm_dp_203_child_transaction_3", "disbursement", "-20000.0", "USD", "2022-01-15", None],  # a reversal, kept
    ]
    assert mixed.tables["grants"].frame[["grant_id", "amount_usd", "amount_kind", "award_date"]].values.tolist() == [
        ["xm_dp_103_water_commitment_1", "500000.0", "commitment", "2012-03-01"],
        ["xm_dp_203_child_commitment_1", "400000.0", "commitment", "2021-02-01"],
        ["xm_dp_noversion_regional_budget_1", "75000.0", "budget", "2023-07-01"],  # no commitment: its budget
    ]


def test_a_child_naming_its_parent_becomes_its_component_and_the_family_money_is_counted_once(dataset):
    from usascp import aggregate

    upload = read_upload([UploadedFile(MIXED.name, MIXED.read_bytes())], dataset.cities)
    explored = dataset_from_upload(upload, dataset, beside_base=False)
    projects = explored.projects.set_index("project_id")
    assert projects.loc["xm_dp_203_child", "parent_project_id"] == "xm_dp_201_parent"
    assert projects["parent_project_id"].isna().sum() == len(projects) - 1
    assert projects.loc["xm_dp_201_parent", "amount_note"] == (
        "Its own amounts in the IATI file are left out: its components carry the money."
    )
    totals = aggregate.funding_totals(explored)
    # 500,000 (1.03, USD) + 400,000 (the child; its parent's 1,000,000 left out) + 75,000 (a budget); pounds never added.
    assert (totals.disclosed_usd, totals.projects_total, totals.projects_disclosing) == (975_000, 4, 3)
    assert set(explored.transactions["project_id"]) == {"xm_dp_103_water", "xm_dp_105_skills", "xm_dp_203_child"}


def activities(*bodies: str, root: str = "") -> bytes:
    return (f"<iati-activities{root}>" + "".join(bodies) + "</iati-activities>").encode()


def test_an_activity_without_a_version_is_read_by_the_roots_else_by_its_content(dataset):
    text_only = "<iati-identifier>XM-A</iati-identifier><title>Plain text title</title>"
    letters = '<iati-identifier>XM-B</iati-identifier><transaction><transaction-type code="D"/><value currency="USD" value-date="2012-01-01">5</value></transaction>'
    numbers = '<iati-identifier>XM-C</iati-identifier><transaction><transaction-type code="3"/><value currency="USD" value-date="2012-01-01">5</value></transaction>'
    roles = '<iati-identifier>XM-E</iati-identifier><participating-org role="Implementing">Test Partner</participating-org>'
    dates = '<iati-identifier>XM-F</iati-identifier><activity-date type="start-actual" iso-date="2012-01-01"/>'
    bare = "<iati-identifier>XM-D</iati-identifier>"
    data = activities(*(f"<iati-activity>{body}</iati-activity>" for body in (text_only, letters, numbers, roles, dates, bare)))
    result = read_iati("a.xml", data, dataset.cities)
    assert [report.version for report in result.reports] == [
        "1.0x (by its text without narratives)",
        "1.0x (by its transaction codes as letters)",
        "2.0x (by its transaction codes as numbers)",
        "1.0x (by its organisation roles in words)",
        "1.0x (by its activity date types in words)",
        "2.0x (nothing in it tells the versions apart)",
    ]
    projects = result.tables["projects"].frame.set_index("project_id")
    assert projects.loc["xm_e", "implementing_partners"] == "Test Partner"  # read by the 1.0x codes its roles showed
    assert projects.loc["xm_f", "start_date"] == "2012-01-01"
    versioned = activities(f"<iati-activity>{letters}</iati-activity>", f'<iati-activity version="2.02">{bare}</iati-activity>', root=' version="1.04"')
    assert [report.version for report in read_iati("b.xml", versioned, dataset.cities).reports] == ["1.04 (the file's)", "2.02"]
    future = activities(f"<iati-activity>{bare}</iati-activity>", root=' version="0.9"')
    result = read_iati("c.xml", future, dataset.cities)
    assert result.reports[0].set_aside == ["IATI version 0.9 (the file's); this dashboard reads 1.01 to 1.05 and 2.01 to 2.03"]
    assert [str(problem) for problem in result.problems] == ["c.xml: its only activity could not be read: set aside, and the report says why"]


def one_transaction(transaction: str, currency: str = ' default-currency="USD"') -> bytes:
    """An activity with a good disbursement of 10 USD, then `transaction`."""
    good = '<transaction><transaction-type code="3"/><transaction-date iso-date="2023-01-01"/><value currency="USD">10</value></transaction>'
    return activities(
        f'<iati-activity version="2.03"{currency}><iati-identifier>XM-BAD</iati-identifier>{good}{transaction}</iati-activity>'
    )


@pytest.mark.parametrize(
    ("transaction", "currency", "reason"),
    [
        ('<transaction><transaction-type code="3"/><transaction-date iso-date="2023-02-01"/></transaction>', None, "no value"),
        ('<transaction><transaction-type code="3"/><transaction-date iso-date="2023-02-01"/><value> </value></transaction>', None, "no value"),
        (
            '<transaction><transaction-type code="99"/><transaction-date iso-date="2023-02-01"/><value>5</value></transaction>',
            None,
            "unknown transaction type '99'",
        ),
        (
            '<transaction><transaction-type code="D"/><transaction-date iso-date="2023-02-01"/><value>5</value></transaction>',
            None,
            "unknown transaction type 'D' (a 1.0x code, in a 2.0x activity)",
        ),
        (
            '<transaction><transaction-date iso-date="2023-02-01"/><value>5</value></transaction>',
            None,
            "no transaction-type code, so not known as money",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2023-02-01"/><value currency="XYZ">5</value></transaction>',
            None,
            "its value's currency 'XYZ' is not an ISO 4217 currency code",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2023-02-01"/><value>5</value></transaction>',
            ' default-currency="dollars"',
            "the activity's default currency 'DOLLARS' is not an ISO 4217 currency code",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2023-02-01"/><value>5</value></transaction>',
            "",
            "no currency (its value names none and the activity has no default-currency)",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2023-02-01"/><value>1,5OO</value></transaction>',
            None,
            "its value '1,5OO' is not a number",
        ),
        (
            '<transaction><transaction-type code="3"/><value currency="USD">5</value></transaction>',
            None,
            "no transaction-date or value-date",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="31/01/2023"/><value>5</value></transaction>',
            None,
            "its date '31/01/2023' is not a date (YYYY-MM-DD)",
        ),
    ],
    ids=[
        "no-value", "blank-value", "unknown-type", "1.0x-code-in-2.0x", "no-type", "unknown-currency",
        "unknown-default-currency", "no-currency-at-all", "not-a-number", "no-date", "not-a-date",
    ],
)
def test_a_transaction_that_cannot_be_read_is_set_aside_alone_with_its_reason(dataset, transaction, currency, reason):
    data = one_transaction(transaction, ' default-currency="USD"' if currency is None else currency)
    result = read_iati("bad.xml", data, dataset.cities)
    assert result.problems == []
    assert result.reports[0].outcome == "read in part"
    assert result.reports[0].set_aside == [f"transaction 2: {reason}"]
    assert result.tables["transactions"].frame[["transaction_id", "amount"]].values.tolist() == [["xm_bad_transaction_1", "10.0"]]


def test_a_truncated_file_keeps_the_activities_before_the_break_and_says_where_it_broke(dataset, tmp_path, capsys):
    text = MIXED.read_text()
    cut = text.index("<title><narrative>Test 2.03: Jakarta flood sensors")  # inside the fourth activity
    line = text[:cut].count("\n") + 1
    result = read_iati("cut.xml", text[:cut].encode(), dataset.cities)
    assert result.problems == []
    assert [report.identifier for report in result.reports] == ["XM-DP-103-WATER", "XM-DP-105-SKILLS", "XM-DP-201-PARENT"]
    column = cut - text[:cut].rfind("\n") - 1
    assert result.file_notes == [
        (
            f"the file breaks off at line {line} (not well-formed XML: no element found: line {line}, column {column}); "
            "the 3 activities before the break are read, anything after it is not"
        )
    ]
    path = tmp_path / "cut.xml"
    path.write_bytes(text[:cut].encode())
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"cut.xml: the file breaks off at line {line}" in out
    assert "cut.xml: read in part (1 part of an activity set aside, 1 file that breaks off, listed above)" in out


def test_a_parent_that_is_itself_a_component_or_is_not_in_the_file_leaves_its_children_as_projects(dataset):
    def activity(identifier: str, parent: str | None) -> str:
        related = f'<related-activity type="1" ref="{parent}"/>' if parent else ""
        return f'<iati-activity version="2.03"><iati-identifier>{identifier}</iati-identifier>{related}</iati-activity>'

    future = '<iati-activity version="3.0"><iati-identifier>XM-NEW</iati-identifier></iati-activity>'
    data = activities(
        activity("XM-TOP", None),
        activity("XM-MID", "XM-TOP"),
        activity("XM-LOW", "XM-MID"),
        activity("XM-ORPHAN", "XM-GONE"),
        future,
        activity("XM-LEFT", "XM-NEW"),
        activity("XM-TOP", None),
    )
    result = read_iati("family.xml", data, dataset.cities)
    projects = result.tables["projects"].frame.set_index("project_id")["parent_project_id"]
    assert projects.where(projects.notna(), None).to_dict() == {
        "xm_top": None, "xm_mid": "xm_top", "xm_low": None, "xm_orphan": None, "xm_left": None, "xm_top_2": None,
    }  # fmt: skip
    assert [report.notes for report in result.reports] == [
        [],
        ["a component of XM-TOP"],
        ["its parent XM-MID is itself a component of XM-TOP: read as a project of its own"],
        ["its parent XM-GONE is not in this file: read as a project of its own"],
        [],
        ["its parent XM-NEW was set aside: read as a project of its own"],
        ["activity 1 has the same identifier: both are read, this one as project xm_top_2"],
    ]
