"""Payments in the merchant admin: read-only records of what the gateways said."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from config.admin import ServiceRowsAdmin
from config.exceptions import ApplicationError
from config.money import money
from payments import services
from payments.models import (
    Payment,
    PaymentNotification,
    PaymentStatus,
    ReconciliationRun,
    Refund,
)
from payments.notification_details import detail_label
from payments.selectors import daily_totals


@admin.register(Payment)
class PaymentAdmin(ServiceRowsAdmin):
    list_display = (
        "payment_no",
        "order",
        "provider",
        "amount_display",
        "status",
        "refund_due",
        "paid_at",
        "created_at",
    )
    list_filter = ("provider", "status", "refund_due", "created_at")
    search_fields = ("=payment_no", "=provider_trade_no", "=order__order_no")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    actions = ["query_gateway"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "daily_totals": daily_totals(days=14)}
        )

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount)

    @admin.action(
        description=_("Ask the gateway about the selected pending payments now"),
        permissions=["change"],
    )
    def query_gateway(self, request, queryset):
        """Each pending payment: what its gateway answered, in one message."""
        pending = list(queryset.filter(status=PaymentStatus.PENDING).order_by("pk"))
        if not pending:
            self.message_user(request, _("None of the selected payments is pending."))
        for payment in pending:
            try:
                status = services.payment_apply_query(payment_id=payment.pk)
            except ApplicationError as exc:
                self.message_user(request, f"{payment.payment_no}: {exc.message}", messages.ERROR)
                continue
            answer = QUERY_ANSWERS.get(status, "")
            self.message_user(
                request, f"{payment.payment_no}: {answer}", QUERY_LEVELS.get(status, messages.INFO)
            )


# What "ask the gateway" tells the merchant, by the payment's status after the answer.
QUERY_ANSWERS = {
    PaymentStatus.PENDING: _("not paid yet: the gateway is still waiting for the shopper."),
    PaymentStatus.SUCCEEDED: _("paid: the gateway has the money, and the order is paid."),
    PaymentStatus.CLOSED: _("closed at the gateway: nothing was paid."),
    PaymentStatus.FAILED: _("the payment failed at the gateway."),
}
QUERY_LEVELS = {PaymentStatus.SUCCEEDED: messages.SUCCESS, PaymentStatus.FAILED: messages.WARNING}


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ServiceRowsAdmin):
    list_display = (
        "created_at",
        "provider",
        "notification_id",
        "verified",
        "outcome",
        "detail_shown",
    )
    list_filter = ("provider", "verified", "outcome")
    search_fields = ("=notification_id", "=payment__payment_no")
    readonly_fields = ("payment",)

    @admin.display(description=_("detail"), ordering="detail")
    def detail_shown(self, obj):
        return detail_label(obj.detail)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ServiceRowsAdmin):
    list_display = ("created_at", "day", "provider", "local_count", "bill_count", "mismatch_count")
    list_filter = ("provider", "day")
    readonly_fields = ("day", "provider", "local_count", "bill_count", "mismatches", "created_at")

    @admin.display(description=_("mismatches"))
    def mismatch_count(self, obj):
        return len(obj.mismatches)


@admin.register(Refund)
class RefundAdmin(ServiceRowsAdmin):
    """Every refund with its provider's answer; automatic ones (money for a cancelled
    order, or an order paid twice) went back with no merchant step."""

    list_display = ("refund_no", "payment", "amount_display", "status", "automatic", "created_at")
    list_filter = ("status", "automatic", "payment__provider", "created_at")
    search_fields = ("=refund_no", "=request_no", "=payment__payment_no", "=provider_refund_no")
    list_select_related = ("payment",)
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount)
