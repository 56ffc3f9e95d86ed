"""Strict parsing of ids and amounts from query strings and forms.

``str.isdigit()`` and ``int()`` accept more than ASCII digits (``"²".isdigit()`` is True,
``int("١٢")`` is 12), and ``Decimal()`` accepts ``NaN``, ``sNaN`` and ``Infinity``. Each such
value used to reach a query or a comparison and answer 500. Views parse through here and
turn ``None`` into a form error.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_ID = 2**63 - 1  # PostgreSQL bigint
_ID = re.compile(r"[0-9]{1,19}")
_AMOUNT = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,2})?")


def parse_id(value) -> int | None:
    """A positive database id from ASCII digits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if 0 < number <= MAX_ID else None


def parse_digits(value, *, max_length: int = 19) -> int | None:
    """A whole number from at most ``max_length`` ASCII digits (a header's timestamp, a
    count), else None: never ``int()`` of what ``isdigit()`` let through."""
    if not isinstance(value, str) or not (0 < len(value) <= max_length):
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def parse_amount(value) -> Decimal | None:
    """A money amount (at most 12 digits and 2 decimals) from ASCII text, else None."""
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value.strip()):
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return None


_COORDINATE = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,8})?")
_SLOT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}):([0-9]{1,19})")


def parse_coordinate(value, limit: int) -> Decimal | None:
    """A latitude (limit 90) or longitude (limit 180) in ASCII decimal degrees, else None."""
    if not isinstance(value, str) or not _COORDINATE.fullmatch(value.strip()):
        return None
    number = Decimal(value.strip())
    return number if -limit <= number <= limit else None


def parse_slot(value):
    """A slot choice "YYYY-MM-DD:<slot id>" as (slot id, date), else (None, None)."""
    import datetime

    found = _SLOT.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None:
        return None, None
    year, month, day, slot = found.groups()
    slot_id = parse_id(slot)
    try:
        date = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None, None
    return (slot_id, date) if slot_id else (None, None)
