"""The promotion and coupon stages of the price engine (carts.pricing), registered at startup:

- limited-time prices (限时折扣): each line at the lowest running price for its SKU (where
  that is below what a member price made it);
- 满减 / 满折: each line counts toward at most one promotion, the one that takes off most,
  its best tier met by what the lines cost after limited-time prices; the next tier's gap
  is a hint;
- the coupon: one per order, on what is left after promotions, the best by default.

Thresholds compare Decimals exactly: ¥999.50 does not reach 满1000. A percent is rounded to
the fen, half up. Flash-sale lines take none of these (the engine leaves them out).
"""

from __future__ import annotations

from decimal import Decimal

from carts.pricing import AUTO, Quote, Stage, round_fen, shipping_estimate
from marketing import texts
from marketing.errors import CouponNotFound, CouponNotUsable
from marketing.models import CouponKind, CouponStatus, ThresholdKind, UserCoupon
from marketing.selectors import (
    coupon_scope,
    coupons_usable,
    limited_time_rules,
    template_scopes,
    threshold_rules,
)

ZERO = Decimal("0.00")


def _percent_of(amount: Decimal, price_percent) -> Decimal:
    return round_fen(amount * Decimal(price_percent) / 100)


# --- 限时折扣 --------------------------------------------------------------------------------


def sale_price(rules, product_id: int, sku_id: int, price: Decimal):
    """(the lowest running limited-time price for the SKU, its rule), or None when none is
    below ``price``."""
    best = None
    for rule in rules:
        for item in rule.items:
            if item.product_id != product_id or item.sku_id not in (None, sku_id):
                continue
            sale = item.price if item.price is not None else _percent_of(price, item.price_percent)
            if sale < price and (best is None or sale < best[0]):
                best = (sale, rule)
    return best


def limited_time_prepare(*, user, coupon, now):
    return limited_time_rules(now=now)


def threshold_prepare(*, user, coupon, now):
    return [r for r in threshold_rules(now=now) if r.tiers]


def coupon_prepare(*, user, coupon, now):
    """The shopper's usable coupons, with their templates' scopes (read before any lock)."""
    if user is None or coupon is None:
        return []
    # An order names its coupon: only that one is read and priced. The cart and checkout's
    # first look (AUTO) weigh them all.
    mine = coupons_usable(user=user, now=now, only=None if coupon == AUTO else coupon)
    scopes = template_scopes()
    return [(c, scopes.get(c.template_id) or coupon_scope(c.template)) for c in mine]


def _prepared(quote: Quote, name: str, prepare):
    if name in quote.prepared:
        return quote.prepared[name]
    return prepare(user=quote.user, coupon=quote.coupon, now=quote.now)


def limited_time_stage(quote: Quote) -> None:
    candidates = quote.lines_where(lambda line: True)
    if not candidates:
        return
    rules = _prepared(quote, "limited_time", limited_time_prepare)
    if not rules:
        return
    best: dict[int, tuple[Decimal, object]] = {}  # line index → (sale unit price, rule)
    for i in candidates:
        line = quote.lines[i]
        found = sale_price(rules, line.product_id, line.sku_id, line.unit_price)
        if found is not None:
            best[i] = found
    by_rule: dict[int, tuple[object, dict[int, Decimal]]] = {}
    for i, (sale, rule) in best.items():
        # Down to the sale price from what the line costs so far: a member price lower than
        # the sale price keeps the line (the better of the two, never both).
        saving = quote.lines[i].net - sale * quote.lines[i].quantity
        if saving > 0:
            by_rule.setdefault(rule.id, (rule, {}))[1][i] = saving
    for rule, amounts in by_rule.values():
        discount = quote.discount_each_line(
            source=f"promotion:{rule.id}",
            stage=Stage.LIMITED_TIME,
            kind="limited_time",
            label=rule.name,
            amounts=amounts,
            details={"promotion": rule.id, "ends_at": rule.ends_at.isoformat()},
        )
        if discount is None:
            continue
        for i in discount.lines:
            line = quote.lines[i]
            line.sale_unit_price = best[i][0]
            if not rule.combines_with_coupons:
                line.coupon_allowed = False


