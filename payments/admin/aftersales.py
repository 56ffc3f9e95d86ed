"""Merchant admin for after-sales: the request queue, the reasons shoppers pick from, and
the decision buttons (approve, reject, goods received, retry the refund) that call
payments.services. Requests are never edited as rows."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from modeltranslation.admin import TranslationAdmin

from config.admin import ReadOnlyInline, ServiceRowsAdmin
from config.exceptions import ApplicationError
from config.money import money
from config.parsing import parse_id
from delivery.models import ReturnAddress
from payments import services
from payments.models import (
    OPEN_STATUSES,
    AfterSaleEvent,
    AfterSaleItem,
    AfterSaleKind,
    AfterSalePhoto,
    AfterSaleReason,
    AfterSaleRequest,
    AfterSaleStatus,
)
from payments.selectors import order_refunds


@admin.register(AfterSaleReason)
class AfterSaleReasonAdmin(TranslationAdmin):
    list_display = ("name", "applies_to", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("applies_to", "active")


class AgeFilter(admin.SimpleListFilter):
    """How long open requests have waited: what the merchant answers first."""

    title = _("waiting")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("1", _("over a day")),
            ("3", _("over 3 days")),
            ("7", _("over a week")),
        ]

    def queryset(self, request, queryset):
        days = self.value()
        if days not in {"1", "3", "7"}:
            return queryset
        since = timezone.now() - timedelta(days=int(days))
        return queryset.filter(status__in=OPEN_STATUSES, created_at__lte=since)


class ItemInline(ReadOnlyInline):
    model = AfterSaleItem
    fields = ("order_item", "quantity")
    readonly_fields = fields


class PhotoInline(ReadOnlyInline):
    model = AfterSalePhoto
    fields = ("preview",)
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, obj):
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="" '
            'style="max-width:160px;max-height:160px"></a>',
            obj.get_absolute_url(),
        )


class EventInline(ReadOnlyInline):
    model = AfterSaleEvent
    fields = ("created_at", "from_status", "to_status", "actor_type", "actor", "note_shown")
    readonly_fields = fields

    @admin.display(description=_("note"))
    def note_shown(self, obj):
        return obj.note_display


# The buttons the change page offers, by status: (action, label).
STEPS = {
    AfterSaleStatus.REQUESTED: [("approve", _("Approve")), ("reject", _("Reject"))],
    AfterSaleStatus.AWAITING_RETURN: [("reject", _("Reject"))],
    AfterSaleStatus.RETURN_SHIPPED: [
        ("received", _("Goods received: refund")),
        ("reject", _("Reject")),
    ],
    AfterSaleStatus.REFUND_FAILED: [("retry", _("Retry the refund"))],
}


@admin.register(AfterSaleRequest)
class AfterSaleRequestAdmin(ServiceRowsAdmin):
    list_display = (
        "request_no",
        "order_link",
        "kind",
        "status",
        "amount_display",
        "created_at",
    )
    list_filter = ("kind", "status", AgeFilter, "created_at")
    search_fields = ("request_no", "order__order_no", "return_tracking_no")
    list_select_related = ("order", "reason")
    date_hierarchy = "created_at"
    inlines = [ItemInline, PhotoInline, EventInline]
    fields = (
        "request_no",
        "order_link",
        "user",
        "kind",
        "status",
        "reason",
        "note",
        "amount_display",
        "merchant_note",
        "return_to",
        "return_carrier",
        "return_tracking_no",
        "refund_no",
        "refund_error",
        "created_at",
        "closed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The queue: open requests first, oldest first; the closed ones after them.
        return (
            super()
            .get_queryset(request)
            .alias(closed=~Q(status__in=OPEN_STATUSES))
            .order_by("closed", "created_at")
        )

    @admin.display(description=_("order"), ordering="order__order_no")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.order_no)

    @admin.display(description=_("refund amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request_obj = self.get_object(request, object_id)
        steps = STEPS.get(request_obj.status, []) if request_obj else []
        extra = {
            **(extra_context or {}),
            # The decisions are services; the row's own page never saves (ServiceRowsAdmin).
            "steps": steps if self.has_change_permission(request) else [],
            # Where the goods go back, for a return still to approve (the default first).
            "return_addresses": (
                list(ReturnAddress.objects.all())
                if request_obj
                and request_obj.kind == AfterSaleKind.RETURN
                and request_obj.status == AfterSaleStatus.REQUESTED
                else []
            ),
        }
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(require_POST(self.decide)),
                name="payments_aftersalerequest_decide",
            ),
            *super().get_urls(),
        ]

    def decide(self, request, pk):
        """A button on the change page: one service call, its error shown beside it."""
        obj = get_object_or_404(AfterSaleRequest, pk=pk)
        if not self.has_change_permission(request):
            raise PermissionDenied
        action, note = request.POST.get("action", ""), request.POST.get("note", "")
        calls = {
            "approve": lambda: services.aftersale_approve(
                request_no=obj.request_no,
                actor=request.user,
                note=note,
                return_address_id=parse_id(request.POST.get("return_address", "")),
            ),
            "reject": lambda: services.aftersale_reject(
                request_no=obj.request_no, actor=request.user, note=note
            ),
            "received": lambda: services.aftersale_goods_received(
                request_no=obj.request_no, actor=request.user, note=note
            ),
            "retry": lambda: services.aftersale_refund_retry(
                request_no=obj.request_no, actor=request.user
            ),
        }
        if action not in calls:
            messages.error(request, _("Choose what to do with the request."))
        else:
            try:
                calls[action]()
                messages.success(request, _("Done."))
            except ApplicationError as exc:
                detail = " ".join(m for msgs in exc.errors.values() for m in msgs)
                messages.error(request, f"{exc.message} {detail}".strip())
        return redirect("admin:payments_aftersalerequest_change", pk)


def admin_order_refunds_panel(*, order) -> str:
    """The order's admin page: its after-sales requests and refunds, each with its status,
    amount and a link (orders shows it through orders.hooks)."""
    found = order_refunds(order_id=order.pk)
    if not found["requests"] and not found["refunds"]:
        return ""
    return render_to_string("admin/payments/_order_refunds.html", found)
