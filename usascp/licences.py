"""What each source lets us do with it: its kind (by its address) and its licence, in words a person can rely on.

One rule for every source, with one way round it. A source's `licence` column (sources.csv, optional) is
what whoever added the source read on it: when filled, it is the licence shown. When empty, the licence
follows from what the source is, judged by its address and, for an IATI record, by its publisher:

- a ForeignAssistance.gov record: U.S. government data, public domain. The U.S. Government's own entry on
  the IATI Registry (its contact: the ForeignAssistance.gov team) says "Data is considered public domain";
- an IATI activity record (d-portal): each publisher chooses the licence of its data when it registers
  its files on the IATI Registry. A U.S. government publisher's data is a U.S. government work, so
  public domain; any other publisher's is the licence it chose, which the page names it for;
- a page on a U.S. federal government address (state.gov, usaid.gov, ...): a work of the U.S. government,
  which U.S. copyright law (17 U.S.C. § 105) leaves in the public domain;
- a GeoNames gazetteer entry: Creative Commons Attribution 4.0 (GeoNames' own readme for its data);
- the partnership's own site, usascp.org: a Department of State initiative's site, but on a .org address
  with no copyright statement we could find, so it is not taken to be a U.S. government work;
- every other publisher's page: no licence stated, so it is cited for facts only (names, numbers, dates,
  addresses), and its text is never reproduced: descriptions here are written in our own words.

A `.gov` address alone is not enough: U.S. states, counties and cities use .gov too, and their works are
not public domain under § 105. Only the federal addresses in US_FEDERAL_DOMAINS count.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import pandas as pd

from usascp.load import Dataset
from usascp.positions import derived

# Federal executive-branch addresses the shipped and imported sources use, and the agencies USASCP works
# with. A subdomain counts (asean.usmission.gov, share.america.gov, fpi.omb.gov); "clc.gov.sg" does not.
US_FEDERAL_DOMAINS = (
    "state.gov",
    "usmission.gov",
    "america.gov",
    "usaid.gov",
    "foreignassistance.gov",
    "trade.gov",
    "commerce.gov",
    "nist.gov",
    "transportation.gov",
    "dot.gov",
    "ustda.gov",
    "nsf.gov",
    "cdc.gov",
    "epa.gov",
    "energy.gov",
    "mcc.gov",
    "omb.gov",
    "whitehouse.gov",
    "usaspending.gov",
    "sam.gov",
    "grants.gov",
    "gao.gov",
)
FOREIGN_ASSISTANCE_DOMAINS = ("foreignassistance.gov",)
IATI_RECORD_DOMAINS = ("d-portal.org",)
GEONAMES_DOMAINS = ("geonames.org",)
USASCP_DOMAINS = ("usascp.org",)

# An IATI publisher that is a U.S. government agency, by the name its files give (reporting-org).
US_GOVERNMENT_PUBLISHER = re.compile(
    r"\busaid\b|\bustda\b|\bu\.?\s?s\.?\s+(agency|department|government|trade and development)|"
    r"\bunited states\s+(agency|department|government)|millennium challenge corporation|\bus\s+government\b",
    re.I,
)
# Publishers whose page on the IATI Registry we have seen at this address (https://iatiregistry.org/publisher/about/<name>):
# the registry names a publisher by a short name of its own, which an IATI file does not carry, so only these
# are linked; any other publisher is named, with the registry to look it up in.
IATI_REGISTRY = "https://iatiregistry.org/"
IATI_REGISTRY_PUBLISHERS = (
    (re.compile(r"agency for international development|\busaid\b", re.I), "usaid"),
    (re.compile(r"^(u\.\s?s\.|united states)\s+government$", re.I), "unitedstates"),
)
US_GOVERNMENT_IATI_ENTRY = "https://iatiregistry.org/publisher/about/unitedstates"
US_CODE_105 = "https://www.copyright.gov/title17/92chap1.html#105"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"

FA_GOV = "ForeignAssistance.gov"
IATI = "IATI records (d-portal)"
US_GOVERNMENT = "U.S. government pages"
GEONAMES = "GeoNames entries"
USASCP_SITE = "usascp.org (partnership)"
OTHER = "Other publishers' pages"
KINDS = (FA_GOV, IATI, US_GOVERNMENT, GEONAMES, USASCP_SITE, OTHER)  # the order About lists them in

PUBLIC_DOMAIN_US_WORK = "Public domain (a U.S. government work)"
PUBLIC_DOMAIN_US_DATA = "Public domain (U.S. government data)"
PUBLISHERS_CHOICE = "Its publisher's choice (IATI Registry)"
CC_BY_GEONAMES = "CC BY 4.0 (reuse crediting GeoNames)"
FACTS_ONLY = "None stated: cited for facts only"

# Why each kind has its licence, for a person to check: (words, the address of what they rest on, or None).
WHY = {
    FA_GOV: (
        "U.S. government data. The U.S. Government's own entry on the IATI Registry, whose contact is the "
        "ForeignAssistance.gov team, says: “Data is considered public domain.”",
        US_GOVERNMENT_IATI_ENTRY,
    ),
    IATI: (
        "Each publisher chooses the licence of its IATI data when it registers its files on the IATI Registry; the "
        "publisher of each record is named. Data a U.S. government agency publishes is a U.S. government work, so "
        "public domain. Any other publisher's licence is the one it chose there.",
        IATI_REGISTRY,
    ),
    US_GOVERNMENT: (
        "Pages on U.S. federal government addresses (state.gov, usaid.gov, nsf.gov and the like). U.S. copyright law "
        "(17 U.S.C. § 105) gives works of the U.S. government no copyright. Other .gov addresses belong to U.S. states "
        "and cities, whose works are not covered, so they are not counted here.",
        US_CODE_105,
    ),
    GEONAMES: ("GeoNames publishes its gazetteer under the Creative Commons Attribution 4.0 licence.", CC_BY_4),
    USASCP_SITE: (
        "The partnership is a Department of State initiative, but its site is on a .org address and states no "
        "copyright or licence that we could find. So it is not taken to be a U.S. government work: its facts are "
        "cited, and its text is not reproduced.",
        None,
    ),
    OTHER: (
        "News, partners' and other governments' pages state no licence we rely on. Their facts (names, numbers, "
        "dates, addresses) are cited with a link; their text is not reproduced.",
        None,
    ),
}


@dataclass(frozen=True)
class Licence:
    kind: str  # one of KINDS
    licence: str  # in words, short enough for a table cell
    licence_url: str | None  # where the licence, or the statement it rests on, can be read
    stated: bool = False  # True when the sources table states it (the licence column), not the rule
    iati_publisher: str | None = None  # for an IATI record: the publisher whose licence it is


def host(url: str) -> str:
    """The address's host name, lower-case, without "www."; "" for an address without one."""
    name = (urllib.parse.urlsplit(str(url)).hostname or "").lower()
    return name.removeprefix("www.")


