"""The price engine: every price the shop shows or charges (the cart, checkout, the order, the
API's quote) comes out of ``price_quote``.

A quote runs registered stages in a fixed order, each seeing what the ones before did:

    item price (the line's: the SKU's, or a flash-sale price)
    → member price → limited-time discount → 满减/满折 → coupon → points → shipping → total

The engine knows no promotion or coupon: the apps above (``marketing``) register their stages
at startup (``register_stage``), the way ``seckill`` registers its stock source, so nothing
here imports them. A stage reads what it needs and records each discount on the quote; it
never writes. What must be written when an order is made from the quote (holding a coupon)
a stage leaves in ``quote.holds``, run by checkout in the order's transaction.

Money is Decimal yuan at the edges and whole fen inside every split: a discount on several
lines is split in proportion to what each line still costs (``allocate``), so the lines'
shares sum exactly to the discount and a refund pays back exactly what a line cost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum

from django.utils import timezone

from carts.pricing.money import allocate, from_fen, to_fen

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
# The coupon stage picks the best coupon that applies (the cart, checkout's first look).
AUTO = "auto"
# The points stage uses as many of the shopper's points as the rules allow.
ALL_POINTS = "all"
# What the goods of a quote cost at least, whatever the discounts: one fen.
MIN_ITEMS_FEN = 1


class Stage(IntEnum):
    ITEM = 10  # the line's own price: the SKU's, a flash-sale or group price
    MEMBER = 20  # member prices
    LIMITED_TIME = 30  # 限时折扣
    PROMOTION = 40  # 满减 / 满折
    COUPON = 50
    POINTS = 60  # points spent at checkout
    SHIPPING = 70


ITEMS = "items"
SHIPPING = "shipping"


@dataclass
class PriceLine:
    """One line being priced. ``unit_price`` is the item-price stage's answer (the SKU's
    price, or the price a flash sale sells it at); ``list_price`` the SKU's usual price, shown
    struck through. A line that is not ``discountable`` (a flash-sale unit) takes no further
    discount."""

    sku_id: int
    product_id: int
    category_path: str
    quantity: int
    unit_price: Decimal
    list_price: Decimal
    discountable: bool = True
    stock_source: str = ""
    # What each discount took off this line: {discount source: amount}.
    discounts: dict[str, Decimal] = field(default_factory=dict)
    # Cleared by a promotion that does not combine with coupons.
    coupon_allowed: bool = True
    # The price a limited-time discount sells it at (None: none applies), per unit.
    sale_unit_price: Decimal | None = None
    # How its freight is charged: the product's shipping template (None: the default) and
    # what a unit weighs (kg).
    shipping_template_id: int | None = None
    weight: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def discount(self) -> Decimal:
        return sum(self.discounts.values(), ZERO)

    @property
    def net(self) -> Decimal:
        """What the line costs after every discount so far."""
        return self.gross - self.discount

    def in_category(self, paths) -> bool:
        """Whether the line's product sits in one of the category ``paths`` or below."""
        return any(self.category_path == p or self.category_path.startswith(p + "/") for p in paths)


@dataclass
class Discount:
    """One discount of a quote, with its share of each line (by index in ``quote.lines``) or,
    for shipping, of the shipping fee."""

    source: str  # unique within a quote and an order: "promotion:3", "coupon:17"
    stage: int
    kind: str  # limited_time, promotion, coupon, points …
    label: str  # as the shopper reads it ("满199减30"), in their language
    amount: Decimal
    target: str = ITEMS
    lines: dict[int, Decimal] = field(default_factory=dict)
    details: dict = field(default_factory=dict)  # JSON-safe: ids, the tier met …


