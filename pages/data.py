"""Your data: the template, an upload checked against the same rules as the shipped data, and a way to explore it."""

import streamlit as st

from ui.data import explored_upload, forget_upload, kept_words, shipped_dataset_or_stop
from ui.editors import editors_section
from ui.page import start
from ui.upload import checked, fagov_rows_chosen, forget_check, show_check
from usascp.formatting import markdown_text
from usascp.importers.tables import UploadedFile
from usascp.importers.template import template_workbook, template_zip
from usascp.schema import RELATIONSHIPS, TABLE_FILES

start()
shipped = shipped_dataset_or_stop()

st.title("Your data")
st.caption(
    "Bring your own portfolio: spreadsheets in the template's format are checked against the same rules as the shipped "
    "data and can be explored on every page, by you only, for a day at most. Nothing you upload changes the shipped data."
)

st.header("1. Start from the template", anchor=False)
st.markdown(
    "One sheet (or CSV file) per table, with the allowed values as drop-down lists and a sheet explaining every column. "
    "Write names where you know names (a city, a country, a source's web address): they are read as the identifiers "
    "they name. To add projects, the projects sheet is enough: name each one's cities and sources in its last columns. "
    "To correct or extend the shipped data, start from it instead: its rows come filled in."
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
blank, filled = st.columns(2)
downloads = (
    (
        blank,
        "Excel template (empty)",
        lambda: template_workbook(cities=shipped.cities),  # the member cities offered by name
        "usascp-template.xlsx",
        XLSX,
        ":material/table_view:",
    ),
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
    "CSV files, a zip of CSV files, an Excel workbook, an IATI activity file (XML), or a ForeignAssistance.gov download (CSV)",
    type=["csv", "zip", "xlsx", "xlsm", "xls", "xml"],
    accept_multiple_files=True,
    help="Name each CSV file or sheet after its table: "
    + ", ".join(TABLE_FILES)
    + ". IATI files: versions 1.01 to 1.05 and 2.01 to 2.03, read activity by activity (d-portal and IATI "
    "Datastore exports mix them). ForeignAssistance.gov downloads are known by their columns, whatever their name.",
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
files = [UploadedFile(file.name, file.getvalue()) for file in uploaded or []]
fagov_choice = fagov_rows_chosen(files)
if any(file.name.lower().endswith(".xml") for file in files) or fagov_choice:
    relationship = st.radio(
        "The imported activities are",
        ["usascp_project", "related_usg"],
        format_func=RELATIONSHIPS.get,
        horizontal=True,
        help="An agency's IATI file, or a ForeignAssistance.gov download, holds all its activities. Related work is shown "
        "only when the sidebar includes it.",
    )

if files:
    show_check(checked(files, shipped, placement == "beside", relationship, fagov_choice), beside=placement == "beside")
else:
    forget_check()

current = explored_upload()
if current is not None:
    st.info(f"This browser shows {markdown_text(current.description)}. {kept_words(current)}", icon=":material/upload_file:")
    st.button(
        "Forget this upload now",
        on_click=forget_upload,
        icon=":material/delete:",
        key="leave_upload_here",
        help="Deletes the copy kept on the server and shows the shipped data again.",
    )

st.header("3. Make it everyone's data (editors)", anchor=False)
editors_section()
