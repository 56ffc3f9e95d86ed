"""Order tasks: ids in, a service call, idempotent."""

from celery import shared_task

from orders import notifications, services


@shared_task(acks_late=True, ignore_result=True)
def order_close_overdue_task(order_id: int) -> None:
    """Countdown registered at checkout: cancel the order if it is still unpaid."""
    services.order_close_overdue(order_id=order_id)


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
