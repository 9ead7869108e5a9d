"""One cached, validated dataset per file version, shared by every viewer; and the upload one viewer explores."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path

import streamlit as st

from usascp.changelog import when_in_words
from usascp.formatting import markdown_text, plural
from usascp.kept_uploads import DEFAULT_UPLOADS_DIR, ID_PATTERN, KEEP_FOR, NotKept, UploadKeeper, until_words
from usascp.load import DEFAULT_DATA_DIR, Dataset, DatasetError, dataset_version, load_dataset
from usascp.pg_store import PostgresStore, database_address
from usascp.store import DEFAULT_STORE_DIR, SHIPPED, DatasetStore

# Tests and deployments point the app at another folder without touching data/.
DATA_DIR_VARIABLE = "USASCP_DATA_DIR"
# Where editors' saved datasets live (usascp.store); saved-data/ beside data/ by default.
STORE_DIR_VARIABLE = "USASCP_STORE_DIR"
# Saved datasets in PostgreSQL (usascp.pg_store) instead: this address, or [connections.usascp] in secrets.toml.
DATABASE_URL_VARIABLE = "USASCP_DATABASE_URL"
PG_CACHE_FOLDER = "postgresql-cache"  # inside the store folder: each replica's copies of the versions it serves


def dataset_store() -> DatasetStore | PostgresStore:
    """Where saved datasets live: PostgreSQL when USASCP_DATABASE_URL or [connections.usascp] is set (the variable
    first), else the folder store. One store per server process and setting."""
    from ui.connection import CONNECTION_NAME, SavedDataConnection, secrets_section, secrets_section_digest

    root = os.environ.get(STORE_DIR_VARIABLE, str(DEFAULT_STORE_DIR))
    shipped = os.environ.get(DATA_DIR_VARIABLE, str(DEFAULT_DATA_DIR))
    cache = str(Path(root) / PG_CACHE_FOLDER)
    url = os.environ.get(DATABASE_URL_VARIABLE, "")
    if url.strip():
        return _opened_postgres(url, cache, shipped)
    section = secrets_section()
    if section is not None:
        digest = secrets_section_digest(section)
        return st.connection(CONNECTION_NAME, SavedDataConnection, shipped=shipped, cache_root=cache, section_digest=digest).store
    return _opened_store(root, shipped)


@st.cache_resource(show_spinner=False)
def _opened_store(root: str, shipped: str) -> DatasetStore:
    # Once per server process and store: what a save killed in an earlier run of the server left behind goes.
    store = DatasetStore(root, shipped)
    store.remove_leftovers()
    return store


@st.cache_resource(show_spinner=False)
def _opened_postgres(url: str, cache_root: str, shipped: str) -> PostgresStore:
    store = PostgresStore(database_address(url, DATABASE_URL_VARIABLE), cache_root, shipped)
    store.remove_leftovers()  # its cache's, left by a process killed while it saved or copied a version
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


# The session's own upload, when its viewer chose to explore it (pages/data.py). Other viewers, and the
# shipped files, never see it. It is also kept on the server for a day (usascp.kept_uploads) under an id held
# in a cookie of this browser only, so that a reload, or a link opened in the same browser, brings it back.
EXPLORED = "explored_upload"
UPLOADS_DIR_VARIABLE = "USASCP_UPLOADS_DIR"  # where kept uploads go; kept-uploads/ beside saved-data/ by default
_COOKIE_READ = "kept_upload_cookie_read"  # once per session: the browser's cookie is looked up when the session starts
_COOKIE_WANTED = "kept_upload_cookie"  # ("set", id, until) or ("clear",): what this browser's cookie must become
_NOTICE = "kept_upload_notice"  # why an upload this browser kept could not be brought back


@dataclass(frozen=True)
class ExploredUpload:
    dataset: Dataset
    file_names: tuple[str, ...]
    beside_shipped: bool
    kept_until: dt.datetime | None = None  # when the server deletes its kept copy; None when it is not kept
    kept_id: str | None = field(default=None, repr=False)  # the key to the kept copy: never shown, never in a URL
    not_kept: str | None = None  # why it is not kept across reloads, in words

    @property
    def description(self) -> str:
        names = ", ".join(self.file_names)
        return f"your upload ({names}), {'beside' if self.beside_shipped else 'instead of'} the shipped data"


def upload_keeper() -> UploadKeeper:
    return _opened_keeper(os.environ.get(UPLOADS_DIR_VARIABLE, str(DEFAULT_UPLOADS_DIR)))


@st.cache_resource(show_spinner=False)
def _opened_keeper(root: str) -> UploadKeeper:
    keeper = UploadKeeper(root, data_folders=(DEFAULT_DATA_DIR, os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA_DIR)))
    keeper.remove_expired()  # once per server process; every keep cleans again
    return keeper


def cookie_name(root: str | None = None) -> str:
    """The cookie's name, tied to the folder of kept uploads: a second dashboard on the same host (cookies do not
    tell ports apart) keeps its own, and replicas sharing one folder share one name."""
    root = root or os.environ.get(UPLOADS_DIR_VARIABLE, str(DEFAULT_UPLOADS_DIR))
    return "usascp_upload_" + hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:8]


def explored_upload() -> ExploredUpload | None:
    """The upload this session explores: the one chosen on the Data page, or the one this browser kept, brought back."""
    upload = st.session_state.get(EXPLORED)
    if upload is None and _COOKIE_READ not in st.session_state:
        st.session_state[_COOKIE_READ] = True
        upload = _kept_upload_of_this_browser()
    return upload


def browser_cookies():
    """The cookies this browser sent when the session began (a function of its own, so AppTest can stand in for a browser)."""
    return st.context.cookies


def _kept_upload_of_this_browser() -> ExploredUpload | None:
    upload_id = browser_cookies().get(cookie_name())
    if not isinstance(upload_id, str) or not upload_id:  # no cookie (or, under AppTest, a stand-in object)
        return None
    try:
        kept = upload_keeper().load(upload_id)
    except NotKept as reason:
        st.session_state[_NOTICE] = f"Your kept upload could not be brought back: {reason}."
        kept = None
    if kept is None:  # expired, forgotten or unknown here: the cookie goes too
        st.session_state[_COOKIE_WANTED] = ("clear",)
        return None
    upload = ExploredUpload(kept.dataset, kept.file_names, kept.beside_shipped, kept.kept_until, upload_id)
    st.session_state[EXPLORED] = upload
    return upload


def dataset_or_stop() -> Dataset:
    """The dataset this viewer is looking at: their explored upload, or the shipped data."""
    shipped = shipped_dataset_or_stop()
    upload = explored_upload()
    return upload.dataset if upload is not None else shipped


def explore(upload: ExploredUpload | None) -> None:
    """Show `upload` on every page of this session (None: back to the shipped data), from unfiltered views.

    An upload shown is kept for this browser (keep_for_this_browser) unless it says why it is not; one left
    is forgotten on the server.
    """
    from ui.filters import reset_filters

    earlier = st.session_state.get(EXPLORED)
    if earlier is not None and earlier.kept_id and (upload is None or upload.kept_id != earlier.kept_id):
        upload_keeper().forget(earlier.kept_id)  # one kept upload per browser: the one it explores
        st.session_state[_COOKIE_WANTED] = ("clear",)
    if upload is None:
        st.session_state.pop(EXPLORED, None)
    else:
        st.session_state[EXPLORED] = upload
        if upload.kept_id:
            st.session_state[_COOKIE_WANTED] = ("set", upload.kept_id, upload.kept_until)
    reset_filters()  # cities and sectors chosen in one dataset may not exist in the other


def keep_for_this_browser(dataset: Dataset, file_names, beside_shipped: bool) -> ExploredUpload:
    """An upload to explore, kept on the server for this browser when it fits (else it says why not)."""
    try:
        upload_id, until = upload_keeper().keep(dataset, file_names, beside_shipped, shipped_dataset_or_stop().version)
    except NotKept as reason:
        return ExploredUpload(dataset, tuple(file_names), beside_shipped, not_kept=str(reason))
    except OSError as error:  # a full or read-only disk: explore it all the same, for this session
        logging.getLogger(__name__).warning("an upload could not be kept: %s", error)
        return ExploredUpload(dataset, tuple(file_names), beside_shipped, not_kept="the server could not write it to disk")
    return ExploredUpload(dataset, tuple(file_names), beside_shipped, until, upload_id)


def forget_upload() -> None:
    """Delete this browser's kept upload now, and show the shipped data again."""
    explore(None)


