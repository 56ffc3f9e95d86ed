"""Reads of promotions and coupons.

The price stages read every promotion running or yet to start as plain rules, cached for
at most PROMOTION_RULES_CACHE_SECONDS and dropped whenever the merchant changes one (a version
in the cache). Which rules apply is decided with the quote's own clock against each rule's
window, so a promotion starts and ends at its second whatever the cache holds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from marketing.models import (
    CouponStatus,
    CouponTemplate,
    Promotion,
    PromotionKind,
    Scope,
    UserCoupon,
)

RULES_VERSION_KEY = "marketing:rules:version"


@dataclass(frozen=True)
class ScopeRule:
    scope: str
    category_paths: tuple[str, ...] = ()
    product_ids: frozenset[int] = frozenset()
    excluded_ids: frozenset[int] = frozenset()

    def covers(self, line) -> bool:
        if line.product_id in self.excluded_ids:
            return False
        if self.scope == Scope.CATEGORIES:
            return line.in_category(self.category_paths)
        if self.scope == Scope.PRODUCTS:
            return line.product_id in self.product_ids
        return True


@dataclass(frozen=True)
class TierRule:
    threshold: Decimal
    amount_off: Decimal | None
    price_percent: Decimal | None


@dataclass(frozen=True)
class ItemRule:
    product_id: int
    sku_id: int | None
    price_percent: Decimal | None
    price: Decimal | None


@dataclass(frozen=True)
class PromotionRule:
    """A promotion as the stages and cards read it, cached for every language at once:
    ``name`` is the promotion's name in the language active when it is read."""

    id: int
    names: tuple[tuple[str, str], ...]
    kind: str
    threshold_kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    combines_with_coupons: bool
    scope: ScopeRule
    tiers: tuple[TierRule, ...] = ()
    items: tuple[ItemRule, ...] = field(default=())

    def running(self, now) -> bool:
        return self.starts_at <= now < self.ends_at

    @property
    def name(self) -> str:
        return localized(dict(self.names))


def names_of(row, field_name: str = "name") -> tuple[tuple[str, str], ...]:
    """A translated field's value in each language (modeltranslation's columns)."""
    from modeltranslation.utils import build_localized_fieldname

    return tuple(
        (code, getattr(row, build_localized_fieldname(field_name, code)) or "")
        for code in settings.MODELTRANSLATION_LANGUAGES
    )


def localized(names: dict[str, str]) -> str:
    """The value for the active language, else the first language that has one."""
    from django.utils.translation import get_language

    active = get_language() or settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    for code in (active, *settings.MODELTRANSLATION_LANGUAGES):
        if names.get(code):
            return names[code]
    return ""


def scope_of(rule) -> ScopeRule:
    """A promotion's or template's scope (its M2M prefetched) as a plain rule."""
    return ScopeRule(
        scope=rule.scope,
        category_paths=tuple(c.path for c in rule.categories.all()),
        product_ids=frozenset(p.pk for p in rule.products.all()),
        excluded_ids=frozenset(p.pk for p in rule.excluded_products.all()),
    )


def _build_rules(now) -> list[PromotionRule]:
    promotions = (
        Promotion.objects.filter(is_active=True, ends_at__gt=now)
        .prefetch_related("tiers", "items", "categories", "products", "excluded_products")
        .order_by("pk")
    )
    rules = []
    for promotion in promotions:
        rules.append(
            PromotionRule(
                id=promotion.pk,
                names=names_of(promotion),
                kind=promotion.kind,
                threshold_kind=promotion.threshold_kind,
                starts_at=promotion.starts_at,
                ends_at=promotion.ends_at,
                combines_with_coupons=promotion.combines_with_coupons,
                scope=scope_of(promotion),
                tiers=tuple(
                    TierRule(t.threshold, t.amount_off, t.price_percent)
                    for t in promotion.tiers.all()
                ),
                items=tuple(
                    ItemRule(i.product_id, i.sku_id, i.price_percent, i.price)
                    for i in promotion.items.all()
                ),
            )
        )
    return rules


# Part of the cached rules' keys: changed with the shape of what is cached, so a release never
# reads what the one before it left.
RULES_LAYOUT = "l2"


def rules_cached(name: str, build):
    """What ``build()`` makes of the merchant's rules, cached under the rules' version for
    at most PROMOTION_RULES_CACHE_SECONDS. Built before a rule it holds had ended is fine
    (callers check each window); built without a rule made since is not: every edit of a
    promotion or coupon template changes the version."""
    key = f"marketing:{name}:{RULES_LAYOUT}:{cache.get(RULES_VERSION_KEY, 0)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.PROMOTION_RULES_CACHE_SECONDS)
    return value


def promotion_rules(*, now=None) -> list[PromotionRule]:
    """Every promotion running or to come (the caller checks each one's window)."""
    now = now or timezone.now()
    return rules_cached("rules", lambda: _build_rules(now))


def running_promotions(*, now=None, kinds=None) -> list[PromotionRule]:
    now = now or timezone.now()
    return [
        rule
        for rule in promotion_rules(now=now)
        if rule.running(now) and (kinds is None or rule.kind in kinds)
    ]


def limited_time_rules(*, now=None) -> list[PromotionRule]:
    return running_promotions(now=now, kinds={PromotionKind.LIMITED_TIME})


