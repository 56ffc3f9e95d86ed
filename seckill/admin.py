"""Flash sales in the merchant admin: create a draft, publish it (its units leave the SKU),
end it early (what is left goes back). A published event's numbers are no longer edited:
its units moved through the ledger. Each button calls seckill.services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from config.money import money
from orders.admin.orders import ReadOnlyInline
from seckill import services
from seckill.models import EventStatus, EventStockMovement, SeckillEvent


class MovementInline(ReadOnlyInline):
    model = EventStockMovement
    fields = ("created_at", "quantity", "stock_after", "reason", "actor", "reference")
    readonly_fields = fields


@admin.register(SeckillEvent)
class SeckillEventAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "sku",
        "price_display",
        "allocated",
        "stock",
        "session_display",
        "starts_at",
        "ends_at",
        "status",
    )
    list_filter = ("status", "starts_at")
    search_fields = ("title", "sku__code")
    list_select_related = ("sku", "sku__product")
    autocomplete_fields = ("sku",)
    date_hierarchy = "starts_at"
    inlines = [MovementInline]
    actions = ["publish", "end_now"]
    fields = (
        "title",
        "sku",
        "flash_price",
        "allocated",
        "per_user_limit",
        "starts_at",
        "ends_at",
        "status",
        "stock",
        "published_at",
        "ended_at",
    )

    def get_fields(self, request, obj=None):
        return self.fields if obj else self.fields[:7]  # a new one is a draft: nothing moved

    def get_readonly_fields(self, request, obj=None):
        moved = ("status", "stock", "published_at", "ended_at")
        if obj is None or obj.status == EventStatus.DRAFT:
            return moved
        # Its units moved through the ledger: what is sold, how, and when stays put.
        return (*self.fields[:7], *moved)

    @admin.display(description=_("flash price"), ordering="flash_price")
    def price_display(self, obj):
        return money(obj.flash_price)

    @admin.display(description=_("session"))
    def session_display(self, obj):
        return obj.session

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == EventStatus.DRAFT

    def _run(self, request, queryset, action, done):
        count = 0
        for event in queryset.order_by("pk"):
            try:
                action(event_id=event.pk, actor=request.user)
                count += 1
            except ApplicationError as exc:
                self.message_user(request, f"{event}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"), permissions=["change"])
    def publish(self, request, queryset):
        self._run(request, queryset, services.event_publish, _("%(n)d flash sale(s) published."))

    @admin.action(description=_("End the selected flash sales now"), permissions=["change"])
    def end_now(self, request, queryset):
        self._run(request, queryset, services.event_end, _("%(n)d flash sale(s) ended."))
