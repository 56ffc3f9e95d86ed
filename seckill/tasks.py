"""Seckill tasks (queue "seckill"): ids in, a service call, idempotent."""

from celery import shared_task

from seckill import services


@shared_task(ignore_result=True)
def events_advance_task() -> None:
    """Beat, every minute: start published flash sales at their time, end those past it."""
    services.events_advance()
