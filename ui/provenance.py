"""Where the data comes from, drawn for About the data: each kind of source with its licence, and the change log."""

from __future__ import annotations

import streamlit as st

from ui.data import dataset_store
from ui.layout import download_rows, people_table
from usascp.changelog import LogEntry, log_lines, log_table
from usascp.formatting import markdown_link, markdown_text, plural
from usascp.licences import WHY, dataset_licence_summary
from usascp.load import Dataset
from usascp.store import SHIPPED, StoreUnavailable

SHOWN_VERSIONS = 10  # the newest; the rest, and the shipped data, one click away


def licences_section(dataset: Dataset) -> None:
    """The licence of each kind of source, how many sources have it, where its terms can be read, and why."""
    st.header("Licences: what the sources let anyone do", anchor=False)
    st.markdown(
        "Each source's licence follows from what it is: its address, and for an IATI record its publisher. A source "
        "whose row in the sources table states a licence has that one. Every description in this dashboard is written "
        "in our own words."
    )
    summary = dataset_licence_summary(dataset)
    columns = ["kind", "licence", "sources", "licence_url"]
    if summary["iati_publisher"].ne("").any():
        columns.insert(1, "iati_publisher")
    people_table(summary, columns)
    why = []
    for kind in dict.fromkeys(summary["kind"]):
        words, url = WHY[kind]
        read = f" ({markdown_link('read it', url)})" if url else ""
        why.append(f"- **{markdown_text(kind)}.** {markdown_text(words)}{read}")
    st.markdown("\n".join(why))


@st.cache_data(show_spinner=False, max_entries=8)
def _change_log(key: tuple) -> list[LogEntry]:
    # `key` (the store's change_log_key) names the store and changes with every save and restore.
    return dataset_store().change_log()


def change_log() -> list[LogEntry]:
    """The store's change log (newest first, the shipped data last), read once per save and restore.
    StoreUnavailable when the saved data cannot be reached."""
    return _change_log(dataset_store().change_log_key())


def change_log_section() -> None:
    """Every saved version of the data, newest first, the one shown now marked, the shipped data last."""
    st.header("Change log", anchor=False)
    try:
        entries = change_log()
    except StoreUnavailable:
        st.warning(
            "The change log cannot be read just now: the saved data cannot be reached. The pages show the version this "
            "server had last.",
            icon=":material/cloud_off:",
        )
        return
    saved = len(entries) - 1
    st.markdown(
        f"Editors have saved {plural(saved, 'version')} of the data. Each save keeps the one before, and any of them can "
        "be shown again. Newest first; a save's changes are the rows it added, removed or changed (matched by their "
        "identifiers) in the data shown until then."
        if saved
        else "No editor has saved a version of the data: the dashboard shows the data it was shipped with."
    )
    lines = [
        f"- **{markdown_text(headline)}**{' · **shown now**' if entry.is_current else ''}"
        + "".join(f"  \n  {markdown_text(sentence)}" for sentence in (changes, rows) if sentence)
        for entry, (headline, changes, rows) in zip(entries, log_lines(entries, SHIPPED), strict=True)
    ]
    st.markdown("\n".join(lines[:SHOWN_VERSIONS]))
    if len(lines) > SHOWN_VERSIONS:
        with st.expander(f"{plural(len(lines) - SHOWN_VERSIONS, 'earlier version')}"):
            st.markdown("\n".join(lines[SHOWN_VERSIONS:]))
    if saved:
        download_rows(
            log_table(entries, SHIPPED),
            ["saved_at", "version", "is_current", "editor", "files", "changes", "row_counts"],
            "Download the change log (CSV)",
            "usascp-change-log.csv",
        )
