"""The merchant's shipping templates: the charge, its region rules (dearer, cheaper, not
delivered), free-shipping rules; one template is the default."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts import regions
from delivery.models import (
    DayOff,
    DeliverySlot,
    LocalArea,
    PickupPoint,
    ReturnAddress,
    ShippingRule,
    ShippingTemplate,
)
from delivery.services import (
    return_address_make_default,
    slot_capacity_changed,
    template_make_default,
)


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


class ChangedFieldsAdmin(admin.ModelAdmin):
    """A Save writes only the fields the form changed: the default flag is moved by an
    action meanwhile, and writing back the value this page loaded would undo it."""

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        names = {f.name for f in obj._meta.concrete_fields}
        fields = [f for f in form.changed_data if f in names]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])


@admin.register(ShippingTemplate)
class ShippingTemplateAdmin(ChangedFieldsAdmin):
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


# --- pickup points, slots, days off ---------------------------------------------------------


WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)


def district_choices() -> list:
    """Every district, grouped by province and city."""
    groups = []
    for province in regions.children():
        for city in regions.children(province.code):
            label = province.name if city.name == province.name else f"{province.name} {city.name}"
            groups.append((label, [(d.code, d.name) for d in regions.children(city.code)]))
    return groups


class PickupPointForm(forms.ModelForm):
    region_code = forms.ChoiceField(label=_("District"), choices=district_choices)
    open_days = forms.TypedMultipleChoiceField(
        label=_("Days open"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PickupPoint
        fields = (
            "name",
            "region_code",
            "address",
            "latitude",
            "longitude",
            "hours",
            "open_days",
            "phone",
            "fee",
            "staff",
            "is_active",
            "position",
        )


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    form = PickupPointForm
    list_display = (
        "name",
        "place",
        "hours",
        "phone",
        "fee",
        "staff_count",
        "is_active",
        "position",
    )
    list_editable = ("is_active", "position")
    search_fields = ("name", "address", "phone")
    autocomplete_fields = ("staff",)
    fieldsets = (
        (None, {"fields": ("name", ("region_code", "address"), ("latitude", "longitude"))}),
        (_("Opening"), {"fields": ("hours", "open_days", "phone", "fee", "is_active", "position")}),
        (
            _("Staff"),
            {
                "fields": ("staff",),
                "description": _(
                    "They hand orders over on the pickup desk page (/pickup/), signed in with "
                    "their own account."
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_staff=Count("staff", distinct=True))

    @admin.display(description=_("address"))
    def place(self, obj):
        return obj.full_address

    @admin.display(description=_("staff"), ordering="n_staff")
    def staff_count(self, obj):
        return obj.n_staff


@admin.register(DeliverySlot)
class DeliverySlotAdmin(admin.ModelAdmin):
    list_display = ("label", "capacity", "is_active")
    list_editable = ("capacity", "is_active")
    fields = ("starts", "ends", "capacity", "is_active")

    @admin.display(description=_("time"), ordering="starts")
    def label(self, obj):
        return obj.label

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            slot_capacity_changed(slot=obj)


@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin):
    list_display = ("date", "note")
    date_hierarchy = "date"


class ReturnAddressForm(forms.ModelForm):
    region_code = forms.ChoiceField(label=_("District"), choices=district_choices)

    class Meta:
        model = ReturnAddress
        fields = ("name", "receiver", "phone", "region_code", "detail")


@admin.register(ReturnAddress)
class ReturnAddressAdmin(ChangedFieldsAdmin):
    form = ReturnAddressForm
    list_display = ("name", "receiver", "phone", "place", "is_default")
    readonly_fields = ("is_default",)
    actions = ["make_default"]

    @admin.display(description=_("address"))
    def place(self, obj):
        return obj.full_address

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not ReturnAddress.objects.filter(is_default=True).exists():
            return_address_make_default(address_id=obj.pk)  # the first is the default

    @admin.action(description=_("Make the selected address the default"), permissions=["change"])
    def make_default(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Choose exactly one address."), messages.ERROR)
            return
        return_address_make_default(address_id=chosen[0].pk)
        self.message_user(
            request,
            _("%(name)s is now the default return address.") % {"name": chosen[0].name},
            messages.SUCCESS,
        )


def city_and_district_choices() -> list:
    """Each city (whole) with its districts, grouped by province."""
    groups = []
    for province in regions.children():
        options = []
        for city in regions.children(province.code):
            options.append((city.code, _("%(city)s (all)") % {"city": city.name}))
            options += [(d.code, f"{city.name} {d.name}") for d in regions.children(city.code)]
        groups.append((province.name, options))
    return groups


class LocalAreaForm(forms.ModelForm):
    region_code = forms.ChoiceField(label=_("City or district"), choices=city_and_district_choices)

    class Meta:
        model = LocalArea
        fields = ("region_code", "fee", "free_over_amount", "is_active")


@admin.register(LocalArea)
class LocalAreaAdmin(admin.ModelAdmin):
    """Where the shop delivers itself in a time slot; elsewhere orders ship by template."""

    form = LocalAreaForm
    list_display = ("name", "fee", "free_over_amount", "is_active")
    list_editable = ("fee", "free_over_amount", "is_active")
