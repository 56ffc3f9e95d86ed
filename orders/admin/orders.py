"""Orders in the admin: read-only records; every change goes through orders.services."""

import datetime
import re

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyInline, ServiceRowsAdmin
from config.csvexport import Text, csv_response, xlsx_response
from config.dates import local_day_range
from config.exceptions import ApplicationError
from config.money import money
from orders import notes, services
from orders.admin.desk import ShippingDeskMixin
from orders.admin.forms import ShipForm
from orders.carriers import carrier_label
from orders.hooks import admin_order_panels
from orders.models import (
    ActorType,
    Message,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
)

ORDER_NO = re.compile(r"[0-9]{22}")
PHONE = re.compile(r"\+?[0-9]{6,15}")


class DateRangeFilter(admin.FieldListFilter):
    """From/to date inputs for a datetime field (both optional, inclusive, the shop's local
    dates), applied as a time range."""

    template = "admin/orders/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.field_path = field_path
        self.lookup_from = f"{field_path}__from"
        self.lookup_to = f"{field_path}__to"
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
        conditions = {}
        if self.lookup_from in self.dates:
            conditions[f"{self.field_path}__gte"] = local_day_range(self.dates[self.lookup_from])[0]
        if self.lookup_to in self.dates:
            conditions[f"{self.field_path}__lt"] = local_day_range(self.dates[self.lookup_to])[1]
        return queryset.filter(**conditions)

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


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = (
        "product_name",
        "sku_code",
        "options",
        "unit_price_display",
        "quantity",
        "total",
        "discount",
        "paid",
    )
    readonly_fields = fields

    @admin.display(description=_("options"))
    def options(self, obj):
        return obj.options_label

    @admin.display(description=_("unit price"))
    def unit_price_display(self, obj):
        return money(obj.unit_price)

    @admin.display(description=_("line total"))
    def total(self, obj):
        return money(obj.line_total)

    @admin.display(description=_("discount"))
    def discount(self, obj):
        return money(obj.discount_amount) if obj.discount_amount else "—"

    @admin.display(description=_("paid"))
    def paid(self, obj):
        return money(obj.paid_amount)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "actor_type", "actor", "note_shown")
    readonly_fields = fields

    @admin.display(description=_("note"))
    def note_shown(self, obj):
        return obj.note_display


