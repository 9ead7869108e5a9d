"""The Data page's upload step: check the files in a worker process, once per change, and show what was found."""

from __future__ import annotations

import hashlib
import re

import streamlit as st

from ui.data import explore, keep_for_this_browser
from usascp import export
from usascp.formatting import markdown_text, plural
from usascp.importers.iati import MATCH_KM, IatiImport
from usascp.importers.tables import UploadCheck, UploadedFile
from usascp.importers.worker import check_upload_isolated
from usascp.kept_uploads import KEEP_FOR
from usascp.load import Dataset
from usascp.schema import problems_table, rows_in_words

# The row number is short and the explanation long: give the explanation the room.
REPORT_COLUMNS = {
    "row": st.column_config.NumberColumn(width="small"),
    "column": st.column_config.TextColumn(width="small"),
    "expected": st.column_config.TextColumn(width="large"),
    "read as": st.column_config.TextColumn(width="medium"),
}


def checked(files: list[UploadedFile], shipped: Dataset, beside: bool, relationship: str) -> UploadCheck:
    """The check of these files with these choices, kept in this session so a rerun does not read them again."""
    key = (
        tuple((file.name, hashlib.sha256(file.data).hexdigest()) for file in files),
        beside,
        relationship,
        shipped.version,
    )
    kept = st.session_state.get("upload_check")
    if kept is not None and kept[0] == key:
        return kept[1]
    with st.spinner("Reading and checking your files…"):
        result = check_upload_isolated(files, shipped, beside, relationship)
    st.session_state["upload_check"] = (key, result)
    return result


def forget_check() -> None:
    for key in ("upload_check", "checked_upload"):
        st.session_state.pop(key, None)


# Up to this many problems (or readings) are written out as sentences, each whole: a table cuts its longest
# column at 1280 pixels, and that is where "did you mean ..." is. More are a table, to sort and scan.
AS_SENTENCES = 10


def problem_lines(problems, report) -> None:
    """Problems as sentences a person reads whole, or, past AS_SENTENCES, as the table `report`."""
    if problems.total <= AS_SENTENCES:
        st.markdown("\n".join(f"- {markdown_text(problem)}" for problem in problems))
    else:
        st.dataframe(report, hide_index=True, width="stretch", column_config=REPORT_COLUMNS)


def iati_report(imported: IatiImport) -> None:
    """An IATI file's report: a row per activity (what was read, or why it was set aside), with its CSV."""
    if not imported.reports:
        return
    for note in imported.file_notes:
        st.warning(f"{markdown_text(imported.file_name)}: {markdown_text(note)}.", icon=":material/content_cut:")
    if imported.activities_set_aside or imported.parts_set_aside:
        said = [
            f"{plural(imported.activities_set_aside, 'activity', 'activities')} set aside"
            if imported.activities_set_aside
            else "",
            f"{plural(imported.parts_set_aside, 'part of an activity', 'parts of activities')} set aside"
            if imported.parts_set_aside
            else "",
        ]
        st.warning(
            f"{' and '.join(filter(None, said)).capitalize()}: the report says why. The rest of the file is read.",
            icon=":material/playlist_remove:",
        )
        reasons = [
            f"{report.identifier or '(no identifier)'} (activity {report.number}): {reason}"
            for report in imported.reports
            for reason in report.set_aside
        ]
        if len(reasons) <= AS_SENTENCES:  # a few are read whole as sentences; the table cuts its long cells
            st.markdown("\n".join(f"- {markdown_text(reason)}" for reason in reasons))
    report = imported.report_table()
    st.caption(f"What was read from each activity of {markdown_text(imported.file_name)}, in the file's order.")
    st.dataframe(report, hide_index=True, width="stretch", column_config=ACTIVITY_REPORT_COLUMNS)
    st.caption(markdown_text(imported.totals_line()))
    st.download_button(
        "Download the activity report (CSV)",
        lambda: export.csv_bytes(report),
        file_name=f"iati-report-{re.sub(r'[^A-Za-z0-9._-]+', '-', imported.file_name)}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"iati_report_{imported.file_name}",
    )


