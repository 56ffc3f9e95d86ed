"""Shipping fee rule, shared by the cart totals and checkout."""

from decimal import Decimal

from django.conf import settings


def shipping_fee(items_amount: Decimal) -> Decimal:
    """Free at or above ORDER_FREE_SHIPPING_THRESHOLD, else ORDER_SHIPPING_FEE; nothing to ship,
    no fee."""
    if items_amount <= 0:
        return Decimal("0.00")
    if items_amount >= settings.ORDER_FREE_SHIPPING_THRESHOLD:
        return Decimal("0.00")
    return settings.ORDER_SHIPPING_FEE


def free_shipping_gap(items_amount: Decimal) -> Decimal:
    """How much more the items must come to for free shipping; 0 when already free or empty."""
    if items_amount <= 0 or shipping_fee(items_amount) == 0:
        return Decimal("0.00")
    return settings.ORDER_FREE_SHIPPING_THRESHOLD - items_amount
