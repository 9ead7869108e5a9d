"""Editors: signing in, saving a checked upload as everyone's data, and restoring any version.

Drawn by the Data page, and by every page when the current data cannot be shown (ui.data): whatever an
editor saved, they can always reach Restore.
"""

from __future__ import annotations

import streamlit as st

from ui.data import configured_editors, dataset_store, explore
from ui.sso import sign_in_buttons, sign_in_notice, sign_out_button, single_sign_on, verdict
from usascp.changelog import LogEntry, log_lines
from usascp.editors import FailedSignIns, sign_in, wait_text
from usascp.formatting import markdown_text, plural
from usascp.load import DatasetError
from usascp.store import SHIPPED, StoreUnavailable


def editors_section() -> None:
    """Sign-in (or how to enable it), then for a signed-in editor: save the checked upload, and the versions to restore.

    Two ways in, either or both configured: the office's identity provider (ui.sso, when [auth] is set) and an
    editor's password ([editors]). The password route is for an office without single sign-on.
    """
    editors = configured_editors()
    sso = single_sign_on()
    store = dataset_store()
    sign_in_notice()
    judged = verdict(sso)  # None unless someone signed in through the provider
    editor = st.session_state.get("editor") or (judged.editor if judged else None)
    if not editors and sso is None:
        st.info(
            "This dashboard is read-only: no editors are set up. To let editors save a checked upload as the data every "
            "viewer sees, either set up single sign-on with the office's identity provider (`[auth]` and "
            "`[usascp_editors]` in `.streamlit/secrets.toml`, see the README) or run `python -m usascp hash-password` and "
            "add the lines it prints to `.streamlit/secrets.toml` on the server, then restart the dashboard.",
            icon=":material/lock:",
        )
    elif editor is None:
        st.markdown("Editors can save a checked upload as the dashboard's data, and restore an earlier version.")
        if judged is not None:  # signed in with the provider, and no editor
            st.warning(markdown_text(judged.reason), icon=":material/block:")
            if not judged.reason.startswith("Signed in as"):
                st.markdown(f"Signed in as **{markdown_text(judged.shown_as)}**.")
            sign_out_button()
        elif sso is not None:
            sign_in_buttons(sso, password_too=bool(editors))
        if editors:
            if sso is not None:
                st.caption("Or, for editors given a password:")
            _password_form(editors)
    else:
        st.markdown(f"Signed in as **{markdown_text(editor)}**.")
        checked_upload = st.session_state.get("checked_upload")
        if checked_upload is None:
            st.caption("Upload and check files above to save them.")
        else:
            upload, names = checked_upload
            agreed = st.checkbox(
                f"Show {markdown_text(', '.join(names))} to every viewer, in place of the data they see now. "
                "The current version is kept and can be restored below."
            )
            if st.button("Save as the dashboard's data", disabled=not agreed, icon=":material/save:"):
                try:
                    saved = store.save(upload, editor=editor, files=names)
                except DatasetError as error:
                    st.error(f"Not saved: the files did not load back ({plural(error.problems.total, 'problem')}). Nothing was changed.")
                except StoreUnavailable as error:
                    st.error(f"**Not saved.** {markdown_text(sentence(error))}", icon=":material/cloud_off:")
                else:
                    st.success(
                        f"Saved as version {markdown_text(saved.name)}. Every viewer now sees it.", icon=":material/check_circle:"
                    )
                    explore(None)
        st.subheader("Versions", anchor=False)
        st.caption("Newest first, as in the change log on About the data.")
        if message := st.session_state.pop(_RESTORE_FAILED, None):
            st.error(markdown_text(message), icon=":material/error:")
        try:
            lines, incomplete = version_lines(store), store.incomplete_versions()
        except StoreUnavailable as error:
            st.error(
                f"**The versions cannot be listed, saved or restored just now.** {markdown_text(sentence(error))}",
                icon=":material/cloud_off:",
            )
            lines, incomplete = [], []
        else:
            if problem := store.status().problem:  # reachable, yet the current version is not what this server shows
                st.warning(f"This server cannot show the current version: {markdown_text(sentence(problem))}", icon=":material/warning:")
        if incomplete:
            st.warning(
                f"{plural(len(incomplete), 'saved version')} in the database {'is' if len(incomplete) == 1 else 'are'} "
                f"incomplete (written in part, outside this dashboard) and never shown: {markdown_text(', '.join(incomplete))}.",
                icon=":material/warning:",
            )
        for version, words in lines:
            line, action = st.columns([4, 1], vertical_alignment="center")
            line.markdown(words)
            if not version.is_current:
                action.button(
                    "Restore", key=f"restore_{version.name}", on_click=_restore, args=(store, version.name), icon=":material/restore:"
                )
        if "editor" in st.session_state:
            if st.button("Sign out", icon=":material/logout:"):
                st.session_state.pop("editor")
                st.rerun()
        else:
            sign_out_button()


def _password_form(editors: dict[str, str]) -> None:
    """The password route: a name and password checked against [editors], with waits after repeated failures."""
    with st.form("sign_in"):
        name = st.text_input("Editor name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", icon=":material/login:"):
            attempt = sign_in(editors, name, password, st.session_state.setdefault("sign_in_failures", FailedSignIns()))
            if attempt.editor is not None:
                st.session_state["editor"] = attempt.editor
                st.rerun()
            if attempt.password_checked:
                st.error("That name and password do not match an editor.", icon=":material/error:")
            if attempt.wait_seconds:
                st.warning(
                    f"Too many failed sign-ins from this session or for this name. Wait {wait_text(attempt.wait_seconds)} "
                    "before trying again: a try made sooner is refused without checking the password.",
                    icon=":material/timer:",
                )


_RESTORE_FAILED = "restore_failed"  # why the last Restore did not happen, shown once


def _restore(store, name: str) -> None:
    try:
        store.restore(name)
    except (StoreUnavailable, ValueError) as error:
        st.session_state[_RESTORE_FAILED] = f"Not restored: {sentence(error)}"


def sentence(error: Exception) -> str:
    """An error's message as a sentence: a capital first, a full stop last (unless it asks a question)."""
    text = str(error).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def version_lines(store) -> list[tuple[LogEntry, str]]:
    """Each version with its line of the change log (markdown-safe): when, by whom, from what, what it changed."""
    entries = store.change_log()
    return [
        (entry, f"**{markdown_text(headline)}**{' (**shown now**)' if entry.is_current else ''}: {markdown_text(changes or rows)}")
        for entry, (headline, changes, rows) in zip(entries, log_lines(entries, SHIPPED), strict=True)
    ]
