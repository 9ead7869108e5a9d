"""The Data page's upload step: check the files in a worker process, once per change, and show what was found."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import streamlit as st

from ui.data import explore, keep_for_this_browser
from usascp import export
from usascp.formatting import markdown_text, plural
from usascp.importers.fagov import FagovChoice, FagovImport, is_fagov_csv, sector_table
from usascp.importers.iati import MATCH_KM, IatiImport
from usascp.importers.tables import UploadCheck, UploadedFile
from usascp.importers.worker import check_upload_isolated
from usascp.kept_uploads import KEEP_FOR
from usascp.load import Dataset
from usascp.schema import ASEAN_COUNTRIES, problems_table, rows_in_words

# The row number is short and the explanation long: give the explanation the room.
REPORT_COLUMNS = {
    "row": st.column_config.NumberColumn(width="small"),
    "column": st.column_config.TextColumn(width="small"),
    "expected": st.column_config.TextColumn(width="large"),
    "read as": st.column_config.TextColumn(width="medium"),
}


def checked(
    files: list[UploadedFile], shipped: Dataset, beside: bool, relationship: str, fagov_choice: FagovChoice | None = None
) -> UploadCheck:
    """The check of these files with these choices, kept in this session so a rerun does not read them again.

    A ForeignAssistance.gov download shows a progress bar while the worker reads it.
    """
    key = (
        tuple((file.name, hashlib.sha256(file.data).hexdigest()) for file in files),
        beside,
        relationship,
        shipped.version,
        fagov_choice,
    )
    kept = st.session_state.get("upload_check")
    if kept is not None and kept[0] == key:
        return kept[1]
    bar = st.progress(0.0, text="Reading the ForeignAssistance.gov download…") if fagov_choice else None

    def progress(read: int, total: int | None) -> None:
        if bar is None or not total:
            return
        if read >= total:
            bar.progress(1.0, text=f"Read the whole download ({total / 2**20:,.0f} MB); checking the tables it gave…")
        else:
            bar.progress(read / total, text=f"Reading the ForeignAssistance.gov download: {read / 2**20:,.0f} of {total / 2**20:,.0f} MB")

    with st.spinner("Reading and checking your files…"):
        result = check_upload_isolated(files, shipped, beside, relationship, fagov_choice=fagov_choice, progress=progress)
    if bar is not None:
        bar.empty()
    st.session_state["upload_check"] = (key, result)
    return result


REGIONAL_PROGRAMS = "East Asia and Oceania"  # the region FA.gov files regional programs for Southeast Asia under


def fagov_rows_chosen(files: list[UploadedFile]) -> FagovChoice | None:
    """For an upload holding a ForeignAssistance.gov download (known by its header): which of its rows to keep.

    None when there is no such download. The ASEAN members are chosen at first, regional rows not.
    """
    if not any(is_fagov_csv(file.data) for file in files):
        return None
    chosen = st.multiselect(
        "Keep the ForeignAssistance.gov rows of",
        list(ASEAN_COUNTRIES),
        default=list(ASEAN_COUNTRIES),
        format_func=lambda code: f"{ASEAN_COUNTRIES[code]} ({code})",
        help="A download lists every country. Rows of other countries, of \"World\" and of regions are set aside and counted.",
    )
    if not chosen:
        st.caption("No country chosen: the rows of every ASEAN member are kept.")
    regional = st.checkbox(
        f"Also keep the regional rows of {REGIONAL_PROGRAMS}",
        help="Rows that name a region instead of a country: regional programs for Southeast Asia are often filed "
        "so, beside programs for China, Mongolia or the Pacific. Their projects show as regional, with no country.",
    )
    return FagovChoice(tuple(sorted(chosen or ASEAN_COUNTRIES)), (REGIONAL_PROGRAMS,) if regional else ())


def show_sector_table() -> None:
    """How ForeignAssistance.gov's sectors become ours: the table usascp/importers/fagov_sectors.csv, as it is."""
    with st.expander("How ForeignAssistance.gov sectors become ours"):
        st.caption(
            "An activity takes the sector its US sector maps to; where that is Other, the one its international sector "
            "maps to. Edit usascp/importers/fagov_sectors.csv to change a line."
        )
        columns = {"fagov_column": "ForeignAssistance.gov column", "fagov_sector": "its sector", "sector": "our sector", "note": "why"}
        st.dataframe(sector_table().rename(columns=columns), hide_index=True, width="stretch")


def show_fagov(imported: FagovImport) -> None:
    """One ForeignAssistance.gov download's report: rows read, kept and set aside (and why), money by fiscal year."""
    st.markdown(f"**ForeignAssistance.gov:** {markdown_text(imported.summary)}.")
    if imported.missing_columns:
        st.warning("\n".join(f"- {markdown_text(line)}" for line in imported.missing_columns), icon=":material/view_column:")
    if imported.notes:
        st.info("\n".join(f"- {markdown_text(note)}" for note in imported.notes), icon=":material/info:")
    if imported.set_aside:
        reasons = pd.DataFrame([(reason, count) for reason, count in imported.set_aside.most_common()], columns=["rows set aside", "rows"])
        st.dataframe(reasons, hide_index=True, width="stretch", column_config={"rows": st.column_config.NumberColumn(format="localized")})
    if imported.set_aside_rows.total:
        st.warning(
            f"{plural(imported.set_aside_rows.total, 'row')} set aside for a defect, each named below; the rest of the file was read.",
            icon=":material/rule:",
        )
        problem_lines(imported.set_aside_rows, problems_table(imported.set_aside_rows))
    if imported.fiscal_years:
        st.caption("Kept, by U.S. fiscal year (US dollars; de-obligations netted)")
        st.dataframe(
            imported.fiscal_year_table(),
            hide_index=True,
            width="stretch",
            column_config={
                "fiscal year": st.column_config.NumberColumn(format="%d"),
                "obligations (USD)": st.column_config.NumberColumn(format="dollar"),
                "disbursements (USD)": st.column_config.NumberColumn(format="dollar"),
            },
        )


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

    for imported in result.fagov:
        show_fagov(imported)
    if result.fagov:
        show_sector_table()

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
