"""拼团 campaigns: create and edit a draft, publish it (its units leave the SKU for the
campaign), end it (what is left goes back, and its open groups fail through the same path
as a missed deadline), and the campaign's stock source for orders.

Every change to a campaign's units is one conditional ``UPDATE … RETURNING`` and one
GroupBuyStockMovement in the same transaction, the SKU's side going through catalog's stock
ledger, so both always equal the sum of their movements.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.errors import InsufficientStock
from catalog.models import StockReason
from catalog.services import held_units_add, stock_return_many, stock_take_many
from config.oncommit import after_commit
from marketing.errors import GroupBuySkuShort, GroupBuySoldOut, GroupBuyStepNotAllowed
from marketing.models import (
    CampaignStatus,
    GroupBuy,
    GroupBuyMember,
    GroupBuyStockMovement,
    GroupBuyStockReason,
    GroupBuyTeam,
    MemberStatus,
    TeamFailure,
    TeamStatus,
)
from marketing.selectors.groupbuy import groupbuy_cache_forget

C = CampaignStatus
SOURCE = "groupbuy"
_REASONS = {
    StockReason.CANCEL: GroupBuyStockReason.CANCEL,
    StockReason.TIMEOUT: GroupBuyStockReason.TIMEOUT,
    StockReason.REFUND: GroupBuyStockReason.REFUND,
}
# What a merchant sets on a draft (the title per language: marketing/translation.py).
DRAFT_FIELDS = (
    "title_zh_hans",
    "title_en",
    "sku",
    "group_price",
    "group_size",
    "fill_minutes",
    "starts_at",
    "ends_at",
    "allocated",
    "per_user_limit",
    "virtual_fill",
)
# Safe to change while it runs: they decide nothing already taken.
LIVE_FIELDS = ("title_zh_hans", "title_en", "virtual_fill")


def source_name(campaign_id: int) -> str:
    return f"{SOURCE}:{campaign_id}"


def _reference(campaign: GroupBuy) -> str:
    return source_name(campaign.pk)


def groupbuy_stock_move(
    *, campaign_id: int, quantity: int, reason: str, reference: str, actor=None
) -> int | None:
    """Add ``quantity`` (signed) to a campaign's units if they stay at or above zero;
    returns the units after, or None when there were not enough (nothing written then)."""
    after = held_units_add(model=GroupBuy, pk=campaign_id, quantity=quantity)
    if after is None:
        return None
    GroupBuyStockMovement.objects.create(
        campaign_id=campaign_id,
        quantity=quantity,
        stock_after=after,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reference=reference[:64],
    )
    return after


def groupbuy_lock(*, campaign_id: int) -> GroupBuy | None:
    """The one way to lock a campaign's row (publish, end, units given back)."""
    return GroupBuy.objects.select_for_update().filter(pk=campaign_id).first()


