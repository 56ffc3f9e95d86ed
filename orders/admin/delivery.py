"""The merchant's view of slots and pickup points: orders per slot and per point for the
coming days, a picking list per slot (printable), and the log of pickup handovers."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import admin
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delivery.models import DeliverySlot, SlotDay
from orders.models import Order, OrderStatus, PickupHandover
from orders.selectors import picking_totals

S = OrderStatus
# Orders that still hold their place: paid and waiting, or not paid yet.
HOLDING = (S.PENDING_PAYMENT, S.PAID, S.SHIPPED, S.COMPLETED)
BOARD_DAYS = 7


@admin.register(PickupHandover)
class PickupHandoverAdmin(admin.ModelAdmin):
    """Who handed which order over, where and when (written only by the pickup desk)."""

    list_display = ("order", "point", "staff", "created_at")
    list_filter = ("point",)
    search_fields = ("order__order_no", "staff__username")
    list_select_related = ("order", "point", "staff")
    date_hierarchy = "created_at"
    readonly_fields = ("order", "point", "staff", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("board/", self.admin_site.admin_view(self.board_view), name="delivery_board"),
            path(
                "picking/<int:slot_day_id>/",
                self.admin_site.admin_view(self.picking_view),
                name="delivery_picking",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"board_url": reverse("admin:delivery_board")} | (extra_context or {})
        return super().changelist_view(request, extra_context=extra)

    def board_view(self, request):
        """The coming days' slots: places taken of each, and the orders per pickup point."""
        today = timezone.localdate()
        dates = [today + datetime.timedelta(days=i) for i in range(BOARD_DAYS)]
        slots = list(DeliverySlot.objects.all())
        days = {(d.slot_id, d.date): d for d in SlotDay.objects.filter(date__in=dates)}
        per_point: dict[int, list] = defaultdict(list)
        for row in (
            Order.objects.filter(slot_day__date__in=dates, status__in=HOLDING)
            .values("slot_day_id", "pickup_point__name")
            .annotate(n=Count("pk"))
            .order_by("pickup_point__name")
        ):
            per_point[row["slot_day_id"]].append(row)
        board = [
            {
                "date": date,
                "cells": [
                    {
                        "slot": slot,
                        "day": days.get((slot.pk, date)),
                        "points": per_point.get(getattr(days.get((slot.pk, date)), "pk", 0), []),
                    }
                    for slot in slots
                ],
            }
            for date in dates
        ]
        return TemplateResponse(
            request,
            "admin/orders/delivery_board.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Orders per slot"),
                "slots": slots,
                "board": board,
            },
        )

    def picking_view(self, request, slot_day_id):
        """What to pick for one slot on one date: the totals per item, then each order."""
        day = get_object_or_404(SlotDay.objects.select_related("slot"), pk=slot_day_id)
        orders = list(
            Order.objects.filter(slot_day=day, status__in=(S.PAID, S.PENDING_PAYMENT))
            .select_related("pickup_point")
            .prefetch_related("items")
            .order_by("pickup_point__name", "order_no")
        )
        # Only what is paid is picked; unpaid orders are listed, not counted.
        totals = picking_totals(orders=[o for o in orders if o.status == S.PAID])
        return TemplateResponse(
            request,
            "admin/orders/picking_list.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Picking list"),
                "day": day,
                "orders": orders,
                "totals": totals,
            },
        )
