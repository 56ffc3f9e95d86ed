"""Marketing tasks: ids in, a service call, idempotent."""

from celery import shared_task

from marketing import services


@shared_task(acks_late=True, ignore_result=True)
def coupon_issue_task(issue_id: int) -> None:
    """Give an issue's coupons; a redelivery goes on from where the last run stopped."""
    services.coupon_issue_run(issue_id=issue_id)


@shared_task(acks_late=True, ignore_result=True)
def coupons_welcome_task(user_id: int) -> None:
    services.coupons_welcome(user_id=user_id)


@shared_task(ignore_result=True)
def points_release_due_task() -> None:
    """Pending points whose order's after-sales window has closed become usable."""
    services.points_release_due()


@shared_task(ignore_result=True)
def points_expire_due_task() -> None:
    """What is left of the batches past their date expires."""
    services.points_expire_due()
