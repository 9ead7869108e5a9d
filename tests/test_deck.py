"""The PowerPoint deck opens with python-pptx and says what data/ says, with sources in the speaker notes."""

import datetime as dt
import io

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from usascp import deck, images, map_pictures
from usascp.filters import Filters
from usascp.presentation import SLIDE_KEYS, build_slides, live_link

TODAY = dt.date(2026, 11, 25)
FOOTER = "U.S.-ASEAN Smart Cities Partnership dashboard · All USASCP projects · data as of Nov 2026"


def open_deck(data: bytes):
    return Presentation(io.BytesIO(data))


def slide_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def charts_on(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


@pytest.fixture(scope="module")
def presentation(dataset):
    return open_deck(deck.build_deck(build_slides(dataset, Filters(), TODAY), FOOTER))


def test_deck_has_the_five_slides_in_16_by_9(presentation):
    assert [slide.shapes.title.text for slide in presentation.slides] == [
        "U.S.-ASEAN Smart Cities Partnership",
        "Where the partnership works",
        "Funding by sector",
        "Results so far",
        "Recent events",
    ]
    assert (presentation.slide_width, presentation.slide_height) == (Inches(13.333), Inches(7.5))


def test_headline_slide_numbers_match_the_data(presentation):
    text = slide_text(presentation.slides[0])
    for expected in ("31", "Member cities", "19", "USASCP projects", "$4.4M", "published for 4 of 19 projects", "108,750", "867"):
        assert expected in text
    assert "15 of 19 projects publish no amount" in text


def test_funding_chart_is_editable_and_holds_the_published_amounts(presentation):
    disclosed, silent = charts_on(presentation.slides[2])
    assert list(disclosed.plots[0].categories) == ["Innovation funds", "Green buildings", "Health"]
    assert list(disclosed.plots[0].series[0].values) == [4_000_000, 300_000, 98_750]
    assert sum(silent.plots[0].series[0].values) == 15  # projects that publish no amount, never drawn as $0
    assert "Training & exchange" in list(silent.plots[0].categories)


def test_every_slide_has_sources_in_its_notes_and_a_footer(presentation):
    for slide in presentation.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert "Sources:" in notes and notes.rstrip().endswith(FOOTER)
        assert FOOTER in slide_text(slide)
    hospital = "https://phnompenhpost.com/national/paper-out-digital-20-hospitals"
    assert hospital in presentation.slides[0].notes_slide.notes_text_frame.text
    assert hospital in presentation.slides[3].notes_slide.notes_text_frame.text


def test_events_slide_is_a_table_of_the_latest_events(presentation):
    table = next(shape.table for shape in presentation.slides[4].shapes if shape.has_table)
    assert [table.cell(0, c).text for c in range(3)] == ["event", "when", "where"]
    assert table.cell(1, 0).text == "8th ASCN annual meeting (ASCN8)"
    assert table.cell(1, 2).text == "Kuala Lumpur, Malaysia"


def test_a_cambodia_deck_shows_cambodia(dataset):
    cambodia = open_deck(deck.build_deck(build_slides(dataset, Filters(countries=("KHM",)), TODAY), "Cambodia"))
    assert "$98,750" in slide_text(cambodia.slides[0])
    disclosed, silent = charts_on(cambodia.slides[2])
    assert list(disclosed.plots[0].series[0].values) == [98_750]
    # No map picture given: the map slide lists the member cities by country instead.
    assert "Cambodia: Phnom Penh, Battambang, Siem Reap, Sihanoukville" in slide_text(cambodia.slides[1])


@pytest.mark.skipif(images.browser_path() is None, reason="drawing the map picture needs Chromium")
def test_map_slide_carries_the_map_picture(dataset):
    slides = build_slides(dataset, Filters(), TODAY)
    figure = map_pictures.map_picture(slides[1].table, "", size=(900, 700), font_px=22)
    picture = images.figure_png(figure, 900, 700)
    with_map = open_deck(deck.build_deck(slides, FOOTER, {"map": picture}))
    pictures = [shape for shape in with_map.slides[1].shapes if shape.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
    assert len(pictures) == 1 and pictures[0].image.blob == picture
    links = {key: live_link("https://usascp.example.org", Filters(), key) for key in SLIDE_KEYS}
    linked = open_deck(deck.build_deck(slides, FOOTER, {"map": picture}, links))
    pictures = [shape for shape in linked.slides[1].shapes if shape.shape_type == 13]
    assert [shape.name == deck.QR_PICTURE_NAME for shape in pictures].count(False) == 1  # the map, beside the code
    code = next(shape for shape in pictures if shape.name == deck.QR_PICTURE_NAME)
    map_picture = next(shape for shape in pictures if shape.name != deck.QR_PICTURE_NAME)
    assert map_picture.top >= code.top + code.height  # the map lies under the code, never over it
    assert pictures[0].top + pictures[0].height <= with_map.slide_height - Inches(0.6)  # clear of the footer


def test_control_characters_in_the_data_never_reach_the_slides_as_escapes(dataset):
    """python-pptx writes a control character as "_x0001_"; validation removes them, and the deck does too."""
    import dataclasses

    events = dataset.events.copy()
    events.loc[events["name"] == "8th ASCN annual meeting (ASCN8)", "name"] = "8th ASCN\x01 annual meeting\x07\r\n(ASCN8)"
    sources = dataset.sources.copy()
    sources["publisher"] = sources["publisher"] + "\x1f"
    edited = dataclasses.replace(dataset, events=events, sources=sources)
    presentation = open_deck(deck.build_deck(build_slides(edited, Filters(), TODAY), FOOTER + "\x08"))
    table = next(shape.table for shape in presentation.slides[4].shapes if shape.has_table)
    assert table.cell(1, 0).text == "8th ASCN annual meeting\n(ASCN8)"
    for slide in presentation.slides:
        text = slide_text(slide) + slide.notes_slide.notes_text_frame.text
        text += "".join(cell.text for shape in slide.shapes if shape.has_table for row in shape.table.rows for cell in row.cells)
        assert "_x00" not in text and not any(char in text for char in "\x01\x07\x08\x1f\r")


def test_no_slide_quotes_the_utilities_customer_base_as_people_reached(presentation):
    # WiSE's "more than 21 million" is the customer base of the paired water utilities, not reach.
    text = "\n".join(slide_text(slide) for slide in presentation.slides)
    assert "21 million" not in text and "People served" not in text
    headline = slide_text(presentation.slides[0])
    assert "Hospitals and clinics onboarded" in headline and "108,750" in headline


def qr_pictures(slide):
    return [shape for shape in slide.shapes if shape.shape_type == 13 and shape.name == deck.QR_PICTURE_NAME]


def test_without_a_public_address_no_slide_has_a_code_or_link(presentation):
    for slide in presentation.slides:
        assert qr_pictures(slide) == []
        assert "live" not in slide.notes_slide.notes_text_frame.text
        assert all(run.hyperlink.address is None for shape in slide.shapes for run in _runs(shape))


def test_every_slide_carries_a_code_and_link_to_its_live_view(dataset):
    """The code reads back as the whole link; the words beside it open it too; the notes give it in full."""
    filters = Filters(countries=("KHM", "LAO"), sectors=("Training & exchange",))
    links = {key: live_link("https://usascp.example.org", filters, key) for key in SLIDE_KEYS}
    linked = open_deck(deck.build_deck(build_slides(dataset, filters, TODAY), FOOTER, links=links))
    for key, slide in zip(SLIDE_KEYS, linked.slides):
        (code,) = qr_pictures(slide)
        assert decoded(Image.open(io.BytesIO(code.image.blob))) == [links[key]]
        assert code.click_action.hyperlink.address == links[key]
        assert code.left + code.width <= linked.slide_width - Inches(0.5) and code.top >= Inches(0.3)
        linked_runs = [run for shape in slide.shapes for run in _runs(shape) if run.hyperlink.address]
        assert {run.hyperlink.address for run in linked_runs} == {links[key]}
        words = "".join(run.text for run in linked_runs)
        assert words.startswith("usascp.example.org/present?country=KHM") and len(words) <= 2 * 26
        # Nothing else on the slide lies over the code or the link beside it.
        taken = [
            shape for shape in slide.shapes if shape.shape_id == code.shape_id or any(r.hyperlink.address for r in _runs(shape))
        ]
        assert len(taken) == 2
        for shape in slide.shapes:
            if shape not in taken:
                assert not any(_overlap(shape, other) for other in taken), f"{key}: {shape.name} over the live link"
        assert f"This slide, live: {links[key]}" in slide.notes_slide.notes_text_frame.text


def _runs(shape):
    return [run for p in shape.text_frame.paragraphs for run in p.runs] if shape.has_text_frame else []


def _overlap(a, b) -> bool:
    return a.left < b.left + b.width and b.left < a.left + a.width and a.top < b.top + b.height and b.top < a.top + a.height


def decoded(picture) -> list[str]:
    import zxingcpp

    return [code.text for code in zxingcpp.read_barcodes(picture)]


def test_a_link_too_long_for_a_readable_code_is_given_in_words_alone(dataset):
    address = "https://usascp.example.org/" + "/".join(["a-long-base-path"] * 16)
    links = {key: live_link(address, Filters(), key) for key in SLIDE_KEYS}
    linked = open_deck(deck.build_deck(build_slides(dataset, Filters(), TODAY), FOOTER, links=links))
    for key, slide in zip(SLIDE_KEYS, linked.slides):
        assert qr_pictures(slide) == []
        assert {run.hyperlink.address for shape in slide.shapes for run in _runs(shape) if run.hyperlink.address} == {links[key]}
