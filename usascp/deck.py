"""The presenter slides as a PowerPoint deck (python-pptx): numbers as text, funding as an editable chart.

Each slide carries its sources twice: a short footer a hall can read, and the full titles and URLs in
the speaker notes. The map is a picture (there is no map chart in PowerPoint); when no picture can be
drawn, the slide lists the cities instead, so the deck never fails for want of a browser. With a public
address configured, each slide also carries, top right, a QR code of the link to its live view and that
link in words beside it (usascp.public_link), both opening the full link.
"""

from __future__ import annotations

import io

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from usascp.characters import without_controls
from usascp.charts import NOT_DISCLOSED_GREY, PALETTE
from usascp.presentation import Slide
from usascp.public_link import qr_png, readable, readable_lines

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
INK = RGBColor(0x1A, 0x1A, 0x1A)
MUTED = RGBColor(0x4A, 0x4A, 0x4A)
ACCENT = RGBColor.from_string(PALETTE["blue"].lstrip("#"))
GREY = RGBColor.from_string(NOT_DISCLOSED_GREY.lstrip("#"))
TITLE_ONLY_LAYOUT = 5  # in python-pptx's default template


def _shown(text) -> str:
    """Text as a slide holds it. python-pptx writes a control character as "_x0001_" (a carriage return as
    "_x000D_"): loading removes them, and text that arrives another way loses them here."""
    return without_controls(str(text)).replace("\r\n", "\n").replace("\r", "\n")


# Text is laid out before any renderer has drawn it, so its size is estimated. LibreOffice draws Calibri
# as DejaVu Sans, which is wider: an average character of 0.56 em (0.62 em bold) holds for both, with room.
CHARACTER_EM = {False: 0.56, True: 0.62}
LINE_HEIGHT = 1.2  # a line is this many times the font size
INSET_X, INSET_Y = Inches(0.1), Inches(0.05)  # python-pptx's default text box insets
GAP = Inches(0.15)
# The live link, top right: the code beside the title, the link in words beside the subtitle, right-aligned.
QR_SIDE = Inches(1.2)
LINK_WIDTH, LINK_SIZE = Inches(2.8), 10
LINK_EM = 0.7  # a link's average character is wider than a sentence's: capitals, digits, = and & (0.69 em measured)
QR_PICTURE_NAME = "QR code of the live view"


def _wrapped_lines(text: str, width, size: float, bold: bool = False) -> int:
    """How many lines `text` takes in a box `width` wide at `size` points: a greedy word wrap, like a renderer's."""
    room = (width - 2 * INSET_X) / Pt(1)  # in points
    per_character = size * CHARACTER_EM[bold]
    lines = 0
    for paragraph in str(text).split("\n"):
        used, lines = None, lines + 1
        for word in paragraph.split():
            length = len(word) * per_character
            if used is None:
                used = length
            elif used + per_character + length <= room:
                used += per_character + length
            else:
                used, lines = length, lines + 1
            while used > room:  # a word longer than the line is broken across lines
                used, lines = used - room, lines + 1
    return lines


def _height(paragraphs, width) -> int:
    """The height (EMU) of a text box holding `paragraphs`, each (text, size, colour, bold)."""
    points = sum(_wrapped_lines(text, width, size, bold) * size * LINE_HEIGHT for text, size, _, bold in paragraphs)
    return int(Pt(points) + 2 * INSET_Y)


def _one_line_size(text: str, width, largest: float, smallest: float = 12, bold: bool = True) -> float:
    """The largest type, up to `largest`, at which `text` stays on one line: "21 million+" is one number."""
    size = largest
    while size > smallest and _wrapped_lines(text, width, size, bold) > 1:
        size -= 2
    return size


def _paragraphs(items, size, colour, bold):
    return [item if isinstance(item, tuple) else (item, size, colour, bold) for item in items]


def _text(slide, left, top, width, height, paragraphs, size=18, colour=INK, bold=False, align=PP_ALIGN.LEFT):
    """A text box with one paragraph per item; an item is a string or (text, size, colour, bold).

    `height=None` makes the box as tall as its text needs (estimated, see _wrapped_lines).
    """
    items = _paragraphs(paragraphs, size, colour, bold)
    height = _height(items, width) if height is None else height
    box = slide.shapes.add_textbox(Emu(int(left)), Emu(int(top)), Emu(int(width)), Emu(int(height)))
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, item_size, item_colour, item_bold) in enumerate(items):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = _shown(text)
        run.font.size, run.font.bold = Pt(item_size), item_bold
        run.font.color.rgb = item_colour
    return box


