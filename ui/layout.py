"""Small layout pieces the pages share: legends, figure captions and a table with its download."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from usascp import aggregate
from usascp.formatting import format_partial_date
from usascp.load import Dataset


def legend(items: dict[str, str], note: str = "") -> None:
    """A one-line colour legend for a map, since deck.gl draws none."""
    swatches = " ".join(
        f'<span style="white-space:nowrap;margin-right:1.2em">'
        f'<span aria-hidden="true" style="display:inline-block;width:0.9em;height:0.9em;border-radius:50%;'
        f'background:{colour};vertical-align:middle;margin-right:0.35em"></span>{html.escape(label)}</span>'
        for label, colour in items.items()
    )
    st.markdown(f"{swatches} <span style='color:#4A4A4A'>{html.escape(note)}</span>", unsafe_allow_html=True)


def figure_caption(dataset: Dataset, figure: aggregate.Figure | None) -> str:
    """ "as of Mar 2022 · The Phnom Penh Post" with a link, for the caption under a headline number."""
    if figure is None:
        return "no public figure"
    sources = aggregate.sources_for(dataset, figure.source_ids)
    links = ", ".join(f"[{row.publisher}]({row.url})" for row in sources.itertuples())
    return f"as of {format_partial_date(figure.as_of)} · {links}"


def table_with_download(table: pd.DataFrame, title: str, file_name: str) -> None:
    """The rows behind a figure, one click away, with a CSV of exactly those rows."""
    with st.expander(title):
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            table.to_csv(index=False).encode("utf-8"),
            file_name=file_name,
            mime="text/csv",
            icon=":material/download:",
        )