def kept_words(upload: ExploredUpload) -> str:
    """How long the upload stays, and for whom, in words (markdown-safe)."""
    if upload.kept_until is None:
        reason = f": {markdown_text(upload.not_kept)}" if upload.not_kept else ""
        return f"Only you see it, in this browser tab; it is not kept on the server, so a reload leaves it{reason}."
    hours = round(KEEP_FOR.total_seconds() / 3600)
    until = until_words(upload.kept_until, st.context.timezone)
    return (
        f"Kept on the server for this browser only, until {markdown_text(until)} ({hours} hours after you chose to "
        "explore it), then deleted: a reload or a link opened here still shows it; links you share never carry it."
    )


def dataset_banner() -> None:
    """Say on every page which dataset is shown, when it is not the shipped one, with how long it is kept and the way back;
    and when the saved data cannot be reached, which version this server still shows."""
    _set_this_browsers_cookie()
    store_notice()
    if notice := st.session_state.pop(_NOTICE, None):
        st.warning(markdown_text(notice), icon=":material/history:")
    upload = explored_upload()
    if upload is None:
        return
    with st.container(border=True):
        text, button = st.columns([5, 2], vertical_alignment="center")
        text.markdown(
            f":material/upload_file: **You are exploring {markdown_text(upload.description)}.** " + kept_words(upload)
        )
        button.button(
            "Forget this upload now",
            on_click=forget_upload,
            key="leave_upload",
            icon=":material/delete:",
            help="Deletes the copy kept on the server and shows the shipped data again.",
        )


