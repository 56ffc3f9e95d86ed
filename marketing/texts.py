"""How promotions and coupons read to a shopper, in the language of the request that asks
(every function translates when called, never at import)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from config.money import money


def yuan(value) -> str:
    """An amount as promotions write it: ¥199 for whole yuan, else ¥199.50."""
    amount = Decimal(value)
    return f"¥{amount:,.0f}" if amount == amount.to_integral_value() else money(amount)


def rate_text(price_percent) -> str:
    """A percent of the price as the reader's shops write it. Chinese shops give the share
    paid in tenths (90 % → 9折, 85 % → 8.5折), English ones the share off (10% off): which
    style a language uses is itself translated."""
    percent = Decimal(price_percent)
    if pgettext("how a percent of the price is written: off or rate", "off") == "rate":
        rate = (percent / 10).normalize()
        return _("%(rate)s tenths of the price") % {"rate": f"{rate:f}"}
    return _("%(off)s%% off") % {"off": f"{(100 - percent).normalize():f}"}


def tier_text(*, threshold_kind: str, threshold, amount_off=None, price_percent=None) -> str:
    """满¥199减¥30, 满2件9折 …"""
    if threshold_kind == "pieces":
        values = {"pieces": int(threshold)}
        if amount_off is not None:
            return _("%(off)s off %(pieces)d or more") % {**values, "off": yuan(amount_off)}
        return _("%(rate)s on %(pieces)d or more") % {**values, "rate": rate_text(price_percent)}
    values = {"threshold": yuan(threshold)}
    if amount_off is not None:
        return _("%(off)s off orders of %(threshold)s") % {**values, "off": yuan(amount_off)}
    return _("%(rate)s on orders of %(threshold)s") % {**values, "rate": rate_text(price_percent)}


def benefit_text(*, amount_off=None, price_percent=None) -> str:
    """What a tier gives: ¥30 off, 9折."""
    if amount_off is not None:
        return _("%(off)s off") % {"off": yuan(amount_off)}
    return rate_text(price_percent)


def gap_text(*, threshold_kind: str, gap, benefit: str) -> str:
    """还差¥20可减¥30: what the shopper lacks for the next tier."""
    if threshold_kind == "pieces":
        return _("Add %(n)d more for %(benefit)s") % {"n": int(gap), "benefit": benefit}
    return _("Add %(gap)s more for %(benefit)s") % {"gap": yuan(gap), "benefit": benefit}


def coupon_terms(*, kind: str, threshold, amount_off=None, price_percent=None, max_off=None):
    """What a coupon gives, in a few words: ¥10 off orders of ¥100, 9折 up to ¥50, free
    shipping; 无门槛 when it has no minimum."""
    if kind == "free_shipping":
        benefit = _("Free shipping")
    elif kind == "percent":
        benefit = rate_text(price_percent)
        if max_off:
            benefit = _("%(benefit)s, at most %(max)s") % {"benefit": benefit, "max": yuan(max_off)}
    else:
        benefit = _("%(off)s off") % {"off": yuan(amount_off)}
    if threshold and Decimal(threshold) > 0:
        return _("%(benefit)s on orders of %(threshold)s") % {
            "benefit": benefit,
            "threshold": yuan(threshold),
        }
    return _("%(benefit)s, no minimum spend") % {"benefit": benefit}


def coupon_value_text(template) -> str:
    """The coupon's face: ¥5, 9折 (10% off), free shipping."""
    if template.kind == "free_shipping":
        return _("Free shipping")
    if template.kind == "percent":
        return rate_text(template.price_percent)
    return yuan(template.amount_off)


def template_terms(template) -> str:
    """What a coupon template gives, from its fields (coupon_terms)."""
    return coupon_terms(
        kind=template.kind,
        threshold=template.threshold,
        amount_off=template.amount_off,
        price_percent=template.price_percent,
        max_off=template.max_off,
    )


def scope_text(template) -> str:
    """What a template's coupons apply to: all products, or the chosen categories or
    products by name (its M2M prefetched), and what is left out."""
    if template.scope == "categories":
        names = "、".join(c.name for c in template.categories.all())
        text = _("Only %(names)s") % {"names": names}
    elif template.scope == "products":
        products = list(template.products.all())
        text = _("Only %(names)s") % {"names": "、".join(p.name for p in products[:3])}
        if len(products) > 3:
            text = _("%(text)s and %(n)d more") % {"text": text, "n": len(products) - 3}
    else:
        text = _("All products")
    if template.excluded_products.all():
        text = _("%(text)s, except %(names)s") % {
            "text": text,
            "names": "、".join(p.name for p in template.excluded_products.all()),
        }
    return text


REASONS = {
    "not_yet": lambda: _("Not usable yet"),
    "no_items": lambda: _("None of these items qualify"),
    "below_threshold": lambda: _("Below the minimum spend"),
    "nothing_off": lambda: _("Nothing to take off"),
    "held": lambda: _("Held by an unpaid order"),
}


def reason_text(reason: str, gap=None) -> str:
    if reason == "below_threshold" and gap:
        return _("Spend %(gap)s more to use it") % {"gap": yuan(gap)}
    return REASONS[reason]()


def member_label(level_name: str) -> str:
    """A member discount as the quote names it: 金卡会员价."""
    return _("%(level)s member price") % {"level": level_name}


def points_label(points: int) -> str:
    """Points paying part of an order: 积分抵扣（300积分）."""
    return _("Points (%(points)s points)") % {"points": points}


def points_units_text(unit: int) -> str:
    return _("Points are used in units of %(unit)s.") % {"unit": unit}


def points_most_text(most: int) -> str:
    if not most:
        return _("No points can be used for this order.")
    return _("At most %(most)s points can be used for this order.") % {"most": most}
