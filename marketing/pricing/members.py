"""The member and points stages of the price engine (carts.pricing), registered at startup.

- Member price (会员价), before limited-time prices and promotions: the shopper's level takes
  its percent off every discountable line (rounded to the fen, half up). A limited-time price
  then applies only where it is lower than the member price (the better of the two, never
  both).
- Points (积分抵现), after the coupon: the shopper may pay with points, in whole units of
  the rules' points for ¥1, up to the rules' share of what the goods cost after every other
  discount and never below a fen; the points are split across the lines like any discount,
  so a refund gives back exactly a line's share. The order holds them when it is made.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from carts.pricing import ALL_POINTS, Quote, Stage, round_fen, to_fen
from marketing import texts
from marketing.errors import NotEnoughPoints, PointsNotUsable
from marketing.pricing.promotions import _prepared
from marketing.selectors.members import member_level_of, member_rules, points_balance

ZERO = Decimal("0.00")


# --- 会员价 --------------------------------------------------------------------------------


def member_prepare(*, user, coupon, now):
    return member_level_of(user) if user is not None else None


def member_price(level, price: Decimal) -> Decimal | None:
    """What a unit at ``price`` costs a member of ``level``; None without a discount."""
    if level is None or not level.discount_percent:
        return None
    return price - round_fen(price * level.discount_percent / 100)


def member_stage(quote: Quote) -> None:
    level = _prepared(quote, "member", member_prepare)
    if level is None or not level.discount_percent:
        return
    indexes = quote.lines_where(lambda line: True)
    amounts = {i: round_fen(quote.lines[i].net * level.discount_percent / 100) for i in indexes}
    quote.discount_each_line(
        source=f"member:{level.id}",
        stage=Stage.MEMBER,
        kind="member",
        label=texts.member_label(level.name),
        amounts=amounts,
        details={"level": level.id, "percent": f"{level.discount_percent.normalize():f}"},
    )


# --- 积分抵现 ------------------------------------------------------------------------------


def points_prepare(*, user, coupon, now):
    """The rules and the shopper's usable points, read before any lock."""
    if user is None:
        return None
    return member_rules(), points_balance(user)[0]


def _whole_yuan(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def points_stage(quote: Quote) -> None:
    prepared = _prepared(quote, "points", points_prepare)
    if prepared is None:
        return
    rules, balance = prepared
    unit = rules.points_per_yuan_off
    indexes = quote.lines_where(lambda line: True)
    base = sum((quote.lines[i].net for i in indexes), ZERO)
    # Whole yuan, within the share and the fen the goods must still cost.
    cap = min(
        _whole_yuan(base * rules.points_max_percent / 100),
        (to_fen(quote.items_net) - 1) // 100,
    )
    most = max(min(balance // unit, cap), 0)
    offer = {
        "balance": balance,
        "points_per_yuan_off": unit,
        "max_percent": rules.points_max_percent,
        "max_points": most * unit,
        "max_value": Decimal(most).quantize(Decimal("0.01")),
        "points": 0,
        "value": ZERO,
    }
    quote.points_offer = offer
    asked = quote.points
    if not asked:
        return
    units = most if asked == ALL_POINTS else _units_asked(asked, unit=unit, most=most)
    if not units:
        return
    discount = quote.discount_lines(
        source="points",
        stage=Stage.POINTS,
        kind="points",
        label=texts.points_label(units * unit),
        indexes=indexes,
        amount=Decimal(units),
        details={"points": units * unit},
    )
    if discount is None:
        return
    points = units * unit
    offer |= {"points": points, "value": discount.amount}
    user = quote.user

    def hold(order, points=points):
        from marketing.models import PointsReason
        from marketing.services.points import points_spend

        try:
            points_spend(
                user_id=user.pk,
                amount=points,
                reason=PointsReason.ORDER_SPENT,
                reference=order.order_no,
            )
        except NotEnoughPoints as exc:  # spent meanwhile: the order rolls back
            raise NotEnoughPoints(errors={"points": [exc.message]}) from None

    quote.holds.append(hold)


def _units_asked(asked, *, unit: int, most: int) -> int:
    """The units of ``unit`` points the shopper asked to use; PointsNotUsable when the
    number is not whole units or more than may be used."""
    try:
        points = int(asked)
    except (TypeError, ValueError):
        points = -1
    if points < 0 or points % unit:
        raise PointsNotUsable(
            texts.points_units_text(unit),
            errors={"points": [texts.points_units_text(unit)]},
        )
    if points // unit > most:
        message = texts.points_most_text(most * unit)
        raise PointsNotUsable(message, errors={"points": [message]})
    return points // unit
