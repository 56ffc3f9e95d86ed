from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A node of the category tree. ``path`` (slugs joined by "/") is kept by the services,
    so descendants are one indexed prefix query and ordering by it lists the tree."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    image = models.ImageField(_("image"), upload_to="categories/", blank=True, default="")
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    path = models.CharField(max_length=500, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:category", args=[self.slug])


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    logo = models.ImageField(_("logo"), upload_to="brands/", blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self):
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SALE = "on_sale", _("On sale")
    OFF_SALE = "off_sale", _("Off sale")


class Product(models.Model):
    """A product (SPU). Shoppers see it only while it is on sale.

    ``spec`` defines the SKU axes in display order: ``[{"name": "colour", "values": [...]}]``.
    ``min_price``/``max_price`` mirror the active SKUs' prices (kept by the services) so lists
    can filter and sort by price without touching SKUs.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True, default="")
    description = models.TextField(
        _("description"), blank=True, default="", help_text=_("HTML; unsafe markup is removed.")
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("brand"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    shipping_template = models.ForeignKey(
        "delivery.ShippingTemplate",
        verbose_name=_("shipping template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        help_text=_("Blank: the default template."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    is_hot = models.BooleanField(_("hot"), default=False)
    is_recommended = models.BooleanField(_("recommended"), default=False)
    sales_count = models.PositiveIntegerField(_("sales"), default=0)
    spec = models.JSONField(_("specification"), default=list, blank=True)
    min_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    max_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        # The GIN index on search_vector is created by migration 0002 on PostgreSQL only.
        indexes = [
            models.Index(fields=["status", "category"], name="catalog_product_status_cat"),
            models.Index(fields=["status", "min_price"], name="catalog_product_status_price"),
            models.Index(fields=["status", "-sales_count"], name="catalog_product_status_sales"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product", args=[self.slug])


class Sku(models.Model):
    """A sellable unit: one combination of the product's spec values, with price and stock."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="skus"
    )
    code = models.CharField(_("SKU code"), max_length=64, unique=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    list_price = models.DecimalField(
        _("list price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    # What a unit weighs packed, for templates charged by weight.
    weight = models.DecimalField(
        _("weight (kg)"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["product", "pk"]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_sku_stock_gte_0"),
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_sku_price_gt_0"),
            models.UniqueConstraint(
                fields=["product", "attributes"], name="catalog_sku_unique_attributes"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.attributes_label}".strip()

    def ordered_attributes(self) -> dict:
        """Attributes in the product's spec order (jsonb does not keep key order)."""
        order = [axis["name"] for axis in self.product.spec]
        return dict(sorted(self.attributes.items(), key=lambda kv: _index(order, kv[0])))

    def display_attributes(self) -> dict:
        """The attributes as the active language reads them (see ``spec_axis_labels``)."""
        return spec_display(self.product.spec, self.ordered_attributes())

    @property
    def attributes_label(self) -> str:
        return " / ".join(str(v) for v in self.display_attributes().values())


def _index(order: list, name) -> int:
    return order.index(name) if name in order else len(order)


def spec_translation_suffixes() -> list[str]:
    """The spec is written in the catalogue's default language (modeltranslation's, as the
    names are); an axis may carry its name and values in each other catalogue language as
    ``name_<code>`` / ``values_<code>`` (e.g. ``name_en``). SKU attributes always use the
    default language's name and values: they are the keys."""
    return [
        code.replace("-", "_")
        for code in settings.MODELTRANSLATION_LANGUAGES
        if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    ]


def spec_axis_labels(axis: dict) -> tuple[str, list[str]]:
    """An axis's name and values in the active language, its own where none is given."""
    suffix = (get_language() or "").replace("-", "_")
    values = list(axis.get("values") or [])
    translated = axis.get(f"values_{suffix}") or []
    if len(translated) != len(values):
        translated = values
    return axis.get(f"name_{suffix}") or axis.get("name", ""), [
        label or value for label, value in zip(translated, values, strict=True)
    ]


def spec_display(spec: list[dict], attributes: dict) -> dict:
    """Attributes ({axis: value} in the default language) as the active language reads them."""
    axes = {axis.get("name"): axis for axis in spec or []}
    shown = {}
    for name, value in attributes.items():
        axis = axes.get(name)
        if axis is None:
            shown[name] = value
            continue
        label, value_labels = spec_axis_labels(axis)
        values = list(axis.get("values") or [])
        shown[label] = value_labels[values.index(value)] if value in values else value
    return shown


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    thumbnail = models.ImageField(upload_to="products/thumbs/%Y/%m/", blank=True, editable=False)
    alt = models.CharField(_("alt text"), max_length=200, blank=True, default="")
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self):
        return self.alt or self.image.name


class StockReason(models.TextChoices):
    OPENING = "opening", _("Opening stock")
    ORDER = "order", _("Order placed")
    CANCEL = "cancel", _("Order cancelled")
    TIMEOUT = "timeout", _("Order not paid in time")
    ADJUSTMENT = "adjustment", _("Merchant adjustment")
    COUNT = "count", _("Stock count")
    IMPORT = "import", _("CSV import")
    REFUND = "refund", _("Refunded before shipping")
    RETURN = "return", _("Returned by the shopper")
    EVENT_ALLOCATION = "event_alloc", _("Moved to a flash sale")
    EVENT_RETURN = "event_return", _("Back from a flash sale")


class StockMovement(models.Model):
    """One change to a SKU's stock. Written only by catalog.services.stock, in the same
    transaction as the conditional UPDATE it records, so stock = sum of movements."""

    sku = models.ForeignKey(
        Sku, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="movements"
    )
    quantity = models.IntegerField(_("quantity"), help_text=_("Signed: + in, − out."))
    stock_after = models.PositiveIntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=16, choices=StockReason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True, default="")
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["sku", "-created_at"], name="catalog_movement_sku_time"),
            models.Index(fields=["reference"], name="catalog_movement_reference"),
        ]

    def __str__(self):
        return f"{self.sku_id} {self.quantity:+d} → {self.stock_after}"


class StockAlert(models.Model):
    """A SKU fell to or below its low-stock threshold. One per crossing: the movement that
    crossed is unique, so a task delivered twice cannot raise a second alert."""

    sku = models.ForeignKey(
        Sku, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="alerts"
    )
    movement = models.OneToOneField(
        StockMovement, on_delete=models.CASCADE, related_name="alert", editable=False
    )
    stock = models.PositiveIntegerField(_("stock"))
    threshold = models.PositiveIntegerField(_("threshold"))
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("low-stock alert")
        verbose_name_plural = _("low-stock alerts")

    def __str__(self):
        return f"{self.sku} ≤ {self.threshold}"


class ProductRating(models.Model):
    """A product's review summary: what the page shows (average, count, good share, the
    filters' counts). Only catalog.services.product_rating_change writes it, by one
    conditional UPDATE of each counter in the transaction of the review's change (reviews
    calls it), never read-modify-save; the counts are of visible reviews."""

    product = models.OneToOneField(
        Product, primary_key=True, on_delete=models.CASCADE, related_name="rating"
    )
    count = models.PositiveIntegerField(_("review count"), default=0)
    total = models.PositiveIntegerField(_("sum of ratings"), default=0)
    good = models.PositiveIntegerField(_("good (4–5)"), default=0)
    medium = models.PositiveIntegerField(_("medium (3)"), default=0)
    bad = models.PositiveIntegerField(_("bad (1–2)"), default=0)
    with_photos = models.PositiveIntegerField(_("with photos"), default=0)

    class Meta:
        verbose_name = _("product rating")
        verbose_name_plural = _("product ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(count=F("good") + F("medium") + F("bad")),
                name="catalog_rating_buckets_add_up",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("count"), total__lte=F("count") * 5),
                name="catalog_rating_total_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.product_id}: {self.count}"

    @property
    def average(self):
        from decimal import ROUND_HALF_UP, Decimal

        if not self.count:
            return None
        return (Decimal(self.total) / self.count).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def good_percent(self) -> int | None:
        return round(100 * self.good / self.count) if self.count else None
