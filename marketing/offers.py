"""What product cards and pages show of promotions and coupons (registered with
catalog.hooks): a SKU's limited-time price and when it ends, the 满减/满折 a product counts
toward, the coupons in the coupon centre that apply to it.

The catalog caches its fragments under ``offers_epoch()``: the rules' version (every edit of
a promotion or coupon template changes it) and the next second at which a promotion starts
or ends or a coupon's claims open or close. Until that second nothing here can change, so a
cached page is right; from it, the key is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from marketing import texts
from marketing.models import CouponTemplate
from marketing.pricing import sale_price
from marketing.selectors import (
    RULES_VERSION_KEY,
    ScopeRule,
    limited_time_rules,
    promotion_rules,
    rules_cached,
    running_promotions,
    scope_of,
    threshold_rules,
)


@dataclass(frozen=True)
class _Product:
    """A product as a scope rule reads a line."""

    product_id: int
    category_path: str

    def in_category(self, paths) -> bool:
        return any(self.category_path == p or self.category_path.startswith(p + "/") for p in paths)


@dataclass(frozen=True)
class CouponRule:
    id: int
    scope: ScopeRule
    claim_starts_at: object
    claim_ends_at: object

    def open(self, now) -> bool:
        return (self.claim_starts_at is None or self.claim_starts_at <= now) and (
            self.claim_ends_at is None or now < self.claim_ends_at
        )


def _coupon_rules() -> list[CouponRule]:
    """The coupon centre's templates, cached with the promotions' rules (same version)."""
    return rules_cached("coupon-rules", _build_coupon_rules)


def _build_coupon_rules() -> list[CouponRule]:
    now = timezone.now()
    templates = (
        CouponTemplate.objects.filter(is_active=True, in_coupon_centre=True)
        .exclude(valid_days__isnull=True, valid_until__lte=now)
        .exclude(claim_ends_at__lte=now)
        .prefetch_related("categories", "products", "excluded_products")
        .order_by("threshold", "pk")
    )
    return [
        CouponRule(
            id=t.pk,
            scope=scope_of(t),
            claim_starts_at=t.claim_starts_at,
            claim_ends_at=t.claim_ends_at,
        )
        for t in templates
    ]


def offers_epoch() -> str:
    now = timezone.now()
    version = cache.get(RULES_VERSION_KEY, 0)
    moments = [t for rule in promotion_rules(now=now) for t in (rule.starts_at, rule.ends_at)]
    moments += [
        t for rule in _coupon_rules() for t in (rule.claim_starts_at, rule.claim_ends_at) if t
    ]
    upcoming = [t for t in moments if t > now]
    return f"m{version}:{min(upcoming).timestamp() if upcoming else '-'}"


def offers_active() -> bool:
    """Whether any limited-time price or 满减/满折 runs, or a coupon can be claimed, now."""
    now = timezone.now()
    return bool(running_promotions(now=now) or any(rule.open(now) for rule in _coupon_rules()))


def _sale_of(sales, product_id: int, skus: list[dict]):
    """({sku id: limited-time price}, [when each ends], what the cheapest SKU sells at now
    when that is below the usual lowest, else None) for one product's active SKUs."""
    prices, ends = {}, []
    for sku in skus:
        best = sale_price(sales, product_id, sku["id"], Decimal(sku["price"]))
        if best is not None:
            prices[sku["id"]], rule = best
            ends.append(rule.ends_at)
    lowest = None
    if prices and skus:
        usual = [Decimal(sku["price"]) for sku in skus]
        now_from = min(prices.get(sku["id"], Decimal(sku["price"])) for sku in skus)
        lowest = now_from if now_from < min(usual) else None
    return prices, ends, lowest


