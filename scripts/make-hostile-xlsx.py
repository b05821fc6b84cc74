#!/usr/bin/env python3
"""Build the crafted workbooks of tests/hostile/xlsx/ (issue 11, item 15).

Standard library only. Each workbook is a minimal xlsx (one sheet named
`Answers`, inline strings) for `-i gad2` (columns id, gad2_1, gad2_2), plus
the one defect its name says. Run from the repository root:

    python3 scripts/make-hostile-xlsx.py

The outputs are committed; this script says how they were made.
"""

import os
import struct
import zipfile

OUT = os.path.join("tests", "hostile", "xlsx")

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Answers" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""

SHEET = "xl/worksheets/sheet1.xml"


def cell(ref, value):
    if value is None:
        return f'<c r="{ref}" s="0"/>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(n, cells):
    return f'<row r="{n}">' + "".join(cell(ref, v) for ref, v in cells) + "</row>"


HEADER = row(1, [("A1", "id"), ("B1", "gad2_1"), ("C1", "gad2_2")])


def answers(n, ident, a, b):
    return row(n, [(f"A{n}", ident), (f"B{n}", a), (f"C{n}", b)])


# three respondents; s3 is positive (3 + 3)
BODY = answers(2, "s1", 0, 1) + answers(3, "s2", 1, 1) + answers(4, "s3", 3, 3)


def sheet(rows, dimension="A1:C4", between=""):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{between.join(rows)}</sheetData></worksheet>'
    )


def put(z, name, text, method=zipfile.ZIP_DEFLATED):
    """Add a part with a fixed date, so the outputs are reproducible."""
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = method
    z.writestr(info, text)


def workbook(name, sheet_xml):
    path = os.path.join(OUT, name)
    with zipfile.ZipFile(path, "w") as z:
        put(z, "[Content_Types].xml", CONTENT_TYPES)
        put(z, "_rels/.rels", RELS)
        put(z, "xl/workbook.xml", WORKBOOK)
        put(z, "xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        put(z, SHEET, sheet_xml)
    return path


def set_declared_size(path, part, size):
    """Rewrite the uncompressed size the zip headers give for `part`."""
    data = bytearray(open(path, "rb").read())
    name = part.encode()
    # local file header: size at offset 22, name at 30
    i = 0
    while (i := data.find(b"PK\x03\x04", i)) >= 0:
        n = struct.unpack_from("<H", data, i + 26)[0]
        if data[i + 30 : i + 30 + n] == name:
            struct.pack_into("<I", data, i + 22, size)
        i += 4
    # central directory entry: size at offset 24, name at 46
    i = 0
    while (i := data.find(b"PK\x01\x02", i)) >= 0:
        n = struct.unpack_from("<H", data, i + 28)[0]
        if data[i + 46 : i + 46 + n] == name:
            struct.pack_into("<I", data, i + 24, size)
        i += 4
    open(path, "wb").write(data)


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def ods_cell(value):
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def ods_row(values, repeat=1):
    attr = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attr}>" + "".join(values) + "</table:table-row>"


def ods(name, rows):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Answers">'
        + "".join(rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = os.path.join(OUT, name)
    with zipfile.ZipFile(path, "w") as z:
        put(z, "mimetype", ODS_MIMETYPE, zipfile.ZIP_STORED)
        put(z, "content.xml", content)
        put(z, "META-INF/manifest.xml", ODS_MANIFEST)
    return path


ODS_BODY = [
    ods_row([ods_cell(v) for v in ["id", "gad2_1", "gad2_2"]]),
    ods_row([ods_cell(v) for v in ["s1", 0, 1]]),
    ods_row([ods_cell(v) for v in ["s2", 1, 1]]),
    ods_row([ods_cell(v) for v in ["s3", 3, 3]]),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    # the clean twin of the others: 3 rows, s3 positive
    workbook("clean.xlsx", sheet([HEADER, BODY]))
    # a stray value at the very last cell of a sheet
    workbook(
        "stray-xfd.xlsx",
        sheet([HEADER, BODY, row(1048576, [("XFD1048576", "x")])], "A1:XFD1048576"),
    )
    # a stray value at J1048576: one row with something in it, not a million
    workbook(
        "stray-j.xlsx",
        sheet([HEADER, BODY, row(1048576, [("J1048576", "x")])], "A1:J1048576"),
    )
    # empty rows inside and a formatted empty cell far below: no phantom rows
    workbook(
        "empty-rows.xlsx",
        sheet(
            [
                HEADER,
                answers(2, "s1", 0, 1),
                row(3, [("A3", None), ("B3", None)]),
                row(4, [("A4", ""), ("C4", " ")]),
                answers(5, "s3", 3, 3),
                row(1048576, [("J1048576", None)]),
            ],
            "A1:J1048576",
        ),
    )
    # no id column, so respondents are known by their row; empty rows between
    workbook(
        "gaps-no-id.xlsx",
        sheet(
            [
                row(1, [("A1", "gad2_1"), ("B1", "gad2_2")]),
                row(2, [("A2", 0), ("B2", 1)]),
                row(4, [("A4", "x"), ("B4", 3)]),
                row(5, [("A5", None)]),
                row(6, [("A6", 3), ("B6", 3)]),
            ],
            "A1:B6",
        ),
    )
    # the same cell twice, the second lowering the answer
    workbook(
        "duplicate-cell.xlsx",
        sheet([HEADER, row(2, [("A2", "s3"), ("B2", 3), ("C2", 3), ("C2", 0)])]),
    )
    # cells out of order: row 2 after row 3
    workbook("out-of-order.xlsx", sheet([HEADER, answers(3, "s2", 1, 1), answers(2, "s1", 0, 1)]))
    # a sheet whose zip header says it expands to 3.5 GiB (a zip bomb's header)
    path = workbook("bomb-declared.xlsx", sheet([HEADER, BODY]))
    set_declared_size(path, SHEET, 0xE0000000)
    # a sheet that expands to more than its zip header says
    path = workbook("liar.xlsx", sheet([HEADER, BODY]))
    set_declared_size(path, SHEET, 100)
    # 2 MiB of blanks between two rows: one token the XML parser would hold
    workbook("blanks.xlsx", sheet([HEADER, BODY], between=" " * (2 << 20)))
    # a real zip bomb in small: 17 MiB of empty rows, ~1000:1
    workbook("bomb-ratio.xlsx", sheet([HEADER, BODY] + ["<row></row>"] * 1_600_000))
    # the same three respondents in an ods, and with a stray value a million
    # rows down and 16,000 columns right (calamine would expand it densely)
    ods("clean.ods", ODS_BODY)
    ods(
        "stray-far.ods",
        ODS_BODY
        + [
            ods_row(['<table:table-cell table:number-columns-repeated="3"/>'], repeat=1_048_000),
            ods_row(['<table:table-cell table:number-columns-repeated="16000"/>', ods_cell("x")]),
        ],
    )


if __name__ == "__main__":
    main()
