"""Catalog tasks: ids in, a service call, idempotent."""

from celery import shared_task

from catalog import notifications


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def stock_alert_notify_task(alert_id: int) -> None:
    """Email the merchants about a low-stock alert, once, however often it is delivered."""
    notifications.stock_alert_notify(alert_id=alert_id)