def store_notice() -> None:
    """Tell viewers when the saved data cannot be reached (a database down) and which version they see meanwhile.

    Viewers are not told why (that names the server's database); editors are, on the Data page (ui.editors).
    """
    status = dataset_store().status()
    if status.problem is None:
        return
    shown = "the shipped data" if status.shown == SHIPPED else f"the version saved {when_in_words(status.shown_saved_at)}"
    st.warning(
        f"**The saved data cannot be reached just now.** You are seeing {markdown_text(shown)}, the last this server had. "
        "A newer version, if an editor saved one, will be shown as soon as the saved data can be reached again.",
        icon=":material/cloud_off:",
    )


def _set_this_browsers_cookie() -> None:
    """Give the browser the key to its kept upload, or take it away: a cookie only script can set from here.

    Streamlit has no way to set a cookie from the server (st.context.cookies only reads those sent when the
    session began), so a script sets it, at the end of the sidebar where it takes no room. The id is 43
    characters of [A-Za-z0-9_-] (kept_uploads.ID_PATTERN): safe inside the script's quotes.
    """
    wanted = st.session_state.get(_COOKIE_WANTED)
    if wanted is None:
        return
    name = cookie_name()
    if wanted[0] == "set" and ID_PATTERN.match(wanted[1]):
        expires = format_datetime(wanted[2].astimezone(dt.timezone.utc), usegmt=True)
        value = f"{name}={wanted[1]}; expires={expires}"
    else:
        value = f"{name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT"
    secure = "(location.protocol === 'https:' ? '; Secure' : '')"
    st.sidebar.html(
        f"<script>document.cookie = '{value}; path=/; SameSite=Strict' + {secure};</script>", unsafe_allow_javascript=True
    )


def configured_editors() -> dict[str, str]:
    """Editor names and password hashes from the [editors] table of secrets.toml; empty when there is none."""
    try:
        return {str(name): str(stored) for name, stored in st.secrets.get("editors", {}).items()}
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return {}
