"""Spreadsheets merchants upload: CSV as Excel and WPS save it on Chinese Windows (UTF-8 with
or without a BOM, or GBK) or XLSX, read into rows of text; numbers that are names (an order
number Excel stored as a number) come back as their digits, not 2.02612E+21."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from config.csvexport import FORMULA_STARTS

MAX_BYTES = 2 * 1024 * 1024


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB18030: what Excel's "CSV (逗号
    分隔)" writes on Chinese Windows (GBK is a subset of it)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor GBK text. Save it as CSV again."))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value).strip().lstrip("\t")
    # Undo the export's formula guard ('=x written as text) so a round trip is exact.
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    return text


def upload_rows(upload, *, max_rows: int) -> list[list[str]]:
    """The rows of an uploaded CSV or XLSX (by its name), header first, as text."""
    name = (getattr(upload, "name", "") or "").lower()
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."))
    raw = upload.read()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(raw)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = [[_cell(v) for v in row] for row in csv.reader(io.StringIO(decode_csv(raw)))]
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    rows = [row for row in rows if any(cell for cell in row)]
    if len(rows) > max_rows + 1:
        raise ValidationError(_("At most %(n)d rows per file.") % {"n": max_rows})
    return rows


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ValidationError(_("This is not an XLSX file Excel or WPS can open.")) from exc
    sheet = book.worksheets[0]
    return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
