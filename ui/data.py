"""One cached, validated dataset per file version, shared by every viewer."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from usascp.formatting import markdown_text, plural
from usascp.load import DEFAULT_DATA_DIR, Dataset, DatasetError, dataset_version, load_dataset
from usascp.store import DEFAULT_STORE_DIR, DatasetStore

# Tests and deployments point the app at another folder without touching data/.
DATA_DIR_VARIABLE = "USASCP_DATA_DIR"
# Where editors' saved datasets live (usascp.store); saved-data/ beside data/ by default.
STORE_DIR_VARIABLE = "USASCP_STORE_DIR"


def dataset_store() -> DatasetStore:
    root = os.environ.get(STORE_DIR_VARIABLE, str(DEFAULT_STORE_DIR))
    return _opened_store(root, os.environ.get(DATA_DIR_VARIABLE, str(DEFAULT_DATA_DIR)))


@st.cache_resource(show_spinner=False)
def _opened_store(root: str, shipped: str) -> DatasetStore:
    # Once per server process and store: what a save killed in an earlier run of the server left behind goes.
    store = DatasetStore(root, shipped)
    store.remove_leftovers()
    return store


def data_folder() -> Path:
    """The dataset every viewer sees: the version an editor saved last, or the shipped data."""
    return dataset_store().active_folder()


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=4)
def _load(folder: str, version: str) -> Dataset:
    # `version` is only a cache key: a new file version means a fresh load and validation.
    return load_dataset(folder)


SHOWN_PROBLEMS = 20  # on a page: the rest are for `python -m usascp validate`, which lists them all


def shipped_dataset_or_stop() -> Dataset:
    """The validated shipped dataset; on a broken one, say why and offer Restore, instead of crashing.

    A version an editor saved can stop loading (checked by rules added after it was saved, or changed on
    disk): every page then shows its problems and the editors' section, so an editor can restore another
    version from wherever a viewer lands.
    """
    from ui.editors import editors_section

    folder = data_folder()
    try:
        return _load(str(folder), dataset_version(folder))
    except DatasetError as error:
        problems = error.problems
        st.error(
            f"**The dashboard's data cannot be shown** until {plural(problems.total, 'problem')} in it "
            f"{'is' if problems.total == 1 else 'are'} fixed. An editor can restore an earlier version, or the shipped "
            "data, below.",
            icon=":material/error:",
        )
        listed = [f"- {markdown_text(problem)}" for problem in problems[:SHOWN_PROBLEMS]]
        if problems.total > SHOWN_PROBLEMS:
            listed.append(f"- … and {problems.total - SHOWN_PROBLEMS:,} more (`python -m usascp validate` lists them all)")
        st.markdown("\n".join(listed))
        st.header("Editors", anchor=False)
        editors_section()
        st.stop()


# The session's own upload, when its viewer chose to explore it (pages/data.py). It lives only in this
# viewer's session: other viewers, and the shipped files, never see it.
EXPLORED = "explored_upload"


@dataclass(frozen=True)
class ExploredUpload:
    dataset: Dataset
    file_names: tuple[str, ...]
    beside_shipped: bool

    @property
    def description(self) -> str:
        names = ", ".join(self.file_names)
        return f"your upload ({names}), {'beside' if self.beside_shipped else 'instead of'} the shipped data"


def explored_upload() -> ExploredUpload | None:
    return st.session_state.get(EXPLORED)


def dataset_or_stop() -> Dataset:
    """The dataset this viewer is looking at: their explored upload, or the shipped data."""
    shipped = shipped_dataset_or_stop()
    upload = explored_upload()
    return upload.dataset if upload is not None else shipped


def explore(upload: ExploredUpload | None) -> None:
    """Show `upload` on every page of this session (None: back to the shipped data), from unfiltered views."""
    from ui.filters import reset_filters

    if upload is None:
        st.session_state.pop(EXPLORED, None)
    else:
        st.session_state[EXPLORED] = upload
    reset_filters()  # cities and sectors chosen in one dataset may not exist in the other


def dataset_banner() -> None:
    """Say on every page which dataset is shown, when it is not the shipped one, with the way back."""
    upload = explored_upload()
    if upload is None:
        return
    with st.container(border=True):
        text, button = st.columns([5, 2], vertical_alignment="center")
        text.markdown(
            f":material/upload_file: **You are exploring {markdown_text(upload.description)}.** "
            "Only you see it; nothing has been saved."
        )
        button.button("Back to the shipped data", on_click=explore, args=(None,), key="leave_upload", icon=":material/undo:")


def configured_editors() -> dict[str, str]:
    """Editor names and password hashes from the [editors] table of secrets.toml; empty when there is none."""
    try:
        return {str(name): str(stored) for name, stored in st.secrets.get("editors", {}).items()}
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return {}
