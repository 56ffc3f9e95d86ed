"""Pieces the catalog's admin pages share."""

import re

from django.contrib import admin
from django.db.models import Exists, F, OuterRef
from django.urls import NoReverseMatch, reverse
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


_ORDER_NO = re.compile(r"[0-9]{22}")
_REQUEST_NO = re.compile(r"S[0-9]{22}")
_EVENT = re.compile(r"seckill:([0-9]{1,12})")
_GROUPBUY = re.compile(r"groupbuy:([0-9]{1,12})")
_IMPORT = re.compile(r"import ([0-9-]{10} [0-9:]{8})")


def _admin_search(name: str, term: str) -> str:
    try:
        return f"{reverse(name)}?q={term}"
    except NoReverseMatch:
        return ""


def reference_label(reference: str):
    """A ledger reference as the merchant reads it, with a link where it names a record:
    an order (its number), an after-sales request, a flash sale, a group buy, a CSV
    import. Names only URLs: catalog imports none of the apps that write these."""
    text = reference or ""
    if _ORDER_NO.fullmatch(text):
        label, url = (
            _("Order %(no)s") % {"no": text},
            _admin_search("admin:orders_order_changelist", text),
        )
    elif _REQUEST_NO.fullmatch(text):
        label, url = (
            _("After-sales %(no)s") % {"no": text},
            _admin_search("admin:payments_aftersalerequest_changelist", text),
        )
    elif match := _EVENT.fullmatch(text):
        label = _("Flash sale #%(id)s") % {"id": match.group(1)}
        try:
            url = reverse("admin:seckill_seckillevent_change", args=[match.group(1)])
        except NoReverseMatch:
            url = ""
    elif match := _GROUPBUY.fullmatch(text):
        label = _("Group buy #%(id)s") % {"id": match.group(1)}
        try:
            url = reverse("admin:marketing_groupbuy_change", args=[match.group(1)])
        except NoReverseMatch:
            url = ""
    elif match := _IMPORT.fullmatch(text):
        label, url = _("CSV import of %(time)s") % {"time": match.group(1)}, ""
    else:
        return text or "—"
    return format_html('<a href="{}">{}</a>', url, label) if url else label
