"""Shipping templates (运费模板): how a product's freight is charged, by piece or by weight,
with a first unit and each extra unit, overridden per region (新疆、西藏 dearer, 江浙沪 cheaper,
some regions not delivered to), each with its free-shipping rule."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import regions


class ChargeBy(models.TextChoices):
    PIECE = "piece", _("By piece")
    WEIGHT = "weight", _("By weight (kg)")


class Charges(models.Model):
    """The charge of a template or of one of its regions: the first units for a fee, each
    further step of units for another; free at or above an amount or a number of pieces."""

    first_units = models.DecimalField(
        _("first units"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("1"),
        help_text=_("Pieces or kilograms the first fee covers."),
    )
    first_fee = models.DecimalField(
        _("first fee"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    extra_units = models.DecimalField(
        _("each extra"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("1"),
        help_text=_("Pieces or kilograms each extra fee covers (started steps count whole)."),
    )
    extra_fee = models.DecimalField(
        _("extra fee"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    free_over_amount = models.DecimalField(
        _("free at amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Free when this template's items cost at least this much after discounts "
            "(before shipping). Blank: not by amount."
        ),
    )
    free_over_pieces = models.PositiveIntegerField(
        _("free at pieces"),
        null=True,
        blank=True,
        help_text=_("Free from this many pieces of this template's items. Blank: not by pieces."),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = {}
        if self.first_units is not None and self.first_units <= 0:
            errors["first_units"] = _("More than zero.")
        if self.extra_units is not None and self.extra_units <= 0:
            errors["extra_units"] = _("More than zero.")
        for name in ("first_fee", "extra_fee", "free_over_amount"):
            value = getattr(self, name)
            if value is not None and (not value.is_finite() or value < 0):
                errors[name] = _("Zero or more.")
        if errors:
            raise ValidationError(errors)


def _charges_checks(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(first_units__gt=0, extra_units__gt=0),
            name=f"{prefix}_units_gt_0",
        ),
        models.CheckConstraint(
            condition=Q(first_fee__gte=0, extra_fee__gte=0), name=f"{prefix}_fees_gte_0"
        ),
    ]


class ShippingTemplate(Charges):
    """A way of charging freight. A product names one (none: the default template); the
    lines of one template are charged together, once per order."""

    name = models.CharField(_("name"), max_length=60)
    charge_by = models.CharField(
        _("charge by"), max_length=10, choices=ChargeBy.choices, default=ChargeBy.PIECE
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used by every product that names no template (one template is)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        verbose_name = _("shipping template")
        verbose_name_plural = _("shipping templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="delivery_one_default_template",
            ),
            *_charges_checks("delivery_template"),
        ]

    def __str__(self):
        return self.name


class ShippingRule(Charges):
    """The template's charge in some regions (provinces or cities), or "not delivered"
    there. The rule naming the smallest region of an address applies (a city before its
    province); elsewhere the template's own charge does."""

    template = models.ForeignKey(
        ShippingTemplate,
        verbose_name=_("shipping template"),
        on_delete=models.CASCADE,
        related_name="rules",
    )
    regions = models.JSONField(_("regions"), default=list)
    delivers = models.BooleanField(
        _("delivered"),
        default=True,
        help_text=_("Untick for regions not delivered to: checkout names the lines."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["template", "position", "pk"]
        verbose_name = _("region rule")
        verbose_name_plural = _("region rules")
        constraints = _charges_checks("delivery_rule")

    def __str__(self):
        return self.regions_label

    @property
    def regions_label(self) -> str:
        names = [r.name for code in self.regions if (r := regions.region(code)) is not None]
        return "、".join(names)

    def clean(self):
        super().clean()
        codes = self.regions if isinstance(self.regions, list) else []
        unknown = [c for c in codes if regions.region(c) is None]
        if not codes or unknown:
            raise ValidationError({"regions": _("Choose at least one province or city.")})


# --- pickup points (自提点) ------------------------------------------------------------------


def all_weekdays() -> list[int]:
    return list(range(7))


class PickupPoint(models.Model):
    """A place where shoppers collect their orders with a pickup code, handed over by the
    point's staff."""

    name = models.CharField(_("name"), max_length=60)
    region_code = models.CharField(_("region"), max_length=6)
    address = models.CharField(_("street address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    hours = models.CharField(_("opening hours"), max_length=60, help_text=_("e.g. 09:00–21:00"))
    # Weekdays open, Monday 0 … Sunday 6.
    open_days = models.JSONField(_("days open"), default=all_weekdays)
    phone = models.CharField(_("contact phone"), max_length=20)
    fee = models.DecimalField(
        _("pickup fee"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("What an order collected here pays instead of shipping (usually nothing)."),
    )
    staff = models.ManyToManyField(
        "accounts.User",
        verbose_name=_("staff"),
        blank=True,
        related_name="pickup_points",
        help_text=_("Who may hand orders over here (the pickup desk page)."),
    )
    is_active = models.BooleanField(_("open"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="delivery_pickup_fee_gte_0"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                name="delivery_pickup_latitude",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="delivery_pickup_longitude",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def full_address(self) -> str:
        names = "".join(r.name for r in regions.lineage(self.region_code))
        return f"{names}{self.address}"

    def clean(self):
        super().clean()
        if regions.district(self.region_code) is None:
            raise ValidationError({"region_code": _("Choose a province, a city and a district.")})
        days = self.open_days if isinstance(self.open_days, list) else None
        if not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"open_days": _("Choose at least one day.")})


# --- delivery time slots (配送时段) ----------------------------------------------------------


class DeliverySlot(models.Model):
    """A time of day orders are delivered or collected in (09:00–12:00), with a capacity of
    orders each day."""

    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    capacity = models.PositiveIntegerField(_("orders per day"))
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["starts", "pk"]
        verbose_name = _("delivery slot")
        verbose_name_plural = _("delivery slots")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="delivery_slot_ends_after"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"


class DayOff(models.Model):
    """A day without delivery or pickup (a holiday)."""

    date = models.DateField(_("date"), unique=True)
    note = models.CharField(_("note"), max_length=60, blank=True, default="")

    class Meta:
        ordering = ["date"]
        verbose_name = _("day off")
        verbose_name_plural = _("days off")

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"


class SlotDay(models.Model):
    """A slot on one date: how many orders it holds, taken and freed only by conditional
    updates (``booked < capacity``), a constraint behind them."""

    slot = models.ForeignKey(DeliverySlot, on_delete=models.PROTECT, related_name="days")
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("orders"))
    booked = models.PositiveIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["date", "slot__starts"]
        verbose_name = _("slot day")
        verbose_name_plural = _("slot days")
        constraints = [
            models.UniqueConstraint(fields=["slot", "date"], name="delivery_slot_day_once"),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="delivery_slot_day_not_over"
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.slot.label}"


class SlotBooking(models.Model):
    """The ledger of places: one row an order, held when the order is made, released once by
    its cancel or refund."""

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        RELEASED = "released", _("Released")

    slot_day = models.ForeignKey(SlotDay, on_delete=models.PROTECT, related_name="bookings")
    order_no = models.CharField(_("order number"), max_length=32, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("slot booking")
        verbose_name_plural = _("slot bookings")

    def __str__(self):
        return self.order_no


class ReturnAddress(models.Model):
    """Where shoppers send returned goods; an approved return shows its shopper the default
    one (or the one the merchant picked)."""

    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. 上海仓"))
    receiver = models.CharField(_("receiver"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    region_code = models.CharField(_("region"), max_length=6)
    detail = models.CharField(_("street address"), max_length=200)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        verbose_name = _("return address")
        verbose_name_plural = _("return addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="delivery_one_default_return_address",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def full_address(self) -> str:
        names = "".join(r.name for r in regions.lineage(self.region_code))
        return f"{names}{self.detail}"

    @property
    def label(self) -> str:
        """What a shopper copies onto the parcel: receiver, phone, address."""
        return f"{self.receiver} {self.phone} {self.full_address}"

    def clean(self):
        super().clean()
        if regions.district(self.region_code) is None:
            raise ValidationError({"region_code": _("Choose a province, a city and a district.")})


class LocalArea(models.Model):
    """Where the shop delivers itself (同城配送) in a time slot the shopper picks: a city or a
    district, with its fee (instead of the shipping templates) and a free-delivery amount."""

    region_code = models.CharField(_("region"), max_length=6, unique=True)
    fee = models.DecimalField(
        _("delivery fee"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    free_over_amount = models.DecimalField(
        _("free at amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Free when the items cost at least this much after discounts. Blank: never."),
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("local delivery area")
        verbose_name_plural = _("local delivery areas")
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="delivery_local_fee_gte_0"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return "".join(r.name for r in regions.lineage(self.region_code)[1:]) or self.region_code

    def clean(self):
        super().clean()
        found = regions.region(self.region_code)
        if found is None or found.level == regions.PROVINCE:
            raise ValidationError({"region_code": _("Choose a city or a district.")})
