"""Delivery time slots (配送时段) with their capacity a day, days off and the places held, and
the areas the shop delivers in itself."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import regions


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
        return regions.place_name(self.region_code, levels=slice(1, None)) or self.region_code

    def clean(self):
        super().clean()
        found = regions.region(self.region_code)
        if found is None or found.level == regions.PROVINCE:
            raise ValidationError({"region_code": _("Choose a city or a district.")})
