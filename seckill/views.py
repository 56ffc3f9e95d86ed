"""Flash-sale pages (thin): today's sessions, an event, and a reservation's result.

"Buy" on the page is a form (CSRF, the session's user) that goes through the same gate as
the API's reserve endpoint; the result page then follows the reservation by websocket push,
with polling of the result API as the fallback."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import address_list_for_user
from config.exceptions import ApplicationError
from config.net import client_ip
from orders.models import Order
from orders.selectors import order_address_editable
from seckill import selectors, services
from seckill.errors import EventNotFound, GateUnavailable, ReservationNotFound
from seckill.hot import reserve_attempt
from seckill.models import SeckillAdmission


def _card(event_id: int, now=None) -> dict:
    try:
        return selectors.card_live(selectors.event_card(event_id=event_id), now)
    except EventNotFound as exc:
        raise Http404 from exc


def session_list(request):
    now = timezone.now()
    sessions = selectors.sessions_for_day(now=now)
    times = [session["time"] for session in sessions]
    chosen = request.GET.get("session", "")
    if chosen not in times:
        chosen = selectors.session_default(sessions)
    return render(
        request,
        "seckill/session_list.html",
        {
            "sessions": sessions,
            "chosen": chosen,
            "session": next((s for s in sessions if s["time"] == chosen), None),
        },
    )


def event_detail(request, event_id: int):
    now = timezone.now()
    card = _card(event_id, now)
    holding = None
    if request.user.is_authenticated:
        holding = (
            SeckillAdmission.objects.filter(event_id=event_id, user=request.user, released_at=None)
            .select_related("order")
            .first()
        )
    return render(
        request,
        "seckill/event_detail.html",
        {
            "event": card,
            "server_ms": int(now.timestamp() * 1000),
            "starts_ms": int(card["starts_at"].timestamp() * 1000),
            "ends_ms": int(card["ends_at"].timestamp() * 1000),
            "holding": holding,
            # On, and the gate has nothing left (unpaid orders may give units back).
            "sold_out": card["state"] == "live" and card["left"] == 0,
            "reminded": selectors.reminded(event_id=event_id, user=request.user),
        },
    )


@require_POST
def event_buy(request, event_id: int):
    card = _card(event_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={card['url']}")
    reservation_id, refusal = reserve_attempt(
        event_id=event_id,
        user_id=request.user.pk,
        quantity=1,
        token_id="",
        ip=client_ip(request),
    )
    if refusal is GateUnavailable:
        raise refusal()  # the 503 page (config.outage)
    if refusal is not None:
        messages.error(request, str(refusal.default_message))
        return redirect(card["url"])
    return redirect("seckill:result", reservation_id=reservation_id)


@login_required
@require_POST
def event_remind(request, event_id: int):
    card = _card(event_id)
    on = request.POST.get("on") == "1"
    try:
        services.reminder_set(event_id=event_id, user=request.user, on=on)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("We will remind you a few minutes before it starts.")
            if on
            else _("Reminder cancelled."),
        )
    return redirect(card["url"])


@login_required
def reservation_result(request, reservation_id: str):
    try:
        result = selectors.reservation_result(
            reservation_id=reservation_id, user_id=request.user.pk
        )
    except ReservationNotFound as exc:
        raise Http404 from exc
    order = addresses = None
    if result["status"] == "created":
        order = Order.objects.get(order_no=result["order_no"], user=request.user)
        if order_address_editable(order):
            addresses = list(address_list_for_user(user=request.user))
    return render(
        request,
        "seckill/result.html",
        {
            "result": result,
            "event": _card(result["event_id"]),
            "order": order,
            "addresses": addresses,
        },
    )