def on_domain(url: str, domains) -> bool:
    """Whether `url` is on one of `domains` or a subdomain of one (never a look-alike: "notstate.gov", "state.gov.sg")."""
    name = host(url)
    return any(name == domain or name.endswith("." + domain) for domain in domains)


def registry_page(publisher: str) -> str | None:
    """The publisher's page on the IATI Registry, for the publishers whose registry name we know; else None."""
    name = " ".join(str(publisher).split())
    return next(
        (
            f"https://iatiregistry.org/publisher/about/{short}"
            for pattern, short in IATI_REGISTRY_PUBLISHERS
            if pattern.search(name)
        ),
        None,
    )


def kind_of(url: str) -> str:
    if on_domain(url, FOREIGN_ASSISTANCE_DOMAINS):
        return FA_GOV
    if on_domain(url, IATI_RECORD_DOMAINS):
        return IATI
    if on_domain(url, US_FEDERAL_DOMAINS):
        return US_GOVERNMENT
    if on_domain(url, GEONAMES_DOMAINS):
        return GEONAMES
    if on_domain(url, USASCP_DOMAINS):
        return USASCP_SITE
    return OTHER


def licence_of(url: str, publisher: str, stated: str | None = None) -> Licence:
    """A source's kind and licence: the one its row states, else the rule above."""
    kind = kind_of(url)
    publisher = " ".join(str(publisher).split())
    iati_publisher = publisher if kind == IATI else None
    if isinstance(stated, str) and stated.strip():
        return Licence(kind, " ".join(stated.split()), None, stated=True, iati_publisher=iati_publisher)
    if kind == FA_GOV:
        return Licence(kind, PUBLIC_DOMAIN_US_DATA, US_GOVERNMENT_IATI_ENTRY)
    if kind == IATI:
        page = registry_page(publisher)
        if US_GOVERNMENT_PUBLISHER.search(publisher):
            return Licence(kind, PUBLIC_DOMAIN_US_DATA, page or US_CODE_105, iati_publisher=publisher)
        return Licence(kind, PUBLISHERS_CHOICE, page or IATI_REGISTRY, iati_publisher=publisher)
    if kind == US_GOVERNMENT:
        return Licence(kind, PUBLIC_DOMAIN_US_WORK, US_CODE_105)
    if kind == GEONAMES:
        return Licence(kind, CC_BY_GEONAMES, CC_BY_4)
    return Licence(kind, FACTS_ONLY, None)


