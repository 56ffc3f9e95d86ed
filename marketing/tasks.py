"""Marketing tasks: ids in, a service call, idempotent."""

from celery import shared_task
from django.db import DatabaseError

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


# --- 拼团 ---------------------------------------------------------------------------------


@shared_task(acks_late=True, ignore_result=True)
def team_deadline_task(team_id: int, due: float | None = None) -> None:
    """At a group's deadline: decide it (the sweep does it too if this is lost)."""
    from config.countdown import requeue_if_early

    if requeue_if_early(team_deadline_task, args=[team_id], due=due):
        return
    services.team_fail(team_id=team_id)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def group_member_refund_task(member_id: int) -> None:
    """One member of a failed group: order cancelled, payment refunded in full. Retried on
    its own (a database blink); another member's trouble never reaches it."""
    services.member_refund(member_id=member_id)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def group_order_cancel_task(order_id: int, note_key: str = "group_closed") -> None:
    """An unpaid order of a group that is decided: cancelled (the gateway asked first)."""
    services.group_order_cancel(order_id=order_id, note_key=note_key)


@shared_task(ignore_result=True)
def groupbuy_sweep_task() -> None:
    """Beat, every minute: campaigns past their end are ended, groups past their deadline
    decided, and failed groups' members still waiting queued again."""
    services.groupbuys_advance()
    services.teams_sweep()
