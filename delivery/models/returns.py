"""Where returned goods go."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import regions


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
        names = regions.place_name(self.region_code)
        return f"{names}{self.detail}"

    @property
    def label(self) -> str:
        """What a shopper copies onto the parcel: receiver, phone, address."""
        return f"{self.receiver} {self.phone} {self.full_address}"

    def clean(self):
        super().clean()
        if regions.district(self.region_code) is None:
            raise ValidationError({"region_code": _("Choose a province, a city and a district.")})
