"""SKUs, their stock ledger and low-stock alerts in the admin.

Stock is never a plain editable number here: see ``stock_fields``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.admin.common import LowStockFilter, reference_label
from catalog.admin.stock_fields import (
    StockCountField,
    StockEditFormMixin,
    WeightField,
    stock_adjust_field,
    stock_edits_apply,
    stock_note_field,
)
from catalog.models import Sku, StockAlert, StockMovement
from config.admin import ServiceRowsAdmin
from config.money import money


class SkuAdminForm(StockEditFormMixin, forms.ModelForm):
    stock = StockCountField()
    stock_adjust = stock_adjust_field()
    stock_note = stock_note_field()

    class Meta:
        model = Sku
        fields = (*services.SKU_FIELDS, "stock")
        field_classes = {"weight": WeightField}


class SkuCountForm(StockEditFormMixin, forms.ModelForm):
    """The low-stock list's editable column: a count checked against what the list showed."""

    stock = StockCountField(help_text="")

    class Meta:
        model = Sku
        fields = ("stock",)


class _StockRefused(Exception):
    def __init__(self, error: ValidationError):
        self.error = error
        super().__init__(str(error))


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    """The low-stock view: every SKU, filterable by low or no stock, counted in place."""

    form = SkuAdminForm
    list_display = (
        "code",
        "product",
        "attributes_label",
        "price_display",
        "stock",
        "low_stock_threshold",
        "is_active",
    )
    list_editable = ("stock",)
    list_filter = (LowStockFilter, "is_active", "product__category")
    search_fields = ("code", "product__name")
    list_select_related = ("product",)
    ordering = ("stock", "code")
    fieldsets = (
        (None, {"fields": services.SKU_FIELDS}),
        (
            _("Stock"),
            {
                "fields": ("stock", "stock_adjust", "stock_note", "recent_movements"),
                "description": _(
                    "Either type the counted stock (it applies only if no sale moved the stock "
                    "since this page was loaded) or adjust by a quantity with a reason."
                ),
            },
        ),
    )
    readonly_fields = ("recent_movements",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def get_changelist_form(self, request, **kwargs):
        return SkuCountForm

    @admin.display(description=_("attributes"))
    def attributes_label(self, obj):
        return obj.attributes_label

    @admin.display(description=_("recent movements"))
    def recent_movements(self, obj):
        """The last few ledger entries and a link to all of them (a busy SKU has thousands,
        which an inline would render in full)."""
        if obj is None or obj.pk is None:
            return "—"
        movements = list(obj.movements.select_related("actor").order_by("-created_at", "-pk")[:10])
        for movement in movements:
            movement.reference_shown = reference_label(movement.reference)
        url = reverse("admin:catalog_stockmovement_changelist") + f"?sku__id__exact={obj.pk}"
        return render_to_string(
            "admin/catalog/sku/recent_movements.html", {"movements": movements, "all_url": url}
        )

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj):
        return money(obj.price)

    def save_model(self, request, obj, form, change):
        if isinstance(form, SkuCountForm):
            # A row of the list: a count only. A refused one is reported; the others go on.
            try:
                stock_edits_apply(sku_id=obj.pk, form=form, actor=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, f"{obj.code}: {message}", messages.ERROR)
            return
        data = {f: form.cleaned_data.get(f) for f in services.SKU_FIELDS}
        services.sku_update(sku=obj, data=data)
        try:
            stock_edits_apply(sku_id=obj.pk, form=form, actor=request.user)
        except ValidationError as exc:
            raise _StockRefused(exc) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except _StockRefused as exc:
            # Nothing was saved; the page reloads with the current stock and says why.
            for message in exc.error.messages:
                self.message_user(request, message, messages.ERROR)
            return redirect(request.get_full_path())

    def has_add_permission(self, request):
        return False  # SKUs are added on their product's page

    def has_delete_permission(self, request, obj=None):
        return False  # and removed there, through the services (never once sold)


@admin.register(StockMovement)
class StockMovementAdmin(ServiceRowsAdmin):
    """The stock ledger, read-only: every change to every SKU's stock."""

    list_display = (
        "created_at",
        "sku",
        "quantity_display",
        "stock_after",
        "reason",
        "actor",
        "reference_shown",
        "note",
    )
    list_filter = ("reason", "created_at")
    search_fields = ("sku__code", "reference", "sku__product__name")
    list_select_related = ("sku__product", "actor")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in StockMovement._meta.fields]

    @admin.display(description=_("quantity"), ordering="quantity")
    def quantity_display(self, obj):
        return f"{obj.quantity:+d}"

    @admin.display(description=_("reference"), ordering="reference")
    def reference_shown(self, obj):
        return reference_label(obj.reference)


@admin.register(StockAlert)
class StockAlertAdmin(ServiceRowsAdmin):
    list_display = ("created_at", "sku", "stock", "threshold", "current_stock", "emailed_at")
    list_select_related = ("sku__product",)
    search_fields = ("sku__code", "sku__product__name")
    readonly_fields = ("created_at", "sku", "stock", "threshold", "emailed_at")
    fields = readonly_fields

    @admin.display(description=_("stock now"))
    def current_stock(self, obj):
        return obj.sku.stock
