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
    r"\busaid\b|\bustda\b|\bu\.\s?s\.?\s+(agency|department|government|trade and development)|"
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

FA_GOV = "ForeignAssistance.gov records"
IATI = "IATI activity records (d-portal)"
US_GOVERNMENT = "U.S. government pages"
GEONAMES = "GeoNames gazetteer entries"
USASCP_SITE = "The partnership's own site (usascp.org)"
OTHER = "Other publishers' pages"
KINDS = (FA_GOV, IATI, US_GOVERNMENT, GEONAMES, USASCP_SITE, OTHER)  # the order About lists them in

PUBLIC_DOMAIN_US_WORK = "Public domain in the U.S.: a work of the U.S. government (17 U.S.C. § 105)"
FACTS_ONLY = "No licence stated: cited for facts only (names, numbers, dates); its text is not reproduced"


@dataclass(frozen=True)
class Licence:
    kind: str  # one of KINDS
    licence: str  # in words
    licence_url: str | None  # where the licence, or the statement it rests on, can be read
    stated: bool = False  # True when the sources table states it (the licence column), not the rule


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
    if isinstance(stated, str) and stated.strip():
        return Licence(kind, " ".join(stated.split()), None, stated=True)
    if kind == FA_GOV:
        return Licence(
            kind,
            "Public domain: U.S. government data (its publisher: “Data is considered public domain”)",
            US_GOVERNMENT_IATI_ENTRY,
        )
    if kind == IATI:
        publisher = " ".join(str(publisher).split())
        page = registry_page(publisher)
        if US_GOVERNMENT_PUBLISHER.search(publisher):
            return Licence(
                kind, f"Public domain in the U.S.: published by a U.S. government agency, {publisher}", page or US_CODE_105
            )
        return Licence(
            kind, f"The licence its publisher, {publisher}, chose for its data on the IATI Registry", page or IATI_REGISTRY
        )
    if kind == US_GOVERNMENT:
        return Licence(kind, PUBLIC_DOMAIN_US_WORK, US_CODE_105)
    if kind == GEONAMES:
        return Licence(kind, "CC BY 4.0: free to reuse, crediting GeoNames", CC_BY_4)
    if kind == USASCP_SITE:
        return Licence(
            kind,
            FACTS_ONLY + " (a State Department initiative's site, but not on a U.S. government address and with no "
            "copyright statement found: not taken to be a U.S. government work)",
            None,
        )
    return Licence(kind, FACTS_ONLY, None)


def source_licences(sources: pd.DataFrame) -> pd.DataFrame:
    """The sources table with each source's kind, licence, licence_url (None where there is none) and licence_stated."""
    stated = sources["licence"] if "licence" in sources else pd.Series(None, index=sources.index, dtype=object)
    found = [licence_of(url, publisher, given) for url, publisher, given in zip(sources["url"], sources["publisher"], stated)]
    return sources.assign(
        kind=[item.kind for item in found],
        licence=[item.licence for item in found],
        licence_url=pd.Series([item.licence_url for item in found], index=sources.index, dtype=object),
        licence_stated=[item.stated for item in found],
    )


def licence_summary(sources: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of source and licence: kind, licence, sources (how many), licence_url; in KINDS order, then most used."""
    rows = source_licences(sources)
    summary = (
        rows.assign(licence_url=rows["licence_url"].fillna(""))
        .groupby(["kind", "licence", "licence_url"], sort=False)
        .size()
        .rename("sources")
        .reset_index()
    )
    summary["licence_url"] = summary["licence_url"].astype(object).where(summary["licence_url"] != "", None)
    order = summary["kind"].map({kind: place for place, kind in enumerate(KINDS)})
    summary = summary.assign(order=order).sort_values(
        ["order", "sources", "licence"], ascending=[True, False, True], kind="stable"
    )
    return summary[["kind", "licence", "sources", "licence_url"]].reset_index(drop=True)
