"""One cached, validated dataset per file version, shared by every viewer."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from usascp.load import DEFAULT_DATA_DIR, Dataset, DatasetError, dataset_version, load_dataset

# Tests and deployments point the app at another folder without touching data/.
DATA_DIR_VARIABLE = "USASCP_DATA_DIR"


def data_folder() -> Path:
    return Path(os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA_DIR))


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=4)
def _load(folder: str, version: str) -> Dataset:
    # `version` is only a cache key: a new file version means a fresh load and validation.
    return load_dataset(folder)


def dataset_or_stop() -> Dataset:
    """The validated dataset; on a broken dataset, show every problem and stop the page instead of crashing."""
    folder = data_folder()
    try:
        return _load(str(folder), dataset_version(folder))
    except DatasetError as error:
        st.error(f"The dataset in `{folder}` cannot be shown until these problems are fixed.")
        st.markdown("\n".join(f"- {problem}" for problem in error.problems))
        st.stop()
