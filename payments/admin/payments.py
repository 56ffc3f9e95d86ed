"""Payments in the merchant admin: read-only records of what the gateways said."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from config.money import money
from payments import services
from payments.models import (
    Payment,
    PaymentNotification,
    PaymentStatus,
    ReconciliationRun,
    Refund,
)
from payments.selectors import daily_totals


class ReadOnlyAdmin(admin.ModelAdmin):
    """Payments and notifications are written only by the pipeline, never by a form."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
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

    @admin.action(description=_("Ask the gateway about the selected pending payments now"))
    def query_gateway(self, request, queryset):
        pending = list(queryset.filter(status=PaymentStatus.PENDING).values_list("pk", flat=True))
        for payment_id in pending:
            services.payment_apply_query(payment_id=payment_id)
        self.message_user(
            request,
            _("%(n)d pending payment(s) checked with the gateway.") % {"n": len(pending)},
            messages.SUCCESS,
        )


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "provider", "notification_id", "verified", "outcome", "detail")
    list_filter = ("provider", "verified", "outcome")
    search_fields = ("=notification_id", "=payment__payment_no")
    readonly_fields = ("payment",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "day", "provider", "local_count", "bill_count", "mismatch_count")
    list_filter = ("provider", "day")
    readonly_fields = ("day", "provider", "local_count", "bill_count", "mismatches", "created_at")

    @admin.display(description=_("mismatches"))
    def mismatch_count(self, obj):
        return len(obj.mismatches)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
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
