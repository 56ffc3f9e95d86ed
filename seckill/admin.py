"""Flash sales in the merchant admin: create a draft, publish it (its units leave the SKU),
end it early (what is left goes back). Only a draft is edited, and only the fields the form
changed are written, with ``WHERE status = draft`` (seckill.services.event_update_draft): a
published event's stock and status move through the services, never through a form."""

import redis
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from catalog.admin.common import reference_label
from config.admin import ChangedFieldsForm, ReadOnlyInline, ServiceRowsAdmin, run_per_row
from config.money import money
from orders.models import OrderStatus
from seckill import gate, services
from seckill.models import EventStatus, EventStockMovement, SeckillAdmission, SeckillEvent


class MovementInline(ReadOnlyInline):
    model = EventStockMovement
    fields = ("created_at", "quantity", "stock_after", "reason", "actor", "reference_shown")
    readonly_fields = fields

    @admin.display(description=_("reference"))
    def reference_shown(self, obj):
        return reference_label(obj.reference)


class SeckillEventForm(ChangedFieldsForm):
    """A draft's fields, checked by the service's rules (each error beside its field)."""

    class Meta:
        model = SeckillEvent
        fields = services.DRAFT_FIELDS

    def clean(self):
        data = super().clean()
        try:
            services.event_validate(
                data=data,
                starts_changed=self.instance.pk is None or "starts_at" in self.changed_data,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, errors)
        return data


class _NotADraft(Exception):
    """The event was published (or ended) after its page was loaded: nothing was written."""


@admin.register(SeckillEvent)
class SeckillEventAdmin(TranslationAdmin):
    form = SeckillEventForm
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

    class Media:
        js = ["js/admin-seckill.js"]

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
        return self.replace_orig_field((*self.fields[:7], *moved))

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
        """Left in the gate (while it sells), queued, orders made / paid / cancelled, dead
        letters; the page refreshes them every few seconds (static/js/admin-seckill.js)."""
        if obj.pk is None or obj.status == EventStatus.DRAFT:
            return "-"
        try:
            gate_numbers = gate.event_numbers(obj.pk)
        except redis.RedisError:
            gate_numbers = {"stock_left": None, "queued": "?", "dead_letters": "?"}
        left = gate_numbers["stock_left"]
        if obj.status == EventStatus.ENDED:
            # The gate is closed: what it still counts is not for sale.
            gate_line = format_html("{}: {}", _("units left"), obj.stock)
        else:
            gate_line = format_html(
                "{}: {}", _("left in Redis"), _("not warmed") if left is None else left
            )
        return format_html(
            '<span class="live-numbers" data-event="{}">{}<br>{}: {}<br>{}: {} / {} / {}<br>'
            "{}: {}</span>",
            obj.pk,
            gate_line,
            _("queued"),
            gate_numbers["queued"],
            _("orders made / paid / cancelled"),
            getattr(obj, "orders_created", 0),
            getattr(obj, "orders_paid", 0),
            getattr(obj, "orders_cancelled", 0),
            _("dead letters"),
            gate_numbers["dead_letters"],
        )

    def has_change_permission(self, request, obj=None):
        # A published event's page is view-only; its buttons are the list's actions.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == EventStatus.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == EventStatus.DRAFT

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.event_create(data=form.cleaned_data)
            obj.pk, obj._state.adding = created.pk, False
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not services.event_update_draft(event_id=obj.pk, changes=changes):
            raise _NotADraft

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            event = self.get_object(request, object_id)
            if event is not None and event.status != EventStatus.DRAFT:
                return self._nothing_changed(request, event.pk)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _NotADraft:
            return self._nothing_changed(request, object_id)

    def _nothing_changed(self, request, event_id):
        self.message_user(
            request,
            _(
                "This flash sale is no longer a draft, so nothing was changed. Its units and "
                "status move through the actions (end now) only."
            ),
            messages.WARNING,
        )
        return redirect("admin:seckill_seckillevent_change", event_id)

    def get_urls(self):
        return [
            path(
                "live/",
                self.admin_site.admin_view(self.live_view),
                name="seckill_seckillevent_live",
            ),
            *super().get_urls(),
        ]

    def live_view(self, request):
        """The live numbers of the events asked for (``?id=1&id=2``), for the page's poll."""
        if not self.has_view_permission(request):
            return JsonResponse({}, status=403)
        ids = [int(i) for i in request.GET.getlist("id") if i.isascii() and i.isdigit()][:100]
        events = self.get_queryset(request).filter(pk__in=ids)
        return JsonResponse({str(event.pk): str(self.live_numbers(event)) for event in events})

    def _run(self, request, queryset, action, done):
        run_per_row(
            self, request, queryset, lambda e: action(event_id=e.pk, actor=request.user), done
        )

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
class SeckillAdmissionAdmin(ServiceRowsAdmin):
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
