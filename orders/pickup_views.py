"""Pickup pages: the shopper's pickup code (a QR code too), which stays on the phone once
opened (the service worker keeps it), and the pickup desk where a point's staff look a code
up and hand the order over."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from orders import selectors
from orders.errors import OrderNotFound
from orders.models import DeliveryMethod, OrderStatus
from orders.services.pickup import pickup_hand_over, pickup_order_for


@login_required
def pickup_code(request, order_no):
    """The code to show at the point: large digits and a QR code of the desk's link."""
    try:
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
    except OrderNotFound as exc:
        raise Http404 from exc
    if order.delivery_method != DeliveryMethod.PICKUP or not order.pickup_code:
        return redirect(order)  # no code (yet): the order's page says why
    desk = request.build_absolute_uri(f"{reverse('orders:pickup_desk')}?code={order.pickup_code}")
    qr_svg = segno.make(desk, error="m").svg_inline(border=2, omitsize=True)
    return render(
        request,
        "orders/pickup_code.html",
        {"order": order, "qr_svg": qr_svg, "waiting": order.status == OrderStatus.PAID},
    )


def _staff_points(request):
    points = list(request.user.pickup_points.filter(is_active=True))
    if not points:
        raise PermissionDenied(_("Only the staff of a pickup point use this page."))
    return points


@login_required
def pickup_desk(request):
    """Type the code (or scan it: the QR code opens this page with it); the order waiting
    at one of the staff's points is shown, to be handed over with one press."""
    points = _staff_points(request)
    code = request.GET.get("code", "")[:20]
    order, error = None, ""
    if code:
        try:
            order = pickup_order_for(code=code, staff=request.user)
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "orders/pickup_desk.html",
        {"points": points, "code": code, "order": order, "error": error},
    )


@login_required
@require_POST
def pickup_desk_hand_over(request):
    _staff_points(request)
    try:
        order = pickup_hand_over(code=request.POST.get("code", ""), staff=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order %(no)s handed over.") % {"no": order.order_no})
    return redirect("orders:pickup_desk")
