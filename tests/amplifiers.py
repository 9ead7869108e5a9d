"""Small files that ask a reader for far more than their size: the uploads an attacker (or an accident) sends.

Each builder takes its size as arguments, so tests make small ones quickly and `bench/amplifiers.py`
makes them at the sizes the hardening issue measured (a 108 KB workbook that cost 2.87 GB, and so on).
"""

from __future__ import annotations

import io
import warnings
import zipfile

GRANTS_HEADER = "grant_id,project_id,recipient,amount_usd,award_date,date_basis,funding_office,amount_kind,source_id,note"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="grants" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _workbook(sheet_xml_chunks, shared_strings_chunks=None) -> bytes:
    """A minimal .xlsx with one sheet called "grants", its XML written piece by piece (it may be large)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_xml_chunks:
                sheet.write(chunk.encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as shared:
            for chunk in shared_strings_chunks or [f'<?xml version="1.0"?><sst xmlns="{_MAIN}" count="0" uniqueCount="0"></sst>']:
                shared.write(chunk.encode())
    return buffer.getvalue()


def wide_workbook(rows: int = 20_000) -> bytes:
    """A sheet that declares 16,384 columns (A1:XFD) and holds one value in the last column of every row."""

    def chunks():
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><dimension ref="A1:XFD{rows + 1}"/><sheetData>'
        header = "".join(_inline(f"{chr(65 + i)}1", name) for i, name in enumerate(GRANTS_HEADER.split(",")))
        yield f'<row r="1">{header}</row>'
        for number in range(2, rows + 2):
            yield f'<row r="{number}">{_inline(f"A{number}", "g")}<c r="XFD{number}"><v>1</v></c></row>'
        yield "</sheetData></worksheet>"

    return _workbook(chunks())


def shared_strings_workbook(strings: int = 1_000_000, length: int = 1_000) -> bytes:
    """A workbook whose shared strings part holds `strings` strings of `length` characters (compresses very well)."""
    text = "x" * length

    def shared():
        yield f'<?xml version="1.0"?><sst xmlns="{_MAIN}" count="{strings}" uniqueCount="{strings}">'
        block = f"<si><t>{text}</t></si>" * 1_000
        for _ in range(strings // 1_000):
            yield block
        yield "</sst>"

    sheet = [f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData><row r="1">{_inline("A1", "grant_id")}</row></sheetData></worksheet>']
    return _workbook(sheet, shared())


def zip_of_one_big_csv(megabytes: int = 195) -> bytes:
    """A zip holding grants.csv of `megabytes` MB of rows that each fail validation."""
    buffer = io.BytesIO()
    line = "G,nowhere,R,not-a-number,someday,,,grant,nowhere,\n".encode()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("grants.csv", "w", force_zip64=True) as member:
            member.write((GRANTS_HEADER + "\n").encode())
            block = line * 10_000
            for _ in range(megabytes * 2**20 // len(block)):
                member.write(block)
    return buffer.getvalue()


def zip_of_many_members(members: int = 10_000, same_name: bool = False) -> bytes:
    """A zip of `members` small CSV files, each with a different name or all called projects.csv."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the point of the file
        for number in range(members):
            name = "projects.csv" if same_name else f"table_{number}.csv"
            archive.writestr(zipfile.ZipInfo(name), "project_id,title\nx,y\n")
    return buffer.getvalue()


def wide_csv(columns: int = 100_000) -> bytes:
    """A CSV file whose header has `columns` columns (0.9 MB at 100,000)."""
    header = ",".join(f"c{number}" for number in range(columns))
    return (header + "\n" + "," * (columns - 1) + "\n").encode()


def iati_with_junk(junk_elements: int = 1_000_000, activities: int = 2) -> bytes:
    """A valid IATI file with `junk_elements` unknown elements between its activities (about 50 bytes each)."""
    activity = (
        '<iati-activity default-currency="USD"><iati-identifier>XM-JUNK-{n}</iati-identifier>'
        "<title><narrative>Junk test {n}</narrative></title><activity-status code=\"2\"/></iati-activity>"
    )
    parts = ['<?xml version="1.0" encoding="UTF-8"?><iati-activities version="2.03">', activity.format(n=1)]
    parts.append("<junk><pad>0123456789012345678901234</pad></junk>" * (junk_elements // 2))
    parts += [activity.format(n=n) for n in range(2, activities + 1)]
    parts.append("</iati-activities>")
    return "".join(parts).encode()


# The files the hardening issue measured, at their sizes, for bench/amplifiers.py.
AS_MEASURED = {
    "wide workbook (108 KB, declares 16,384 x 20,000)": ("wide.xlsx", lambda: wide_workbook(20_000)),
    "shared strings (a million 1 KB strings)": ("shared.xlsx", lambda: shared_strings_workbook(1_000_000, 1_000)),
    "zip of one 195 MB CSV": ("big.zip", lambda: zip_of_one_big_csv(195)),
    "zip of 10,000 members": ("many.zip", lambda: zip_of_many_members(10_000)),
    "zip of 10,000 projects.csv": ("same.zip", lambda: zip_of_many_members(10_000, same_name=True)),
    "CSV of 100,000 columns": ("grants.csv", lambda: wide_csv(100_000)),
    "IATI with 50 MB of junk": ("junk.xml", lambda: iati_with_junk(2_000_000)),
}
