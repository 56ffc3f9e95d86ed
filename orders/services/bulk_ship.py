"""Shipping many orders from one file (批量发货): a CSV or XLSX of order number, carrier and
tracking number. Each row ships through ``order_ship`` in its own transaction: a row either
ships its order whole or changes nothing, and every refused row is reported with its number
and why."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exceptions import ApplicationError
from config.uploads import upload_rows
from orders.carriers import CARRIERS
from orders.forms import TRACKING_NO
from orders.models import Order
from orders.services.lifecycle import order_ship

MAX_ROWS = 2000
COLUMNS = {
    "order_no": gettext_lazy("order number"),
    "carrier": gettext_lazy("carrier"),
    "tracking_no": gettext_lazy("tracking number"),
}


@dataclass
class RowOutcome:
    row: int  # as the spreadsheet numbers it: the header is row 1
    order_no: str
    shipped: bool
    message: str = ""


def _headers() -> dict[str, str]:
    """Every name a column goes by: its own, and its label in each language."""
    lookup = {column: column for column in COLUMNS}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lookup |= {str(label).lower(): column for column, label in COLUMNS.items()}
    return lookup


def carrier_code(text: str) -> str:
    """A carrier as merchants write it: its code (SF), its name in either language (顺丰速运,
    SF Express) for the listed ones; any other name is kept as it is (极兔速递)."""
    text = text.strip()
    if text.upper() in CARRIERS:
        return text.upper()
    for code, (label, _company) in CARRIERS.items():
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if text.lower() == str(label).lower():
                    return code
    return text[:50]


def orders_ship_from_file(*, upload, actor) -> list[RowOutcome]:
    """Ship each row's order; the outcome of every row, in the file's order."""
    rows = upload_rows(upload, max_rows=MAX_ROWS)
    if not rows:
        raise ValidationError(_("The file has no rows."))
    lookup = _headers()
    header = [lookup.get(name.strip().lower(), "") for name in rows[0]]
    missing = [str(COLUMNS[c]) for c in COLUMNS if c not in header]
    if missing:
        raise ValidationError(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    at = {column: header.index(column) for column in COLUMNS}
    seen: set[str] = set()
    outcomes = []
    for number, row in enumerate(rows[1:], start=2):
        values = {c: (row[i] if i < len(row) else "").strip() for c, i in at.items()}
        outcomes.append(_ship_row(number, values, seen, actor))
    return outcomes


def _ship_row(number: int, values: dict, seen: set, actor) -> RowOutcome:
    order_no = re.sub(r"\s", "", values["order_no"])[:32]
    tracking_no = values["tracking_no"].replace(" ", "")
    refuse = lambda message: RowOutcome(number, order_no, False, str(message))  # noqa: E731
    if not order_no:
        return refuse(_("No order number."))
    if order_no in seen:
        return refuse(_("This order is in the file twice."))
    seen.add(order_no)
    if not values["carrier"]:
        return refuse(_("No carrier."))
    if not TRACKING_NO.fullmatch(tracking_no):
        return refuse(_("The tracking number takes 4 to 64 letters, digits or dashes."))
    order_id = Order.objects.filter(order_no=order_no).values_list("pk", flat=True).first()
    if order_id is None:
        return refuse(_("No such order."))
    try:
        order_ship(
            order_id=order_id,
            carrier=carrier_code(values["carrier"]),
            tracking_no=tracking_no,
            actor=actor,
        )
    except ApplicationError as exc:
        return refuse(exc.message)
    except ValidationError as exc:
        return refuse(" ".join(exc.messages))
    return RowOutcome(number, order_no, True)


def ship_template_rows(orders) -> list[list]:
    """The file to fill in: the header in the reader's language and a row for each order
    given (its number as text, so Excel keeps all its digits)."""
    from config.csvexport import Text

    return [
        [str(label) for label in COLUMNS.values()],
        *([Text(order.order_no), "", ""] for order in orders),
    ]