def groupbuy_validate(*, data: dict, now=None, starts_changed: bool = True) -> None:
    """The rules of a campaign, each beside its field: a group price above 0 and below the
    SKU's usual price, a size of 2 to 100, a time to fill of a minute or more, at least one
    unit and a limit of one or more, an end after the start, a start not in the past."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    sku, price = data.get("sku"), data.get("group_price")
    if price is not None:
        if price <= 0:
            errors["group_price"] = [_("The group price must be above ¥0.00.")]
        elif sku is not None and price >= sku.price:
            errors["group_price"] = [
                _("The group price must be below the SKU's usual price (¥%(price)s).")
                % {"price": sku.price}
            ]
    size = data.get("group_size")
    if size is not None and not 2 <= size <= 100:
        errors["group_size"] = [_("A group has 2 to 100 members.")]
    if data.get("fill_minutes") is not None and data["fill_minutes"] < 1:
        errors["fill_minutes"] = [_("Give a group at least a minute to fill.")]
    if data.get("allocated") is not None and data["allocated"] < 1:
        errors["allocated"] = [_("Put at least one unit on sale.")]
    if data.get("per_user_limit") is not None and data["per_user_limit"] < 1:
        errors["per_user_limit"] = [_("Each shopper may buy at least one.")]
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and starts_changed and starts < now - timezone.timedelta(minutes=5):
        errors["starts_at"] = [_("The start cannot be in the past.")]
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = [_("The end must come after the start.")]
    if errors:
        raise ValidationError(errors)


def groupbuy_create(*, data: dict) -> GroupBuy:
    """A new draft (nothing moves until it is published)."""
    groupbuy_validate(data=data)
    fields = {name: data[name] for name in (*DRAFT_FIELDS, "title") if name in data}
    return GroupBuy.objects.create(**fields, status=C.DRAFT)


def groupbuy_update(*, campaign_id: int, changes: dict) -> bool:
    """Write the fields a merchant changed: any of a draft's (only while it is a draft: one
    conditional UPDATE), or of a published one those that decide nothing already taken.
    False when its status moved meanwhile and nothing was written."""
    status = GroupBuy.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
    allowed = DRAFT_FIELDS if status == C.DRAFT else LIVE_FIELDS
    changes = {name: value for name, value in changes.items() if name in allowed}
    if not changes:
        return True
    written = GroupBuy.objects.filter(pk=campaign_id, status=status).update(
        **changes, updated_at=timezone.now()
    )
    after_commit(groupbuy_cache_forget)
    return bool(written)


@transaction.atomic
def groupbuy_publish(*, campaign_id: int, actor=None) -> GroupBuy:
    """A draft goes on sale: its units leave the SKU for the campaign (both in the ledger)."""
    campaign = groupbuy_lock(campaign_id=campaign_id)
    if campaign is None or campaign.status != C.DRAFT or campaign.ends_at <= timezone.now():
        raise GroupBuyStepNotAllowed()
    try:
        stock_take_many(
            quantities={campaign.sku_id: campaign.allocated},
            reason=StockReason.EVENT_ALLOCATION,
            reference=_reference(campaign),
            actor=actor,
        )
    except InsufficientStock as exc:
        raise GroupBuySkuShort() from exc
    groupbuy_stock_move(
        campaign_id=campaign.pk,
        quantity=campaign.allocated,
        reason=GroupBuyStockReason.ALLOCATION,
        reference=_reference(campaign),
        actor=actor,
    )
    _set_status(campaign, C.PUBLISHED, published_at=timezone.now())
    return GroupBuy.objects.get(pk=campaign.pk)


def _set_status(campaign: GroupBuy, to_status: str, **fields) -> None:
    if not GroupBuy.objects.filter(pk=campaign.pk, status=campaign.status).update(
        status=to_status, updated_at=timezone.now(), **fields
    ):
        raise GroupBuyStepNotAllowed()
    after_commit(groupbuy_cache_forget)


def groupbuy_end(*, campaign_id: int, actor=None) -> GroupBuy:
    """The campaign is over (at its end, or early by the merchant): what is left goes back
    to the SKU, and every group still open fails through the path of a missed deadline
    (each member refunded by their own task); a leader still paying finds it over."""
    from marketing.services.groups import team_fail

    campaign = _groupbuy_end(campaign_id=campaign_id, actor=actor)
    early = campaign.ended_at < campaign.ends_at
    open_teams = GroupBuyTeam.objects.filter(campaign_id=campaign_id, status=TeamStatus.OPEN)
    for team_id in list(open_teams.order_by("pk").values_list("pk", flat=True)):
        team_fail(
            team_id=team_id,
            failure=TeamFailure.ENDED if early else TeamFailure.DEADLINE,
            campaign_over=True,
        )
    _cancel_unpaid(campaign_id=campaign_id)
    return campaign


@transaction.atomic
def _groupbuy_end(*, campaign_id: int, actor) -> GroupBuy:
    campaign = groupbuy_lock(campaign_id=campaign_id)
    if campaign is None or campaign.status != C.PUBLISHED:
        raise GroupBuyStepNotAllowed()
    left = campaign.stock
    if left:
        groupbuy_stock_move(
            campaign_id=campaign.pk,
            quantity=-left,
            reason=GroupBuyStockReason.RETURN,
            reference=_reference(campaign),
            actor=actor,
        )
        stock_return_many(
            quantities={campaign.sku_id: left},
            reason=StockReason.EVENT_RETURN,
            reference=_reference(campaign),
            actor=actor,
        )
    _set_status(campaign, C.ENDED, ended_at=timezone.now())
    return GroupBuy.objects.get(pk=campaign.pk)


def _cancel_unpaid(*, campaign_id: int) -> None:
    """Orders still unpaid in a campaign that is over are cancelled, each by its own task
    (a payment that lands meanwhile is refused by the group and refunded)."""
    from marketing.tasks import group_order_cancel_task

    unpaid = GroupBuyMember.objects.filter(
        team__campaign_id=campaign_id, status=MemberStatus.PENDING
    ).values_list("order_id", flat=True)
    for order_id in list(unpaid):
        after_commit(lambda order_id=order_id: group_order_cancel_task.delay(order_id))


def groupbuys_advance(*, now=None) -> int:
    """The clock (beat, every minute): published campaigns whose end has passed are ended.
    Returns how many."""
    now = now or timezone.now()
    due = GroupBuy.objects.filter(status=C.PUBLISHED, ends_at__lte=now).values_list("pk", flat=True)
    ended = 0
    for campaign_id in list(due):
        try:
            groupbuy_end(campaign_id=campaign_id)
            ended += 1
        except GroupBuyStepNotAllowed:  # ended by someone else meanwhile
            continue
    return ended


# --- The stock source (registered with orders, which never imports marketing) -------------


def groupbuy_units_take(*, ref: str, sku_id: int, quantity: int, reference: str, actor=None) -> str:
    """Units for a group order, from the campaign's (a conditional update)."""
    campaign_id = int(ref)
    after = groupbuy_stock_move(
        campaign_id=campaign_id,
        quantity=-quantity,
        reason=GroupBuyStockReason.ORDER,
        reference=reference,
        actor=actor,
    )
    if after is None:
        raise GroupBuySoldOut()
    return source_name(campaign_id)


