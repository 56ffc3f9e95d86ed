"""The shipping stage: a flat fee, free at or above a threshold of what the items cost after
their discounts, points aside (settings ORDER_SHIPPING_FEE, ORDER_FREE_SHIPPING_THRESHOLD)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from carts.pricing.engine import Quote, Stage

ZERO = Decimal("0.00")


def shipping_fee(items_amount: Decimal) -> Decimal:
    """Free at or above ORDER_FREE_SHIPPING_THRESHOLD, else ORDER_SHIPPING_FEE; nothing to ship,
    no fee."""
    if items_amount <= 0:
        return ZERO
    if items_amount >= settings.ORDER_FREE_SHIPPING_THRESHOLD:
        return ZERO
    return settings.ORDER_SHIPPING_FEE


def free_shipping_gap(items_amount: Decimal) -> Decimal:
    """How much more the items must come to for free shipping; 0 when already free or empty."""
    if items_amount <= 0 or shipping_fee(items_amount) == 0:
        return ZERO
    return settings.ORDER_FREE_SHIPPING_THRESHOLD - items_amount


def shipping_estimate(quote: Quote) -> Decimal:
    """The fee the shipping stage will charge for the quote as it stands (a free-shipping
    coupon is worth this much)."""
    if quote.shipping_override is not None:
        return quote.shipping_override
    return shipping_fee(quote.goods_net) if quote.lines else ZERO


def shipping_stage(quote: Quote) -> None:
    quote.shipping_fee = shipping_estimate(quote)
    for source, kind, label, details in quote.shipping_waivers:
        quote.discount_shipping(
            source=source,
            stage=Stage.SHIPPING,
            kind=kind,
            label=label,
            amount=quote.shipping_fee,
            details=details,
        )
    if quote.shipping_override is None and quote.shipping_fee:
        quote.hints.append({"kind": "free_shipping_gap", "gap": free_shipping_gap(quote.goods_net)})
