"""Coupons the shop gives: to chosen shoppers or to everyone (a task, in batches, safe to run
again: one coupon per shopper and issue is a constraint), and to a new shopper at
registration (every new-shoppers-only template that is open)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from config.exceptions import ApplicationError
from marketing.errors import CouponsGone
from marketing.models import CouponIssue, CouponIssueStatus, CouponSource, CouponTemplate
from marketing.services.coupons import AlreadyGiven, claim_refusal, coupon_claim

logger = logging.getLogger(__name__)

ISSUE_BATCH = 200


def coupon_issue_create(*, template_id: int, actor, user_ids=None, to_everyone=False):
    """Record an issue and queue its task (after commit)."""
    from config.oncommit import after_commit
    from marketing.tasks import coupon_issue_task

    issue = CouponIssue.objects.create(
        template_id=template_id,
        to_everyone=to_everyone,
        user_ids=sorted({int(pk) for pk in user_ids or []}),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    after_commit(lambda: coupon_issue_task.delay(issue.pk))
    return issue


def coupon_issue_run(*, issue_id: int, batch: int = ISSUE_BATCH) -> CouponIssue:
    """Give the issue's coupons from where it stopped: shoppers by id, a batch at a time,
    the cursor moved after each. A shopper given one before (a re-run, a redelivered task)
    is passed over; when the coupons run out the rest are counted as not given."""
    User = get_user_model()
    CouponIssue.objects.filter(pk=issue_id, status=CouponIssueStatus.QUEUED).update(
        status=CouponIssueStatus.RUNNING
    )
    issue = CouponIssue.objects.get(pk=issue_id)
    while issue.status == CouponIssueStatus.RUNNING:
        shoppers = User.objects.filter(pk__gt=issue.last_user_id, is_active=True, is_staff=False)
        if not issue.to_everyone:
            shoppers = shoppers.filter(pk__in=issue.user_ids)
        ids = list(shoppers.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            CouponIssue.objects.filter(pk=issue.pk).update(
                status=CouponIssueStatus.DONE, finished_at=timezone.now()
            )
            break
        skipped = 0
        gone = False
        for user in User.objects.filter(pk__in=ids).order_by("pk"):
            if gone:
                skipped += 1
                continue
            try:
                coupon_claim(
                    user=user,
                    template_id=issue.template_id,
                    source=CouponSource.GRANTED,
                    issue=issue,
                )
            except AlreadyGiven:
                continue
            except CouponsGone:
                gone = True
                skipped += 1
            except ApplicationError:  # has as many as allowed, not a new shopper …
                skipped += 1
        CouponIssue.objects.filter(pk=issue.pk, last_user_id__lt=ids[-1]).update(
            last_user_id=ids[-1], skipped=F("skipped") + skipped
        )
        issue.refresh_from_db()
    return issue


def coupons_welcome(*, user_id: int) -> int:
    """A new shopper gets every open new-shoppers-only template; returns how many. Safe to
    run again: the per-shopper limit refuses a second one."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    now = timezone.now()
    given = 0
    for template in CouponTemplate.objects.filter(new_shoppers_only=True, is_active=True):
        if claim_refusal(template, now) is not None:
            continue
        if user.coupons.filter(template=template).exists():
            continue
        try:
            coupon_claim(user=user, template_id=template.pk, source=CouponSource.REGISTRATION)
            given += 1
        except ApplicationError as exc:
            logger.info("welcome coupon %s not given to %s: %s", template.pk, user_id, exc)
    return given
