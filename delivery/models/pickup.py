"""Pickup points (自提点), where shoppers collect orders with a code."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import regions


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
        names = regions.place_name(self.region_code)
        return f"{names}{self.address}"

    def clean(self):
        super().clean()
        if regions.district(self.region_code) is None:
            raise ValidationError({"region_code": _("Choose a province, a city and a district.")})
        days = self.open_days if isinstance(self.open_days, list) else None
        if not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"open_days": _("Choose at least one day.")})
