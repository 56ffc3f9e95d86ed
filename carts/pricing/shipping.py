"""The shipping stage: each shipping template's lines charged together, once, by the rule of
the address's region (``delivery``); free where the template's rule says, by what its items
cost after their discounts (points aside: paying with points never loses free shipping) or
by their pieces. Without an address, each template's own charge: an estimate."""

from __future__ import annotations

from decimal import Decimal

from carts.pricing.engine import Quote, Stage
from carts.pricing.money import from_fen, split, to_fen
from delivery.freight import Item, TemplateFreight, freight
from delivery.selectors import shipping_table

ZERO = Decimal("0.00")


def shipping_prepare(**_kwargs):
    """The templates, read before checkout takes its row locks."""
    return shipping_table()


def quote_freight(quote: Quote) -> list[TemplateFreight]:
    """Each template's freight for the quote as it stands."""
    table = quote.prepared.get("shipping") or shipping_table()
    region = getattr(quote.address, "region_code", "") or ""
    items = [
        Item(
            index=i,
            template_id=line.shipping_template_id,
            quantity=line.quantity,
            weight=line.weight,
            amount=quote.line_goods_net(i),
        )
        for i, line in enumerate(quote.lines)
    ]
    return freight(items, region, table)


def shipping_estimate(quote: Quote) -> Decimal:
    """The fee the shipping stage will charge for the quote as it stands (a free-shipping
    coupon is worth this much)."""
    if quote.shipping_override is not None:
        return quote.shipping_override
    if not quote.lines:
        return ZERO
    if quote.pickup is not None:
        return quote.pickup.fee
    if quote.local is not None:
        return _local_fee(quote)
    return sum((group.fee for group in quote_freight(quote)), ZERO)


def _local_fee(quote: Quote) -> Decimal:
    """The local area's fee, free from its amount (what the goods cost before points)."""
    area = quote.local
    if not quote.lines:
        return ZERO
    if area.free_over_amount is not None and quote.goods_net >= area.free_over_amount:
        return ZERO
    return area.fee


def shipping_stage(quote: Quote) -> None:
    if quote.shipping_override is not None:
        quote.shipping_fee = quote.shipping_override
    elif quote.pickup is not None:  # collected at a pickup point: its fee, no freight
        quote.shipping_fee = quote.pickup.fee if quote.lines else ZERO
    elif quote.local is not None:  # delivered by the shop in a slot: the area's fee
        quote.shipping_fee = _local_fee(quote)
        area = quote.local
        if quote.shipping_fee and area.free_over_amount is not None:
            gap = area.free_over_amount - quote.goods_net
            quote.hints.append({"kind": "free_shipping_gap", "gap": gap})
    else:
        quote.freight = quote_freight(quote) if quote.lines else []
        quote.shipping_fee = sum((group.fee for group in quote.freight), ZERO)
        quote.undeliverable = sorted(
            i for group in quote.freight if not group.delivers for i in group.indexes
        )
    for source, kind, label, details in quote.shipping_waivers:
        quote.discount_shipping(
            source=source,
            stage=Stage.SHIPPING,
            kind=kind,
            label=label,
            amount=quote.shipping_fee,
            details=details,
        )
    charged = [group for group in quote.freight if group.fee]
    # "Add ¥X for free shipping" only when one template charges: with two, reaching one's
    # threshold would not ship the order free.
    if quote.shipping_discount < quote.shipping_fee and len(charged) == 1 and charged[0].gap:
        quote.hints.append({"kind": "free_shipping_gap", "gap": charged[0].gap})


def shipping_shares(quote: Quote) -> dict[int, Decimal]:
    """The shipping the shopper pays (the fee less what was waived) split across the lines
    in fen, so a refund knows each line's part: each template's fee over its own lines by
    their units (pieces, or weight), then what is paid in proportion to those parts."""
    paid = to_fen(quote.shipping_fee - quote.shipping_discount)
    if not quote.lines or paid <= 0:
        return {}
    raw = [0] * len(quote.lines)
    for group in quote.freight:
        if not group.fee:
            continue
        by_weight = group.template.charge_by != "piece"
        units = [
            int(quote.lines[i].weight * 1000) * quote.lines[i].quantity
            if by_weight
            else quote.lines[i].quantity
            for i in group.indexes
        ]
        for i, part in zip(group.indexes, split(to_fen(group.fee), units), strict=True):
            raw[i] = part
    if not any(raw):  # a fee fixed by the caller (a flash sale): by quantity
        raw = [line.quantity for line in quote.lines]
    return {i: from_fen(p) for i, p in enumerate(split(paid, raw)) if p}