@dataclass
class Quote:
    lines: list[PriceLine]
    user: object = None
    now: datetime = field(default_factory=timezone.now)
    # The coupon the shopper chose: a coupon id, None for none, AUTO for the best.
    coupon: object = AUTO
    # The points the shopper uses: None or 0 for none, a number, or ALL_POINTS.
    points: object = None
    # Where the order goes: an address with its region_code (None: no address yet, the
    # shipping stage estimates by each template's own charge).
    address: object = None
    # A pickup point the shopper collects the order at (its ``fee`` instead of shipping).
    pickup: object = None
    # A local delivery area the shop delivers the order in itself (its ``fee``, free from
    # its ``free_over_amount``) in a time slot.
    local: object = None
    # A fee the caller fixes (None: the shipping stage works it out).
    shipping_override: Decimal | None = None
    discounts: list[Discount] = field(default_factory=list)
    shipping_fee: Decimal = ZERO
    # Shipping waived by an earlier stage (a free-shipping coupon), applied by the shipping
    # stage once the fee is known: (source, kind, label, details).
    shipping_waivers: list[tuple[str, str, str, dict]] = field(default_factory=list)
    # What the pages say beside the figures: the gap to the next tier, why a line takes no
    # discount … each a dict with a "kind" and its values (rendered in the reader's language).
    hints: list[dict] = field(default_factory=list)
    # The coupon stage's view of the shopper's coupons: which apply (and what each takes
    # off), which do not and why; the one chosen.
    coupons: list[dict] = field(default_factory=list)
    coupon_chosen: object = None
    # The shipping stage's view: each template's freight (delivery.freight.TemplateFreight),
    # and the indexes of lines that are not delivered to the address's region.
    freight: list = field(default_factory=list)
    undeliverable: list[int] = field(default_factory=list)
    # The points stage's view: the shopper's balance, how many points may pay how much of
    # this quote, and how many it used ({} for a visitor).
    points_offer: dict = field(default_factory=dict)
    # Writes an order made from this quote needs, run in the order's transaction with the
    # order: hold(order). One that raises rolls the order back.
    holds: list[Callable] = field(default_factory=list)
    # What each stage read before the quote (``price_prepare``), by stage name.
    prepared: dict = field(default_factory=dict)

    # --- recording discounts --------------------------------------------------------------

    def discount_lines(
        self,
        *,
        source: str,
        stage: int,
        kind: str,
        label: str,
        indexes: list[int],
        amount: Decimal,
        details: dict | None = None,
    ) -> Discount | None:
        """Take ``amount`` off the lines at ``indexes``, split by what each still costs, in
        fen, the remainder to the last; never more than they cost. None when it is zero."""
        indexes = sorted(indexes)
        weights = [to_fen(self.lines[i].net) for i in indexes]
        fen = min(to_fen(amount), sum(weights), self._room())
        if fen <= 0:
            return None
        parts = allocate(fen, weights)
        # A line whose share rounds down to nothing has no share (no zero rows).
        shares = {i: from_fen(p) for i, p in zip(indexes, parts, strict=True) if p > 0}
        return self._record(source, stage, kind, label, shares, details)

    def discount_each_line(
        self,
        *,
        source: str,
        stage: int,
        kind: str,
        label: str,
        amounts: dict[int, Decimal],
        details: dict | None = None,
    ) -> Discount | None:
        """Take exact amounts off single lines (a limited-time price: the saving per unit
        times the quantity), each capped at what the line still costs."""
        room = from_fen(self._room())
        shares = {}
        for i, a in sorted(amounts.items()):
            share = min(a, self.lines[i].net, room)
            if share > 0:
                shares[i] = share
                room -= share
        if not shares:
            return None
        return self._record(source, stage, kind, label, shares, details)

    def _room(self) -> int:
        """Fen the items may still lose: never all of it, so no order comes to ¥0 for its
        goods however discounts stack (a gateway takes no ¥0 payment)."""
        return max(to_fen(self.items_net) - MIN_ITEMS_FEN, 0)

    def _record(self, source, stage, kind, label, shares, details) -> Discount:
        if any(d.source == source for d in self.discounts):
            raise ValueError(f"discount {source} recorded twice")
        for i, share in shares.items():
            self.lines[i].discounts[source] = share
        discount = Discount(
            source=source,
            stage=stage,
            kind=kind,
            label=label,
            amount=sum(shares.values(), ZERO),
            lines=shares,
            details=details or {},
        )
        self.discounts.append(discount)
        return discount

    def waive_shipping(self, *, source: str, kind: str, label: str, details: dict | None = None):
        self.shipping_waivers.append((source, kind, label, details or {}))

    def discount_shipping(
        self, *, source: str, stage: int, kind: str, label: str, amount: Decimal, details=None
    ) -> Discount | None:
        amount = min(amount, self.shipping_fee - self.shipping_discount)
        if amount <= 0:
            return None
        discount = Discount(
            source=source,
            stage=stage,
            kind=kind,
            label=label,
            amount=amount,
            target=SHIPPING,
            details=details or {},
        )
        self.discounts.append(discount)
        return discount

    # --- figures ---------------------------------------------------------------------------

    @property
    def items_amount(self) -> Decimal:
        """The lines at their item prices."""
        return sum((line.gross for line in self.lines), ZERO)

    @property
    def items_discount(self) -> Decimal:
        return sum((d.amount for d in self.discounts if d.target == ITEMS), ZERO)

    @property
    def items_net(self) -> Decimal:
        """What the lines cost after every discount on them (free-shipping thresholds and
        coupon thresholds after promotions look at this)."""
        return self.items_amount - self.items_discount

    @property
    def goods_net(self) -> Decimal:
        """What the lines cost after their discounts but before points: points pay for the
        goods rather than make them cheaper, so using them never loses free shipping."""
        paid_by_points = sum(
            (d.amount for d in self.discounts if d.target == ITEMS and d.stage >= Stage.POINTS),
            ZERO,
        )
        return self.items_net + paid_by_points

    def line_goods_net(self, index: int) -> Decimal:
        """What line ``index`` costs after its discounts, before points (``goods_net`` of
        one line: what a free-shipping threshold of its template looks at)."""
        line = self.lines[index]
        by_points = sum(
            (
                d.lines.get(index, ZERO)
                for d in self.discounts
                if d.target == ITEMS and d.stage >= Stage.POINTS
            ),
            ZERO,
        )
        return line.net + by_points

    @property
    def shipping_discount(self) -> Decimal:
        return sum((d.amount for d in self.discounts if d.target == SHIPPING), ZERO)

    @property
    def discount_amount(self) -> Decimal:
        """Everything taken off: the items' discounts and shipping waived (已优惠)."""
        return self.items_discount + self.shipping_discount

    @property
    def total(self) -> Decimal:
        return self.items_amount + self.shipping_fee - self.discount_amount

    def lines_where(self, check: Callable[[PriceLine], bool]) -> list[int]:
        """Indexes of the discountable lines that pass ``check`` and still cost something."""
        return [
            i
            for i, line in enumerate(self.lines)
            if line.discountable and line.net > 0 and check(line)
        ]


