"""Payment pages: start paying an order, the sandbox gateway, and the gateways' callbacks."""

import logging

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from config.net import client_ip
from orders.errors import OrderNotFound
from orders.selectors import order_get_for_user
from payments import services
from payments.models import Payment, PaymentStatus, SandboxTrade
from payments.providers import enabled_providers, get_provider
from payments.providers.base import NotificationRejected

logger = logging.getLogger(__name__)


@login_required
@require_POST
def pay(request, order_no):
    """The shopper chose a method on the order page: make the payment, go to the gateway."""
    try:
        order = order_get_for_user(user=request.user, order_no=order_no)
    except OrderNotFound as exc:
        raise Http404 from exc
    try:
        payment = services.payment_start(
            order=order, provider=request.POST.get("provider", ""), channel=browser_channel(request)
        )
        checkout = services.payment_checkout(payment=payment, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(order)
    return redirect(checkout.redirect_url)


MOBILE_MARKERS = ("Mobile", "Android", "iPhone", "iPad", "MicroMessenger")


def browser_channel(request) -> str:
    """Phones get the gateways' mobile pages (Alipay wap pay); the rest the desktop ones."""
    agent = request.headers.get("User-Agent", "")
    return "mobile" if any(marker in agent for marker in MOBILE_MARKERS) else "web"


def notify_url_for(request, provider: str) -> str:
    """Where the gateway sends its notifications: PAYMENTS_NOTIFY_BASE_URL, else this host
    (empty outside a request without the setting: the reconciler's queries settle it)."""
    path = reverse("payments:notify", args=[provider])
    base = settings.PAYMENTS_NOTIFY_BASE_URL.rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path) if request is not None else ""


@login_required
def sandbox_gateway(request, payment_no):
    """The sandbox's own page: the amount, Pay and Fail (only the payer may see it)."""
    payment = Payment.objects.select_related("order").filter(payment_no=payment_no).first()
    if payment is None or payment.order.user_id != request.user.pk:
        raise Http404
    trade = SandboxTrade.objects.filter(payment_no=payment_no).first()
    if trade is None:
        raise Http404
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome in {"pay", "fail"} and trade.status == "open":
            status = "paid" if outcome == "pay" else "failed"
            changed = SandboxTrade.objects.filter(pk=trade.pk, status="open").update(
                status=status, paid_at=timezone.now() if status == "paid" else None
            )
            if changed:
                from payments.tasks import sandbox_deliver_task

                notify_url = notify_url_for(request, "sandbox")
                transaction.on_commit(
                    lambda: sandbox_deliver_task.delay(payment_no, notify_url), robust=True
                )
        return redirect(payment.order)
    return render(request, "payments/sandbox.html", {"payment": payment, "trade": trade})


@login_required
def wechat_native(request, payment_no):
    """WeChat Pay Native: the code_url as a QR code to scan with WeChat; the page follows
    the order and goes to it once paid."""
    payment = Payment.objects.select_related("order").filter(payment_no=payment_no).first()
    if payment is None or payment.order.user_id != request.user.pk:
        raise Http404
    code_url = payment.checkout.get("code_url")
    if payment.status != PaymentStatus.PENDING or not code_url:
        return redirect(payment.order)
    # A viewBox and no fixed size, so CSS scales the code to the screen.
    qr_svg = segno.make(code_url, error="m").svg_inline(border=2, omitsize=True)
    return render(
        request,
        "payments/wechat_native.html",
        {"payment": payment, "order": payment.order, "qr_svg": qr_svg},
    )


@csrf_exempt  # gateways sign their notifications; they cannot send our CSRF token
@require_POST
def notify(request, provider):
    """A gateway's callback: verify, store, queue the processing, answer at once."""
    if provider not in enabled_providers():  # a switched-off method takes no callbacks
        raise Http404
    gateway = get_provider(provider)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "cookie"}
    try:
        notification = gateway.verify_notification(headers=headers, body=request.body)
    except NotificationRejected as exc:
        kept = services.notification_reject(
            provider=provider,
            headers=headers,
            body=request.body,
            reason=str(exc),
            code=exc.reason,
            sender=client_ip(request),
        )
        return gateway.notification_answer(ok=False, message=str(exc), status=400 if kept else 429)
    try:
        services.notification_accept(
            provider=provider, notification=notification, headers=headers, body=request.body
        )
    except DatabaseError:  # not stored: tell the gateway to send it again later
        logger.exception("storing a %s notification failed", provider)
        return gateway.notification_answer(ok=False, message="busy", status=500)
    return gateway.notification_answer(ok=True)