def groupbuy_units_give_back(
    *, ref: str, sku_id, quantity: int, reason: str, reference: str, actor=None, order_id=None
) -> bool:
    """Back to the campaign while it runs (True); to the SKU once it ended (False). An
    unpaid member's place is let go at the same time (their quota too)."""
    from marketing.services.groups import member_let_go

    campaign_id = int(ref)
    # The row lock orders this against groupbuy_end, which moves what is left to the SKU.
    campaign = groupbuy_lock(campaign_id=campaign_id)
    campaign_reason = _REASONS.get(reason)
    to_campaign = (
        campaign is not None and campaign.status != C.ENDED and campaign_reason is not None
    )
    if to_campaign:
        groupbuy_stock_move(
            campaign_id=campaign_id,
            quantity=quantity,
            reason=campaign_reason,
            reference=reference,
            actor=actor,
        )
    if order_id is not None:
        member_let_go(order_id=order_id)
    return to_campaign


def groupbuy_stock_audit() -> list[dict]:
    """Campaigns whose units differ from the sum of their movements (``stock_audit``)."""
    rows = (
        GroupBuy.objects.annotate(ledger=Coalesce(Sum("movements__quantity"), 0))
        .order_by("pk")
        .values("pk", "title", "stock", "ledger")
    )
    return [
        {
            "kind": "group buy",
            "pk": row["pk"],
            "code": row["title"],
            "stock": row["stock"],
            "ledger": row["ledger"],
            "difference": row["stock"] - row["ledger"],
        }
        for row in rows
        if row["stock"] != row["ledger"]
    ]
