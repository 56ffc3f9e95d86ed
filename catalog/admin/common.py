"""Pieces the catalog's admin pages share."""

from django.contrib import admin
from django.db.models import Exists, F, OuterRef
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from catalog.models import Sku


def thumb(file_field, size=48):
    if not file_field:
        return "—"
    return format_html(
        '<img src="{}" width="{}" height="{}" style="object-fit:cover;border-radius:4px" alt="">',
        file_field.url,
        size,
        size,
    )


class LowStockFilter(admin.SimpleListFilter):
    """Products (or SKUs) with an active SKU at or below its threshold, or sold out.

    On products it is an EXISTS subquery, not a join: a join would repeat each product
    once per matching SKU and multiply any sum over its SKUs.
    """

    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", _("Low stock")), ("out", _("Out of stock"))]

    def _condition(self) -> dict | None:
        if self.value() == "low":
            return {"stock__lte": F("low_stock_threshold"), "is_active": True}
        if self.value() == "out":
            return {"stock": 0, "is_active": True}
        return None

    def queryset(self, request, queryset):
        condition = self._condition()
        if condition is None:
            return queryset
        if queryset.model is Sku:
            return queryset.filter(**condition)
        return queryset.filter(Exists(Sku.objects.filter(product=OuterRef("pk"), **condition)))
