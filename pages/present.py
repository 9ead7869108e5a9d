"""Present: full-width slides for a summit hall, following the sidebar filters, with a deck to take away."""

import datetime as dt
import time

import streamlit as st

from ui.page import start
from ui.slides import SLIDE_CSS, deck_bytes, draw_slide, public_address, slide_for
from ui.url_state import follow_link, keep_in_link, link_notice
from usascp import images, public_link
from usascp.formatting import markdown_text
from usascp.presentation import SLIDE_KEYS, SLIDE_LINK, SLIDE_NAMES, live_link

dataset, filters = start()
today = dt.date.today()
address, address_refused = public_address()  # where the hall's phones reach this dashboard (USASCP_PUBLIC_URL)
AUTO_ADVANCE = {0: "Off", 10: "Every 10 s", 20: "Every 20 s", 30: "Every 30 s", 60: "Every minute"}

st.html(SLIDE_CSS)  # style only: Streamlit adds it without taking a row of the page
unknown_slide = follow_link(SLIDE_LINK, "present_slide")


def _step(by: int) -> None:
    position = SLIDE_KEYS.index(st.session_state["present_slide"])
    st.session_state["present_slide"] = SLIDE_KEYS[(position + by) % len(SLIDE_KEYS)]
    st.session_state["present_shown_at"] = time.monotonic()


st.session_state.setdefault("present_shown_at", time.monotonic())
back, chooser, forward = st.columns([1.3, 5.4, 1.3], vertical_alignment="center")
back.button("Previous", icon=":material/arrow_back:", on_click=_step, args=(-1,), shortcut="Left", width="stretch")
chooser.segmented_control(
    "Slide",
    SLIDE_KEYS,
    format_func=SLIDE_NAMES.get,
    key="present_slide",
    required=True,
    label_visibility="collapsed",
    on_change=lambda: st.session_state.update(present_shown_at=time.monotonic()),
    width="stretch",
)
forward.button("Next", icon=":material/arrow_forward:", on_click=_step, args=(+1,), shortcut="Right", width="stretch")
current = st.session_state["present_slide"]
keep_in_link(SLIDE_LINK, "present_slide", current)
draw_slide(slide_for(dataset, dataset.version, filters, today, current), address and live_link(address, filters, current))
link_notice(unknown_slide)

st.divider()
if address_refused:
    st.warning(markdown_text(address_refused) + " " + public_link.HOW_TO_SET, icon=":material/qr_code_2:")
elif not address:
    st.caption(":material/qr_code_2: No QR code on the slides: " + public_link.HOW_TO_SET)
auto_col, deck_col, tip_col = st.columns([1, 1.8, 2.6], vertical_alignment="bottom")
auto_col.selectbox("Auto-advance", list(AUTO_ADVANCE), format_func=AUTO_ADVANCE.get, key="present_auto")
deck_col.download_button(
    "Download these slides (PowerPoint)",
    lambda: deck_bytes(dataset, filters, today, address),  # built on click: drawing the map picture takes a few seconds
    file_name="usascp-slides.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    icon=":material/slideshow:",
    on_click="ignore",
    width="stretch",
    help="The five slides with the current filters, an editable funding chart and each slide's sources in the speaker notes."
    + (" Each slide carries a QR code and link to its live view." if address else "")
    + ("" if images.browser_path() else " Without Chromium on the server the map slide lists the cities instead of a map."),
)
interval = st.session_state["present_auto"]


@st.fragment(run_every=interval or None)
def advance_when_due() -> None:
    """The auto-advance clock: only this empty fragment reruns on the timer; when a slide is due it moves on
    with a whole-page rerun, so the slide, the navigation and the address change exactly as on a key press.
    """
    if time.monotonic() - st.session_state["present_shown_at"] >= interval - 0.5:
        _step(+1)
        st.rerun()


if interval:
    advance_when_due()
tip_col.caption(
    "Keys: ← and → change slides. Press F11 for full screen and collapse the sidebar (its filters still apply). "
    "Clickers that send Page Up/Down: switch them to arrow-key mode."
)
