"""Reads of the points rules, member levels and a shopper's points and growth.

The rules and the level table are read by every quote, so they are cached with the
promotions' rules (``rules_cached``): an edit in the admin changes the version and the next
quote reads them afresh. A missing rules row reads as the defaults (nothing writes on a
read); a shopper without an account or membership has no points and no growth.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from marketing.models import (
    CheckIn,
    MemberLevel,
    MemberRules,
    Membership,
    PointsAccount,
    PointsBatch,
    PointsBatchStatus,
    PointsEntry,
    PointsReason,
)
from marketing.selectors.promotions import localized, names_of, rules_cached


@dataclass(frozen=True)
class Rules:
    points_per_yuan: Decimal
    points_per_yuan_off: int
    points_max_percent: int
    cycle: tuple[int, ...]
    points_expiry_years: int
    growth_per_yuan: Decimal


@dataclass(frozen=True)
class LevelRule:
    id: int
    names: tuple[tuple[str, str], ...]
    growth_min: int
    discount_percent: Decimal
    points_multiplier: Decimal

    @property
    def name(self) -> str:
        return localized(dict(self.names))

    @property
    def multiplier_text(self) -> str:
        """1.2, 2, 10: as a shopper reads it."""
        return f"{self.points_multiplier.quantize(Decimal('0.01')).normalize():f}"

    @property
    def discount_text(self) -> str:
        return f"{self.discount_percent.quantize(Decimal('0.1')).normalize():f}"


def _rules_of(row: MemberRules) -> Rules:
    return Rules(
        points_per_yuan=row.points_per_yuan,
        points_per_yuan_off=row.points_per_yuan_off,
        points_max_percent=row.points_max_percent,
        cycle=tuple(row.cycle),
        points_expiry_years=row.points_expiry_years,
        growth_per_yuan=row.growth_per_yuan,
    )


def member_rules() -> Rules:
    """The shop's points rules (the defaults until the merchant saves them)."""
    return rules_cached(
        "member-rules", lambda: _rules_of(MemberRules.objects.filter(pk=1).first() or MemberRules())
    )


def member_levels() -> tuple[LevelRule, ...]:
    """The level table, lowest first."""

    def build():
        return tuple(
            LevelRule(
                id=level.pk,
                names=names_of(level),
                growth_min=level.growth_min,
                discount_percent=level.discount_percent,
                points_multiplier=level.points_multiplier,
            )
            for level in MemberLevel.objects.order_by("growth_min")
        )

    return rules_cached("member-levels", build)


def level_for(growth: int, levels=None) -> LevelRule | None:
    """The highest level whose threshold ``growth`` reaches (≥), None below every level."""
    reached = None
    for level in member_levels() if levels is None else levels:
        if growth >= level.growth_min:
            reached = level
    return reached


def next_level(growth: int, levels=None) -> LevelRule | None:
    """The lowest level above ``growth``, None at the top."""
    for level in member_levels() if levels is None else levels:
        if growth < level.growth_min:
            return level
    return None


