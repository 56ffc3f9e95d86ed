"""Demo promotions, coupons and members (idempotent): a running 满减, a limited-time price on
a few products, three coupon templates in the coupon centre, two coupons held by the demo
shopper; four member levels, the demo shopper at 银卡 with points and a check-in streak."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Product, ProductStatus
from marketing.models import (
    CouponKind,
    CouponTemplate,
    Promotion,
    PromotionItem,
    PromotionKind,
    PromotionTier,
)
from marketing.services import coupon_claim, promotions_changed

TIERS_NAME = "双12满减"


LEVELS = [
    # (zh-hans, en, growth needed, percent off, points multiplier)
    ("普通会员", "Member", 0, "0", "1"),
    ("银卡会员", "Silver", 500, "2", "1.2"),
    ("金卡会员", "Gold", 2000, "5", "1.5"),
    ("钻石会员", "Diamond", 5000, "8", "2"),
]


def seed_members(stdout) -> None:
    """The level table, and the demo shopper at 银卡 with points and a two-day streak."""
    from marketing.models import GrowthReason, MemberLevel, PointsReason
    from marketing.services import check_in, growth_change, member_levels_changed, points_credit

    if MemberLevel.objects.exists():
        return
    for zh, en, growth, off, times in LEVELS:
        MemberLevel.objects.create(
            name_zh_hans=zh,
            name_en=en,
            growth_min=growth,
            discount_percent=Decimal(off),
            points_multiplier=Decimal(times),
        )
    member_levels_changed()
    shopper = get_user_model().objects.filter(username="shopper").first()
    if shopper is not None:
        growth_change(
            user_id=shopper.pk, amount=600, reason=GrowthReason.ADJUSTED, reference="demo"
        )
        points_credit(
            user_id=shopper.pk,
            amount=1_200,
            reason=PointsReason.ADJUSTED,
            reference="demo",
            note="新会员礼 / welcome gift",
        )
        now = timezone.now()
        for days_ago in (2, 1):  # checked in the last two days: today continues the streak
            check_in(user=shopper, now=now - timedelta(days=days_ago))
    stdout.write("Demo members: four levels; the demo shopper is 银卡 with 1,200+ points.\n")


def seed(stdout) -> None:
    seed_members(stdout)
    seed_groupbuys(stdout)
    if Promotion.objects.filter(name_zh_hans=TIERS_NAME).exists():
        return
    now = timezone.now()
    tiers = Promotion.objects.create(
        name_zh_hans=TIERS_NAME,
        name_en="Double 12: spend more, save more",
        kind=PromotionKind.AMOUNT_OFF,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    PromotionTier.objects.create(
        promotion=tiers, threshold=Decimal("199"), amount_off=Decimal("30")
    )
    PromotionTier.objects.create(
        promotion=tiers, threshold=Decimal("399"), amount_off=Decimal("80")
    )
    sale = Promotion.objects.create(
        name_zh_hans="限时特惠",
        name_en="Limited-time price",
        kind=PromotionKind.LIMITED_TIME,
        starts_at=now - timedelta(hours=1),
        # Ends within a day: the pages count it down.
        ends_at=now + timedelta(hours=20),
    )
    # On hot products, so the home page shows the prices struck through.
    hot = Product.objects.filter(status=ProductStatus.ON_SALE, is_hot=True)
    for product in hot.order_by("-sales_count", "pk")[1:4]:
        PromotionItem.objects.create(promotion=sale, product=product, price_percent=Decimal("85"))
    promotions_changed()
    templates = [
        CouponTemplate.objects.create(
            name_zh_hans="无门槛5元券",
            name_en="¥5 off, no minimum",
            kind=CouponKind.AMOUNT,
            amount_off=Decimal("5"),
            threshold=Decimal("0"),
            total_quantity=1000,
            valid_days=7,
        ),
        CouponTemplate.objects.create(
            name_zh_hans="满100减15",
            name_en="¥15 off orders of ¥100",
            kind=CouponKind.AMOUNT,
            amount_off=Decimal("15"),
            threshold=Decimal("100"),
            total_quantity=500,
            per_user_limit=2,
            valid_days=14,
        ),
        CouponTemplate.objects.create(
            name_zh_hans="全场9折券",
            name_en="10% off everything",
            kind=CouponKind.PERCENT,
            price_percent=Decimal("90"),
            max_off=Decimal("50"),
            threshold=Decimal("50"),
            total_quantity=300,
            valid_until=now + timedelta(days=30),
        ),
    ]
    shopper = get_user_model().objects.filter(username="shopper").first()
    if shopper is not None:
        for template in templates[:2]:
            coupon_claim(user=shopper, template_id=template.pk)
    stdout.write("Demo promotions: a 满减, a limited-time price and three coupons.\n")


GROUPBUYS = [
    # (zh-hans, en, group size, minutes to fill, units, limit per shopper)
    ("两人团 · 好物同享", "Team of two", 2, 24 * 60, 30, 2),
    # Short, so a group that nobody joins fails (and is refunded) within minutes.
    ("三人团 · 3 分钟成团（演示）", "Team of three in 3 minutes (demo)", 3, 3, 20, 1),
]


def seed_groupbuys(stdout) -> None:
    """Two 拼团 campaigns on products with no other offer: groups of two with a day to fill,
    and groups of three with three minutes (the demo of a failed, refunded group)."""
    from catalog.models import Sku
    from marketing.models import GroupBuy
    from marketing.services import groupbuy_create, groupbuy_publish

    if GroupBuy.objects.exists():
        return
    now = timezone.now()
    offered = PromotionItem.objects.values_list("product_id", flat=True)
    skus = (
        Sku.objects.filter(
            is_active=True,
            stock__gte=40,
            price__gte=10,
            product__status=ProductStatus.ON_SALE,
            product__is_hot=False,
        )
        .exclude(product_id__in=offered)
        .exclude(seckill_events__isnull=False)
        .order_by("product_id", "pk")
    )
    used: set[int] = set()
    picked = []
    for sku in skus:
        if sku.product_id not in used:
            used.add(sku.product_id)
            picked.append(sku)
        if len(picked) == len(GROUPBUYS):
            break
    for (zh, en, size, minutes, units, limit), sku in zip(GROUPBUYS, picked, strict=False):
        campaign = groupbuy_create(
            data={
                "title_zh_hans": zh,
                "title_en": en,
                "sku": sku,
                "group_price": (sku.price * Decimal("0.7")).quantize(Decimal("1")),
                "group_size": size,
                "fill_minutes": minutes,
                "starts_at": now,
                "ends_at": now + timedelta(days=14),
                "allocated": units,
                "per_user_limit": limit,
            }
        )
        groupbuy_publish(campaign_id=campaign.pk)
        stdout.write(f"group buy {en}: {sku.product.name}")
