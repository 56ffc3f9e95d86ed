"""Seckill tasks (queue "seckill"): ids in, a service call, idempotent."""

import logging

from celery import shared_task

from seckill import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def events_advance_task() -> None:
    """Beat, every minute: start published flash sales at their time, end those past it."""
    services.events_advance()


@shared_task(ignore_result=True)
def events_prepare_task() -> None:
    """Beat, every minute: warm up what starts soon, send reminders, reconcile the gates."""
    services.events_warm_up_due()
    services.reminders_send_due()
    services.events_reconcile()


@shared_task(ignore_result=True, soft_time_limit=25, time_limit=30)
def events_drain_task() -> None:
    """Beat, every 2 s: turn queued admissions into orders (each entry once, acked late)."""
    services.events_drain(budget_seconds=20)


@shared_task(ignore_result=True)
def event_warm_up_task(event_id: int) -> None:
    """Load one event into the gate (after publish, or when a reserve found it cold)."""
    services.event_warm_up(event_id=event_id)
