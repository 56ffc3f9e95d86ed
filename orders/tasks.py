"""Order tasks: ids in, a service call, idempotent."""

import logging

from celery import shared_task

from config.countdown import requeue_if_early
from orders import notifications, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def order_close_overdue_task(order_id: int, due: float | None = None) -> None:
    """Countdown registered at checkout: cancel the order if it is still unpaid. Due past
    CELERY_MAX_COUNTDOWN, it hops there and back (config.countdown)."""
    if requeue_if_early(order_close_overdue_task, args=[order_id], due=due):
        return
    services.order_close_overdue(order_id=order_id)


@shared_task(acks_late=True, ignore_result=True)
def order_close_overdue_many_task(order_ids: list[int], due: float | None = None) -> None:
    """One countdown for a batch of orders (the flash-sale consumer's): each is closed if it
    is still unpaid past its own deadline; one failing does not keep the others open."""
    if requeue_if_early(order_close_overdue_many_task, args=[order_ids], due=due):
        return
    for order_id in order_ids:
        try:
            services.order_close_overdue(order_id=order_id)
        except Exception:  # logged; the minute sweep tries it again
            logger.exception("order %s: could not close", order_id)


@shared_task(ignore_result=True)
def orders_close_overdue_task() -> None:
    """Beat, every minute: the sweep behind the countdowns."""
    services.orders_close_overdue()


@shared_task(ignore_result=True)
def orders_auto_complete_task() -> None:
    services.orders_auto_complete()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def order_notify_task(order_id: int, kind: str) -> None:
    notifications.order_notify(order_id=order_id, kind=kind)


@shared_task(acks_late=True, ignore_result=True)
def order_notify_many_task(order_ids: list[int], kind: str) -> None:
    """The notifications of a batch of orders; one that fails (the mail server is down) is
    queued again on its own, with order_notify_task's retries."""
    for order_id in order_ids:
        try:
            notifications.order_notify(order_id=order_id, kind=kind)
        except Exception:
            logger.warning("order %s: notification failed; retried on its own", order_id)
            order_notify_task.delay(order_id, kind)
