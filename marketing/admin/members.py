"""Points and members in the merchant admin.

- The points rules are one row: the list opens it, a Save writes only what the merchant
  changed, and quotes read the rules afresh.
- Levels are the merchant's own table; a change moves every member's level at once.
- Members (a view of the shoppers) show level, growth, points, orders and what they spent;
  what the services move (growth, points, the level) is read-only. Points are adjusted
  through the ledger (an action with a reason), accounts disabled through the accounts
  service (sessions and tokens revoked), tags given and taken by actions.
- The points ledger is read-only, with the month's figures above it.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from accounts.services import users_disable
from config.admin import ChangedFieldsForm, ReadOnlyInline, ServiceRowsAdmin
from config.money import money
from marketing import selectors, services
from marketing.errors import NotEnoughPoints
from marketing.models import (
    GrowthEntry,
    Member,
    MemberLevel,
    MemberRules,
    Membership,
    MemberTag,
    PointsAccount,
    PointsEntry,
)

_PAID = ("paid", "shipped", "completed", "refunding", "refunded")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


class MemberRulesForm(ChangedFieldsForm):
    class Meta:
        model = MemberRules
        fields = (
            "points_per_yuan",
            "points_per_yuan_off",
            "points_max_percent",
            "check_in_cycle",
            "points_expiry_years",
            "growth_per_yuan",
        )


@admin.register(MemberRules)
class MemberRulesAdmin(admin.ModelAdmin):
    form = MemberRulesForm
    fieldsets = (
        (_("Earning"), {"fields": ("points_per_yuan", "growth_per_yuan")}),
        (_("Paying with points"), {"fields": ("points_per_yuan_off", "points_max_percent")}),
        (_("Check-in and expiry"), {"fields": ("check_in_cycle", "points_expiry_years")}),
    )

    def changelist_view(self, request, extra_context=None):
        # One row: the list is its page (or the page that makes it, on a database without it).
        if MemberRules.objects.filter(pk=1).exists():
            return HttpResponseRedirect(reverse("admin:marketing_memberrules_change", args=[1]))
        return HttpResponseRedirect(reverse("admin:marketing_memberrules_add"))

    def has_add_permission(self, request):
        return not MemberRules.objects.filter(pk=1).exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.member_rules_save(rules=obj, fields=form.changed_data if change else None)

    def response_change(self, request, obj):
        self.message_user(request, _("The points rules are saved."), messages.SUCCESS)
        return HttpResponseRedirect(request.path)

    def response_add(self, request, obj, post_url_continue=None):
        return self.response_change(request, obj)


@admin.register(MemberLevel)
class MemberLevelAdmin(TranslationAdmin):
    list_display = ("name", "growth_min", "discount", "points_multiplier", "members")
    ordering = ("growth_min",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fig_members=Count("members"))

    @admin.display(description=_("member discount"), ordering="discount_percent")
    def discount(self, obj):
        if not obj.discount_percent:
            return "—"
        return _("%(off)s%% off") % {"off": f"{obj.discount_percent.normalize():f}"}

    @admin.display(description=_("members"), ordering="fig_members")
    def members(self, obj):
        return obj.fig_members

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.member_levels_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.member_levels_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.member_levels_changed()


@admin.register(MemberTag)
class MemberTagAdmin(admin.ModelAdmin):
    list_display = ("name", "members")
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fig_members=Count("membership"))

    @admin.display(description=_("members"), ordering="fig_members")
    def members(self, obj):
        return obj.fig_members


# --- members -------------------------------------------------------------------------------


class PointsEntryInline(ReadOnlyInline):
    model = PointsEntry
    fk_name = "user"
    fields = ("created_at", "reason", "amount", "pending_amount", "balance_after", "note")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")
    verbose_name_plural = _("points history")
    max_num = 0

    def get_queryset(self, request):
        # The latest entries; the whole ledger is under Points entries.
        latest = PointsEntry.objects.order_by("-created_at", "-pk").values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=Subquery(latest.filter(user=OuterRef("user"))[:20]))
        )


class GrowthEntryInline(ReadOnlyInline):
    model = GrowthEntry
    fk_name = "user"
    fields = ("created_at", "reason", "reference", "amount", "growth_after")
    readonly_fields = fields
    verbose_name_plural = _("growth history")


class AdjustPointsForm(forms.Form):
    amount = forms.IntegerField(
        label=_("points"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("Positive adds points, negative takes them (never below zero)."),
    )
    note = forms.CharField(label=_("reason"), max_length=200)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if not amount:
            raise forms.ValidationError(_("Give a number of points other than 0."))
        return amount


class TagForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("tag"), queryset=MemberTag.objects.all())


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [
            ("none", _("No level")),
            *((str(level.pk), level.name) for level in MemberLevel.objects.all()),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(Q(membership__isnull=True) | Q(membership__level__isnull=True))
        if self.value() and self.value().isdigit():
            return queryset.filter(membership__level_id=int(self.value()))
        return queryset


@admin.register(Member)
class MemberAdmin(ServiceRowsAdmin):
    list_display = (
        "username",
        "phone",
        "email",
        "level",
        "growth",
        "points",
        "pending",
        "orders",
        "spent",
        "tag_names",
        "is_active",
    )
    list_filter = (LevelFilter, "membership__tags", "is_active")
    search_fields = ("username", "phone", "email", "nickname")
    ordering = ("-date_joined",)
    actions = ["adjust_points", "add_tag", "remove_tag", "disable_members"]
    fields = (
        "username",
        "nickname",
        "phone",
        "email",
        "date_joined",
        "is_active",
        "level",
        "growth",
        "points",
        "pending",
        "orders",
        "spent",
        "tag_names",
    )
    readonly_fields = fields
    inlines = [PointsEntryInline, GrowthEntryInline]

    def get_queryset(self, request):
        from orders.models import Order

        orders = Order.objects.filter(user=OuterRef("pk"), status__in=_PAID).values("user")
        return (
            super()
            .get_queryset(request)
            .filter(is_staff=False)  # shoppers; the shop's own accounts are under Users
            .select_related("membership__level", "points_account")
            .prefetch_related("membership__tags")
            .annotate(
                fig_orders=Coalesce(
                    Subquery(orders.annotate(n=Count("pk")).values("n")[:1]),
                    0,
                    output_field=IntegerField(),
                ),
                fig_spent=Coalesce(
                    Subquery(
                        orders.annotate(
                            s=Sum(F("total_amount") - F("refunded_amount"), output_field=_MONEY)
                        ).values("s")[:1]
                    ),
                    0,
                    output_field=_MONEY,
                ),
            )
        )

    @staticmethod
    def _membership(obj):
        try:
            return obj.membership
        except Membership.DoesNotExist:
            return None

    @staticmethod
    def _account(obj):
        try:
            return obj.points_account
        except PointsAccount.DoesNotExist:
            return None

    @admin.display(description=_("level"), ordering="membership__level__growth_min")
    def level(self, obj):
        membership = self._membership(obj)
        return membership.level.name if membership and membership.level else "—"

    @admin.display(description=_("growth"), ordering="membership__growth")
    def growth(self, obj):
        membership = self._membership(obj)
        return membership.growth if membership else 0

    @admin.display(description=_("usable points"), ordering="points_account__balance")
    def points(self, obj):
        account = self._account(obj)
        return account.balance if account else 0

    @admin.display(description=_("pending points"), ordering="points_account__pending")
    def pending(self, obj):
        account = self._account(obj)
        return account.pending if account else 0

    @admin.display(description=_("paid orders"), ordering="fig_orders")
    def orders(self, obj):
        return obj.fig_orders

    @admin.display(description=_("total spent"), ordering="fig_spent")
    def spent(self, obj):
        return money(obj.fig_spent)

    @admin.display(description=_("tags"))
    def tag_names(self, obj):
        membership = self._membership(obj)
        return "、".join(t.name for t in membership.tags.all()) if membership else ""

    def _form_page(self, request, queryset, *, action, title, form, intro):
        return TemplateResponse(
            request,
            "admin/marketing/member/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "intro": intro,
                "form": form,
                "members": queryset,
                "action": action,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Adjust points of selected members"), permissions=["change"])
    def adjust_points(self, request, queryset):
        form = AdjustPointsForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._form_page(
                request,
                queryset,
                action="adjust_points",
                title=_("Adjust points"),
                form=form,
                intro=_(
                    "Each member's points change by this number, with the reason in their history."
                ),
            )
        amount, note = form.cleaned_data["amount"], form.cleaned_data["note"]
        done = 0
        for member in queryset.order_by("pk"):
            try:
                services.points_adjust(
                    user_id=member.pk, amount=amount, note=note, actor=request.user
                )
                done += 1
            except NotEnoughPoints:
                self.message_user(
                    request,
                    _("%(name)s has fewer than %(n)d usable points; nothing taken.")
                    % {"name": member.username, "n": -amount},
                    messages.WARNING,
                )
        self.message_user(
            request, _("Points adjusted for %(n)d member(s).") % {"n": done}, messages.SUCCESS
        )
        return None

    def _tag(self, request, queryset, *, action, title, add):
        form = TagForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._form_page(
                request, queryset, action=action, title=title, form=form, intro=""
            )
        tag = form.cleaned_data["tag"]
        for member in queryset:
            membership, _created = Membership.objects.get_or_create(user=member)
            (membership.tags.add if add else membership.tags.remove)(tag)
        self.message_user(request, _("Tags updated."), messages.SUCCESS)
        return None

    @admin.action(description=_("Tag selected members"), permissions=["change"])
    def add_tag(self, request, queryset):
        return self._tag(request, queryset, action="add_tag", title=_("Tag members"), add=True)

    @admin.action(description=_("Remove a tag from selected members"), permissions=["change"])
    def remove_tag(self, request, queryset):
        return self._tag(request, queryset, action="remove_tag", title=_("Remove a tag"), add=False)

    @admin.action(
        description=_(
            "Disable selected members (they can no longer log in; sessions and tokens end)"
        ),
        permissions=["change"],
    )
    def disable_members(self, request, queryset):
        count = users_disable(users=queryset, keep=request.user)
        self.message_user(request, _("%(n)d member(s) disabled.") % {"n": count}, messages.SUCCESS)


# --- the ledger and its figures ----------------------------------------------------------------


@admin.register(PointsEntry)
class PointsEntryAdmin(ServiceRowsAdmin):
    list_display = (
        "created_at",
        "user",
        "reason",
        "amount",
        "pending_amount",
        "balance_after",
        "reference",
        "note",
        "actor",
    )
    list_filter = ("reason", "created_at")
    search_fields = ("user__username", "user__phone", "reference")
    list_select_related = ("user", "actor")
    date_hierarchy = "created_at"
    fields = list_display
    readonly_fields = list_display

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "monthly": selectors.points_monthly()}
        return super().changelist_view(request, extra_context)