# --- 满减 / 满折 ------------------------------------------------------------------------------


def _measure(quote: Quote, rule, indexes: list[int]) -> Decimal:
    if rule.threshold_kind == ThresholdKind.PIECES:
        return Decimal(sum(quote.lines[i].quantity for i in indexes))
    return sum((quote.lines[i].net for i in indexes), ZERO)


def _tier_value(rule, tier, base: Decimal) -> Decimal:
    if tier.amount_off is not None:
        return min(tier.amount_off, base)
    return base - _percent_of(base, tier.price_percent)


def _tier_text(rule, tier) -> str:
    return texts.tier_text(
        threshold_kind=rule.threshold_kind,
        threshold=tier.threshold,
        amount_off=tier.amount_off,
        price_percent=tier.price_percent,
    )


def _best_tier(quote: Quote, rule, indexes: list[int]):
    """(tier, value) of the best tier met, or (None, 0)."""
    measure = _measure(quote, rule, indexes)
    base = sum((quote.lines[i].net for i in indexes), ZERO)
    best, value = None, ZERO
    for tier in rule.tiers:
        if measure >= tier.threshold:
            worth = _tier_value(rule, tier, base)
            if worth > value:
                best, value = tier, worth
    return best, value


def promotion_stage(quote: Quote) -> None:
    candidates = quote.lines_where(lambda line: True)
    if not candidates:
        return
    rules = _prepared(quote, "promotions", threshold_prepare)
    owner: dict[int, int] = {}  # line index → the promotion it counts toward
    left = list(rules)
    while left:
        chosen = None
        for rule in left:
            indexes = [
                i for i in candidates if i not in owner and rule.scope.covers(quote.lines[i])
            ]
            if not indexes:
                continue
            tier, value = _best_tier(quote, rule, indexes)
            if tier is not None and (chosen is None or value > chosen[3]):
                chosen = (rule, indexes, tier, value)
        if chosen is None:
            break
        rule, indexes, tier, value = chosen
        discount = quote.discount_lines(
            source=f"promotion:{rule.id}",
            stage=Stage.PROMOTION,
            kind="promotion",
            label=rule.name,
            indexes=indexes,
            amount=value,
            details={"promotion": rule.id, "tier": _tier_text(rule, tier)},
        )
        left.remove(rule)
        if discount is None:
            continue
        owner |= dict.fromkeys(indexes, rule.id)
        if not rule.combines_with_coupons:
            for i in indexes:
                quote.lines[i].coupon_allowed = False
    for rule in rules:
        mine = [
            i
            for i in candidates
            if owner.get(i, rule.id) == rule.id and rule.scope.covers(quote.lines[i])
        ]
        _next_tier_hint(quote, rule, mine)


def _next_tier_hint(quote: Quote, rule, indexes: list[int]) -> None:
    """还差¥20可减¥30: the lowest tier above what the lines come to (before this stage's own
    discounts, as the threshold counts them)."""
    if not indexes:
        return
    measure = _measure(quote, rule, indexes)
    source = f"promotion:{rule.id}"
    if rule.threshold_kind == ThresholdKind.AMOUNT:
        measure += sum((quote.lines[i].discounts.get(source, ZERO) for i in indexes), ZERO)
    above = [t for t in rule.tiers if t.threshold > measure]
    if not above:
        return
    tier = above[0]
    benefit = _tier_text(rule, tier)
    quote.hints.append(
        {
            "kind": "next_tier",
            "promotion": rule.id,
            "name": rule.name,
            "gap": tier.threshold - measure,
            "tier": benefit,
            "text": texts.gap_text(
                threshold_kind=rule.threshold_kind,
                gap=tier.threshold - measure,
                benefit=texts.benefit_text(
                    amount_off=tier.amount_off, price_percent=tier.price_percent
                ),
            ),
        }
    )


# --- the coupon ----------------------------------------------------------------------------