def threshold_rules(*, now=None) -> list[PromotionRule]:
    return running_promotions(now=now, kinds={PromotionKind.AMOUNT_OFF, PromotionKind.PERCENT_OFF})


# --- coupons -------------------------------------------------------------------------------


def coupons_usable(*, user, now=None, only=None) -> list[UserCoupon]:
    """The shopper's unused coupons whose window has not ended (``only`` that one), soonest
    ending first, with their templates (one query; their scopes: ``template_scopes``)."""
    now = now or timezone.now()
    mine = UserCoupon.objects.filter(user=user, status=CouponStatus.AVAILABLE, valid_until__gt=now)
    if only is not None:
        mine = mine.filter(pk=only)
    return list(mine.select_related("template").order_by("valid_until", "pk"))


def template_scopes() -> dict[int, ScopeRule]:
    """Every coupon template's scope, cached with the promotions' rules (an edit of a
    template drops them with the version)."""

    def build() -> dict[int, ScopeRule]:
        templates = CouponTemplate.objects.prefetch_related(
            "categories", "products", "excluded_products"
        )
        return {t.pk: scope_of(t) for t in templates}

    return rules_cached("template-scopes", build)


def coupon_scope(template: CouponTemplate) -> ScopeRule:
    """What the template's coupons apply to."""
    scope = template_scopes().get(template.pk)
    if scope is None:  # made since the scopes were cached (its admin save bumps the version)
        scope = scope_of(template)
    return scope


MY_TABS = ("unused", "used", "expired")


def coupon_list_for_user(*, user, tab: str = "unused", now=None):
    """My coupons: unused (and held by an unpaid order), used, expired or voided."""
    now = now or timezone.now()
    mine = (
        UserCoupon.objects.filter(user=user)
        .select_related("template")
        .prefetch_related(
            "template__categories", "template__products", "template__excluded_products"
        )
    )
    if tab == "used":
        return mine.filter(status=CouponStatus.USED).order_by("-used_at", "-pk")
    if tab == "expired":
        return mine.filter(
            Q(status=CouponStatus.VOIDED) | Q(status=CouponStatus.AVAILABLE, valid_until__lte=now)
        ).order_by("-valid_until", "-pk")
    return mine.filter(
        Q(status=CouponStatus.HELD) | Q(status=CouponStatus.AVAILABLE, valid_until__gt=now)
    ).order_by("valid_until", "pk")


def coupon_get_for_user(*, user, coupon_id) -> UserCoupon | None:
    return UserCoupon.objects.filter(user=user, pk=coupon_id).select_related("template").first()


def coupon_centre(*, user=None, now=None) -> list[dict]:
    """Templates a shopper may claim now (shown in the coupon centre), with what is left and
    how many the shopper has."""
    now = now or timezone.now()
    templates = (
        CouponTemplate.objects.filter(is_active=True, in_coupon_centre=True)
        .filter(Q(claim_starts_at__isnull=True) | Q(claim_starts_at__lte=now))
        .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
        .filter(Q(valid_days__isnull=False) | Q(valid_until__gt=now))
        .prefetch_related("categories", "products", "excluded_products")
        .order_by("threshold", "pk")
    )
    held = {}
    if user is not None and getattr(user, "is_authenticated", False):
        held = dict(
            UserCoupon.objects.filter(user=user, template__in=templates)
            .values("template")
            .annotate(n=Count("pk"))
            .values_list("template", "n")
        )
    return [
        {
            "template": template,
            "left": None
            if template.total_quantity is None
            else template.total_quantity - template.issued_count,
            "mine": held.get(template.pk, 0),
        }
        for template in templates
    ]


# --- figures for the admin's lists ---------------------------------------------------------

_PAID = ("paid", "shipped", "completed", "refunding", "refunded")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _figures_annotations(prefix: str) -> dict:
    """Per row of a list: the discount its source gave in paid orders, those orders, and
    their net sales (paid less refunded), as subqueries (one query for the whole page)."""
    from orders.models import OrderDiscount

    rows = OrderDiscount.objects.filter(
        source=Concat(Value(prefix), Cast(OuterRef("pk"), CharField())),
        order__status__in=_PAID,
    ).values("source")

    def one(aggregate, field):
        return Coalesce(
            Subquery(rows.annotate(v=aggregate).values("v")[:1]), Value(0), output_field=field
        )

    return {
        "fig_discount": one(Sum("amount"), _MONEY),
        "fig_orders": one(Count("order", distinct=True), IntegerField()),
        "fig_net_sales": one(
            Sum(F("order__total_amount") - F("order__refunded_amount"), output_field=_MONEY), _MONEY
        ),
    }


def promotions_with_figures(queryset):
    return queryset.annotate(**_figures_annotations("promotion:"))


def templates_with_figures(queryset):
    claimed = UserCoupon.objects.filter(template=OuterRef("pk")).values("template")
    used = claimed.filter(status=CouponStatus.USED)
    count = Count("pk")
    return queryset.annotate(
        **_figures_annotations("coupon:"),
        fig_claimed=Coalesce(Subquery(claimed.annotate(n=count).values("n")[:1]), Value(0)),
        fig_used=Coalesce(Subquery(used.annotate(n=count).values("n")[:1]), Value(0)),
    )
