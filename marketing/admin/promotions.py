"""Promotions and coupons in the merchant admin, with what each brought in.

A coupon template's counters move through the services while shoppers claim, so a Save
writes only the fields the merchant changed on the page (``update_fields``), never
``issued_count``; once coupons are out, what they give and apply to is read-only. Stopping,
voiding and giving coupons out are actions that call the services.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from config.admin import ChangedFieldsForm, ServiceRowsAdmin
from config.money import money
from marketing import selectors, services, texts
from marketing.models import (
    CouponIssue,
    CouponTemplate,
    Promotion,
    PromotionItem,
    PromotionKind,
    PromotionTier,
    ThresholdKind,
    UserCoupon,
)


class WindowFilter(admin.SimpleListFilter):
    """Running, yet to start, over, or stopped by the merchant."""

    title = _("status")
    parameter_name = "window"
    start_field = "starts_at"
    end_field = "ends_at"

    def lookups(self, request, model_admin):
        return [
            ("running", _("Running")),
            ("upcoming", _("Yet to start")),
            ("ended", _("Ended")),
            ("stopped", _("Stopped")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        start, end = self.start_field, self.end_field
        if self.value() == "stopped":
            return queryset.filter(is_active=False)
        live = queryset.filter(is_active=True)
        if self.value() == "running":
            return live.filter(
                Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": now}),
                Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": now}),
            )
        if self.value() == "upcoming":
            return live.filter(**{f"{start}__gt": now})
        if self.value() == "ended":
            return live.filter(**{f"{end}__lte": now})
        return queryset


class ClaimWindowFilter(WindowFilter):
    """A coupon template's claims: open, yet to open, closed, or stopped."""

    start_field = "claim_starts_at"
    end_field = "claim_ends_at"


def _window_status(active: bool, starts, ends) -> str:
    now = timezone.now()
    if not active:
        return _("Stopped")
    if starts and now < starts:
        return _("Yet to start")
    if ends and now >= ends:
        return _("Ended")
    return _("Running")


def _figures_columns(obj) -> str:
    """The discount a promotion or coupon gave in paid orders, and what those orders brought
    in (annotated by marketing.selectors)."""
    if not obj.fig_orders:
        return "—"
    return format_html(
        "{}<br><small>{}</small>",
        _("%(off)s off in %(n)d orders") % {"off": money(obj.fig_discount), "n": obj.fig_orders},
        _("net sales %(amount)s") % {"amount": money(obj.fig_net_sales)},
    )


# --- promotions ----------------------------------------------------------------------------


class PromotionTierInline(admin.TabularInline):
    model = PromotionTier
    extra = 1
    fields = ("threshold", "amount_off", "price_percent")


class PromotionItemInline(admin.TabularInline):
    model = PromotionItem
    extra = 1
    fields = ("product", "sku", "price_percent", "price")
    raw_id_fields = ("product", "sku")


class PromotionForm(ChangedFieldsForm):
    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end comes after the start."))
        return data


class TierFormSet(forms.BaseInlineFormSet):
    """满减 takes an amount off, 满折 a percent; an amount off stays below its threshold (no
    order for nothing); the tiers' benefits rise with their thresholds."""

    def clean(self):
        super().clean()
        kind = self.instance.kind
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            off, percent = data.get("amount_off"), data.get("price_percent")
            if kind == PromotionKind.AMOUNT_OFF and (off is None or percent is not None):
                form.add_error("amount_off", _("A 满减 tier takes an amount off."))
            elif kind == PromotionKind.PERCENT_OFF and (percent is None or off is not None):
                form.add_error("price_percent", _("A 满折 tier takes a percent of the price."))
            threshold = data.get("threshold")
            if (
                off is not None
                and threshold is not None
                and self.instance.threshold_kind == ThresholdKind.AMOUNT
                and off >= threshold
            ):
                form.add_error("amount_off", _("Take off less than the threshold."))


PromotionTierInline.formset = TierFormSet


