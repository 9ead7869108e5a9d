"""Search: everything whose words start with the words typed in the sidebar's box, best first, each a link to where it lives."""

import streamlit as st

from ui.page import start
from ui.search import KIND_PARAM, hit_link, search_words
from ui.url_state import control
from usascp.formatting import markdown_text, plural
from usascp.link_values import choice
from usascp.search import KINDS, KINDS_PLURAL, search

SHOWN_HITS = 50

dataset, filters = start()
words = search_words()

st.title("Search")
if not words:
    st.markdown(
        "Type in the **Search** box at the top of the sidebar and press Enter: projects, member cities, countries, "
        "partners (implementing partners and U.S. partner cities and utilities), events and sources. "
        "Each word finds the words it starts: “phnom” finds Phnom Penh, “wise” the WiSE program, “saigon” its Ho Chi Minh City pair."
    )
    st.stop()

results = search(dataset, words, limit=SHOWN_HITS)
if not results.total:
    st.info(f"Nothing matches “{markdown_text(words)}”. Try fewer words, or the start of a name.", icon=":material/search_off:")
    st.stop()

kinds = ", ".join(plural(count, KINDS[kind].lower(), KINDS_PLURAL[kind].lower()) for kind, count in results.by_kind.items())
st.caption(
    f"{plural(results.total, 'match', 'matches')} for “{markdown_text(words)}”: {kinds}. Exact names first. "
    "Links keep the sidebar filters; a project or event they hide is still opened, with a note."
)
if len(results.by_kind) > 1:
    # One kind at a time, kept in the address (`&kind=event`): "synthetic" matches 60,000 things at 10,000x.
    counts = {kind: f"{KINDS_PLURAL[kind]} ({count:,})" for kind, count in results.by_kind.items()}

    def show_only():
        if st.session_state.get("search_kind") not in counts:  # a kind the words before these had
            st.session_state["search_kind"] = None
        return st.pills("Show only", list(counts), format_func=counts.get, key="search_kind")

    kind = control(
        choice(KIND_PARAM, counts, refusal="Ignored kind '{value}': nothing of that kind matches these words."),
        "search_kind",
        show_only,
    )
    if kind:
        results = search(dataset, words, limit=SHOWN_HITS, kind=kind)
if results.total > len(results.hits):
    st.caption(f"Showing the best {len(results.hits)} of {results.total:,}; add a word to narrow the rest.")
for hit in results.hits:
    hit_link(hit, filters)
