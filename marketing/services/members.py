"""Members: growth (成长值) and the level it reaches, the merchant's rules and adjustments.

Growth changes only here: the shopper's membership row is locked (``SELECT … FOR UPDATE``),
moved (never below zero: a refund after a bigger one takes what is left), its level set
again from the level table (≥ the threshold: reaching it exactly upgrades) and the change
recorded as a ``GrowthEntry`` unique per reason and reference, in one transaction; so a
repeated task changes nothing.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from marketing.models import GrowthEntry, MemberLevel, MemberRules, Membership, PointsReason
from marketing.selectors.members import level_for
from marketing.services.points import points_credit, points_spend
from marketing.services.promotions import promotions_changed


def growth_change(
    *, user_id: int, amount: int, reason: str, reference: str, note: str = ""
) -> GrowthEntry | None:
    """Move the shopper's growth by ``amount`` (a fall stops at zero; the entry records what
    moved) and recompute the level; None when this reason and reference were recorded."""
    reference = str(reference)[:64]
    done = GrowthEntry.objects.filter(user_id=user_id, reason=reason, reference=reference)
    if done.exists():
        return None
    try:
        with transaction.atomic():
            Membership.objects.get_or_create(user_id=user_id)
            row = Membership.objects.select_for_update().get(user_id=user_id)
            growth = max(row.growth + amount, 0)
            level = level_for(growth, _levels_fresh())
            Membership.objects.filter(user_id=user_id).update(
                growth=growth, level_id=level.pk if level else None
            )
            return GrowthEntry.objects.create(
                user_id=user_id,
                amount=growth - row.growth,
                growth_after=growth,
                reason=reason,
                reference=reference,
                note=str(note)[:200],
            )
    except IntegrityError:
        if done.exists():  # the same change, committed by another process meanwhile
            return None
        raise


def _levels_fresh():
    """The level table for a write: read from the database, not the cache, so a level the
    merchant has just changed counts at once."""
    return list(MemberLevel.objects.order_by("growth_min").only("pk", "growth_min"))


def levels_recompute() -> int:
    """Every membership's level again from the level table (after the merchant changed it),
    in one UPDATE; the number of rows written."""
    reached = MemberLevel.objects.filter(growth_min__lte=OuterRef("growth")).order_by("-growth_min")
    return Membership.objects.update(level_id=Subquery(reached.values("pk")[:1]))


def member_levels_changed() -> None:
    """The merchant saved or deleted a level: quotes read the table afresh, and every
    member's level follows."""
    promotions_changed()
    levels_recompute()


def member_rules_save(*, rules: MemberRules, fields: list[str] | None) -> None:
    """Write the rules from the merchant's form (only the fields the form changed, the row
    made when it is the first save); quotes read them afresh."""
    rules.pk = 1
    if not MemberRules.objects.filter(pk=1).exists() or fields is None:
        rules.save()
    elif fields:
        rules.save(update_fields=fields)
    promotions_changed()


def points_adjust(*, user_id: int, amount: int, note: str, actor) -> object:
    """The merchant adds (``amount`` > 0) or takes (< 0) points, with the reason in ``note``:
    a ledger entry of its own (NotEnoughPoints when the shopper has fewer usable)."""
    if not amount:
        raise ValueError("an adjustment moves at least one point")
    reference = f"adjust:{uuid.uuid4().hex}"
    if amount > 0:
        return points_credit(
            user_id=user_id,
            amount=amount,
            reason=PointsReason.ADJUSTED,
            reference=reference,
            note=note,
            actor=actor,
        )
    with transaction.atomic():
        return points_spend(
            user_id=user_id,
            amount=-amount,
            reason=PointsReason.ADJUSTED,
            reference=reference,
            note=note,
            actor=actor,
        )