def _live_link(slide, link: str):
    """The QR code of `link` in the top right corner and the link in words to its left, under the code's top;
    both open `link`. Returns the bottom of what was drawn."""
    top = Inches(0.35)
    left = WIDTH - MARGIN - QR_SIDE
    picture = qr_png(link)
    bottom = top
    if picture is not None:
        code = slide.shapes.add_picture(io.BytesIO(picture), left, top, QR_SIDE, QR_SIDE)
        code.name = QR_PICTURE_NAME
        code.click_action.hyperlink.address = link
        bottom = code.top + code.height
    # Lines broken by hand before a / ? or &: a text box breaks lines only at spaces, and a link has none.
    per_line = int((LINK_WIDTH - 2 * INSET_X) / Pt(LINK_SIZE * LINK_EM))
    lines = readable_lines(readable(link, longest=2 * per_line), per_line)
    box = _text(slide, left - GAP - LINK_WIDTH, Inches(1.15), LINK_WIDTH, None, lines, LINK_SIZE, ACCENT, align=PP_ALIGN.RIGHT)
    for paragraph in box.text_frame.paragraphs:
        for run in paragraph.runs:
            run.hyperlink.address = link
    return max(bottom, box.top + box.height)


def _frame(deck, slide_data: Slide, footer: str, link: str | None = None):
    """A slide with its title, subtitle, source footer and speaker notes, and the live link when there is one.

    Returns the slide and the top and bottom of the room left for its content, between the subtitle and
    the footer; each is as tall as its text, so a long view or many sources push the content, never off the slide.
    """
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY_LAYOUT])
    text_width = WIDTH - 2 * MARGIN
    live_bottom = _live_link(slide, link) if link else 0
    title_width = text_width - (QR_SIDE + GAP if link else 0)
    subtitle_width = title_width - (LINK_WIDTH + GAP if link else 0)
    title_size = _one_line_size(_shown(slide_data.title), title_width, 36)
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.35), title_width, Inches(0.8)
    title.text = _shown(slide_data.title)
    paragraph = title.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.runs[0].font.size, paragraph.runs[0].font.bold = Pt(title_size), True
    paragraph.runs[0].font.color.rgb = INK
    subtitle = _text(slide, MARGIN, Inches(1.15), subtitle_width, None, [slide_data.subtitle], size=20, colour=MUTED)
    publishers = list(dict.fromkeys(source.publisher for source in slide_data.sources))
    footer_lines = (["Sources: " + "; ".join(publishers) + "."] if publishers else []) + [footer]
    footer_items = _paragraphs(footer_lines, 11, MUTED, False)
    footer_top = HEIGHT - Inches(0.25) - _height(footer_items, text_width)
    _text(slide, MARGIN, footer_top, text_width, None, footer_items)
    notes = [slide_data.subtitle, *slide_data.lines, "", "Sources:"] + [f"- {source.line()}" for source in slide_data.sources]
    if not slide_data.sources:
        notes.append("- none: this slide states no published figure")
    if link:
        notes += ["", f"This slide, live: {link}"]
    notes += ["", footer]
    slide.notes_slide.notes_text_frame.text = "\n".join(_shown(line) for line in notes)
    return slide, max(subtitle.top + subtitle.height, live_bottom) + GAP, footer_top - GAP


def stat_columns(count: int) -> int:
    """Three to a row (six make two even rows); two or four two by two, where a slide has the height for two rows
    and a number as long as "21 million+" the width. (The Present page sets four in one row: a 720-line projector has less height.)"""
    return {1: 2, 2: 2, 4: 2}.get(count, 3)


def _stats(slide, stats, top, bottom, lines=(), lines_size=18, spread=True) -> int:
    """Big numbers in a grid, then the slide's lines; with `spread`, the rows share out the height there is.
    Returns where they end.

    The numbers share one size, the largest (up to 44 pt) at which each stays on one line in its column:
    a number broken over two lines ("21 / million+") reads as two.
    """
    columns = stat_columns(len(stats))
    cell = (WIDTH - 2 * MARGIN) / columns
    box_width = cell - Inches(0.25)
    value_size = min([_one_line_size(_shown(stat.value), box_width, 44 if columns <= 2 else 40) for stat in stats] or [0])
    boxes = [
        [
            (stat.value, value_size, ACCENT, True),
            (stat.label, 20 if columns <= 2 else 18, INK, True),
            (stat.detail, 14 if columns <= 2 else 12, MUTED, False),
        ]
        for stat in stats
    ]
    rows = [boxes[i : i + columns] for i in range(0, len(boxes), columns)]
    row_heights = [max(_height(box, box_width) for box in row) for row in rows]
    lines_items = _paragraphs([f"• {line}" for line in lines], lines_size, INK, False)
    lines_height = _height(lines_items, WIDTH - 2 * MARGIN) if lines else 0
    # Spare height goes between the rows and before the lines, up to an inch each: no empty lower half.
    spare = max(0, bottom - top - sum(row_heights) - lines_height)
    gap = min(Inches(1.0), spare / (len(rows) + (1 if lines else 0))) if rows and spread else GAP
    y = top
    for row, row_height in zip(rows, row_heights):
        for column, box in enumerate(row):
            _text(slide, MARGIN + column * cell, y, box_width, row_height, box)
        y += row_height + gap
    if lines:
        _text(slide, MARGIN, y, WIDTH - 2 * MARGIN, lines_height, lines_items)
        y += lines_height
    return y