@admin.register(Order)
class OrderAdmin(ShippingDeskMixin, ServiceRowsAdmin):
    list_display = (
        "order_no",
        "user",
        "status",
        "total",
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
    search_help_text = _(
        "An order number or phone number finds exact matches; other words search usernames."
    )
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline]
    actions = [
        "ship_orders",
        "print_packing_slips",
        "print_picking_list",
        "mark_paid_offline",
        "cancel_unpaid",
        "export_xlsx",
        "export_csv",
    ]
    change_list_template = "admin/orders/order/change_list.html"
    fieldsets = (
        (None, {"fields": ("order_no", "user", "status", "source", "created_at", "pay_deadline")}),
        (_("Amount"), {"fields": ("items", "discounts", "shipping", "total", "refunded")}),
        (_("After-sales and refunds"), {"fields": ("after_sales",)}),
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
                    "carrier_name",
                    "tracking_no",
                    "shipped_at",
                    "completed_at",
                    "cancelled_at",
                    "cancel_reason_shown",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description=_("items"))
    def items(self, obj):
        return money(obj.items_amount)

    @admin.display(description=_("shipping"))
    def shipping(self, obj):
        return money(obj.shipping_fee)

    @admin.display(description=_("discounts"))
    def discounts(self, obj):
        rows = list(obj.discounts.all())
        if not rows:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{} −{}", ((row.label, money(row.amount)) for row in rows)
        )

    @admin.display(description=_("total"), ordering="total_amount")
    def total(self, obj):
        if obj.refunded_amount:
            return format_html(
                "{}<br><small>{}</small>",
                money(obj.total_amount),
                _("refunded %(amount)s") % {"amount": money(obj.refunded_amount)},
            )
        return money(obj.total_amount)

    @admin.display(description=_("cancel reason"))
    def cancel_reason_shown(self, obj):
        return obj.cancel_reason_display

    @admin.display(description=_("refunded"))
    def refunded(self, obj):
        return money(obj.refunded_amount)

    @admin.display(description=_("after-sales and refunds"))
    def after_sales(self, obj):
        panels = admin_order_panels(order=obj)
        return mark_safe("".join(panels)) if panels else "—"  # noqa: S308 (templates escape)

    @admin.display(description=_("carrier"))
    def carrier_name(self, obj):
        return carrier_label(obj.carrier)

    def get_search_results(self, request, queryset, search_term):
        # An order number or a phone number is matched exactly, on its index; LIKE '%…%'
        # over every order would scan the table.
        term = search_term.strip()
        if ORDER_NO.fullmatch(term):
            return queryset.filter(order_no=term), False
        if PHONE.fullmatch(term):
            return queryset.filter(Q(receiver_phone=term) | Q(user__phone=term)), False
        return super().get_search_results(request, queryset, term)

    def _run(self, request, queryset, action, done_message):
        done, failed = 0, []
        for order in queryset.order_by("pk"):
            try:
                action(order)
                done += 1
            except (ApplicationError, ValidationError) as exc:
                reason = (
                    exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
                )
                failed.append(f"{order.order_no}: {reason}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=_("Ship selected paid orders…"), permissions=["change"])
    def ship_orders(self, request, queryset):
        orders = list(queryset.filter(status=OrderStatus.PAID).order_by("pk"))
        if not orders:
            self.message_user(
                request, _("None of the selected orders is paid and waiting."), messages.WARNING
            )
            return None
        applying = bool(request.POST.get("apply"))
        forms = [ShipForm(request.POST if applying else None, order=o) for o in orders]
        if applying and all(form.is_valid() for form in forms):
            by_pk = {form.order.pk: form for form in forms}
            self._run(
                request,
                queryset.filter(pk__in=by_pk),
                lambda o: services.order_ship(
                    order_id=o.pk,
                    carrier=by_pk[o.pk].carrier_value,
                    tracking_no=by_pk[o.pk].cleaned_data["tracking_no"],
                    actor=request.user,
                ),
                _("%(n)d order(s) shipped."),
            )
            return None
        # First visit, or an error beside a field: nothing shipped yet.
        return TemplateResponse(
            request,
            "admin/orders/ship_orders.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ship orders"),
                "forms": forms,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=_("Mark selected orders paid (offline payment)"), permissions=["change"]
    )
    def mark_paid_offline(self, request, queryset):
        settled = list(
            queryset.exclude(status__in=[OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED])
            .order_by("pk")
            .values_list("order_no", flat=True)
        )
        for order_no in settled:
            self.message_user(
                request,
                _("Order %(no)s is already paid; nothing to do.") % {"no": order_no},
                messages.WARNING,
            )
        self._run(
            request,
            queryset.filter(status__in=[OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED]),
            lambda o: services.order_mark_paid(
                order_id=o.pk,
                actor=request.user,
                actor_type=ActorType.MERCHANT,
                note_key=notes.PAID_OFFLINE,
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
                reason_key=notes.CANCELLED_BY_MERCHANT,
            ),
            _("%(n)d order(s) cancelled."),
        )

    @admin.action(description=_("Export selected orders (Excel)"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return xlsx_response(
            order_export_rows(queryset), _export_name("xlsx"), sheet=str(_("Orders"))
        )

    @admin.action(description=_("Export selected orders (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_response(order_export_rows(queryset), _export_name("csv"))


def _export_name(suffix: str) -> str:
    name = _("orders")
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}.{suffix}"


# Column headers in the merchant's language (read when the export runs).
EXPORT_COLUMNS = [
    _("order number"),
    _("status"),
    _("source"),
    _("shopper"),
    _("created at"),
    _("paid at"),
    _("items"),
    _("items amount"),
    _("discount"),
    _("shipping"),
    _("total"),
    _("refunded"),
    _("receiver"),
    _("phone"),
    _("address"),
    _("remark"),
    _("carrier"),
    _("tracking number"),
    _("shipped at"),
]


def _local(value) -> str:
    """The shop's local time to the second, as spreadsheets read it: 2026-12-03 14:05:09."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def order_export_rows(queryset):
    """Header and one row per order, read in chunks: numbers that are names (order number,
    phone, tracking number) as text, money as numbers, times local to the second, each line
    with its options and quantity."""
    yield [str(column) for column in EXPORT_COLUMNS]
    orders = queryset.select_related("user").prefetch_related("items").order_by("pk")
    for order in orders.iterator(chunk_size=500):
        items = "; ".join(
            f"{item.product_name}"
            + (f" ({item.options_label})" if item.options_label else "")
            + f" × {item.quantity}"
            for item in order.items.all()
        )
        yield [
            Text(order.order_no),
            order.get_status_display(),
            order.get_source_display(),
            order.user.username,
            _local(order.created_at),
            _local(order.paid_at),
            items,
            order.items_amount,
            order.discount_amount,
            order.shipping_fee,
            order.total_amount,
            order.refunded_amount,
            order.receiver_name,
            Text(order.receiver_phone),
            order.full_address,
            order.remark,
            carrier_label(order.carrier),
            Text(order.tracking_no),
            _local(order.shipped_at),
        ]


@admin.register(Message)
class MessageAdmin(ServiceRowsAdmin):
    list_display = ("title", "user", "order", "created_at", "read_at")
    search_fields = ("title", "user__username")
    list_select_related = ("user", "order")
    raw_id_fields = ("user", "order")
