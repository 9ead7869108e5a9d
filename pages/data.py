"""Your data: the template, an upload checked against the same rules as the shipped data, and a way to explore it."""

import streamlit as st

from ui.data import configured_editors, dataset_store, explore, explored_upload, shipped_dataset_or_stop
from ui.page import start
from ui.upload import checked, forget_check, show_check
from usascp.editors import FailedSignIns, sign_in, wait_text
from usascp.formatting import markdown_text
from usascp.importers.tables import UploadedFile
from usascp.importers.template import template_workbook, template_zip
from usascp.load import DatasetError
from usascp.schema import RELATIONSHIPS, TABLE_FILES
from usascp.store import SHIPPED

start()
shipped = shipped_dataset_or_stop()

st.title("Your data")
st.caption(
    "Bring your own portfolio: spreadsheets in the template's format are checked against the same rules as the shipped "
    "data and can be explored on every page, for this session only. Nothing you upload changes the shipped data."
)

st.header("1. Start from the template", anchor=False)
st.markdown(
    "One sheet (or CSV file) per table, with the allowed values as drop-down lists and a sheet explaining every column. "
    "To correct or extend the shipped data, start from it instead: its rows come filled in."
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
blank, filled = st.columns(2)
downloads = (
    (blank, "Excel template (empty)", template_workbook, "usascp-template.xlsx", XLSX, ":material/table_view:"),
    (blank, "CSV template (zip, empty)", template_zip, "usascp-template.zip", "application/zip", ":material/folder_zip:"),
    (
        filled,
        "The shipped data as an Excel workbook",
        lambda: template_workbook(shipped),
        "usascp-data.xlsx",
        XLSX,
        ":material/table_view:",
    ),
    (
        filled,
        "The shipped data as CSV files (zip)",
        lambda: template_zip(shipped),
        "usascp-data.zip",
        "application/zip",
        ":material/folder_zip:",
    ),
)
for column, label, build, file_name, mime, icon in downloads:  # each file is built only when clicked
    column.download_button(label, build, file_name=file_name, mime=mime, icon=icon, on_click="ignore")

st.header("2. Upload and check", anchor=False)
uploaded = st.file_uploader(
    "CSV files, a zip of CSV files, an Excel workbook, or an IATI activity file (XML)",
    type=["csv", "zip", "xlsx", "xlsm", "xls", "xml"],
    accept_multiple_files=True,
    help="Name each CSV file or sheet after its table: " + ", ".join(TABLE_FILES) + ". IATI files: version 2.01 to 2.03.",
)
placement = st.radio(
    "Show the upload",
    ["instead", "beside"],
    format_func=lambda choice: {
        "instead": "Instead of the shipped projects (on the same member cities and sources)",
        "beside": "Beside the shipped data (added to it)",
    }[choice],
    horizontal=True,
)
st.caption(
    "Either way, a row with the same identifier as a shipped row replaces it, so an edited copy of the shipped data works."
)
relationship = "usascp_project"
if uploaded and any(file.name.lower().endswith(".xml") for file in uploaded):
    relationship = st.radio(
        "The IATI activities are",
        ["usascp_project", "related_usg"],
        format_func=RELATIONSHIPS.get,
        horizontal=True,
        help="An agency's IATI file holds all its activities. Related work is shown only when the sidebar includes it.",
    )

if uploaded:
    files = [UploadedFile(file.name, file.getvalue()) for file in uploaded]
    show_check(checked(files, shipped, placement == "beside", relationship), beside=placement == "beside")
else:
    forget_check()

current = explored_upload()
if current is not None:
    st.info(f"This session shows {current.description}.", icon=":material/upload_file:")
    st.button("Back to the shipped data", on_click=explore, args=(None,), icon=":material/undo:", key="leave_upload_here")

st.header("3. Make it everyone's data (editors)", anchor=False)
editors = configured_editors()
store = dataset_store()
if not editors:
    st.info(
        "This dashboard is read-only: no editors are set up. To let editors save a checked upload as the data every "
        "viewer sees, run `python -m usascp hash-password` and add the lines it prints to `.streamlit/secrets.toml` on the "
        "server, then restart the dashboard.",
        icon=":material/lock:",
    )
elif "editor" not in st.session_state:
    with st.form("sign_in"):
        st.markdown("Editors can save a checked upload as the dashboard's data, and restore an earlier version.")
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
else:
    st.markdown(f"Signed in as **{markdown_text(st.session_state['editor'])}**.")
    checked_upload = st.session_state.get("checked_upload")
    if checked_upload is None:
        st.caption("Upload and check files above to save them.")
    else:
        checked, names = checked_upload
        agreed = st.checkbox(
            f"Show {markdown_text(', '.join(names))} to every viewer, in place of the data they see now. "
            "The current version is kept and can be restored below."
        )
        if st.button("Save as the dashboard's data", disabled=not agreed, icon=":material/save:"):
            try:
                saved = store.save(checked)
            except DatasetError as error:
                st.error(f"Not saved: the files did not load back ({len(error.problems):,} problems). Nothing was changed.")
            else:
                st.success(f"Saved as version {saved.name}. Every viewer now sees it.", icon=":material/check_circle:")
                explore(None)
    st.subheader("Versions", anchor=False)
    for version in store.history():
        label = "The shipped data (data/)" if version.name == SHIPPED else f"Saved {version.name}"
        line, action = st.columns([4, 1], vertical_alignment="center")
        line.markdown(f"{label}{' — **shown now**' if version.is_current else ''}")
        if not version.is_current:
            action.button(
                "Restore", key=f"restore_{version.name}", on_click=store.restore, args=(version.name,), icon=":material/restore:"
            )
    if st.button("Sign out", icon=":material/logout:"):
        st.session_state.pop("editor")
        st.rerun()