@admin.register(Promotion)
class PromotionAdmin(TranslationAdmin):
    form = PromotionForm
    list_display = ("name", "kind", "starts_at", "ends_at", "status", "coupons_too", "figures")
    list_filter = (WindowFilter, "kind", "starts_at")
    search_fields = ("name",)
    date_hierarchy = "starts_at"
    inlines = [PromotionTierInline, PromotionItemInline]
    filter_horizontal = ("categories", "products", "excluded_products")
    actions = ["stop_now"]
    fieldsets = (
        (None, {"fields": ("name", "kind", "threshold_kind", "starts_at", "ends_at")}),
        (_("Rules"), {"fields": ("combines_with_coupons", "is_active")}),
        (
            _("Applies to (满减 and 满折)"),
            {"fields": ("scope", "categories", "products", "excluded_products")},
        ),
    )

    def get_queryset(self, request):
        return selectors.promotions_with_figures(super().get_queryset(request))

    @admin.display(description=_("status"))
    def status(self, obj):
        return _window_status(obj.is_active, obj.starts_at, obj.ends_at)

    @admin.display(description=_("with coupons"), boolean=True)
    def coupons_too(self, obj):
        return obj.combines_with_coupons

    @admin.display(description=_("brought in"), ordering="fig_net_sales")
    def figures(self, obj):
        return _figures_columns(obj)

    def save_model(self, request, obj, form, change):
        concrete = {f.name for f in obj._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in concrete] if change else None
        services.promotion_save(promotion=obj, fields=fields)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.promotions_changed()  # its tiers, items and scope

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.promotions_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.promotions_changed()

    @admin.action(description=_("Stop the chosen promotions now"), permissions=["change"])
    def stop_now(self, request, queryset):
        n = services.promotions_stop(promotion_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d promotions stopped.") % {"n": n}, messages.SUCCESS)


# --- coupon templates ----------------------------------------------------------------------

# What coupons already out give and apply to: fixed once any is out.
FIXED_ONCE_ISSUED = (
    "kind",
    "amount_off",
    "price_percent",
    "max_off",
    "threshold",
    "scope",
    "categories",
    "products",
    "excluded_products",
    "new_shoppers_only",
    "return_on_refund",
)


class CouponTemplateForm(ChangedFieldsForm):
    def clean(self):
        data = super().clean()
        kind = data.get("kind", self.instance.kind)
        if kind == "amount" and not data.get("amount_off", self.instance.amount_off):
            self.add_error("amount_off", _("An amount-off coupon takes an amount off."))
        if kind == "percent" and not data.get("price_percent", self.instance.price_percent):
            self.add_error("price_percent", _("A percent coupon takes a percent of the price."))
        if not data.get("valid_days") and not data.get("valid_until"):
            self.add_error("valid_until", _("Give an end, or a number of days after claiming."))
        total = data.get("total_quantity")
        if total is not None and self.instance.pk and total < self.instance.issued_count:
            self.add_error(
                "total_quantity",
                _("%(n)d are out already.") % {"n": self.instance.issued_count},
            )
        return data


@admin.register(CouponTemplate)
class CouponTemplateAdmin(TranslationAdmin):
    form = CouponTemplateForm
    list_display = ("name", "kind", "terms", "issued", "claimed", "used", "status", "figures")
    list_filter = (ClaimWindowFilter, "kind", "new_shoppers_only", "claim_starts_at")
    search_fields = ("name",)
    filter_horizontal = ("categories", "products", "excluded_products")
    actions = ["stop_claims", "stop_and_void", "issue_to_everyone"]
    fieldsets = (
        (None, {"fields": ("name", "kind", "amount_off", "price_percent", "max_off")}),
        (_("Who and how many"), {"fields": ("threshold", "total_quantity", "per_user_limit")}),
        (None, {"fields": ("per_day_limit", "new_shoppers_only", "in_coupon_centre")}),
        (_("When"), {"fields": ("claim_starts_at", "claim_ends_at", "valid_from")}),
        (None, {"fields": ("valid_until", "valid_days", "return_on_refund", "is_active")}),
        (_("Applies to"), {"fields": ("scope", "categories", "products", "excluded_products")}),
    )

    def get_queryset(self, request):
        return selectors.templates_with_figures(super().get_queryset(request))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.promotions_changed()  # product pages show the coupon centre's templates

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.issued_count:
            return FIXED_ONCE_ISSUED
        return ()

    def has_delete_permission(self, request, obj=None):
        # Coupons out keep their template: stop it and void them instead.
        if obj is not None and obj.issued_count:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what this merchant changed; claims move issued_count meanwhile.
        concrete = {f.name for f in obj._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in concrete]
        services.coupon_template_update(template=obj, fields=fields)

    @admin.display(description=_("gives"))
    def terms(self, obj):
        return texts.template_terms(obj)

    @admin.display(description=_("issued"))
    def issued(self, obj):
        total = "∞" if obj.total_quantity is None else obj.total_quantity
        return f"{obj.issued_count} / {total}"

    @admin.display(description=_("claimed"), ordering="fig_claimed")
    def claimed(self, obj):
        return obj.fig_claimed

    @admin.display(description=_("used"), ordering="fig_used")
    def used(self, obj):
        return obj.fig_used

    @admin.display(description=_("status"))
    def status(self, obj):
        return _window_status(obj.is_active, obj.claim_starts_at, obj.claim_ends_at)

    @admin.display(description=_("brought in"), ordering="fig_net_sales")
    def figures(self, obj):
        return _figures_columns(obj)

    @admin.action(description=_("Stop claims"), permissions=["change"])
    def stop_claims(self, request, queryset):
        for template in queryset:
            services.coupon_template_stop(template_id=template.pk)
        self.message_user(request, _("Claims stopped."), messages.SUCCESS)

    @admin.action(description=_("Stop claims and void unused coupons"), permissions=["change"])
    def stop_and_void(self, request, queryset):
        voided = sum(
            services.coupon_template_stop(template_id=t.pk, void_unused=True) for t in queryset
        )
        self.message_user(
            request, _("Claims stopped; %(n)d unused coupons voided.") % {"n": voided}
        )

    @admin.action(description=_("Give one to every shopper"), permissions=["change"])
    def issue_to_everyone(self, request, queryset):
        for template in queryset:
            services.coupon_issue_create(
                template_id=template.pk, actor=request.user, to_everyone=True
            )
        self.message_user(
            request,
            _("Giving out in the background; see Coupon issues for the progress."),
            messages.SUCCESS,
        )


# --- issues and shoppers' coupons ------------------------------------------------------------


class CouponIssueForm(forms.ModelForm):
    shoppers = forms.CharField(
        label=_("shoppers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Usernames or phone numbers, one per line or separated by commas."),
    )

    class Meta:
        model = CouponIssue
        fields = ("template", "to_everyone")

    def clean(self):
        data = super().clean()
        names = [n.strip() for n in (data.get("shoppers") or "").replace(",", "\n").split()]
        names = [n for n in names if n]
        if data.get("to_everyone"):
            data["user_ids"] = []
            return data
        if not names:
            raise ValidationError(_("Choose shoppers, or every shopper."))
        User = get_user_model()
        found = User.objects.filter(Q(username__in=names) | Q(phone__in=names))
        known = {u.username for u in found} | {u.phone for u in found}
        missing = [n for n in names if n not in known]
        if missing:
            self.add_error("shoppers", _("Not found: %(names)s") % {"names": ", ".join(missing)})
        data["user_ids"] = [u.pk for u in found]
        return data


@admin.register(CouponIssue)
class CouponIssueAdmin(admin.ModelAdmin):
    form = CouponIssueForm
    list_display = ("template", "audience", "status", "given", "skipped", "created_at", "by")
    list_filter = ("status", "created_at")
    raw_id_fields = ("template",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("template", "to_everyone", "shoppers")
        return ("template", "audience", "status", "given", "skipped", "created_at", "finished_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:  # an issue's page is read-only; nothing to save
            return
        issue = services.coupon_issue_create(
            template_id=form.cleaned_data["template"].pk,
            actor=request.user,
            user_ids=form.cleaned_data["user_ids"],
            to_everyone=form.cleaned_data["to_everyone"],
        )
        # The admin logs and links the row the service made.
        obj.pk, obj.created_at, obj.template = issue.pk, issue.created_at, issue.template

    @admin.display(description=_("to"))
    def audience(self, obj):
        if obj.to_everyone:
            return _("every shopper")
        return _("%(n)d shoppers") % {"n": len(obj.user_ids)}

    @admin.display(description=_("given"))
    def given(self, obj):
        return obj.coupons.count()

    @admin.display(description=_("by"))
    def by(self, obj):
        return obj.created_by or "—"


@admin.register(UserCoupon)
class UserCouponAdmin(ServiceRowsAdmin):
    list_display = ("template", "user", "status", "source", "valid_until", "order", "used_at")
    list_filter = ("status", "source", "template", "valid_until")
    search_fields = ("user__username", "user__phone", "template__name")
    list_select_related = ("template", "user", "order")
    raw_id_fields = ("user", "order", "template", "issue")
