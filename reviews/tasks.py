"""Review tasks: ids in, a service call, idempotent."""

from celery import shared_task

from reviews import services


@shared_task(ignore_result=True)
def reviews_give_default_task() -> None:
    """Beat, hourly: the default positive rating for lines not reviewed in time."""
    services.reviews_give_default()
