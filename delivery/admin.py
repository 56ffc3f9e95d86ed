"""The merchant's shipping templates: the charge, its region rules (dearer, cheaper, not
delivered), free-shipping rules; one template is the default."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts import regions
from delivery.models import ShippingRule, ShippingTemplate
from delivery.services import template_make_default


def region_choices() -> list:
    """Provinces, each with its cities: a rule names whole provinces or single cities."""
    groups = []
    for province in regions.children():
        cities = regions.children(province.code)
        options = [(province.code, _("%(province)s (all)") % {"province": province.name})]
        if len(cities) > 1:
            options += [(c.code, c.name) for c in cities]
        groups.append((province.name, options))
    return groups


class RuleForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        choices=region_choices,
        widget=forms.SelectMultiple(attrs={"size": 10, "class": "region-select"}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )

    class Meta:
        model = ShippingRule
        fields = (
            "regions",
            "delivers",
            "first_units",
            "first_fee",
            "extra_units",
            "extra_fee",
            "free_over_amount",
            "free_over_pieces",
            "position",
        )


class RuleInline(admin.StackedInline):
    model = ShippingRule
    form = RuleForm
    extra = 0
    fieldsets = (
        (None, {"fields": ("regions", "delivers", "position")}),
        (
            _("Charge in these regions"),
            {"fields": (("first_units", "first_fee"), ("extra_units", "extra_fee"))},
        ),
        (
            _("Free shipping in these regions"),
            {"fields": (("free_over_amount", "free_over_pieces"),)},
        ),
    )


@admin.register(ShippingTemplate)
class ShippingTemplateAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "charge_by",
        "first_charge",
        "extra_charge",
        "free_rule",
        "rule_count",
        "product_count",
        "is_default",
    )
    list_display_links = ("name",)
    search_fields = ("name",)
    inlines = [RuleInline]
    actions = ["make_default"]
    readonly_fields = ("is_default",)
    fieldsets = (
        (None, {"fields": ("name", "charge_by", "is_default")}),
        (
            _("Charge"),
            {
                "fields": (("first_units", "first_fee"), ("extra_units", "extra_fee")),
                "description": _(
                    "The lines of this template in one order are charged together: the first "
                    "fee for up to the first units (pieces or kg), then the extra fee for each "
                    "further step begun. Region rules below override it."
                ),
            },
        ),
        (
            _("Free shipping"),
            {
                "fields": (("free_over_amount", "free_over_pieces"),),
                "description": _(
                    "Where no region rule applies. Amount: what this template's items cost "
                    "after discounts, before shipping."
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_rules=Count("rules", distinct=True), n_products=Count("products", distinct=True)
            )
        )

    @admin.display(description=_("first"))
    def first_charge(self, obj):
        return f"{obj.first_units.normalize():f} → ¥{obj.first_fee}"

    @admin.display(description=_("each extra"))
    def extra_charge(self, obj):
        return f"+{obj.extra_units.normalize():f} → ¥{obj.extra_fee}"

    @admin.display(description=_("free shipping"))
    def free_rule(self, obj):
        parts = []
        if obj.free_over_amount is not None:
            parts.append(_("from ¥%(amount)s") % {"amount": obj.free_over_amount})
        if obj.free_over_pieces is not None:
            parts.append(_("from %(n)d pieces") % {"n": obj.free_over_pieces})
        return " / ".join(str(p) for p in parts) or "—"

    @admin.display(description=_("region rules"), ordering="n_rules")
    def rule_count(self, obj):
        return obj.n_rules

    @admin.display(description=_("products"), ordering="n_products")
    def product_count(self, obj):
        return obj.n_products

    @admin.action(description=_("Make the selected template the default"), permissions=["change"])
    def make_default(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Choose exactly one template."), messages.ERROR)
            return
        template_make_default(template_id=chosen[0].pk)
        self.message_user(
            request,
            _("%(name)s is now the default template.") % {"name": chosen[0].name},
            messages.SUCCESS,
        )