# --- the stages ---------------------------------------------------------------------------

_stages: dict[str, tuple[int, Callable[[Quote], None]]] = {}
_prepares: dict[str, Callable[..., object]] = {}


def register_stage(
    stage: int,
    name: str,
    apply: Callable[[Quote], None],
    prepare: Callable[..., object] | None = None,
) -> None:
    """Run ``apply(quote)`` at ``stage`` in every quote (again under the same name replaces
    it, so an app's ready() may run twice). ``prepare(user=, coupon=, now=)`` reads what the
    stage needs (rules, the shopper's coupons) into ``quote.prepared[name]``: checkout calls
    it before it takes any row lock, so the locked part of an order runs no read of these."""
    _stages[name] = (int(stage), apply)
    if prepare is not None:
        _prepares[name] = prepare
    else:
        _prepares.pop(name, None)


def registered_stages() -> list[tuple[int, str]]:
    return sorted((stage, name) for name, (stage, _apply) in _stages.items())


def price_prepare(*, user=None, coupon=AUTO, now: datetime | None = None) -> dict:
    """What the stages read before a quote, for ``price_quote(prepared=…)``."""
    user = user if getattr(user, "is_authenticated", False) else None
    now = now or timezone.now()
    return {
        name: prepare(user=user, coupon=coupon, now=now)
        for name, prepare in _prepares.items()
        if name in _stages
    } | {"_now": now}


def price_quote(
    *,
    lines: list[PriceLine],
    user=None,
    coupon=AUTO,
    points=None,
    address=None,
    pickup=None,
    local=None,
    shipping: Decimal | None = None,
    now: datetime | None = None,
    prepared: dict | None = None,
) -> Quote:
    """Price ``lines`` through every registered stage in order; reads only (nothing at all
    given what ``price_prepare`` read for the same user and coupon)."""
    if prepared is None:
        prepared = price_prepare(user=user, coupon=coupon, now=now)
    quote = Quote(
        lines=lines,
        user=user if getattr(user, "is_authenticated", False) else None,
        now=now or prepared["_now"],
        coupon=coupon,
        points=points,
        address=address,
        pickup=pickup,
        local=local,
        shipping_override=shipping,
        prepared=prepared,
    )
    for _stage, name in registered_stages():
        _stages[name][1](quote)
    return quote