def coupon_value(quote: Quote, coupon: UserCoupon, scope) -> dict:
    """What ``coupon`` (applying to ``scope``) would take off the quote as it stands:
    {value, indexes} when it applies, else {reason, gap}."""
    template = coupon.template
    if coupon.valid_from > quote.now:
        return {"reason": "not_yet"}
    indexes = quote.lines_where(lambda line: line.coupon_allowed and scope.covers(line))
    if not indexes:
        return {"reason": "no_items"}
    base = sum((quote.lines[i].net for i in indexes), ZERO)
    if base < template.threshold:
        return {"reason": "below_threshold", "gap": template.threshold - base}
    if template.kind == CouponKind.FREE_SHIPPING:
        value = shipping_estimate(quote)
    elif template.kind == CouponKind.PERCENT:
        value = base - _percent_of(base, template.price_percent)
        if template.max_off is not None:
            value = min(value, template.max_off)
    else:
        value = min(template.amount_off, base)
    if value <= 0:
        return {"reason": "nothing_off"}
    return {"value": value, "indexes": indexes}


def _coupon_row(coupon: UserCoupon, outcome: dict) -> dict:
    template = coupon.template
    return {
        "id": coupon.pk,
        "name": template.name,
        "kind": template.kind,
        "terms": texts.template_terms(template),
        "valid_until": coupon.valid_until,
        "usable": "value" in outcome,
        "value": outcome.get("value", ZERO),
        "reason": outcome.get("reason", ""),
        "reason_text": texts.reason_text(outcome["reason"], outcome.get("gap"))
        if "reason" in outcome
        else "",
        "gap": outcome.get("gap"),
    }


def coupon_stage(quote: Quote) -> None:
    if quote.user is None or quote.coupon is None:
        return
    prepared = _prepared(quote, "coupon", coupon_prepare)
    mine = [c for c, _scope in prepared]
    outcomes = {c.pk: coupon_value(quote, c, scope) for c, scope in prepared}
    quote.coupons = [_coupon_row(coupon, outcomes[coupon.pk]) for coupon in mine]
    if quote.coupon == AUTO:
        usable = [c for c in mine if "value" in outcomes[c.pk]]
        # The most off; of equals, the one ending soonest (the list is in that order).
        chosen = max(usable, key=lambda c: outcomes[c.pk]["value"], default=None)
        if chosen is None:
            return
    else:
        chosen = next((c for c in mine if c.pk == quote.coupon), None)
        if chosen is None:
            _refuse_coupon(quote)
        outcome = outcomes[chosen.pk]
        if "value" not in outcome:
            raise CouponNotUsable(
                texts.reason_text(outcome["reason"], outcome.get("gap")),
                errors={"coupon_id": [texts.reason_text(outcome["reason"], outcome.get("gap"))]},
            )
    _apply_coupon(quote, chosen, outcomes[chosen.pk])


def _refuse_coupon(quote: Quote):
    """A coupon id that is not among the shopper's usable ones: someone else's (or none) is
    not found; their own is used, held, voided or over."""
    mine = UserCoupon.objects.filter(pk=quote.coupon, user=quote.user).first()
    if mine is None:
        raise CouponNotFound(errors={"coupon_id": [str(CouponNotFound.default_message)]})
    held = mine.status == CouponStatus.HELD
    reason = texts.reason_text("held") if held else str(CouponNotUsable.default_message)
    raise CouponNotUsable(reason, errors={"coupon_id": [reason]})


def _apply_coupon(quote: Quote, coupon: UserCoupon, outcome: dict) -> None:
    template = coupon.template
    source = f"coupon:{template.pk}"
    details = {"coupon": coupon.pk, "template": template.pk}
    if template.kind == CouponKind.FREE_SHIPPING:
        quote.waive_shipping(source=source, kind="coupon", label=template.name, details=details)
    else:
        quote.discount_lines(
            source=source,
            stage=Stage.COUPON,
            kind="coupon",
            label=template.name,
            indexes=outcome["indexes"],
            amount=outcome["value"],
            details=details,
        )
    quote.coupon_chosen = coupon.pk
    user = quote.user

    def hold(order, coupon_id=coupon.pk):
        from marketing.services.coupons import coupon_hold

        coupon_hold(coupon_id=coupon_id, user=user, order=order)

    quote.holds.append(hold)
