"""Marketing test data: promotions and coupon templates as a merchant sets them up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from marketing.models import (
    CampaignStatus,
    CouponKind,
    CouponTemplate,
    GroupBuy,
    MemberLevel,
    MemberRules,
    Promotion,
    PromotionItem,
    PromotionKind,
    PromotionTier,
    ThresholdKind,
)
from marketing.services import member_levels_changed, member_rules_save, promotions_changed


def make_template(**fields) -> CouponTemplate:
    """By default ¥10 off orders of ¥100, one per shopper, usable for 30 days."""
    values = {
        "name": "满100减10",
        "kind": CouponKind.AMOUNT,
        "amount_off": Decimal("10.00"),
        "threshold": Decimal("100.00"),
        "valid_days": 30,
    }
    values.update(fields)
    # The shop's default language, as the admin asks for it.
    values.setdefault("name_zh_hans", values.pop("name"))
    return CouponTemplate.objects.create(**values)


def _window(fields: dict) -> dict:
    now = timezone.now()
    return {
        "starts_at": fields.pop("starts_at", now - timedelta(hours=1)),
        "ends_at": fields.pop("ends_at", now + timedelta(days=1)),
    }


def make_tiers(*tiers, threshold_kind=ThresholdKind.AMOUNT, products=(), **fields) -> Promotion:
    """满减 (amount_off) or 满折 (price_percent) tiers: (threshold, amount_off) pairs, or
    (threshold, None, price_percent)."""
    percent = any(len(t) > 2 for t in tiers)
    promotion = Promotion.objects.create(
        name_zh_hans=fields.pop("name", "满减"),
        kind=PromotionKind.PERCENT_OFF if percent else PromotionKind.AMOUNT_OFF,
        threshold_kind=threshold_kind,
        **_window(fields),
        **fields,
    )
    for tier in tiers:
        PromotionTier.objects.create(
            promotion=promotion,
            threshold=Decimal(tier[0]),
            amount_off=Decimal(tier[1]) if tier[1] is not None else None,
            price_percent=Decimal(tier[2]) if len(tier) > 2 else None,
        )
    if products:
        promotion.products.set(products)
    promotions_changed()
    return promotion


def make_limited_time(product, *, price=None, price_percent=None, sku=None, **fields):
    promotion = Promotion.objects.create(
        name=fields.pop("name", "限时折扣"),
        kind=PromotionKind.LIMITED_TIME,
        **_window(fields),
        **fields,
    )
    PromotionItem.objects.create(
        promotion=promotion,
        product=product,
        sku=sku,
        price=Decimal(price) if price is not None else None,
        price_percent=Decimal(price_percent) if price_percent is not None else None,
    )
    promotions_changed()
    return promotion


def set_rules(**fields) -> MemberRules:
    """The shop's points rules with ``fields`` changed, as the merchant saves them."""
    rules = MemberRules.objects.filter(pk=1).first() or MemberRules(pk=1)
    for name, value in fields.items():
        setattr(rules, name, value)
    member_rules_save(rules=rules, fields=list(fields))
    return rules


def make_level(name: str, growth_min: int, **fields) -> MemberLevel:
    level = MemberLevel.objects.create(name_zh_hans=name, growth_min=growth_min, **fields)
    member_levels_changed()
    return level


def make_groupbuy(sku=None, *, publish=True, **fields):
    """A 拼团 campaign on now: a ¥59.00 group price for groups of 2 with 24 hours to fill,
    10 units of a new product's SKU (price 100.00), one per shopper; published unless told."""
    from catalog.tests.factories import make_product
    from marketing.services import groupbuy_publish

    sku = (
        sku
        or make_product(
            skus=[{"stock": max(50, fields.get("allocated", 10)), "attributes": {"colour": "red"}}]
        ).skus.get()
    )
    now = timezone.now()
    data = {
        "title_zh_hans": "两人团",
        "title_en": "Team of two",
        "sku": sku,
        "group_price": Decimal("59.00"),
        "group_size": 2,
        "fill_minutes": 1440,
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=3),
        "allocated": 10,
        "per_user_limit": 1,
        **fields,
    }
    campaign = GroupBuy.objects.create(**{**data, "status": CampaignStatus.DRAFT})
    return groupbuy_publish(campaign_id=campaign.pk) if publish else campaign
