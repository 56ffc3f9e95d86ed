"""Payment tasks (queue "payments"): ids in, a service call, idempotent."""

import logging
import uuid

import requests
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from payments import notifications, services
from payments.errors import ProviderUnavailable
from payments.models import SandboxRefund, SandboxTrade
from payments.providers.sandbox import notification_for, refund_notification_for

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def payment_notification_process_task(notification_id: int) -> None:
    """Apply a stored notification; a second delivery finds it processed and stops."""
    services.notification_process(notification_id=notification_id)


@shared_task(
    ignore_result=True,
    autoretry_for=(requests.RequestException,),
    retry_backoff=True,
    max_retries=5,
)
def sandbox_deliver_task(payment_no: str, notify_url: str) -> None:
    """The sandbox gateway's side: send the trade's signed notification to the shop,
    server to server (twice with PAYMENTS_SANDBOX_DUPLICATES), retrying like a gateway."""
    trade = SandboxTrade.objects.get(payment_no=payment_no)
    notification_id = uuid.uuid4().hex  # one event: a duplicate delivery repeats the id
    copies = 2 if settings.PAYMENTS_SANDBOX_DUPLICATES else 1
    for _ in range(copies):
        headers, body = notification_for(trade, notification_id=notification_id)
        response = requests.post(notify_url, data=body, headers=headers, timeout=10)
        response.raise_for_status()


@shared_task(ignore_result=True)
def payments_query_stale_task() -> None:
    """Beat: ask the gateways about payments and refunds pending for more than ten minutes,
    and send again the automatic refunds a provider refused."""
    services.payments_query_stale()
    services.refunds_query_stale()
    services.refunds_retry_automatic()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ProviderUnavailable,),
    retry_backoff=True,
    max_retries=5,
)
def refund_execute_task(refund_id: int) -> None:
    """Ask the provider for a refund; an unreachable one is asked again (same number)."""
    services.refund_execute(refund_id=refund_id)


@shared_task(
    ignore_result=True,
    autoretry_for=(requests.RequestException,),
    retry_backoff=True,
    max_retries=5,
)
def sandbox_refund_deliver_task(refund_no: str) -> None:
    """The sandbox gateway's side: pay the refund and send its signed notification."""
    stored = SandboxRefund.objects.get(refund_no=refund_no)
    if stored.status == "processing":
        SandboxRefund.objects.filter(pk=stored.pk, status="processing").update(
            status="success", succeeded_at=timezone.now()
        )
        stored.refresh_from_db()
    trade = SandboxTrade.objects.get(payment_no=stored.payment_no)
    headers, body = refund_notification_for(stored, notification_id=uuid.uuid4().hex)
    response = requests.post(trade.notify_url, data=body, headers=headers, timeout=10)
    response.raise_for_status()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def aftersale_notify_task(event_id: int) -> None:
    """Tell the shopper and the merchants about an after-sales step (once each)."""
    notifications.aftersale_notify(event_id=event_id)
