"""Merchant admin for the catalog. Every write goes through catalog.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from catalog import csv_io, services
from catalog.models import Brand, Category, Product, ProductImage, ProductStatus, Sku


def _thumb(file_field, size=48):
    if not file_field:
        return "—"
    return format_html(
        '<img src="{}" width="{}" height="{}" style="object-fit:cover;border-radius:4px" alt="">',
        file_field.url,
        size,
        size,
    )


class LowStockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", _("Low stock")), ("out", _("Out of stock"))]

    def queryset(self, request, queryset):
        sku_prefix = "" if queryset.model is Sku else "skus__"
        if self.value() == "low":
            condition = {
                f"{sku_prefix}stock__lte": F(f"{sku_prefix}low_stock_threshold"),
                f"{sku_prefix}is_active": True,
            }
            return queryset.filter(**condition).distinct()
        if self.value() == "out":
            return queryset.filter(
                **{f"{sku_prefix}stock": 0, f"{sku_prefix}is_active": True}
            ).distinct()
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("tree_name", "slug", "sort_order", "is_active", "product_count")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    ordering = ("path",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "parent", "image", "sort_order", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description=_("name"), ordering="path")
    def tree_name(self, obj):
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            obj.depth * 1.5,
            "└ " if obj.depth else "",
            obj.name,
        )

    @admin.display(description=_("products"), ordering="product_total")
    def product_count(self, obj):
        return obj.product_total

    def save_model(self, request, obj, form, change):
        services.category_save(category=obj)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "logo_preview")
    search_fields = ("name",)

    @admin.display(description=_("logo"))
    def logo_preview(self, obj):
        return _thumb(obj.logo)


class SkuInlineForm(forms.ModelForm):
    class Meta:
        model = Sku
        fields = services.SKU_FIELDS
        widgets = {"attributes": forms.Textarea(attrs={"rows": 2, "cols": 28})}
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
        return _thumb(obj.thumbnail or obj.image, 64) if obj.pk else "—"


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = services.PRODUCT_FIELDS

    def clean_spec(self):
        try:
            return services.spec_normalize(self.cleaned_data.get("spec"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["spec"]) from exc


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("Columns as in the CSV export."))


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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
    search_fields = ("name", "slug", "skus__code")
    list_select_related = ("category", "brand")
    list_per_page = 50
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category", "brand")
    inlines = [SkuInline, ProductImageInline]
    actions = ["put_on_sale", "take_off_sale", "mark_hot", "unmark_hot", "export_csv"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "subtitle", "category", "brand", "status")}),
        (_("Merchandising"), {"fields": ("is_hot", "is_recommended")}),
        (
            _("Specification"),
            {
                "fields": ("spec",),
                "description": _(
                    'SKU axes in display order, e.g. [{"name": "colour", "values": ["red", '
                    '"blue"]}, {"name": "size", "values": ["S", "M"]}]. Every SKU names one '
                    "value of each axis."
                ),
            },
        ),
        (_("Description"), {"fields": ("description",)}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(stock_total=Sum("skus__stock"))
        return qs.prefetch_related("images")

    @admin.display(description=_("image"))
    def preview(self, obj):
        images = list(obj.images.all())
        return _thumb(images[0].thumbnail or images[0].image) if images else "—"

    @admin.display(description=_("price"), ordering="min_price")
    def price_from(self, obj):
        return obj.min_price

    @admin.display(description=_("stock"), ordering="stock_total")
    def total_stock(self, obj):
        return obj.stock_total or 0

    # --- writes through services -------------------------------------------------------

    def save_model(self, request, obj, form, change):
        # The SKU formset validated every SKU against the new spec; its writes follow in
        # this transaction, each checked again by the SKU services.
        services.product_save(product=obj, check_skus=False)

    def save_formset(self, request, form, formset, change):
        product = form.instance
        if formset.model not in (Sku, ProductImage):
            return super().save_formset(request, form, formset, change)
        # What Django's own formset.save() records, for the admin history.
        formset.new_objects, formset.changed_objects = [], []
        formset.deleted_objects = _deleted(formset)
        for obj in formset.deleted_objects:
            if formset.model is Sku:
                services.sku_delete(sku=obj)
            else:
                services.product_image_delete(image=obj)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            is_new = inline_form.instance.pk is None
            if formset.model is Sku:
                obj = self._save_sku(product, inline_form)
            else:
                obj = self._save_image(product, inline_form)
            if obj is None:
                continue
            if is_new:
                formset.new_objects.append(obj)
            else:
                formset.changed_objects.append((obj, inline_form.changed_data))

    @staticmethod
    def _save_sku(product, inline_form):
        data = {f: inline_form.cleaned_data.get(f) for f in SkuInlineForm.Meta.fields}
        try:
            if inline_form.instance.pk:
                return services.sku_update(sku=inline_form.instance, data=data)
            return services.sku_create(product=product, data=data)
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
            image = inline_form.instance
            image.alt, image.sort_order = data.get("alt", ""), data.get("sort_order") or 0
            image.save(update_fields=["alt", "sort_order"])
            services.product_sync(product_id=product.pk)
            return image
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
            for field, errors in exc.error.message_dict.items():
                for error in errors:
                    self.message_user(
                        request,
                        _("SKU %(code)s: %(field)s: %(error)s")
                        % {
                            "code": exc.form.cleaned_data.get("code") or "?",
                            "field": field,
                            "error": error,
                        },
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
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="products.csv"'
        csv_io.products_export(queryset=queryset, stream=response)
        return response

    # --- CSV import ----------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name="catalog_product_import_csv",
            ),
            *super().get_urls(),
        ]

    def import_csv_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = csv_io.products_import(stream=form.cleaned_data["file"])
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
            "columns": csv_io.COLUMNS,
        }
        return render(request, "admin/catalog/product/import_csv.html", context)


def _deleted(formset) -> list:
    return [form.instance for form in formset.deleted_forms if form.instance.pk]


class _InlineError(Exception):
    def __init__(self, form, error: ValidationError):
        self.form, self.error = form, error
        super().__init__(str(error))


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    """The low-stock view: every SKU, filterable by low or no stock, stock editable in place."""

    list_display = (
        "code",
        "product",
        "attributes_label",
        "price",
        "stock",
        "low_stock_threshold",
        "is_active",
    )
    list_editable = ("stock",)
    list_filter = (LowStockFilter, "is_active", "product__category")
    search_fields = ("code", "product__name")
    list_select_related = ("product",)
    ordering = ("stock", "code")
    fields = SkuInlineForm.Meta.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    @admin.display(description=_("attributes"))
    def attributes_label(self, obj):
        return obj.attributes_label

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data.get(f) for f in form.cleaned_data}
        if change:
            services.sku_update(sku=obj, data=data)
        else:
            services.sku_create(product=obj.product, data=data)

    def has_add_permission(self, request):
        return False  # SKUs are added on their product's page
