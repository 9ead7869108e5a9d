"""Page controls kept in the address bar, so a copied link reproduces the view: one mechanism for every control.

A widget is bound to a usascp.link_values.LinkValue by its session-state key. Before the widget is drawn,
a value the address names and this session has not applied yet (a pasted link, a session's first run,
st.switch_page with query parameters) is put in the widget; after it is drawn, the widget's value is
written back (the default is left out, so a plain address means the plain view). A refused value is
dropped and the page says so, through markdown_text: anyone can send a link.

Widgets bound here take their default from the LinkValue, not from `default=`/`index=`: Streamlit warns
on a widget given both a default and a value through session state.

Not bound, on purpose: "Open a city profile" on the map (it goes to another page, whose own link keeps
the city) and the Present page's auto-advance (a playback setting of the presenter's machine: a link
should not start a carousel on a colleague's screen). The sidebar filters are one composite value
(ui/filters.py) written through set_param, like these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from usascp.formatting import markdown_text
from usascp.link_values import LinkValue, choice

T = TypeVar("T")


def _seen(key: str) -> str:
    """Where a session keeps the parameter's text it last applied or wrote for widget `key`."""
    return f"_link_seen_{key}"


def follow_link(link: LinkValue, key: str) -> str | None:
    """Before the widget: apply a value the address names that this session has not applied yet.

    Returns the sentence for a refused value (the caller shows it), else None.
    """
    state = st.session_state
    requested = st.query_params.get(link.param)
    # Streamlit 1.67 drops a widget's state when its page is left; a link back to the page (the map's
    # click to a profile) may name the value seen before, which must be applied again.
    lost = requested is not None and key not in state
    notice = None
    if requested != state.get(_seen(key)) or lost:
        state[_seen(key)] = requested
        if requested is not None:
            value, notice = link.read(requested)
            if notice is None:
                state[key] = value
    if key not in state:
        state[key] = link.default
    return notice


def keep_in_link(link: LinkValue, key: str, value) -> None:
    """After the widget: write its value into the address (the default leaves it out)."""
    written = link.write(value)
    set_param(link.param, [written] if written is not None else [])
    st.session_state[_seen(key)] = written


def follow_links(param: str, key: str, read: Callable[[list[str]], tuple[list, list[str]]]) -> list[str]:
    """follow_link for a widget holding several values (a multiselect): `?place=KHM&place=VNM`.

    When the address's values are new to this session, `read(values)` gives (the values to select, a
    sentence for each refused one) and the widget takes the first. Returns the sentences of the last link
    read, until the person changes the selection it made.
    """
    state = st.session_state
    requested = st.query_params.get_all(param)
    lost = bool(requested) and key not in state
    if requested != state.get(_seen(key)) or lost:
        state[_seen(key)] = requested
        selected, notices = read(requested)
        state[key] = list(selected)
        state[_linked(key)] = list(selected)
        state[_notices(key)] = list(notices)
    state.setdefault(key, [])
    return state.get(_notices(key), [])


def keep_links(param: str, key: str, values) -> None:
    """After a multiselect: write its values into the address (none: the parameter is removed)."""
    values = [str(value) for value in values]
    set_param(param, values)
    if values != st.session_state.get(_linked(key)):
        st.session_state[_notices(key)] = []  # the person has moved on from the link that raised them
    st.session_state[_seen(key)] = values


def _linked(key: str) -> str:
    return f"_link_selected_{key}"


def _notices(key: str) -> str:
    return f"_link_notices_{key}"


def set_param(param: str, values: list[str]) -> None:
    """Make the address hold exactly `values` for `param` (none: the parameter is removed), leaving the others."""
    if values:
        if st.query_params.get_all(param) != values:
            st.query_params[param] = values if len(values) > 1 else values[0]
    elif param in st.query_params:
        del st.query_params[param]


def linked_choice(param: str, options: dict, key: str, label: str, placeholder: str, noun: str):
    """A chooser of one thing (`options`: id -> name), none chosen at first, kept in the address as `?param=id`.

    A search hit or a link elsewhere opens the thing it names; an id the data does not hold is refused
    with "There is no <noun> '<id>' in this data; check the link."
    """
    return control(
        choice(param, options, refusal=f"There is no {noun} '{{value}}' in this data; check the link."),
        key,
        lambda: st.selectbox(label, list(options), format_func=options.get, key=key, index=None, placeholder=placeholder),
    )


def link_notice(notice: str | None, container=st) -> None:
    """A refused link value, quoted as typed and shown as text."""
    if notice:
        container.warning(markdown_text(notice), icon=":material/link_off:")


def control(link: LinkValue, key: str, draw: Callable[[], T], container=st) -> T:
    """Draw a widget (`draw` makes it, with key=`key`) bound to `link`; returns its value.

    A refused value in the address is shown under the widget, in `container`.
    """
    notice = follow_link(link, key)
    value = draw()
    keep_in_link(link, key, value)
    link_notice(notice, container)
    return value
