"""How money is written for people: ¥30,800.00 (sign, thousands separators, two decimals)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CURRENCY_SIGN = "¥"


def money(value, *, sign: bool = True) -> str:
    """Format an amount; '' for None or anything that is not a finite number."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    if not amount.is_finite():
        return ""
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    if not sign:
        return text
    return f"-{CURRENCY_SIGN}{text[1:]}" if text.startswith("-") else f"{CURRENCY_SIGN}{text}"
