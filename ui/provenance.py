"""Where the data comes from, drawn for About the data: each kind of source with its licence, and the change log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.data import dataset_store
from ui.layout import people_table
from usascp.changelog import log_table
from usascp.formatting import plural
from usascp.licences import licence_summary
from usascp.load import Dataset
from usascp.store import SHIPPED


def licences_section(dataset: Dataset) -> None:
    """The licence of each kind of source, how many sources have it, and where its terms can be read."""
    st.header("Licences: what the sources let anyone do", anchor=False)
    st.markdown(
        "Each source's licence follows from what it is (its address, and for an IATI record its publisher), unless its "
        "row in the sources table states one. Pages with no licence are cited for their facts only: names, numbers, "
        "dates and addresses; their text is never reproduced, and every description here is in our own words."
    )
    people_table(licence_summary(dataset.sources), ["kind", "licence", "sources", "licence_url"])


@st.cache_data(show_spinner=False, max_entries=8)
def _log_rows(root: str, shipped: str, versions: tuple[str, ...], active: str) -> pd.DataFrame:
    # `versions` and `active` are only the cache key: a save or a restore changes one of them.
    from usascp.store import DatasetStore

    return log_table(DatasetStore(root, shipped).change_log(), SHIPPED)


def change_log_rows() -> pd.DataFrame:
    """The change log (usascp.changelog.log_table), read once per saved version and restore."""
    store = dataset_store()
    versions = tuple(sorted(path.name for path in store.versions.iterdir())) if store.versions.is_dir() else ()
    return _log_rows(str(store.root), str(store.shipped), versions, str(store.active_folder()))


def change_log_section() -> None:
    """Every saved version of the data, newest first, the one shown now marked, the shipped data last."""
    rows = change_log_rows()
    st.header("Change log", anchor=False)
    saved = len(rows) - 1
    st.markdown(
        (
            f"Editors have saved {plural(saved, 'version')} of the data. Each save keeps the one before, and any can be "
            "shown again. Newest first; changes count the rows added, removed or changed by identifier, from the data "
            "shown just before the save."
        )
        if saved
        else "No editor has saved a version of the data: the dashboard shows the data it was shipped with."
    )
    people_table(rows, ["saved_at", "is_current", "editor", "files", "changes", "row_counts"])
