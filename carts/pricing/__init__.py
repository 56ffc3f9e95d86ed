"""The price engine (``engine``), its money helpers (``money``) and the stage carts owns
(``shipping``); ``marketing`` registers the promotion and coupon stages."""

from carts.pricing.engine import (
    ALL_POINTS,
    AUTO,
    ITEMS,
    SHIPPING,
    Discount,
    PriceLine,
    Quote,
    Stage,
    price_prepare,
    price_quote,
    register_stage,
    registered_stages,
)
from carts.pricing.lines import price_line
from carts.pricing.money import allocate, from_fen, round_fen, to_fen
from carts.pricing.shipping import quote_freight, shipping_estimate

__all__ = [
    "ALL_POINTS",
    "AUTO",
    "ITEMS",
    "SHIPPING",
    "Discount",
    "PriceLine",
    "Quote",
    "Stage",
    "allocate",
    "from_fen",
    "price_line",
    "price_prepare",
    "price_quote",
    "quote_freight",
    "register_stage",
    "registered_stages",
    "round_fen",
    "shipping_estimate",
    "to_fen",
]
