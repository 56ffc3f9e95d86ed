"""Products in the admin, with SKU and image inlines, bulk actions and CSV."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from catalog import csv_io, services
from catalog.admin.common import LowStockFilter, thumb
from catalog.admin.stock_fields import (
    StockCountField,
    StockEditFormMixin,
    WeightField,
    stock_adjust_field,
    stock_edits_apply,
    stock_note_field,
)
from catalog.models import Product, ProductImage, ProductStatus, Sku, StockAlert, StockMovement
from catalog.spec_text import LenientJSONField, spec_from_text, spec_to_text
from config.csvexport import csv_response
from config.money import money


class SkuInlineForm(StockEditFormMixin, forms.ModelForm):
    """A SKU row: its own fields, and its stock as a count (opening stock for a new row)
    or an adjustment, applied through the stock ledger."""

    stock = StockCountField(required=False, help_text="")
    stock_adjust = stock_adjust_field()
    stock_note = stock_note_field()

    class Meta:
        model = Sku
        fields = (*services.SKU_FIELDS, "stock")
        field_classes = {"attributes": LenientJSONField, "weight": WeightField}
        # Narrow inputs: the row holds ten columns and must fit a 1366 px screen.
        widgets = {
            "code": forms.TextInput(attrs={"size": 12}),
            "attributes": forms.Textarea(attrs={"rows": 2, "cols": 18}),
            "price": forms.NumberInput(attrs={"style": "width: 6.5em", "step": "0.01"}),
            "list_price": forms.NumberInput(attrs={"style": "width: 6.5em", "step": "0.01"}),
            "low_stock_threshold": forms.NumberInput(attrs={"style": "width: 4em"}),
            "weight": forms.NumberInput(attrs={"style": "width: 5em", "step": "0.001"}),
        }
        help_texts = {"attributes": _('e.g. {"colour": "red", "size": "M"}')}


class SkuInlineFormSet(forms.BaseInlineFormSet):
    """Checks every SKU row against the spec submitted with it, before anything is saved."""

    def clean(self):
        super().clean()
        try:
            spec = services.spec_normalize(self.instance.spec)
        except ValidationError:
            return  # the product form reports the spec itself
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            try:
                attributes = services.sku_attributes_normalize(
                    spec=spec, attributes=data.get("attributes")
                )
            except ValidationError as exc:
                form.add_error("attributes", exc.message_dict["attributes"])
                continue
            key = tuple(attributes.items())
            if key in seen:
                form.add_error("attributes", _("Two SKUs have the same attributes."))
            seen.add(key)
            price, list_price = data.get("price"), data.get("list_price")
            if price is not None and list_price is not None and list_price < price:
                form.add_error("list_price", _("The list price cannot be below the price."))


class SkuInline(admin.TabularInline):
    model = Sku
    form = SkuInlineForm
    formset = SkuInlineFormSet
    extra = 1
    min_num = 0


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt", "sort_order")

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            services.image_validate(image)
        return image


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "image", "alt", "sort_order")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return thumb(obj.thumbnail or obj.image, 64) if obj.pk else "—"


class ProductAdminForm(forms.ModelForm):
    spec_axes = forms.CharField(
        label=_("Spec axes"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "cols": 60,
                "placeholder": "颜色：黑色，白色\n尺码：S，M，L",
                # static/js/admin-sku-matrix.js: its button and what it says.
                "data-build-label": _("Build the SKU rows"),
                "data-added": _("%s SKU row(s) added: give each its price and stock."),
                "data-empty": _("Write the axes first, e.g. 颜色：黑色，白色."),
            }
        ),
        help_text=_(
            "One axis a line, its name, a colon and its values: 颜色：黑色，白色 (full-width "
            "or ASCII punctuation). Changed here, it sets the specification; then “Build the "
            "SKU rows” adds a row for each combination, to give each its price and stock."
        ),
    )

    class Meta:
        model = Product
        fields = services.PRODUCT_FIELDS
        field_classes = {"spec": LenientJSONField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["spec_axes"] = spec_to_text(self.instance.spec if self.instance.pk else [])

    def clean(self):
        data = super().clean()
        typed = (data.get("spec_axes") or "").strip()
        if "spec_axes" in self.changed_data and typed:
            try:
                axes = spec_from_text(typed)
                data["spec"] = services.spec_normalize(_with_translations(axes, data.get("spec")))
            except ValidationError as exc:
                self.add_error("spec_axes", exc.message_dict.get("spec", exc.messages))
        return data

    def clean_spec(self):
        try:
            return services.spec_normalize(self.cleaned_data.get("spec"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["spec"]) from exc


def _with_translations(axes: list[dict], spec) -> list[dict]:
    """Axes typed as text keep the English an unchanged axis had in the JSON spec."""
    before = {axis.get("name"): axis for axis in spec or [] if isinstance(axis, dict)}
    kept = []
    for axis in axes:
        old = before.get(axis["name"], {})
        if old.get("values") == axis["values"]:
            axis = {**old, **axis}
        kept.append(axis)
    return kept


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("Columns as in the CSV export."))


@admin.register(Product)
class ProductAdmin(TranslationAdmin):
    """Chinese and English side by side (django-modeltranslation's TranslationAdmin)."""

    form = ProductAdminForm
    change_list_template = "admin/catalog/product/change_list.html"
    list_display = (
        "preview",
        "name",
        "category",
        "status",
        "is_hot",
        "is_recommended",
        "price_from",
        "total_stock",
        "sales_count",
        "updated_at",
    )
    list_display_links = ("preview", "name")
    list_filter = ("status", "is_hot", "is_recommended", "category", "brand", LowStockFilter)
    search_fields = ("name_zh_hans", "name_en", "slug", "skus__code")
    list_select_related = ("category", "brand")
    list_per_page = 50
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category", "brand")
    inlines = [SkuInline, ProductImageInline]

    class Media:
        css = {"all": ["css/admin-catalog.css"]}
        js = ["js/admin-sku-matrix.js"]

    actions = ["put_on_sale", "take_off_sale", "mark_hot", "unmark_hot", "export_csv"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "subtitle", "category", "brand", "status")}),
        (_("Merchandising"), {"fields": ("is_hot", "is_recommended")}),
        (_("Shipping"), {"fields": ("shipping_template",)}),
        (
            _("Specification"),
            {
                "fields": ("spec_axes", "spec"),
                "description": _(
                    'SKU axes in display order, e.g. [{"name": "colour", "values": ["red", '
                    '"blue"]}, {"name": "size", "values": ["S", "M"]}]. Every SKU names one '
                    'value of each axis. For the English pages, give an axis "name_en" and '
                    '"values_en" (one for each value).'
                ),
            },
        ),
        (_("Description"), {"fields": ("description",)}),
    )

    def get_queryset(self, request):
        # A subquery, not a join: filters that join SKUs must not multiply the sum.
        totals = (
            Sku.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(total=Sum("stock"))
            .values("total")
        )
        qs = super().get_queryset(request).annotate(stock_total=Subquery(totals))
        return qs.prefetch_related("images")

    @admin.display(description=_("image"))
    def preview(self, obj):
        images = list(obj.images.all())
        return thumb(images[0].thumbnail or images[0].image) if images else "—"

    @admin.display(description=_("price"), ordering="min_price")
    def price_from(self, obj):
        return money(obj.min_price) or "—"

    @admin.display(description=_("stock"), ordering="stock_total")
    def total_stock(self, obj):
        return obj.stock_total or 0

    # --- writes through services -------------------------------------------------------

    def save_model(self, request, obj, form, change):
        # The SKU formset validated every SKU against the new spec; its writes follow in
        # this transaction, each checked again by the SKU services.
        services.product_save(product=obj, check_skus=False)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Only now are its SKUs written: on sale needs one a shopper can buy.
        try:
            services.product_sellable_check(product=form.instance)
        except ValidationError as exc:
            raise _InlineError(None, exc) from exc

    def get_deleted_objects(self, objs, request):
        # A product deleted by mistake (one never sold: the service refuses the others)
        # takes its SKUs and their stock ledger with it, though nobody may delete those on
        # their own.
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        owned = {str(m._meta.verbose_name) for m in (Sku, StockMovement, StockAlert)}
        return to_delete, counts, {p for p in perms_needed if str(p) not in owned}, protected

    def delete_view(self, request, object_id, extra_context=None):
        try:
            product = self.get_object(request, object_id)
            if product is not None:  # before the confirmation page, not as a permission
                services.product_delete_check(product=product)
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return redirect(reverse("admin:catalog_product_change", args=[object_id]))

    def delete_model(self, request, obj):
        services.product_delete(product=obj)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            try:
                with transaction.atomic():
                    services.product_delete(product=product)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_formset(self, request, form, formset, change):
        product = form.instance
        if formset.model not in (Sku, ProductImage):
            return super().save_formset(request, form, formset, change)
        # What Django's own formset.save() records, for the admin history.
        formset.new_objects, formset.changed_objects = [], []
        formset.deleted_objects = _deleted(formset)
        for deleted_form in formset.deleted_forms:
            obj = deleted_form.instance
            if obj.pk is None:
                continue
            if formset.model is Sku:
                try:
                    services.sku_delete(sku=obj)
                except ValidationError as exc:
                    raise _InlineError(deleted_form, exc) from exc
            else:
                services.product_image_delete(image=obj)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            is_new = inline_form.instance.pk is None
            if formset.model is Sku:
                obj = self._save_sku(product, inline_form, request.user)
            else:
                obj = self._save_image(product, inline_form)
            if obj is None:
                continue
            if is_new:
                formset.new_objects.append(obj)
            else:
                formset.changed_objects.append((obj, inline_form.changed_data))

    @staticmethod
    def _save_sku(product, inline_form, actor):
        data = {f: inline_form.cleaned_data.get(f) for f in services.SKU_FIELDS}
        try:
            if inline_form.instance.pk is None:
                opening = inline_form.stock_count.counted or 0
                return services.sku_create(
                    product=product, data={**data, "stock": opening}, actor=actor
                )
            sku = services.sku_update(sku=inline_form.instance, data=data)
            stock_edits_apply(sku_id=sku.pk, form=inline_form, actor=actor)
            return sku
        except ValidationError as exc:
            # Raised after the product was saved: roll back the whole save.
            raise _InlineError(inline_form, exc) from exc

    @staticmethod
    def _save_image(product, inline_form):
        data = inline_form.cleaned_data
        if inline_form.instance.pk and "image" in inline_form.changed_data:
            # A new file for an existing row: a new image (validated, thumbnailed) replaces it.
            replacement = services.product_image_add(
                product=product,
                file=data["image"],
                alt=data.get("alt", ""),
                sort_order=data.get("sort_order"),
            )
            services.product_image_delete(
                image=ProductImage.objects.get(pk=inline_form.instance.pk)
            )
            return replacement
        if inline_form.instance.pk:
            return services.product_image_update(
                image=inline_form.instance,
                alt=data.get("alt", ""),
                sort_order=data.get("sort_order") or 0,
            )
        if not data.get("image"):
            return None
        return services.product_image_add(
            product=product,
            file=data["image"],
            alt=data.get("alt", ""),
            sort_order=data.get("sort_order"),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except _InlineError as exc:
            # A write the forms could not foresee (e.g. a concurrent change): nothing was saved.
            error = exc.error
            by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            code = (getattr(exc.form, "cleaned_data", None) or {}).get("code") or "?"
            for field, errors in by_field.items():
                for text in errors:
                    if exc.form is None:  # the product's own rule, not a SKU's
                        self.message_user(request, text, messages.ERROR)
                        continue
                    where = f"{field}: " if field and field != "__all__" else ""
                    self.message_user(
                        request,
                        _("SKU %(code)s: %(error)s") % {"code": code, "error": where + text},
                        messages.ERROR,
                    )
            return redirect(request.get_full_path())

    # --- bulk actions --------------------------------------------------------------------

    @admin.action(description=_("Put selected products on sale"), permissions=["change"])
    def put_on_sale(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.product_set_status(product_ids=ids, status=ProductStatus.ON_SALE)
        self.message_user(request, _("%(n)d product(s) put on sale.") % {"n": count})
        if count < len(ids):
            self.message_user(
                request,
                _("%(n)d product(s) without an active SKU stayed as they were.")
                % {"n": len(ids) - count},
                messages.WARNING,
            )

    @admin.action(description=_("Take selected products off sale"), permissions=["change"])
    def take_off_sale(self, request, queryset):
        count = services.product_set_status(
            product_ids=list(queryset.values_list("pk", flat=True)), status=ProductStatus.OFF_SALE
        )
        self.message_user(request, _("%(n)d product(s) taken off sale.") % {"n": count})

    @admin.action(description=_("Mark selected products as hot"), permissions=["change"])
    def mark_hot(self, request, queryset):
        count = services.product_set_flags(
            product_ids=list(queryset.values_list("pk", flat=True)), is_hot=True
        )
        self.message_user(request, _("%(n)d product(s) marked hot.") % {"n": count})

    @admin.action(description=_("Unmark selected products as hot"), permissions=["change"])
    def unmark_hot(self, request, queryset):
        services.product_set_flags(
            product_ids=list(queryset.values_list("pk", flat=True)), is_hot=False
        )

    @admin.action(description=_("Export selected products to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_response(
            csv_io.products_export_rows(queryset=queryset),
            "{}-{:%Y%m%d-%H%M}.csv".format(_("products"), timezone.localtime()),
        )

    # --- CSV import ----------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name="catalog_product_import_csv",
            ),
            path(
                "import-csv/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="catalog_product_import_template",
            ),
            *super().get_urls(),
        ]

    def import_csv_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = csv_io.products_import(
                    stream=form.cleaned_data["file"], actor=request.user
                )
            except ValidationError as exc:
                for message in exc.messages[:20]:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    _("Imported %(created)d new and %(updated)d updated product(s).") % result,
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:catalog_product_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import products from CSV"),
            "form": form,
            "opts": self.model._meta,
            "columns": csv_io.header_row(),
        }
        return render(request, "admin/catalog/product/import_csv.html", context)

    def import_template_view(self, request):
        """The file to fill in: the header in the merchant's language and an example."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        name = _("product import template")
        return csv_response(csv_io.template_rows(), f"{name}.csv")


def _deleted(formset) -> list:
    return [form.instance for form in formset.deleted_forms if form.instance.pk]


class _InlineError(Exception):
    def __init__(self, form, error: ValidationError):
        self.form, self.error = form, error
        super().__init__(str(error))
