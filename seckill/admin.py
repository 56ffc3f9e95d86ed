"""Flash sales in the merchant admin: create a draft, publish it (its units leave the SKU),
end it early (what is left goes back). A published event's numbers are no longer edited:
its units moved through the ledger. Each button calls seckill.services."""

import redis
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from config.money import money
from orders.admin.orders import ReadOnlyInline
from orders.models import OrderStatus
from seckill import gate, services
from seckill.models import EventStatus, EventStockMovement, SeckillAdmission, SeckillEvent


class MovementInline(ReadOnlyInline):
    model = EventStockMovement
    fields = ("created_at", "quantity", "stock_after", "reason", "actor", "reference")
    readonly_fields = fields


@admin.register(SeckillEvent)
class SeckillEventAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "price_display",
        "allocated",
        "stock",
        "starts_at",
        "status",
        "live_numbers",
    )
    list_filter = ("status", "starts_at")
    search_fields = ("title", "sku__code")
    list_select_related = ("sku", "sku__product")
    autocomplete_fields = ("sku",)
    date_hierarchy = "starts_at"
    inlines = [MovementInline]
    actions = ["publish", "warm_up", "end_now"]
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
        "live_numbers",
    )

    def get_fields(self, request, obj=None):
        return self.fields if obj else self.fields[:7]  # a new one is a draft: nothing moved

    def get_readonly_fields(self, request, obj=None):
        moved = ("status", "stock", "published_at", "ended_at", "live_numbers")
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                orders_created=Count("admissions"),
                orders_paid=Count(
                    "admissions",
                    filter=Q(admissions__order__paid_at__isnull=False),
                ),
                orders_cancelled=Count(
                    "admissions", filter=Q(admissions__order__status=OrderStatus.CANCELLED)
                ),
            )
        )

    @admin.display(description=_("live numbers"))
    def live_numbers(self, obj):
        """Left in the gate, queued, orders made / paid / cancelled, dead letters."""
        if obj.pk is None or obj.status == EventStatus.DRAFT:
            return "-"
        try:
            gate_numbers = gate.event_numbers(obj.pk)
        except redis.RedisError:
            gate_numbers = {"stock_left": None, "queued": "?", "dead_letters": "?"}
        left = gate_numbers["stock_left"]
        return format_html(
            '<span class="live-numbers">{}: {}<br>{}: {}<br>{}: {} / {} / {}<br>{}: {}</span>',
            _("left in Redis"),
            _("not warmed") if left is None else left,
            _("queued"),
            gate_numbers["queued"],
            _("orders made / paid / cancelled"),
            getattr(obj, "orders_created", 0),
            getattr(obj, "orders_paid", 0),
            getattr(obj, "orders_cancelled", 0),
            _("dead letters"),
            gate_numbers["dead_letters"],
        )

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

    @admin.action(
        description=_("Warm up now (load stock and limits into Redis)"), permissions=["change"]
    )
    def warm_up(self, request, queryset):
        loaded = 0
        for event in queryset.filter(status__in=[EventStatus.PUBLISHED, EventStatus.RUNNING]):
            loaded += services.event_warm_up(event_id=event.pk)
        self.message_user(
            request,
            _("%(n)d flash sale(s) loaded into Redis; the others were warm already.")
            % {"n": loaded},
            messages.SUCCESS,
        )

    @admin.action(description=_("End the selected flash sales now"), permissions=["change"])
    def end_now(self, request, queryset):
        self._run(request, queryset, services.event_end, _("%(n)d flash sale(s) ended."))


@admin.register(SeckillAdmission)
class SeckillAdmissionAdmin(admin.ModelAdmin):
    """Who the gate admitted, and the order each became (read only: the worker writes them)."""

    list_display = (
        "reservation_id",
        "event",
        "user",
        "quantity",
        "order",
        "created_at",
        "released_at",
    )
    list_filter = ("event",)
    search_fields = ("reservation_id", "order__order_no", "user__username")
    list_select_related = ("event", "user", "order")
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
