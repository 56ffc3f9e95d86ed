"""Categories and brands in the admin; writes through catalog.services."""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from catalog import services
from catalog.admin.common import thumb
from catalog.models import Brand, Category


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("tree_name", "slug", "sort_order", "is_active", "product_count")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name_zh_hans", "name_en", "slug")
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

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset.order_by("-depth", "pk"):
            services.category_delete(category=category)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "logo_preview")
    search_fields = ("name",)

    @admin.display(description=_("logo"))
    def logo_preview(self, obj):
        return thumb(obj.logo)

    def save_model(self, request, obj, form, change):
        services.brand_save(brand=obj)

    def delete_model(self, request, obj):
        services.brand_delete(brand=obj)

    def delete_queryset(self, request, queryset):
        for brand in queryset:
            services.brand_delete(brand=brand)