# Why an activity (or part of one) was set aside is what a person reads the report for: it gets the room.
ACTIVITY_REPORT_COLUMNS = {
    "#": st.column_config.NumberColumn(width="small"),
    "activity": st.column_config.TextColumn(width="medium"),
    "set aside": st.column_config.TextColumn(width="large"),
    "version read as": st.column_config.TextColumn(width="medium"),
    "notes": st.column_config.TextColumn(width="large"),
    "title": st.column_config.TextColumn(width="large"),
}


def show_check(result: UploadCheck, beside: bool) -> None:
    """The report: problems by file, row and column, values read loosely, what IATI files gave, then a preview."""
    problems = result.problems
    if problems.total:
        count = problems.total
        st.error(
            f"**{plural(count, 'problem')} to fix** before this upload can be explored. "
            "Each names the file or sheet, the row (the header is row 1), the column, the value and what was expected."
            + (f" The first {len(problems):,} are listed." if problems.unlisted else ""),
            icon=":material/error:",
        )
        report = problems_table(problems)
        problem_lines(problems, report)
        st.download_button(
            "Download this report (CSV)",
            lambda: export.csv_bytes(report),
            file_name="usascp-upload-problems.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
    if result.notes.total:
        count = result.notes.total
        with st.expander(f"Read {plural(count, 'value')} written loosely or by name (check they mean what you meant)"):
            problem_lines(result.notes, problems_table(result.notes))

    for imported in result.iati:
        st.markdown(f"**IATI:** {markdown_text(imported.summary)}.")
        iati_report(imported)
        if imported.unmatched_locations:
            unmatched = len(imported.unmatched_locations)
            st.warning(
                f"{plural(unmatched, 'location')} {'matches' if unmatched == 1 else 'match'} no member city by name or "
                f"within {MATCH_KM} km; {'its activity is' if unmatched == 1 else 'their activities are'} placed by "
                "country, or not at all.",
                icon=":material/location_off:",
            )
            st.dataframe(imported.unmatched_locations, hide_index=True, width="stretch")
        if imported.other_currency:
            other = len(imported.other_currency)
            st.warning(
                (
                    "1 amount in another currency is kept as it is, listed here and in its project's amount note; it is "
                    "not converted to US dollars or added to any total."
                    if other == 1
                    else f"{other:,} amounts in other currencies are kept as they are, listed here and in each project's "
                    "amount note; they are not converted to US dollars or added to any total."
                ),
                icon=":material/currency_exchange:",
            )
            st.dataframe(imported.other_currency, hide_index=True, width="stretch")

    if result.dataset is None:
        st.session_state.pop("checked_upload", None)
        return
    counts = result.row_counts
    st.success(
        f"**The upload is valid.** It holds {rows_in_words(counts)}.",
        icon=":material/check_circle:",
    )
    for oddity in result.oddities:
        st.warning(markdown_text(oddity), icon=":material/info:")
    st.subheader("Preview", anchor=False)
    shown = [table for table, rows in counts.items() if rows]  # an empty sheet of the template has nothing to preview
    tabs = st.tabs([f"{table} ({counts[table]:,})" for table in shown]) if shown else []
    for tab, table in zip(tabs, shown):
        tab.dataframe(result.previews[table], hide_index=True, width="stretch")
    hours = round(KEEP_FOR.total_seconds() / 3600)
    st.caption(
        f"Exploring keeps the upload on this server for {hours} hours, for this browser only: a reload, or a dashboard "
        "link opened in this browser, still shows it. Nobody else can reach it, and links you copy or share never carry "
        "it. You can forget it sooner, from any page."
    )
    if st.button("Explore this data on every page", type="primary", icon=":material/travel_explore:"):
        explore(keep_for_this_browser(result.dataset, result.file_names, beside))
        st.switch_page("pages/overview.py")
    st.session_state["checked_upload"] = (result.dataset, result.file_names)
