"""The IATI codes the mapping reads, for each generation of the standard (1.01–1.05 and 2.01–2.03), as data a person can check.

Written out from the IATI codelists rather than fetched at run time (nothing is fetched). Where they come from:
- 1.0x: github.com/IATI/IATI-Codelists, branches version-1.04 and version-1.05 (xml/TransactionType.xml,
  OrganisationRole.xml, ActivityDateType.xml, Vocabulary.xml, RelatedActivityType.xml, ActivityStatus.xml);
  the 1.01–1.03 schemas (github.com/IATI/IATI-Schemas, branches version-1.01 to version-1.03) point at the same
  lists, and the repository keeps no older branch. In 1.0x text sits directly in elements (no <narrative>), and
  a location's point may be <coordinates latitude= longitude=> (deprecated in 1.04, when <point><pos> came).
- 2.0x: github.com/IATI/IATI-Codelists branch version-2.03 (the same files); Currency and IndicatorMeasure
  from github.com/IATI/IATI-Codelists-NonEmbedded (master, 2026).
What differs between the generations is the codes for the same meanings: a transaction type "C" in 1.0x is
"2" in 2.0x, an organisation role "Implementing" is "4", an activity date "start-actual" is "2", a sector
vocabulary "DAC" is "1". Activity status (1–6), related-activity type (1 parent, 2 child), indicator measure
(1 unit, 2 percentage) and currencies are the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSIONS_1 = ("1.01", "1.02", "1.03", "1.04", "1.05")
VERSIONS_2 = ("2.01", "2.02", "2.03")
SUPPORTED_VERSIONS = VERSIONS_1 + VERSIONS_2
VERSIONS_READ = "1.01 to 1.05 and 2.01 to 2.03"


@dataclass(frozen=True)
class Codes:
    """One generation's codes for what the mapping reads."""

    generation: str  # "1.0x" or "2.0x"
    money: dict[str, str]  # transaction type code -> the transactions table's type (schema.TRANSACTION_TYPES)
    other_flows: dict[str, str]  # transaction types that are not money the funder commits or spends, by name
    roles: tuple[str, ...]  # OrganisationRole: funding, accountable, extending, implementing
    implementing_role: str  # the implementing partner
    start_dates: tuple[str, str]  # ActivityDateType: actual, then planned
    end_dates: tuple[str, str]
    dac5_vocabularies: tuple[str, ...]  # sector vocabulary of 5-digit DAC purpose codes (the default)
    dac3_vocabularies: tuple[str, ...]  # sector vocabulary of 3-digit DAC categories
    default_vocabulary: str


CODES_1 = Codes(
    generation="1.0x",
    money={"C": "commitment", "D": "disbursement", "E": "expenditure"},
    other_flows={
        "IF": "incoming funds",
        "IR": "interest repayment",
        "LR": "loan repayment",
        "R": "reimbursement",
        "QP": "purchase of equity",
        "QS": "sale of equity",
        "CG": "credit guarantee",
    },
    roles=("funding", "accountable", "extending", "implementing"),  # words, compared without regard to case
    implementing_role="implementing",
    start_dates=("start-actual", "start-planned"),
    end_dates=("end-actual", "end-planned"),
    dac5_vocabularies=("DAC",),
    dac3_vocabularies=("DAC-3",),
    default_vocabulary="DAC",
)
CODES_2 = Codes(
    generation="2.0x",
    # 2 is "Outgoing Commitment"; 11 "Incoming Commitment" is money promised to the publisher, not by it.
    money={"2": "commitment", "3": "disbursement", "4": "expenditure"},
    other_flows={
        "1": "incoming funds",
        "5": "interest payment",
        "6": "loan repayment",
        "7": "reimbursement",
        "8": "purchase of equity",
        "9": "sale of equity",
        "10": "credit guarantee",
        "11": "incoming commitment",
        "12": "outgoing pledge",
        "13": "incoming pledge",
    },
    roles=("1", "2", "3", "4"),
    implementing_role="4",
    start_dates=("2", "1"),
    end_dates=("4", "3"),
    dac5_vocabularies=("1",),
    dac3_vocabularies=("2",),
    default_vocabulary="1",
)


def codes_for(version: str) -> Codes | None:
    """The codes to read an activity of `version` by; None for a version this dashboard does not read."""
    if version not in SUPPORTED_VERSIONS:
        return None
    return CODES_1 if version in VERSIONS_1 else CODES_2


# RelatedActivityType (both generations): in a child's file, type 1 names its parent; in a parent's, 2 a child.
PARENT, CHILD = "1", "2"

# ActivityStatus (both generations): 1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed,
# 5 Cancelled, 6 Suspended. Finalisation means the work is done and only the accounts remain.
STATUS = {"1": "planned", "2": "ongoing", "3": "completed", "4": "completed", "5": "unknown", "6": "unknown"}
# IndicatorMeasure: 1 Unit, 2 Percentage (1.0x had these two), 3 Nominal, 4 Ordinal, 5 Qualitative.
MEASURE_UNITS = {"1": "units", "2": "percent", "3": "nominal", "4": "ordinal", "5": "qualitative"}

ISO2_TO_ISO3 = {
    "BN": "BRN",
    "KH": "KHM",
    "ID": "IDN",
    "LA": "LAO",
    "MY": "MYS",
    "MM": "MMR",
    "PH": "PHL",
    "SG": "SGP",
    "TH": "THA",
    "TL": "TLS",
    "VN": "VNM",
}

# DAC 3-digit sector categories, and the dashboard's sector each falls under (a 5-digit code's first three digits).
DAC_SECTORS = {
    "121": "Health",
    "122": "Health",
    "123": "Health",
    "140": "Water",
    "210": "Transport",
    "220": "Digital & cybersecurity",
    "230": "Energy",
    "231": "Energy",
    "232": "Energy",
    "233": "Energy",
    "234": "Energy",
    "235": "Energy",
    "236": "Energy",
    "111": "Training & exchange",
    "112": "Training & exchange",
    "113": "Training & exchange",
    "114": "Training & exchange",
    "250": "Innovation funds",
    "410": "Climate & resilience",
    "740": "Climate & resilience",
}

# ISO 4217 as IATI's Currency codelist has it, with the codes it has withdrawn (a 1.0x file from 2012 may
# still write EEK or LTL: a real currency, kept in its own money like any other).
# Written as the codelist lists them, to check against it by eye.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD
    CDF CHF CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR
    PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SSP SRD STN SVC SYP
    SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UZS VED VES VND VUV WST XAF XBT XCD XDR XOF
    XPF YER ZAR ZMW ZWL
    BYR EEK LTL LVL MRO STD USS VEF ZMK
    """.split()  # noqa: SIM905
)
