"""The deck as LibreOffice draws it: every word on its slide, no text printed over other text, nothing cut.

python-pptx only writes boxes; whether their text fits is known once a renderer has set it. Debian's
LibreOffice (libreoffice-impress, which .ci/run installs) converts two decks to PDF in one run, and
poppler's `pdftotext -bbox-layout` gives every word's box on every page. LibreOffice draws Calibri as
the wider DejaVu Sans, so a deck that fits here fits in PowerPoint too. Skipped, loudly, without them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from xml.etree import ElementTree

import pytest
from PIL import Image
from pptx import Presentation

from usascp import aggregate, deck
from usascp.dates import format_day
from usascp.filters import Filters, describe, filter_options, select_projects
from usascp.presentation import SLIDE_KEYS, build_slides, live_link

SOFFICE, PDFTOTEXT = shutil.which("soffice"), shutil.which("pdftotext")
MISSING = None if SOFFICE and PDFTOTEXT else "no soffice or pdftotext (apt-get install libreoffice-impress poppler-utils)"
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"DECK NOT RENDERED: {MISSING}")

FIRST_OF_DECEMBER = dt.date(2026, 12, 1)  # a day of one digit: written "1 Dec 2026", as every date is
# The longest view a presenter can pick in a few clicks: five countries and three sectors in the subtitle and footer.
PUBLIC_ADDRESS = "https://smartcities.example.gov/usascp"  # a base path too: the link beside the code takes two lines
VIEWS = ["network", "crowded", "crowded_linked"]
CROWDED_VIEW = Filters(countries=("KHM", "LAO", "MYS", "PHL", "THA"), sectors=("Health", "Water", "Training & exchange"))


@dataclass(frozen=True)
class Word:
    text: str
    line: int  # words of one line share this number
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Word) -> bool:
        """Printed over each other: a word's box holds its line's spacing, so neighbouring lines may touch a little."""
        across = min(self.x1, other.x1) - max(self.x0, other.x0)
        down = min(self.y1, other.y1) - max(self.y0, other.y0)
        return across > 0.5 and down > 0.4 * min(self.y1 - self.y0, other.y1 - other.y0)


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]

    def lines(self) -> list[str]:
        by_line: dict[int, list[str]] = {}
        for word in self.words:
            by_line.setdefault(word.line, []).append(word.text)
        return [" ".join(texts) for texts in by_line.values()]

    def text(self) -> str:
        return " ".join(self.lines())


def read_pages(pdf) -> list[Page]:
    """Every word of every page with its box, in points from the top left, as poppler sets it."""
    xhtml = subprocess.run([PDFTOTEXT, "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    root = ElementTree.fromstring(xhtml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages, line_number = [], 0
    for page in root.iterfind(".//x:page", ns):
        words = []
        for line in page.iterfind(".//x:line", ns):
            line_number += 1
            for word in line.iterfind("x:word", ns):
                box = [float(word.get(name)) for name in ("xMin", "yMin", "xMax", "yMax")]
                words.append(Word(word.text or "", line_number, *box))
        pages.append(Page(float(page.get("width")), float(page.get("height")), words))
    return pages


def map_sized_picture() -> bytes:
    """A plain PNG of the map picture's size (900x700 drawn at double scale): the layout depends only on that."""
    out = io.BytesIO()
    Image.new("RGB", (1800, 1400), "#D9E6EF").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def converted(dataset, tmp_path_factory):
    """{name: (slides, pages, deck)} for the whole network (with a map picture and the live links) and a crowded
    view (without a picture; without and with the links)."""
    folder = tmp_path_factory.mktemp("deck")
    views = {
        "network": (Filters(), {"map": map_sized_picture()}, PUBLIC_ADDRESS),
        "crowded": (CROWDED_VIEW, {}, None),
        "crowded_linked": (CROWDED_VIEW, {}, PUBLIC_ADDRESS),
    }
    slides = {}
    for name, (filters, pictures, address) in views.items():
        slides[name] = build_slides(dataset, filters, FIRST_OF_DECEMBER)
        footer = deck.deck_footer(describe(filters, filter_options(dataset)), "Nov 2026")
        links = {key: live_link(address, filters, key) for key in SLIDE_KEYS} if address else None
        (folder / f"{name}.pptx").write_bytes(deck.build_deck(slides[name], footer, pictures, links))
    # One LibreOffice start for both decks, with a profile of its own: a soffice already running elsewhere
    # on the machine would otherwise take the job over, or refuse it.
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "pdf", "--outdir", str(folder)]
        + [str(folder / f"{name}.pptx") for name in views],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder, slides


@pytest.fixture(scope="module")
def rendered(converted):
    folder, slides = converted
    return {
        name: (slides[name], read_pages(folder / f"{name}.pdf"), Presentation(str(folder / f"{name}.pptx"))) for name in slides
    }