def sale_floors() -> dict[int, Decimal]:
    """{product id: what its cheapest SKU sells at now} for the products whose limited-time
    price is below their usual lowest: the price their cards show, which lists sort and
    filter by (catalog.hooks.sale_floors). One query for the SKUs on sale, none when no
    limited-time price runs."""
    from catalog.models import Sku

    sales = limited_time_rules(now=timezone.now())
    product_ids = {item.product_id for rule in sales for item in rule.items}
    if not product_ids:
        return {}
    skus: dict[int, list[dict]] = {}
    rows = Sku.objects.filter(product_id__in=product_ids, is_active=True)
    for row in rows.values("id", "product_id", "price"):
        skus.setdefault(row["product_id"], []).append(row)
    floors = {}
    for product_id, rows in skus.items():
        lowest = _sale_of(sales, product_id, rows)[2]
        if lowest is not None:
            floors[product_id] = lowest
    return floors


def product_offers(*, products: list[dict]) -> dict[int, dict]:
    """{product id: offer} for ``products`` ({"id", "category_path", "skus": [{"id",
    "price"}]}); money as decimal strings and times in ISO 8601, as the API answers them."""
    now = timezone.now()
    sales = limited_time_rules(now=now)
    tiers = [r for r in threshold_rules(now=now) if r.tiers]
    coupons = [r for r in _coupon_rules() if r.open(now)]
    if not (sales or tiers or coupons):
        return {}
    templates = {}
    if coupons:
        templates = {t.pk: t for t in CouponTemplate.objects.filter(pk__in=[c.id for c in coupons])}
    found = {}
    for product in products:
        line = _Product(product["id"], product.get("category_path", ""))
        offer = {"skus": {}, "ends_at": None, "tags": [], "coupons": []}
        prices, ends, lowest = _sale_of(sales, product["id"], product.get("skus", []))
        offer["skus"] = {str(sku_id): str(price) for sku_id, price in prices.items()}
        for rule in tiers:
            if rule.scope.covers(line):
                offer["tags"].append(
                    {
                        "name": rule.name,
                        "text": "; ".join(
                            texts.tier_text(
                                threshold_kind=rule.threshold_kind,
                                threshold=t.threshold,
                                amount_off=t.amount_off,
                                price_percent=t.price_percent,
                            )
                            for t in rule.tiers
                        ),
                    }
                )
        for rule in coupons:
            template = templates.get(rule.id)
            if template is not None and rule.scope.covers(line):
                offer["coupons"].append(
                    {
                        "id": rule.id,
                        "claim_url": reverse("marketing:claim", args=[rule.id]),
                        "name": template.name,
                        "terms": texts.template_terms(template),
                    }
                )
        if offer["skus"] or offer["tags"] or offer["coupons"]:
            if offer["skus"]:
                if lowest is not None:
                    offer["sale_min_price"] = str(lowest)
                offer["ends_at"] = min(ends).isoformat()
            found[product["id"]] = offer
    return found


def member_extras(*, user, product: dict) -> dict:
    """What a product page shows this shopper (catalog.hooks.product_extras): the member
    price of their level (the lowest SKU's, where a limited-time price is not lower) and the
    points buying it earns at the rules' rate and their level's multiplier, on the best
    price they would pay."""
    from marketing.pricing import member_price
    from marketing.selectors import member_level_of, member_rules

    skus = product.get("skus") or []
    if not skus:
        return {}
    level = member_level_of(user)
    sales = (product.get("offer") or {}).get("skus", {})
    best, members = [], []
    for sku in skus:
        usual = Decimal(sku["price"])
        sale = Decimal(sales[str(sku["id"])]) if str(sku["id"]) in sales else usual
        member = member_price(level, usual)
        best.append(min(sale, member) if member is not None else sale)
        if member is not None and member < sale:
            members.append(member)
    rules = member_rules()
    multiplier = level.points_multiplier if level else Decimal("1")
    earned = sorted({int(price * rules.points_per_yuan * multiplier) for price in best})
    return {
        "member_price": min(members) if members else None,
        "member_from": len(set(members)) > 1,
        "level_name": level.name if level else "",
        "points": earned[0] if earned else 0,
        "points_from": len(earned) > 1,
    }
