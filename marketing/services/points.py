"""The points ledger: the only code that changes a shopper's points.

Every change locks the shopper's account row first (a conditional ``UPDATE``, or ``SELECT …
FOR UPDATE`` where the change depends on a batch read under the lock), then moves the
batches and writes its ``PointsEntry``, all in one transaction. So changes of one account
run one after another, the balance never goes below zero (the condition, and a check
constraint behind it), usable points always equal what their batches have left, and a
change repeated (a task run twice, a double tap) finds its entry and changes nothing.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketing.errors import AlreadyCheckedIn, NotEnoughPoints
from marketing.models import (
    CheckIn,
    PointsAccount,
    PointsBatch,
    PointsBatchStatus,
    PointsEntry,
    PointsReason,
)
from marketing.selectors.members import member_rules


def points_expiry(when: datetime.datetime) -> datetime.datetime:
    """When points credited at ``when`` expire: the end of the year the rules' expiry years
    on, in the shop's time zone (the first instant of the year after)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    year = when.astimezone(zone).year + member_rules().points_expiry_years + 1
    return datetime.datetime(year, 1, 1, tzinfo=zone)


def _lock(user_id: int) -> PointsAccount:
    PointsAccount.objects.get_or_create(user_id=user_id)
    return PointsAccount.objects.select_for_update().get(user_id=user_id)


