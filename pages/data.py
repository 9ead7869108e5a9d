"""Your data: the template, an upload checked against the same rules as the shipped data, and a way to explore it."""

import streamlit as st

from ui.data import ExploredUpload, configured_editors, dataset_store, explore, explored_upload, shipped_dataset_or_stop
from ui.page import start
from usascp import export
from usascp.editors import editor_signed_in
from usascp.formatting import markdown_text
from usascp.importers.iati import MATCH_KM
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.importers.template import template_workbook, template_zip
from usascp.load import DatasetError
from usascp.schema import RELATIONSHIPS, TABLE_FILES, problems_table
from usascp.store import SHIPPED

start()
# The row number is short and the explanation long: give the explanation the room.
REPORT_COLUMNS = {
    "row": st.column_config.NumberColumn(width="small"),
    "column": st.column_config.TextColumn(width="small"),
    "expected": st.column_config.TextColumn(width="large"),
    "read as": st.column_config.TextColumn(width="medium"),
}
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
    upload = read_upload(files, shipped.cities, relationship)
    try:
        checked = dataset_from_upload(upload, shipped, beside_base=placement == "beside")
        problems, notes = [], list(checked.notes)
    except DatasetError as error:
        checked, problems, notes = None, error.problems, error.notes

    if problems:
        st.error(
            f"**{len(problems):,} problem{'s' if len(problems) != 1 else ''} to fix** before this upload can be explored. "
            "Each names the file or sheet, the row (the header is row 1), the column, the value and what was expected.",
            icon=":material/error:",
        )
        report = problems_table(problems)
        st.dataframe(report, hide_index=True, width="stretch", column_config=REPORT_COLUMNS)
        st.download_button(
            "Download this report (CSV)",
            lambda: export.csv_bytes(report),
            file_name="usascp-upload-problems.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
    if notes:
        with st.expander(
            f"Read {len(notes):,} value{'s' if len(notes) != 1 else ''} written loosely (check they mean what you meant)"
        ):
            st.dataframe(problems_table(notes), hide_index=True, width="stretch", column_config=REPORT_COLUMNS)

    for imported in upload.iati:
        st.markdown(f"**IATI:** {markdown_text(imported.summary)}.")
        if imported.unmatched_locations:
            st.warning(
                f"{len(imported.unmatched_locations):,} location(s) match no member city by name or within "
                f"{MATCH_KM} km; their activities are placed by country, or not at all.",
                icon=":material/location_off:",
            )
            st.dataframe(imported.unmatched_locations, hide_index=True, width="stretch")
        if imported.other_currency:
            st.warning(
                f"{len(imported.other_currency):,} amount(s) in other currencies are kept as they are, listed here and in each "
                "project's amount note; they are not converted to US dollars or added to any total.",
                icon=":material/currency_exchange:",
            )
            st.dataframe(imported.other_currency, hide_index=True, width="stretch")

    if checked is not None:
        counts = {table: len(raw.frame) for table, raw in upload.tables.items()}
        st.success(
            "**The upload is valid.** It holds " + ", ".join(f"{rows:,} {table} rows" for table, rows in counts.items()) + ".",
            icon=":material/check_circle:",
        )
        if checked.projects.empty:
            st.warning("It has no projects: the pages will show member cities and sources only.", icon=":material/info:")
        st.subheader("Preview", anchor=False)
        tabs = st.tabs([f"{table} ({rows:,})" for table, rows in counts.items()])
        for tab, table in zip(tabs, counts):
            tab.dataframe(upload.tables[table].frame.head(200), hide_index=True, width="stretch")
        if st.button("Explore this data on every page", type="primary", icon=":material/travel_explore:"):
            explore(ExploredUpload(checked, tuple(upload.file_names), beside_shipped=placement == "beside"))
            st.switch_page("pages/overview.py")
        st.session_state["checked_upload"] = (checked, tuple(upload.file_names))
    else:
        st.session_state.pop("checked_upload", None)
else:
    st.session_state.pop("checked_upload", None)

current = explored_upload()
if current is not None:
    st.info(f"This session shows {markdown_text(current.description)}.", icon=":material/upload_file:")  # file names
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
            if editor_signed_in(editors, name, password):
                st.session_state["editor"] = name.strip()
                st.rerun()
            st.error("That name and password do not match an editor.", icon=":material/error:")
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
                st.success(
                    f"Saved as version {markdown_text(saved.name)}. Every viewer now sees it.", icon=":material/check_circle:"
                )
                explore(None)
    st.subheader("Versions", anchor=False)
    for version in store.history():
        label = "The shipped data (data/)" if version.name == SHIPPED else f"Saved {markdown_text(version.name)}"
        line, action = st.columns([4, 1], vertical_alignment="center")
        line.markdown(f"{label}{' — **shown now**' if version.is_current else ''}")
        if not version.is_current:
            action.button(
                "Restore", key=f"restore_{version.name}", on_click=store.restore, args=(version.name,), icon=":material/restore:"
            )
    if st.button("Sign out", icon=":material/logout:"):
        st.session_state.pop("editor")
        st.rerun()
