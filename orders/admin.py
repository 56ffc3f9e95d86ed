"""Merchant admin for orders: read-only records; every change goes through orders.services."""

import csv
import datetime

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from orders import services
from orders.models import ActorType, Message, Order, OrderEvent, OrderItem, OrderStatus


class DateRangeFilter(admin.FieldListFilter):
    """From/to date inputs for a datetime field (both optional, inclusive, local dates)."""

    template = "admin/orders/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_from = f"{field_path}__date__gte"
        self.lookup_to = f"{field_path}__date__lte"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.dates = {}
        for lookup in (self.lookup_from, self.lookup_to):
            value = self.used_parameters.get(lookup)
            value = value[-1] if isinstance(value, list) else value
            if value:
                try:
                    self.dates[lookup] = datetime.date.fromisoformat(value)
                except ValueError as exc:
                    raise IncorrectLookupParameters(exc) from exc

    def expected_parameters(self):
        return [self.lookup_from, self.lookup_to]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        return queryset.filter(**self.dates) if self.dates else queryset

    def choices(self, changelist):
        others = {
            k: v
            for k, v in changelist.get_filters_params().items()
            if k not in self.expected_parameters()
        }
        yield {
            "from_name": self.lookup_from,
            "to_name": self.lookup_to,
            "from_value": self.dates.get(self.lookup_from, ""),
            "to_value": self.dates.get(self.lookup_to, ""),
            "others": [(k, v[-1] if isinstance(v, list) else v) for k, v in others.items()],
            "clear_url": changelist.get_query_string(remove=self.expected_parameters()),
        }


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("product_name", "sku_code", "options", "unit_price", "quantity", "line_total")
    readonly_fields = fields

    @admin.display(description=_("options"))
    def options(self, obj):
        return obj.options_label


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "actor_type", "actor", "note")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "order_no",
        "user",
        "status",
        "total_amount",
        "receiver_name",
        "receiver_phone",
        "created_at",
        "paid_at",
    )
    list_filter = (
        "status",
        ("created_at", DateRangeFilter),
        ("paid_at", DateRangeFilter),
        "source",
    )
    search_fields = ("order_no", "user__username", "user__phone", "receiver_phone")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline]
    actions = ["ship_orders", "mark_paid_offline", "cancel_unpaid", "export_csv"]
    fieldsets = (
        (None, {"fields": ("order_no", "user", "status", "source", "created_at", "pay_deadline")}),
        (_("Amount"), {"fields": ("items_amount", "shipping_fee", "total_amount")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "receiver_name",
                    "receiver_phone",
                    "province",
                    "city",
                    "district",
                    "detail",
                    "postal_code",
                    "remark",
                )
            },
        ),
        (
            _("Progress"),
            {
                "fields": (
                    "paid_at",
                    "carrier",
                    "tracking_no",
                    "shipped_at",
                    "completed_at",
                    "cancelled_at",
                    "cancel_reason",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # orders are placed by shoppers

    def has_delete_permission(self, request, obj=None):
        return False  # orders are records; cancel instead

    def _run(self, request, queryset, action, done_message):
        done, failed = 0, []
        for order in queryset.order_by("pk"):
            try:
                action(order)
                done += 1
            except (ApplicationError, ValidationError) as exc:
                failed.append(f"{order.order_no}: {getattr(exc, 'message', exc)}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=_("Ship selected paid orders…"), permissions=["change"])
    def ship_orders(self, request, queryset):
        orders = list(queryset.filter(status=OrderStatus.PAID).order_by("pk"))
        if request.POST.get("apply"):
            posted = {
                o.pk: (
                    request.POST.get(f"carrier_{o.pk}", ""),
                    request.POST.get(f"tracking_{o.pk}", ""),
                )
                for o in orders
            }
            self._run(
                request,
                queryset.filter(pk__in=posted),
                lambda o: services.order_ship(
                    order_id=o.pk,
                    carrier=posted[o.pk][0],
                    tracking_no=posted[o.pk][1],
                    actor=request.user,
                ),
                _("%(n)d order(s) shipped."),
            )
            return None
        if not orders:
            self.message_user(
                request, _("None of the selected orders is paid and waiting."), messages.WARNING
            )
            return None
        return TemplateResponse(
            request,
            "admin/orders/ship_orders.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ship orders"),
                "orders": orders,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=_("Mark selected orders paid (offline payment)"), permissions=["change"]
    )
    def mark_paid_offline(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda o: services.order_mark_paid(
                order_id=o.pk,
                actor=request.user,
                actor_type=ActorType.MERCHANT,
                note=str(_("Paid offline, marked by the merchant")),
            ),
            _("%(n)d order(s) marked paid."),
        )

    @admin.action(description=_("Cancel selected unpaid orders"), permissions=["change"])
    def cancel_unpaid(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda o: services.order_cancel(
                order_id=o.pk,
                actor=request.user,
                actor_type=ActorType.MERCHANT,
                reason=str(_("Cancelled by the merchant")),
            ),
            _("%(n)d order(s) cancelled."),
        )

    @admin.action(description=_("Export selected orders to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="orders.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "order_no",
                "status",
                "user",
                "created_at",
                "paid_at",
                "items_amount",
                "shipping_fee",
                "total_amount",
                "receiver",
                "phone",
                "address",
                "carrier",
                "tracking_no",
                "items",
            ]
        )
        for order in queryset.select_related("user").prefetch_related("items").order_by("pk"):
            writer.writerow(
                [
                    order.order_no,
                    order.status,
                    order.user.username,
                    order.created_at.isoformat(),
                    order.paid_at.isoformat() if order.paid_at else "",
                    order.items_amount,
                    order.shipping_fee,
                    order.total_amount,
                    order.receiver_name,
                    order.receiver_phone,
                    order.full_address,
                    order.carrier,
                    order.tracking_no,
                    "; ".join(f"{i.sku_code} x{i.quantity}" for i in order.items.all()),
                ]
            )
        return response


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "order", "created_at", "read_at")
    search_fields = ("title", "user__username")
    list_select_related = ("user", "order")
    raw_id_fields = ("user", "order")