def _record(
    *,
    user_id: int,
    usable: int = 0,
    pending: int = 0,
    reason: str,
    reference: str,
    then=None,
    note: str = "",
    actor=None,
) -> PointsEntry | None:
    """Move the account by ``usable`` and ``pending`` (refused below zero: NotEnoughPoints),
    run ``then(entry)`` and keep the entry, in one savepoint; None when this reason and
    reference were recorded already (nothing changes)."""
    reference = str(reference)[:64]
    done = PointsEntry.objects.filter(user_id=user_id, reason=reason, reference=reference)
    if done.exists():
        return None
    try:
        with transaction.atomic():
            PointsAccount.objects.get_or_create(user_id=user_id)
            moved = PointsAccount.objects.filter(
                user_id=user_id, balance__gte=-usable, pending__gte=-pending
            ).update(balance=F("balance") + usable, pending=F("pending") + pending)
            if not moved:
                raise NotEnoughPoints()
            # The UPDATE holds the row until commit: these are the figures it wrote.
            balance, pending_after = PointsAccount.objects.values_list("balance", "pending").get(
                user_id=user_id
            )
            entry = PointsEntry.objects.create(
                user_id=user_id,
                amount=usable,
                pending_amount=pending,
                balance_after=balance,
                pending_after=pending_after,
                reason=reason,
                reference=reference,
                note=str(note)[:200],
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if then is not None:
                then(entry)
            return entry
    except IntegrityError:
        if done.exists():  # the same change, committed by another process meanwhile
            return None
        raise


def points_credit(
    *,
    user_id: int,
    amount: int,
    reason: str,
    reference: str,
    usable_at: datetime.datetime | None = None,
    held: bool = False,
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    note: str = "",
    actor=None,
) -> PointsEntry | None:
    """Credit ``amount`` points as one batch: pending until ``usable_at`` when that is still
    ahead (``held``: pending until a date is set, ``points_release_at``), usable at once
    otherwise; expiring at ``expires_at`` (default ``points_expiry``)."""
    if amount <= 0:
        raise ValueError("a credit is of at least one point")
    now = now or timezone.now()
    waits = held or (usable_at is not None and usable_at > now)

    def batch(entry: PointsEntry) -> None:
        PointsBatch.objects.create(
            user_id=user_id,
            amount=amount,
            remaining=amount,
            status=PointsBatchStatus.PENDING if waits else PointsBatchStatus.USABLE,
            reason=reason,
            reference=entry.reference,
            usable_at=usable_at,
            expires_at=expires_at or points_expiry(now),
        )

    return _record(
        user_id=user_id,
        usable=0 if waits else amount,
        pending=amount if waits else 0,
        reason=reason,
        reference=reference,
        then=batch,
        note=note,
        actor=actor,
    )


def _draw(user_id: int, amount: int) -> dict[str, int]:
    """Take ``amount`` from the usable batches that expire first (the account is locked by
    the caller's UPDATE); {batch id: points taken}."""
    left, drawn = amount, {}
    usable = PointsBatch.objects.filter(
        user_id=user_id, status=PointsBatchStatus.USABLE, remaining__gt=0
    ).order_by("expires_at", "pk")
    for batch in usable:
        take = min(left, batch.remaining)
        PointsBatch.objects.filter(pk=batch.pk).update(remaining=F("remaining") - take)
        drawn[str(batch.pk)] = take
        left -= take
        if not left:
            break
    if left:  # the balance said yes, the batches no: the ledger is broken, change nothing
        raise RuntimeError(f"points batches of user {user_id} hold less than the balance")
    return drawn


def points_spend(
    *, user_id: int, amount: int, reason: str, reference: str, note: str = "", actor=None
) -> PointsEntry | None:
    """Take ``amount`` usable points (NotEnoughPoints when fewer are left), from the batches
    that expire first; the entry keeps which, so that giving them back keeps their dates."""
    if amount <= 0:
        raise ValueError("a spend is of at least one point")

    return _take(
        user_id=user_id, amount=amount, reason=reason, reference=reference, note=note, actor=actor
    )


def _take(*, user_id: int, amount: int, **record) -> PointsEntry | None:
    """Record taking ``amount`` usable points (0 records the attempt), drawn from the
    batches that expire first."""

    def draw(entry: PointsEntry) -> None:
        if amount:
            entry.batches = _draw(user_id, amount)
            entry.save(update_fields=["batches"])

    return _record(user_id=user_id, usable=-amount, then=draw, **record)


def points_give_back(
    *, user_id: int, spent: PointsEntry, amount: int | None, reason: str, reference: str
) -> PointsEntry | None:
    """Give back ``amount`` (all when None) of what the entry ``spent`` took, as new batches
    with the dates of the batches it drew on, those that expire last first."""
    amount = -spent.amount if amount is None else amount
    if amount <= 0:
        return None
    drawn = sorted(
        PointsBatch.objects.filter(pk__in=[int(pk) for pk in spent.batches]),
        key=lambda batch: (batch.expires_at, batch.pk),
        reverse=True,
    )

    def batches(entry: PointsEntry) -> None:
        left = amount
        for batch in drawn:
            back = min(left, spent.batches[str(batch.pk)])
            PointsBatch.objects.create(
                user_id=user_id,
                amount=back,
                remaining=back,
                status=PointsBatchStatus.USABLE,
                reason=reason,
                reference=entry.reference,
                expires_at=batch.expires_at,
            )
            left -= back
            if not left:
                return
        raise ValueError(f"more points to give back than entry {spent.pk} took")

    return _record(user_id=user_id, usable=amount, reason=reason, reference=reference, then=batches)


def points_release_at(*, user_id: int, reason: str, reference: str, when) -> int:
    """Set when a held batch becomes usable (an order's after-sales window closing); 1 when
    a pending batch took the date."""
    return PointsBatch.objects.filter(
        user_id=user_id, reason=reason, reference=reference, status=PointsBatchStatus.PENDING
    ).update(usable_at=when)


def points_take_back(
    *,
    user_id: int,
    amount: int | None = None,
    reason: str,
    reference: str,
    earned_reason: str,
    earned_reference: str,
) -> PointsEntry | None:
    """Take back ``amount`` (all when None) of the points a batch credited (an order's, when
    it is refunded): from pending while it is pending; once usable, from the balance, but
    only down to zero (the shopper may have spent them: the entry says how many could not
    be taken)."""
    with transaction.atomic():
        _lock(user_id)
        batch = PointsBatch.objects.filter(
            user_id=user_id, reason=earned_reason, reference=earned_reference
        ).first()
        if batch is None:
            return None
        wanted = batch.amount if amount is None else amount
        if batch.status == PointsBatchStatus.PENDING:
            taken = min(wanted, batch.remaining)

            def reverse(entry: PointsEntry) -> None:
                left = batch.remaining - taken
                PointsBatch.objects.filter(pk=batch.pk).update(
                    remaining=left,
                    status=PointsBatchStatus.PENDING if left else PointsBatchStatus.REVERSED,
                )

            return _record(
                user_id=user_id, pending=-taken, reason=reason, reference=reference, then=reverse
            )
        balance = PointsAccount.objects.values_list("balance", flat=True).get(user_id=user_id)
        taken = min(wanted, balance)
        short = wanted - taken
        return _take(
            user_id=user_id,
            amount=taken,
            reason=reason,
            reference=reference,
            note=f"{short} of {wanted} already spent" if short else "",
        )


def _settle(due, *, status: str, to: str, move, reason: str, limit: int, **changes) -> int:
    """Move each batch of ``due`` (oldest first) from ``status`` to ``to`` under its account's
    lock, and its points by ``move(remaining)`` = (usable, pending); the number moved. A batch
    another run moved meanwhile is left alone, so runs may repeat and overlap."""
    moved = 0
    for batch_id, user_id in due.values_list("pk", "user_id")[:limit]:
        with transaction.atomic():
            _lock(user_id)
            batch = PointsBatch.objects.get(pk=batch_id)
            if batch.status != status:
                continue
            PointsBatch.objects.filter(pk=batch_id).update(status=to, **changes)
            usable, pending = move(batch.remaining)
            if batch.remaining and _record(
                user_id=user_id,
                usable=usable,
                pending=pending,
                reason=reason,
                reference=f"batch:{batch_id}",
            ):
                moved += 1
    return moved


def points_release_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Make the pending batches whose time has come usable; the number released."""
    due = PointsBatch.objects.filter(
        status=PointsBatchStatus.PENDING, usable_at__lte=now or timezone.now()
    ).order_by("usable_at", "pk")
    return _settle(
        due,
        status=PointsBatchStatus.PENDING,
        to=PointsBatchStatus.USABLE,
        move=lambda points: (points, -points),
        reason=PointsReason.RELEASED,
        limit=limit,
    )


def points_expire_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Expire what is left of the usable batches past their date; the number expired."""
    due = PointsBatch.objects.filter(
        status=PointsBatchStatus.USABLE, expires_at__lte=now or timezone.now()
    ).order_by("expires_at", "pk")
    return _settle(
        due,
        status=PointsBatchStatus.USABLE,
        to=PointsBatchStatus.EXPIRED,
        move=lambda points: (-points, 0),
        reason=PointsReason.EXPIRED,
        limit=limit,
        remaining=0,
    )


def check_in(*, user, now: datetime.datetime | None = None) -> CheckIn:
    """Check the shopper in for today in the shop's time zone (AlreadyCheckedIn when done):
    the streak goes on from yesterday or starts again, and its day of the cycle
    (the rules' check-in cycle) says the points, credited at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cycle = member_rules().cycle
    with transaction.atomic():
        yesterday = CheckIn.objects.filter(user=user, day=today - datetime.timedelta(days=1))
        streak = (yesterday.values_list("streak", flat=True).first() or 0) + 1
        points = cycle[(streak - 1) % len(cycle)]
        try:
            with transaction.atomic():
                row = CheckIn.objects.create(user=user, day=today, streak=streak, points=points)
        except IntegrityError:
            raise AlreadyCheckedIn() from None
        points_credit(
            user_id=user.pk,
            amount=points,
            reason=PointsReason.CHECK_IN,
            reference=today.isoformat(),
            now=now,
        )
    return row


def points_audit() -> list[dict]:
    """Every account whose usable or pending points differ from the sum of its ledger or
    from what its batches have left: [{"user_id", "figure", "account", "ledger", "batches"}]."""
    from django.db.models import Q, Sum
    from django.db.models.functions import Coalesce

    ledger = {
        row["user_id"]: row
        for row in PointsEntry.objects.values("user_id").annotate(
            usable=Sum("amount"), pending=Sum("pending_amount")
        )
    }
    batches = {
        row["user_id"]: row
        for row in PointsBatch.objects.values("user_id").annotate(
            usable=Coalesce(Sum("remaining", filter=Q(status=PointsBatchStatus.USABLE)), 0),
            pending=Coalesce(Sum("remaining", filter=Q(status=PointsBatchStatus.PENDING)), 0),
        )
    }
    accounts = {
        row["user_id"]: row for row in PointsAccount.objects.values("user_id", "balance", "pending")
    }
    differences = []
    for user_id in sorted(set(ledger) | set(batches) | set(accounts)):
        account = accounts.get(user_id, {})
        for figure, column in (("usable", "balance"), ("pending", "pending")):
            held = account.get(column, 0)
            summed = ledger.get(user_id, {}).get(figure, 0)
            left = batches.get(user_id, {}).get(figure, 0)
            if not held == summed == left:
                differences.append(
                    {
                        "user_id": user_id,
                        "figure": figure,
                        "account": held,
                        "ledger": summed,
                        "batches": left,
                    }
                )
    return differences
