"""The search box every page shares (top of the sidebar), and the list of hits the Search page shows.

The words typed are kept in the Search page's address, `/search?q=phnom`, so a search can be shared,
bookmarked and reached again with Back; the matching itself is usascp.search.
"""

from __future__ import annotations

import streamlit as st

from usascp.filters import Filters
from usascp.formatting import markdown_text
from usascp.search import Hit

SEARCH_PAGE = "pages/search.py"
SEARCH_URL_PATH = "search"
QUERY_PARAM = "q"
KIND_PARAM = "kind"  # the Search page's "Show only" choice
_BOX = "site_search"
_SUBMITTED = "_site_search_submitted"
_LAST_PAGE = "_site_search_last_page"  # the url path of the previous run
_LAST_WORDS = "_site_search_last_words"  # the Search page's `q` on the previous run

ICONS = {
    "city": ":material/location_city:",
    "country": ":material/public:",
    "project": ":material/list_alt:",
    "partner": ":material/handshake:",
    "event": ":material/event:",
    "source": ":material/menu_book:",
}


def _submitted() -> None:
    st.session_state[_SUBMITTED] = True


def sidebar_search(current_url_path: str) -> None:
    """The search box, above the filters. Enter opens the Search page with the words in its address.

    On the Search page the box shows the words of the address (a shared link, Back); on arriving at any
    other page it is empty, so pressing Enter on words already there is never a silent no-op. The box is
    set only when the page or the address changes: a rerun while a person types must not wipe the words.
    """
    state = st.session_state
    on_search_page = current_url_path == SEARCH_URL_PATH
    arrived = state.get(_LAST_PAGE) != current_url_path
    state[_LAST_PAGE] = current_url_path
    if state.pop(_SUBMITTED, False):
        words = (state.get(_BOX) or "").strip()
        if not on_search_page:
            if words:
                st.switch_page(SEARCH_PAGE, query_params={QUERY_PARAM: words})
        else:
            # New words: every kind again, whatever "Show only" said for the last ones.
            st.query_params.pop(KIND_PARAM, None)
            state.pop("search_kind", None)
            if words:
                st.query_params[QUERY_PARAM] = words
            elif QUERY_PARAM in st.query_params:
                del st.query_params[QUERY_PARAM]
    elif on_search_page:
        words = st.query_params.get(QUERY_PARAM, "")
        if arrived or words != state.get(_LAST_WORDS):
            state[_BOX] = words
        state[_LAST_WORDS] = words
    elif arrived:
        state[_BOX] = ""
    st.sidebar.text_input(
        "Search",
        key=_BOX,
        type="search",
        on_change=_submitted,
        placeholder="Cities, projects, partners…",
        help="Finds every word as the start of a word: “phnom” finds Phnom Penh, “rit” finds RIT. Press Enter.",
    )


def search_words() -> str:
    """The words the Search page shows hits for: its address's `q`."""
    return st.query_params.get(QUERY_PARAM, "").strip()


def hit_link(hit: Hit, filters: Filters) -> None:
    """One hit: a link to where it leads (keeping the sidebar filters), what kind it is and which one."""
    hit_box = st.container(gap=None)  # the line under a link belongs to it, not to the next hit
    hit_box.page_link(
        hit.page,
        label=markdown_text(hit.name),
        icon=ICONS[hit.kind],
        query_params={**filters.to_params(), **hit.params},
        help=markdown_text(f"Opens {hit.leads_to}."),
    )
    hit_box.caption(f"**{hit.kind_label}** · {markdown_text(hit.detail)} · opens {markdown_text(hit.leads_to)}")