def growth_of(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Membership.objects.filter(user=user).values_list("growth", flat=True).first() or 0


def member_level_of(user) -> LevelRule | None:
    """The shopper's level (None for a visitor, or below every level)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return level_for(growth_of(user))


def member_summary(user) -> dict:
    """My level: growth, the level, the next one and the gap to it."""
    growth = growth_of(user)
    levels = member_levels()
    level, upcoming = level_for(growth, levels), next_level(growth, levels)
    return {
        "growth": growth,
        "level": level,
        "next": upcoming,
        "gap": upcoming.growth_min - growth if upcoming else None,
        "levels": levels,
    }


def points_balance(user) -> tuple[int, int]:
    """(usable, pending) points of the shopper; (0, 0) without an account."""
    if not getattr(user, "is_authenticated", False):
        return 0, 0
    row = PointsAccount.objects.filter(user=user).values_list("balance", "pending").first()
    return row or (0, 0)


def points_expiring_next(user) -> dict | None:
    """The usable points that expire first: {"points", "expires_at"} (the batches ending at
    that same instant together), None when nothing is usable."""
    usable = PointsBatch.objects.filter(user=user, status=PointsBatchStatus.USABLE, remaining__gt=0)
    first = usable.aggregate(at=Min("expires_at"))["at"]
    if first is None:
        return None
    points = usable.filter(expires_at=first).aggregate(n=Sum("remaining"))["n"]
    # They last through the day before that instant (a new year's first instant: 31 Dec).
    last_day = timezone.localdate(first - datetime.timedelta(microseconds=1))
    return {"points": points, "expires_at": first, "last_day": last_day}


def points_summary(user) -> dict:
    balance, pending = points_balance(user)
    rules = member_rules()
    return {
        "balance": balance,
        "pending": pending,
        "expiring": points_expiring_next(user),
        "value": Decimal(balance // rules.points_per_yuan_off),
        "points_per_yuan_off": rules.points_per_yuan_off,
    }


def points_ledger(user):
    """The shopper's points entries, newest first (for a paginator)."""
    return PointsEntry.objects.filter(user=user).order_by("-created_at", "-pk")


def check_in_month(user, *, today: datetime.date | None = None) -> dict:
    """This month's check-ins, the streak as of today and today's (or tomorrow's) reward."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    days = dict(
        CheckIn.objects.filter(user=user, day__gte=first, day__lte=today).values_list(
            "day", "points"
        )
    )
    last = CheckIn.objects.filter(user=user, day__gte=today - datetime.timedelta(days=1))
    last = last.order_by("-day").values("day", "streak").first()
    checked = bool(last and last["day"] == today)
    streak = last["streak"] if last else 0
    cycle = member_rules().cycle
    # Today's reward when not checked in yet (the streak goes on from yesterday), else
    # tomorrow's.
    reward = cycle[streak % len(cycle)]
    return {
        "today": today,
        "first": first,
        "days": days,
        "checked_in": checked,
        "streak": streak,
        "reward": reward,
        "cycle": cycle,
        # Today's day of the cycle, 1 to its length.
        "day_of_cycle": (streak - 1 if checked else streak) % len(cycle) + 1,
    }


_MONTHLY = {
    "issued": (PointsReason.ORDER_EARNED, PointsReason.CHECK_IN),
    "spent": (PointsReason.ORDER_SPENT,),
    "returned": (PointsReason.ORDER_RETURNED, PointsReason.REFUND_RETURNED),
    "reversed": (PointsReason.REFUND_REVERSED,),
    "expired": (PointsReason.EXPIRED,),
    "adjusted": (PointsReason.ADJUSTED,),
}


def points_monthly(*, months: int = 12) -> list[dict]:
    """Points per month in the shop's time zone, newest first: issued (earned by orders and
    check-ins, pending or usable), spent, returned, reversed, expired and adjusted, and the
    outstanding total (usable plus pending, the shop's liability) at each month's end."""
    from django.db.models import F

    rows = (
        PointsEntry.objects.annotate(month=TruncMonth("created_at"))
        .values("month", "reason")
        .annotate(points=Sum(F("amount") + F("pending_amount")))
    )
    by_month: dict = {}
    for row in rows:
        month = timezone.localtime(row["month"]).date() if row["month"] else None
        figures = by_month.setdefault(month, dict.fromkeys([*_MONTHLY, "net"], 0))
        for name, reasons in _MONTHLY.items():
            if row["reason"] in reasons:
                figures[name] += abs(row["points"]) if name != "adjusted" else row["points"]
        figures["net"] += row["points"]
    outstanding = 0
    table = []
    for month in sorted(by_month):
        outstanding += by_month[month]["net"]
        table.append({"month": month, **by_month[month], "outstanding": outstanding})
    return table[::-1][:months]
