"""The presenter slides as a PowerPoint deck (python-pptx): numbers as text, funding as an editable chart.

Each slide carries its sources twice: a short footer a hall can read, and the full titles and URLs in
the speaker notes. The map is a picture (there is no map chart in PowerPoint); when no picture can be
drawn, the slide lists the cities instead, so the deck never fails for want of a browser.
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


def _text(slide, left, top, width, height, paragraphs, size=18, colour=INK, bold=False, align=PP_ALIGN.LEFT):
    """A text box with one paragraph per item; an item is a string or (text, size, colour, bold)."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, item in enumerate(paragraphs):
        text, item_size, item_colour, item_bold = item if isinstance(item, tuple) else (item, size, colour, bold)
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = _shown(text)
        run.font.size, run.font.bold = Pt(item_size), item_bold
        run.font.color.rgb = item_colour
    return box


def _frame(deck, slide_data: Slide, footer: str):
    """A slide with its title, subtitle, source footer and speaker notes; returns it for the content."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY_LAYOUT])
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.9)
    title.text = _shown(slide_data.title)
    paragraph = title.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.runs[0].font.size, paragraph.runs[0].font.bold = Pt(36), True
    paragraph.runs[0].font.color.rgb = INK
    _text(slide, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.5), [slide_data.subtitle], size=20, colour=MUTED)
    publishers = list(dict.fromkeys(source.publisher for source in slide_data.sources))
    source_text = ("Sources: " + "; ".join(publishers) + ". ") if publishers else ""
    _text(slide, MARGIN, HEIGHT - Inches(0.55), WIDTH - 2 * MARGIN, Inches(0.4), [source_text + footer], size=11, colour=MUTED)
    notes = [slide_data.subtitle, *slide_data.lines, "", "Sources:"] + [f"- {source.line()}" for source in slide_data.sources]
    if not slide_data.sources:
        notes.append("- none: this slide states no published figure")
    notes += ["", footer]
    slide.notes_slide.notes_text_frame.text = "\n".join(_shown(line) for line in notes)
    return slide


STAT_ROW = Inches(2.05)


def stat_columns(count: int) -> int:
    """Three to a row (six make two even rows); two or four side by side, as on the Present page."""
    return {1: 2, 2: 2, 4: 4}.get(count, 3)


def _stats(slide, stats, top) -> int:
    """Big numbers in a grid; returns the number of rows used."""
    columns = stat_columns(len(stats))
    width = (WIDTH - 2 * MARGIN) / columns
    for i, stat in enumerate(stats):
        row, column = divmod(i, columns)
        _text(
            slide,
            Emu(int(MARGIN + column * width)),
            Emu(int(top + row * STAT_ROW)),
            Emu(int(width - Inches(0.25))),
            Inches(1.9),
            [
                (stat.value, 40 if columns <= 3 else 32, ACCENT, True),
                (stat.label, 18, INK, True),
                (stat.detail, 12, MUTED, False),
            ],
        )
    return -(-len(stats) // columns)


def _bullets(slide, lines, left, top, width, height, size=18):
    if lines:
        _text(slide, left, top, width, height, [f"• {line}" for line in lines], size=size)


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


def _funding(slide, slide_data: Slide):
    table = slide_data.table
    _stats(slide, slide_data.stats, Inches(1.8))
    top, height = Inches(3.7), HEIGHT - Inches(4.4)
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


def _map(slide, slide_data: Slide, picture: bytes | None):
    content_top = Inches(1.85)
    if picture:
        # The picture keeps its shape; the height is what limits it between the subtitle and the footer.
        shape = slide.shapes.add_picture(io.BytesIO(picture), MARGIN, content_top, height=HEIGHT - content_top - Inches(0.7))
        right = shape.left + shape.width + Inches(0.3)
        _bullets(slide, slide_data.lines, right, content_top, WIDTH - MARGIN - right, Inches(4.8), size=16)
        return
    cities = slide_data.table
    listed = cities.sort_values(["projects", "city"], ascending=[False, True])
    by_country = listed.groupby("country", sort=True)["city"].apply(lambda names: ", ".join(names))
    lines = [f"{country}: {names}" for country, names in by_country.items()]
    _bullets(slide, lines, MARGIN, content_top, Inches(7.6), Inches(4.8), size=14)
    _bullets(slide, slide_data.lines, MARGIN + Inches(8.0), content_top, Inches(4.1), Inches(4.8), size=16)


def build_deck(slides: list[Slide], footer: str, pictures: dict[str, bytes] | None = None) -> bytes:
    """The slides as .pptx bytes. `pictures` maps a slide key to a PNG (the map); `footer` says view and date."""
    pictures = pictures or {}
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    for slide_data in slides:
        slide = _frame(deck, slide_data, footer)
        if slide_data.key == "map":
            _map(slide, slide_data, pictures.get("map"))
        elif slide_data.key == "funding":
            _funding(slide, slide_data)
        elif slide_data.key == "events":
            if slide_data.table is not None and len(slide_data.table):
                _table(slide, slide_data.table, MARGIN, Inches(2.0), WIDTH - 2 * MARGIN)
        else:
            rows_used = _stats(slide, slide_data.stats, Inches(1.9))
            _bullets(
                slide, slide_data.lines, MARGIN, Inches(2.0) + rows_used * STAT_ROW, WIDTH - 2 * MARGIN, Inches(1.2), size=16
            )
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def deck_footer(view: str, data_as_of: str) -> str:
    return f"U.S.-ASEAN Smart Cities Partnership dashboard · {view} · data as of {data_as_of}"