def _bullets(slide, lines, left, top, width, size=18):
    if lines:
        _text(slide, left, top, width, None, [f"• {line}" for line in lines], size=size)


def _bar_chart(slide, left, top, width, height, categories, values, colour, number_format, title):
    data = CategoryChartData(number_format=number_format)
    data.categories = [_shown(category) for category in categories]
    data.add_series(_shown(title), values)
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data).chart
    chart.has_legend = False
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(16)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = number_format, False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    chart.value_axis.maximum_scale = max(values) * 1.45  # room for the labels beside the longest bar
    plot.data_labels.font.size = Pt(14)
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = colour
    chart.category_axis.reverse_order = True  # first category on top, as on the page
    chart.category_axis.tick_labels.font.size = Pt(14)
    chart.value_axis.visible = False
    chart.value_axis.has_major_gridlines = False
    return chart


def _funding(slide, slide_data: Slide, top, bottom):
    table = slide_data.table
    top = _stats(slide, slide_data.stats, top, bottom, spread=False)
    height = Emu(int(bottom - top))
    half = (WIDTH - 2 * MARGIN) / 2
    with_amount = table[table["disclosed_usd"].notna()]
    if len(with_amount):
        _bar_chart(
            slide,
            MARGIN,
            top,
            Emu(int(half - Inches(0.2))),
            height,
            [str(group) for group in with_amount["sector"]],
            [float(v) for v in with_amount["disclosed_usd"]],
            ACCENT,
            '[>=1000000]"$"#,##0.0,,"M";"$"#,##0',  # $4.0M, $300,000: as the dashboard writes them
            "Disclosed funding (USD)",
        )
    else:
        _text(slide, MARGIN, top, Emu(int(half)), Inches(1), ["No selected project publishes an amount."], size=18)
    silent = table[table["projects_not_disclosed"] > 0]
    if len(silent):
        _bar_chart(
            slide,
            Emu(int(MARGIN + half)),
            top,
            Emu(int(half)),
            height,
            [str(group) for group in silent["sector"]],
            [int(n) for n in silent["projects_not_disclosed"]],
            GREY,
            "0",
            "Projects with no published amount",
        )


def _table(slide, frame: pd.DataFrame, left, top, width, size=16):
    rows, columns = len(frame) + 1, len(frame.columns)
    shape = slide.shapes.add_table(rows, columns, left, top, width, Inches(0.5) * rows)
    grid = shape.table
    for c, name in enumerate(frame.columns):
        grid.cell(0, c).text = _shown(name)
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(row):
            grid.cell(r, c).text = "" if pd.isna(value) else _shown(value)
    for cell in (grid.cell(r, c) for r in range(rows) for c in range(columns)):
        for paragraph in cell.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(size)
    grid.columns[0].width = Emu(int(width * 0.55))
    for c in range(1, columns):
        grid.columns[c].width = Emu(int(width * 0.45 / (columns - 1)))
    return grid


def _map(slide, slide_data: Slide, picture: bytes | None, top, bottom):
    content_top = top
    if picture:
        # The picture keeps its shape; the height is what limits it between the subtitle and the footer.
        shape = slide.shapes.add_picture(io.BytesIO(picture), MARGIN, content_top, height=Emu(int(bottom - top)))
        right = shape.left + shape.width + Inches(0.3)
        _bullets(slide, slide_data.lines, right, content_top, WIDTH - MARGIN - right, size=16)
        return
    cities = slide_data.table
    listed = cities.sort_values(["projects", "city"], ascending=[False, True])
    by_country = listed.groupby("country", sort=True)["city"].apply(lambda names: ", ".join(names))
    lines = [f"{country}: {names}" for country, names in by_country.items()]
    _bullets(slide, lines, MARGIN, content_top, Inches(7.6), size=14)
    _bullets(slide, slide_data.lines, MARGIN + Inches(8.0), content_top, Inches(4.1), size=16)


def build_deck(
    slides: list[Slide], footer: str, pictures: dict[str, bytes] | None = None, links: dict[str, str] | None = None
) -> bytes:
    """The slides as .pptx bytes. `pictures` maps a slide key to a PNG (the map); `footer` says view and date;
    `links` maps a slide key to the link of its live view (presentation.live_link), drawn as a QR code and words."""
    pictures, links = pictures or {}, links or {}
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    for slide_data in slides:
        slide, top, bottom = _frame(deck, slide_data, footer, links.get(slide_data.key))
        if slide_data.key == "map":
            _map(slide, slide_data, pictures.get("map"), top, bottom)
        elif slide_data.key == "funding":
            _funding(slide, slide_data, top, bottom)
        elif slide_data.key == "events":
            if slide_data.table is not None and len(slide_data.table):
                _table(slide, slide_data.table, MARGIN, top, WIDTH - 2 * MARGIN)
        else:
            _stats(slide, slide_data.stats, top, bottom, slide_data.lines)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def deck_footer(view: str, data_as_of: str) -> str:
    return f"U.S.-ASEAN Smart Cities Partnership dashboard · {view} · data as of {data_as_of}"
