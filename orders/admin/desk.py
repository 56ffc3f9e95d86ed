"""The shipping desk in the order admin: ship from a file (and its template), packing slips
and a picking list for chosen orders."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.csvexport import csv_response, xlsx_response
from config.site import site_name
from orders import selectors, services
from orders.admin.forms import ShipFileForm
from orders.models import DeliveryMethod, Order, OrderStatus


class ShippingDeskMixin:
    """For OrderAdmin: its extra pages and print actions."""

    def get_urls(self):
        return [
            path(
                "ship-file/",
                self.admin_site.admin_view(self.ship_file_view),
                name="orders_ship_file",
            ),
            path(
                "ship-file/template.<str:fmt>",
                self.admin_site.admin_view(self.ship_template_view),
                name="orders_ship_template",
            ),
            *super().get_urls(),
        ]

    def ship_file_view(self, request):
        """Upload a file of order number, carrier and tracking number: each row ships its
        order or says why not; nothing is half-done for a row."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ShipFileForm(request.POST or None, request.FILES or None)
        outcomes = None
        if request.method == "POST" and form.is_valid():
            try:
                outcomes = services.orders_ship_from_file(
                    upload=form.cleaned_data["file"], actor=request.user
                )
            except ValidationError as exc:
                form.add_error("file", exc)
        shipped = sum(o.shipped for o in outcomes or [])
        return TemplateResponse(
            request,
            "admin/orders/ship_file.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ship orders from a file"),
                "opts": self.model._meta,
                "form": form,
                "outcomes": outcomes,
                "shipped": shipped,
                "refused": [o for o in outcomes or [] if not o.shipped],
            },
        )

    def ship_template_view(self, request, fmt):
        """The file to fill in, with every paid order waiting to be shipped."""
        if fmt not in ("csv", "xlsx"):
            raise Http404
        waiting = Order.objects.filter(
            status=OrderStatus.PAID, delivery_method=DeliveryMethod.EXPRESS
        ).order_by("paid_at", "pk")[: services.BULK_SHIP_MAX_ROWS]
        rows = services.ship_template_rows(waiting)
        name = f"{_('ship')}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
        if fmt == "xlsx":
            return xlsx_response(rows, name, sheet=str(_("Ship")))
        return csv_response(rows, name)

    @admin.action(description=_("Print packing slips"), permissions=["view"])
    def print_packing_slips(self, request, queryset):
        orders = list(
            queryset.select_related("pickup_point", "slot_day__slot")
            .prefetch_related("items")
            .order_by("pk")[:200]
        )
        return TemplateResponse(
            request,
            "admin/orders/packing_slips.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Packing slips"),
                "opts": self.model._meta,
                "orders": orders,
                "site_title": site_name(),
            },
        )

    @admin.action(description=_("Print a picking list"), permissions=["view"])
    def print_picking_list(self, request, queryset):
        """What to pick for the chosen orders: the totals per item, then each order."""
        orders = list(
            queryset.select_related("pickup_point")
            .prefetch_related("items")
            .order_by("pickup_point__name", "order_no")[:500]
        )
        totals = selectors.picking_totals(orders=orders)
        return TemplateResponse(
            request,
            "admin/orders/picking_list.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Picking list"),
                "opts": self.model._meta,
                "orders": orders,
                "totals": totals,
            },
        )
