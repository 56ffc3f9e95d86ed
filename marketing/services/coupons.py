"""Coupons: claiming and giving them out within every limit, holding one for an unpaid
order, and following that order (used when paid, back when cancelled or, if the template
says so, fully refunded).

Each limit is taken by a conditional UPDATE whose row count is checked, with a database
constraint behind it: the total (``issued_count < total_quantity``), the day's
(``CouponDay.claimed < per_day_limit``), the shopper's (their n-th coupon of a template is
unique, so two taps that both count n-1 cannot both write the n-th). Everything a claim takes
is taken in one transaction, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketing.errors import (
    CouponForNewShoppers,
    CouponLimitReached,
    CouponNotClaimable,
    CouponNotFound,
    CouponNotUsable,
    CouponsGone,
    CouponsGoneToday,
)
from marketing.models import (
    CouponDay,
    CouponIssue,
    CouponSource,
    CouponStatus,
    CouponTemplate,
    UserCoupon,
)
from orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)

C = CouponStatus
# A shopper's claims that race for the same n-th number: the loser counts again this often.
CLAIM_ATTEMPTS = 3


class _NumberTaken(Exception):
    """Another claim of the same shopper wrote this n-th coupon first."""


class AlreadyGiven(Exception):
    """This issue gave the shopper a coupon before (a re-run)."""


def coupon_window(template: CouponTemplate, now: datetime.datetime):
    """When a coupon claimed now may be used: the template's fixed window, or from now to
    the end of the N-th day in the shop's calendar."""
    if template.valid_days:
        last_day = timezone.localdate(now) + datetime.timedelta(days=template.valid_days)
        until = timezone.make_aware(datetime.datetime.combine(last_day, datetime.time.min))
        return now, until
    return template.valid_from or now, template.valid_until


def claim_refusal(template: CouponTemplate, now: datetime.datetime) -> type | None:
    """Why the template cannot be claimed now (an error class), or None."""
    if not template.is_active:
        return CouponNotClaimable
    if template.claim_starts_at and now < template.claim_starts_at:
        return CouponNotClaimable
    if template.claim_ends_at and now >= template.claim_ends_at:
        return CouponNotClaimable
    if not template.valid_days and template.valid_until <= now:
        return CouponNotClaimable
    return None


def shopper_is_new(user) -> bool:
    """Never paid an order (a cancelled one does not count)."""
    return not Order.objects.filter(user=user, paid_at__isnull=False).exists()


def coupon_claim(
    *,
    user,
    template_id: int,
    source: str = CouponSource.CLAIMED,
    issue: CouponIssue | None = None,
) -> UserCoupon:
    """Give ``user`` one coupon of the template if the total, the day's and the shopper's
    limits allow; exact however many claims race. A shopper claims from the coupon centre
    (``source`` claimed: only templates shown there, in their claim window); the shop gives
    (granted, registration) whatever the centre shows."""
    for _attempt in range(CLAIM_ATTEMPTS):
        try:
            return _claim(user=user, template_id=template_id, source=source, issue=issue)
        except _NumberTaken:
            continue
    raise CouponLimitReached()


@transaction.atomic
def _claim(*, user, template_id, source, issue) -> UserCoupon:
    now = timezone.now()
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None or (source == CouponSource.CLAIMED and not template.in_coupon_centre):
        raise CouponNotFound()
    refusal = claim_refusal(template, now)
    if refusal is not None:
        raise refusal()
    if template.new_shoppers_only and not shopper_is_new(user):
        raise CouponForNewShoppers()
    number = UserCoupon.objects.filter(template=template, user=user).count() + 1
    if number > template.per_user_limit:
        raise CouponLimitReached()
    if issue is not None and UserCoupon.objects.filter(issue=issue, user=user).exists():
        raise AlreadyGiven()
    counted = CouponTemplate.objects.filter(pk=template.pk)
    if template.total_quantity is not None:
        counted = counted.filter(issued_count__lt=F("total_quantity"))
    if not counted.update(issued_count=F("issued_count") + 1):
        raise CouponsGone()
    if template.per_day_limit:
        day = timezone.localdate(now)
        CouponDay.objects.get_or_create(template=template, day=day)
        if not CouponDay.objects.filter(
            template=template, day=day, claimed__lt=template.per_day_limit
        ).update(claimed=F("claimed") + 1):
            raise CouponsGoneToday()
    valid_from, valid_until = coupon_window(template, now)
    try:
        with transaction.atomic():
            return UserCoupon.objects.create(
                template=template,
                user=user,
                number=number,
                source=source,
                issue=issue,
                valid_from=valid_from,
                valid_until=valid_until,
            )
    except IntegrityError as exc:
        if issue is not None and UserCoupon.objects.filter(issue=issue, user=user).exists():
            raise AlreadyGiven() from exc
        # Rolls back this claim's counts; coupon_claim counts again.
        raise _NumberTaken() from exc


def coupon_hold(*, coupon_id: int, user, order) -> None:
    """The order holds the shopper's coupon: only an unused one, inside its window, and only
    one order at a time (a second order racing for it finds it held and rolls back)."""
    now = timezone.now()
    held = UserCoupon.objects.filter(
        pk=coupon_id,
        user=user,
        status=C.AVAILABLE,
        valid_from__lte=now,
        valid_until__gt=now,
    ).update(status=C.HELD, order=order)
    if not held:
        raise CouponNotUsable()


def coupons_follow_order(*, order, from_status: str, to_status: str) -> None:
    """In the order's transition: a held coupon is used when the order is paid, and back
    (the same coupon, usable again while its window lasts) when the unpaid order is
    cancelled by anyone or the timeout; a used one comes back with a full refund if its
    template says so."""
    if not order.discount_amount:
        return  # no discount, so no coupon: no query on most transitions
    coupons = UserCoupon.objects.filter(order=order)
    if to_status == OrderStatus.PAID:
        coupons.filter(status=C.HELD).update(status=C.USED, used_at=timezone.now())
    elif to_status == OrderStatus.CANCELLED:
        coupons.filter(status=C.HELD).update(status=C.AVAILABLE, order=None)
    elif to_status == OrderStatus.REFUNDED:
        coupons.filter(status=C.USED, template__return_on_refund=True).update(
            status=C.AVAILABLE, order=None, used_at=None
        )


# Never written from a form: claims move it.
_COUNTERS = {"issued_count"}


def coupon_template_update(*, template: CouponTemplate, fields: list[str]) -> None:
    """Write the fields a merchant changed, and no other (claims change ``issued_count``
    meanwhile); a total below what is out already is refused by the database too."""
    fields = [f for f in fields if f not in _COUNTERS]
    if fields:
        template.save(update_fields=fields)


def coupon_template_stop(*, template_id: int, void_unused: bool = False) -> int:
    """No more claims of the template; with ``void_unused`` its unused coupons are voided
    (held and used ones stay with their orders). Returns how many were voided."""
    from marketing.services.promotions import promotions_changed

    with transaction.atomic():
        CouponTemplate.objects.filter(pk=template_id).update(is_active=False)
        promotions_changed()  # product pages stop offering it
        if not void_unused:
            return 0
        return UserCoupon.objects.filter(template_id=template_id, status=C.AVAILABLE).update(
            status=C.VOIDED
        )