@pytest.mark.parametrize("view", VIEWS)
def test_every_word_lies_on_its_slide(rendered, view):
    slides, pages, _ = rendered[view]
    assert len(pages) == len(slides) == 5
    for slide, page in zip(slides, pages):
        outside = [w.text for w in page.words if w.x0 < 0 or w.y0 < 0 or w.x1 > page.width or w.y1 > page.height]
        assert outside == [], f"{slide.title}: text runs off the slide: {' '.join(outside)}"


@pytest.mark.parametrize("view", VIEWS)
def test_every_word_written_is_drawn(rendered, view):
    """poppler leaves out what lies wholly off the page: a footer's last line that ran off the slide is missing."""
    slides, pages, written = rendered[view]
    for slide, page, pptx_slide in zip(slides, pages, written.slides):
        texts = [shape.text_frame.text for shape in pptx_slide.shapes if shape.has_text_frame]
        texts += [cell.text for shape in pptx_slide.shapes if shape.has_table for row in shape.table.rows for cell in row.cells]
        missing = Counter(" ".join(texts).split()) - Counter(word.text for word in page.words)
        assert not missing, f"{slide.title}: written but not drawn: {sorted(missing)}"


@pytest.mark.parametrize("view", VIEWS)
def test_no_text_is_printed_over_other_text(rendered, view):
    """A box whose text outgrows it runs into the next box: the words of two lines then overlap."""
    slides, pages, _ = rendered[view]
    for slide, page in zip(slides, pages):
        clashes = [
            f"{a.text!r} over {b.text!r}"
            for i, a in enumerate(page.words)
            for b in page.words[i + 1 :]
            if a.line != b.line and a.overlaps(b)
        ]
        assert clashes == [], f"{slide.title}: {clashes[:5]}"


@pytest.mark.parametrize("view", VIEWS)
def test_titles_and_numbers_are_each_set_whole_on_one_line(rendered, view):
    slides, pages, _ = rendered[view]
    for slide, page in zip(slides, pages):
        lines = page.lines()
        assert slide.title in lines, f"the title {slide.title!r} is cut or broken: {lines[:3]}"
        for stat in slide.stats:
            assert stat.value in lines, f"{slide.title}: {stat.value!r} is broken over lines"


def test_results_name_their_projects_in_full(rendered, dataset):
    slides, pages, _ = rendered["network"]
    position = [slide.key for slide in slides].index("impact")
    results, shown = pages[position], slides[position].table["metric"]
    figures = aggregate.countable_metrics(dataset, select_projects(dataset, Filters()))
    reporting = figures.loc[figures["metric"].isin(shown), "project_id"].unique()
    titles = dataset.projects.loc[dataset.projects["project_id"].isin(reporting), "title"]
    assert len(titles) == 2  # the hospitals' network and WiSE
    for title in titles:
        assert title in results.text()
    assert "…" not in results.text()
    # The numbers and their lines fill the slide: the last line sits in its lower half, not under a row of four.
    last_line = next(word for word in results.words if word.text == "Each")
    assert last_line.y0 > results.height / 2


def test_every_date_is_written_one_way(rendered):
    slides, pages, _ = rendered["network"]
    events = pages[[slide.key for slide in slides].index("events")]
    assert f"as of {format_day(FIRST_OF_DECEMBER)};" in events.text()
    assert "8 Sep 2025" in events.text()
    zero_padded = [re.findall(r"\b0\d [A-Z][a-z]{2} \d{4}", page.text()) for page in pages]
    assert not any(zero_padded), zero_padded


def test_the_live_link_is_drawn_clear_of_every_word_and_reads_back(converted, rendered):
    """The code as LibreOffice draws it (poppler's pdftoppm at 100 dpi) decodes to the slide's link, and no word lies on it."""
    import zxingcpp

    folder, _ = converted
    slides, pages, written = rendered["crowded_linked"]
    for number, (slide, page, pptx_slide) in enumerate(zip(slides, pages, written.slides), start=1):
        code = next(shape for shape in pptx_slide.shapes if shape.name == deck.QR_PICTURE_NAME)
        link = code.click_action.hyperlink.address
        assert link == live_link(PUBLIC_ADDRESS, CROWDED_VIEW, slide.key)
        x0, y0 = code.left / 12700, code.top / 12700  # EMU to points
        x1, y1 = x0 + code.width / 12700, y0 + code.height / 12700
        on_code = [w.text for w in page.words if w.x0 < x1 and w.x1 > x0 and w.y0 < y1 and w.y1 > y0]
        assert on_code == [], f"{slide.title}: words over the code: {on_code}"
        stem = folder / f"page-{number}"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(folder / "crowded_linked.pdf"),
                str(stem),
            ],
            check=True,
            timeout=60,
        )
        picture = Image.open(f"{stem}.png")
        assert [c.text for c in zxingcpp.read_barcodes(picture)] == [link], slide.title
