"""拼团 in the merchant admin: campaigns (a draft is edited, published moves its units from
the SKU, ending early fails its open groups through the path of a missed deadline), with
their figures; groups with their members, orders and refunds, read only (payments and the
clock move them)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from catalog.admin.common import reference_label
from config.admin import ChangedFieldsForm, ReadOnlyInline, ServiceRowsAdmin, run_per_row
from config.money import money
from marketing import services
from marketing.models import (
    CampaignStatus,
    GroupBuy,
    GroupBuyMember,
    GroupBuyStockMovement,
    GroupBuyTeam,
    MemberStatus,
    TeamStatus,
)
from marketing.services.groupbuy import DRAFT_FIELDS, LIVE_FIELDS

SHOWN = (TeamStatus.OPEN, TeamStatus.SUCCEEDED, TeamStatus.FAILED)


class MovementInline(ReadOnlyInline):
    model = GroupBuyStockMovement
    fields = ("created_at", "quantity", "stock_after", "reason", "actor", "reference_shown")
    readonly_fields = fields

    @admin.display(description=_("reference"))
    def reference_shown(self, obj):
        return reference_label(obj.reference)


class GroupBuyForm(ChangedFieldsForm):
    """A draft's fields (a published one's title and virtual members only), checked by the
    service's rules, each error beside its field."""

    class Meta:
        model = GroupBuy
        fields = DRAFT_FIELDS

    def clean(self):
        data = super().clean()
        try:
            services.groupbuy_validate(
                data=data,
                starts_changed=self.instance.pk is None or "starts_at" in self.changed_data,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return data


class _Moved(Exception):
    """Published or ended after the page was loaded: nothing was written."""


def _count(status_filter) -> Subquery:
    teams = GroupBuyTeam.objects.filter(campaign=OuterRef("pk"), **status_filter)
    return Coalesce(
        Subquery(
            teams.order_by().values("campaign").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


@admin.register(GroupBuy)
class GroupBuyAdmin(TranslationAdmin):
    form = GroupBuyForm
    list_display = ("title", "price_display", "group_size", "stock", "ends_at", "status", "figures")
    list_filter = ("status", "starts_at")
    search_fields = ("title", "sku__code", "sku__product__name")
    list_select_related = ("sku", "sku__product")
    autocomplete_fields = ("sku",)
    inlines = [MovementInline]
    actions = ["publish", "end_now"]
    fields = (
        "title",
        "sku",
        "group_price",
        "group_size",
        "fill_minutes",
        "starts_at",
        "ends_at",
        "allocated",
        "per_user_limit",
        "virtual_fill",
        "status",
        "stock",
        "published_at",
        "ended_at",
        "figures",
        "groups_link",
    )
    EDITABLE = 10  # the fields a draft's form shows

    def get_fields(self, request, obj=None):
        return self.fields if obj else self.fields[: self.EDITABLE]

    def get_readonly_fields(self, request, obj=None):
        moved = ("status", "stock", "published_at", "ended_at", "figures", "groups_link")
        if obj is None or obj.status == CampaignStatus.DRAFT:
            return moved
        # Its units moved through the ledger: what sells, at what price, in which groups,
        # stays put; the title and virtual members may still change.
        fixed = [f for f in self.fields[: self.EDITABLE] if f not in ("title", "virtual_fill")]
        if obj.status == CampaignStatus.ENDED:
            fixed += ["title", "virtual_fill"]
        return self.replace_orig_field((*fixed, *moved))

    def get_queryset(self, request):
        members = GroupBuyMember.objects.filter(team__campaign=OuterRef("pk")).order_by()
        return (
            super()
            .get_queryset(request)
            .annotate(
                opened=_count({"status__in": SHOWN}),
                succeeded=_count({"status": TeamStatus.SUCCEEDED}),
                failed=_count({"status": TeamStatus.FAILED}),
                sold=Coalesce(
                    Subquery(
                        members.filter(status=MemberStatus.JOINED, team__status="succeeded")
                        .values("team__campaign")
                        .annotate(n=Sum("quantity"))
                        .values("n"),
                        output_field=IntegerField(),
                    ),
                    0,
                ),
                refunded=Coalesce(
                    Subquery(
                        members.filter(status__in=(MemberStatus.REFUNDED, MemberStatus.REFUSED))
                        .values("team__campaign")
                        .annotate(n=Count("pk"))
                        .values("n"),
                        output_field=IntegerField(),
                    ),
                    0,
                ),
            )
        )

    @admin.display(description=_("group price"), ordering="group_price")
    def price_display(self, obj):
        return money(obj.group_price)

    @admin.display(description=_("figures"))
    def figures(self, obj):
        """Groups opened, succeeded / failed and the success rate of those decided, units
        sold in succeeded groups, members refunded (a failed group, or one full first)."""
        if obj.pk is None:
            return "-"
        decided = getattr(obj, "succeeded", 0) + getattr(obj, "failed", 0)
        rate = f"{round(100 * obj.succeeded / decided)}%" if decided else "-"
        return format_html(
            "{}: {} · {}: {} / {} ({})<br>{}: {} · {}: {}",
            _("groups opened"),
            getattr(obj, "opened", 0),
            _("succeeded / failed"),
            getattr(obj, "succeeded", 0),
            getattr(obj, "failed", 0),
            rate,
            _("units sold"),
            getattr(obj, "sold", 0),
            _("refunds"),
            getattr(obj, "refunded", 0),
        )

    @admin.display(description=_("groups"))
    def groups_link(self, obj):
        url = reverse("admin:marketing_groupbuyteam_changelist") + f"?campaign__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("See its groups, members and orders"))

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == CampaignStatus.DRAFT

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status != CampaignStatus.ENDED)

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.groupbuy_create(data=form.cleaned_data)
            obj.pk, obj._state.adding = created.pk, False
            return
        allowed = DRAFT_FIELDS if obj.status == CampaignStatus.DRAFT else LIVE_FIELDS
        changes = {n: form.cleaned_data[n] for n in form.changed_data if n in allowed}
        if not services.groupbuy_update(campaign_id=obj.pk, changes=changes):
            raise _Moved

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Moved:
            self.message_user(
                request,
                _("This group buy was published or ended meanwhile, so nothing was changed."),
                messages.WARNING,
            )
            return redirect("admin:marketing_groupbuy_change", object_id)

    def _run(self, request, queryset, action, done):
        run_per_row(
            self, request, queryset, lambda c: action(campaign_id=c.pk, actor=request.user), done
        )

    @admin.action(description=_("Publish the selected drafts"), permissions=["change"])
    def publish(self, request, queryset):
        self._run(request, queryset, services.groupbuy_publish, _("%(n)d group buy(s) published."))

    @admin.action(
        description=_("End the selected group buys now (open groups fail and are refunded)"),
        permissions=["change"],
    )
    def end_now(self, request, queryset):
        self._run(request, queryset, services.groupbuy_end, _("%(n)d group buy(s) ended."))


class MemberInline(ReadOnlyInline):
    model = GroupBuyMember
    fields = ("user", "is_leader", "quantity", "status", "joined_at", "order_link", "refund")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "order")

    @admin.display(description=_("order"))
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html(
            '<a href="{}">{}</a> ({})', url, obj.order.order_no, obj.order.get_status_display()
        )

    @admin.display(description=_("refunded"))
    def refund(self, obj):
        return money(obj.order.refunded_amount) if obj.order.refunded_amount else "-"


@admin.register(GroupBuyTeam)
class GroupBuyTeamAdmin(ServiceRowsAdmin):
    """Groups as payments and the clock left them (read only)."""

    list_display = (
        "team_no",
        "campaign",
        "leader",
        "members_display",
        "status",
        "failure",
        "deadline",
        "opened_at",
    )
    list_filter = ("status", "campaign")
    search_fields = ("team_no", "leader__username", "members__order__order_no")
    list_select_related = ("campaign", "leader")
    inlines = [MemberInline]
    readonly_fields = (
        "team_no",
        "campaign",
        "leader",
        "size",
        "seats_taken",
        "virtual_members",
        "status",
        "failure",
        "deadline",
        "opened_at",
        "finished_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=TeamStatus.CLOSED)

    @admin.display(description=_("members"))
    def members_display(self, obj):
        """Paid members (and virtual ones, counted apart) of its size."""
        if obj.virtual_members:
            return _("%(paid)d paid + %(virtual)d virtual / %(size)d") % {
                "paid": obj.seats_taken,
                "virtual": obj.virtual_members,
                "size": obj.size,
            }
        return f"{obj.seats_taken} / {obj.size}"
