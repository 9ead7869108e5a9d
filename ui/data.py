"""One cached, validated dataset per file version, shared by every viewer."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from usascp.formatting import markdown_text
from usascp.load import DEFAULT_DATA_DIR, Dataset, DatasetError, dataset_version, load_dataset
from usascp.store import DEFAULT_STORE_DIR, DatasetStore

# Tests and deployments point the app at another folder without touching data/.
DATA_DIR_VARIABLE = "USASCP_DATA_DIR"
# Where editors' saved datasets live (usascp.store); saved-data/ beside data/ by default.
STORE_DIR_VARIABLE = "USASCP_STORE_DIR"


def dataset_store() -> DatasetStore:
    shipped = Path(os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA_DIR))
    return DatasetStore(os.environ.get(STORE_DIR_VARIABLE, DEFAULT_STORE_DIR), shipped)


def data_folder() -> Path:
    """The dataset every viewer sees: the version an editor saved last, or the shipped data."""
    return dataset_store().active_folder()


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=4)
def _load(folder: str, version: str) -> Dataset:
    # `version` is only a cache key: a new file version means a fresh load and validation.
    return load_dataset(folder)


def shipped_dataset_or_stop() -> Dataset:
    """The validated shipped dataset; on a broken one, show every problem and stop the page instead of crashing."""
    folder = data_folder()
    try:
        return _load(str(folder), dataset_version(folder))
    except DatasetError as error:
        st.error(f"The dataset in `{folder}` cannot be shown until these problems are fixed.")
        st.markdown("\n".join(f"- {markdown_text(problem)}" for problem in error.problems))  # they quote the files
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