def source_licences(sources: pd.DataFrame) -> pd.DataFrame:
    """The sources table with each source's kind, licence, licence_url (None where there is none), licence_stated
    and iati_publisher (the publisher an IATI record's licence is the choice of; None for other kinds)."""
    stated = sources["licence"] if "licence" in sources else pd.Series(None, index=sources.index, dtype=object)
    found = [
        licence_of(url, publisher, given)
        for url, publisher, given in zip(sources["url"], sources["publisher"], stated, strict=True)
    ]
    return sources.assign(
        kind=[item.kind for item in found],
        licence=[item.licence for item in found],
        licence_url=pd.Series([item.licence_url for item in found], index=sources.index, dtype=object),
        licence_stated=[item.stated for item in found],
        iati_publisher=pd.Series([item.iati_publisher for item in found], index=sources.index, dtype=object),
    )


def licence_summary(sources: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of source, IATI publisher and licence: kind, iati_publisher ("" for other kinds), licence,
    sources (how many), licence_url (None where there is none); in KINDS order, then the most used first."""
    rows = source_licences(sources)
    summary = (
        rows.assign(licence_url=rows["licence_url"].fillna(""), iati_publisher=rows["iati_publisher"].fillna(""))
        .groupby(["kind", "iati_publisher", "licence", "licence_url"], sort=False)
        .size()
        .rename("sources")
        .reset_index()
    )
    summary["licence_url"] = summary["licence_url"].astype(object).where(summary["licence_url"] != "", None)
    order = summary["kind"].map({kind: place for place, kind in enumerate(KINDS)})
    summary = summary.assign(order=order).sort_values(
        ["order", "sources", "iati_publisher"], ascending=[True, False, True], kind="stable"
    )
    return summary[["kind", "iati_publisher", "licence", "sources", "licence_url"]].reset_index(drop=True)


def dataset_source_licences(dataset: Dataset) -> pd.DataFrame:
    """source_licences() of the dataset's sources, once per dataset: each source's address is read by hand
    (about 0.1 ms a source), and the About page shows them on every rerun."""
    return derived(dataset, "source_licences", lambda: source_licences(dataset.sources))


def dataset_licence_summary(dataset: Dataset) -> pd.DataFrame:
    """licence_summary() of the dataset's sources, once per dataset."""
    return derived(dataset, "licence_summary", lambda: licence_summary(dataset.sources))
