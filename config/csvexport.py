"""Spreadsheet downloads (CSV streamed row by row, or XLSX), with cells neutralised against
formula injection and long numbers kept as text.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula, so a product name or a remark typed by anyone could run
in a merchant's Excel. Such cells get a leading apostrophe (OWASP's advice), which shows as
text. Numbers we write ourselves (a negative stock change) stay numbers.

Excel and WPS read a cell of digits as a number: a 22-digit order number becomes 2.02612E+21
and a phone loses nothing but looks like a sum. Such values are written as ``Text``: in CSV
with a leading tab (shown as nothing, read as text by both), in XLSX as text cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DIGITS = re.compile(r"[0-9]+")


class Text(str):
    """A value that must stay text in a spreadsheet (an order number, a phone)."""


def safe_cell(value) -> object:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    if isinstance(value, Text) and _DIGITS.fullmatch(value):
        return "\t" + value  # digits only: nothing a spreadsheet could run
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_rows(rows: Iterable[Iterable]) -> Iterable[str]:
    """Each row as one CSV line, cells neutralised; a BOM first so Excel reads UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def _disposition(filename: str) -> str:
    """An ASCII name for old clients and the real one (Chinese allowed) by RFC 6266."""
    fallback = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _in_language(lines: Iterable[str], language: str | None) -> Iterable[str]:
    """A streamed body is read after the view returned and LocaleMiddleware reset the
    language: its rows are made in the language of the request that asked for them."""
    with translation.override(language):
        yield from lines


def csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    body = _in_language(csv_rows(rows), translation.get_language())
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response


def xlsx_response(rows: Iterable[Iterable], filename: str, *, sheet: str = "") -> HttpResponse:
    """The rows as an Excel workbook (openpyxl, write-only so a long export stays lean):
    the first row bold and frozen, ``Text`` and every other string a text cell, money and
    counts numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(title=(sheet or "Sheet1")[:31])
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(worksheet, value=_xlsx_value(value))
            if isinstance(cell.value, str):
                cell.number_format = "@"  # text: never read back as a number or a date
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            if index == 0:
                cell.font = bold
            cells.append(cell)
        worksheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _disposition(filename)
    return response


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    # openpyxl stores a str as a string cell; one that starts like a formula is still text,
    # but Excel re-reads it as a formula when the merchant edits the cell: neutralise it.
    return "'" + text if text.startswith(FORMULA_STARTS) and not isinstance(value, Text) else text
