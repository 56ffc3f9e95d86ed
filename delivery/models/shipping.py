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
