"""Promotions the merchant runs: limited-time prices (限时折扣) and tiers on what a shopper
buys (满减, 满折). Each is a stage of the price engine (marketing.pricing)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def percent_field(verbose_name, help_text) -> models.DecimalField:
    """A percent of a price to pay, 1 to 99.9 (85 = 8.5 折), or none."""
    return models.DecimalField(
        verbose_name,
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal("99.9"))],
        help_text=help_text,
    )


class Scope(models.TextChoices):
    ALL = "all", _("All products")
    CATEGORIES = "categories", _("Chosen categories")
    PRODUCTS = "products", _("Chosen products")


class ScopedRule(models.Model):
    """What a rule applies to: every product, products of chosen categories (and the
    categories below them), or chosen products; with products left out."""

    scope = models.CharField(_("applies to"), max_length=12, choices=Scope, default=Scope.ALL)
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("categories"), blank=True, related_name="+"
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="+"
    )
    excluded_products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("except these products"), blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class PromotionKind(models.TextChoices):
    LIMITED_TIME = "limited_time", _("Limited-time price")
    AMOUNT_OFF = "amount_off", _("Spend more, save (满减)")
    PERCENT_OFF = "percent_off", _("Buy more, pay less (满折)")


class ThresholdKind(models.TextChoices):
    AMOUNT = "amount", _("Amount spent")
    PIECES = "pieces", _("Pieces bought")


class Promotion(ScopedRule):
    """A promotion over a window. Its rules (items, tiers) are read by the price stages at
    the second they run: nothing cached outlives the window's start or end."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PromotionKind)
    threshold_kind = models.CharField(
        _("tiers count"),
        max_length=8,
        choices=ThresholdKind,
        default=ThresholdKind.AMOUNT,
        help_text=_("For 满减 and 满折: what a tier's threshold counts."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Stopped early by the merchant (the window then no longer matters).
    is_active = models.BooleanField(_("running"), default=True)
    combines_with_coupons = models.BooleanField(
        _("coupons may be used too"),
        default=True,
        help_text=_("Off: a line this promotion applies to takes no coupon."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="marketing_promotion_window"
            )
        ]
        indexes = [models.Index(fields=["is_active", "ends_at"], name="marketing_promo_live")]

    def __str__(self):
        return self.name


class PromotionItem(models.Model):
    """A limited-time price: for one SKU, or every SKU of a product, either a percent of the
    usual price or a fixed price."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    sku = models.ForeignKey(
        "catalog.Sku",
        verbose_name=_("SKU"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every SKU of the product."),
    )
    price_percent = percent_field(
        _("percent of the usual price"), _("85 sells at 85 % of the usual price (8.5 折).")
    )
    price = models.DecimalField(
        _("fixed price"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("limited-time price")
        verbose_name_plural = _("limited-time prices")
        constraints = [
            models.CheckConstraint(
                condition=(Q(price_percent__isnull=False) & Q(price__isnull=True))
                | (Q(price_percent__isnull=True) & Q(price__isnull=False) & Q(price__gt=0)),
                name="marketing_item_percent_or_price",
            ),
            models.UniqueConstraint(
                fields=["promotion", "product", "sku"],
                name="marketing_item_once",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.promotion} · {self.sku or self.product}"


class PromotionTier(models.Model):
    """满 threshold 减 amount (满减) or 满 threshold at a percent (满折); the best tier met
    applies."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="tiers"
    )
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Yuan spent, or pieces bought, as the promotion counts."),
    )
    amount_off = models.DecimalField(
        _("amount off"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_percent = percent_field(_("percent of the price"), _("90 pays 90 % (9 折)."))

    class Meta:
        ordering = ["threshold"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "threshold"], name="marketing_tier_threshold_once"
            ),
            models.CheckConstraint(
                condition=(Q(amount_off__gt=0) & Q(price_percent__isnull=True))
                | (Q(amount_off__isnull=True) & Q(price_percent__isnull=False)),
                name="marketing_tier_amount_or_percent",
            ),
        ]

    def __str__(self):
        return f"{self.threshold} → {self.amount_off or self.price_percent}"
