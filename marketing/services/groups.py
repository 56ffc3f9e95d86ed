"""拼团 groups: open one or join one (a group order to pay), the seat taken when the payment
lands, success on the last seat, failure at the deadline with every member refunded.

Locks, always in this order: an order (payments holds it while it applies a payment), then
its group, then members. So the payment of the last seat, which moves every member's order
on, never waits on a path that holds the group and waits for an order: failing a group
locks only the group, and each member's refund runs later in its own task and transaction,
where one that fails is retried and never undoes another.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.countdown import apply_at
from config.oncommit import after_commit
from marketing.errors import (
    GroupAlreadyJoined,
    GroupBuyLimitReached,
    GroupBuyNotFound,
    GroupBuyNotOn,
    GroupNotFound,
    GroupNotJoinable,
)
from marketing.models import (
    CampaignStatus,
    GroupBuy,
    GroupBuyMember,
    GroupBuyQuota,
    GroupBuyTeam,
    MemberStatus,
    TeamFailure,
    TeamStatus,
)
from marketing.selectors.groupbuy import MIN_PAY_SECONDS, team_open_to_join, team_push
from marketing.services.groupbuy import source_name
from orders import notes
from orders.hooks import PaymentVerdict
from orders.models import Order, OrderSource, OrderStatus
from orders.services import (
    OrderLine,
    address_of,
    order_create_from_lines,
    order_group_settle,
    order_lock,
)

logger = logging.getLogger(__name__)
M = MemberStatus
T = TeamStatus


def _new_team_no() -> str:
    """Not guessable: it is the share link. Local time to the second + 8 random digits."""
    return "T" + timezone.localtime().strftime("%y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def _campaign_on(campaign_id: int, now) -> GroupBuy:
    campaign = GroupBuy.objects.select_related("sku__product").filter(pk=campaign_id).first()
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        raise GroupBuyNotFound()
    if campaign.status != CampaignStatus.PUBLISHED or not (
        campaign.starts_at <= now < campaign.ends_at
    ):
        raise GroupBuyNotOn()
    return campaign


def groupbuy_order(
    *,
    user,
    campaign_id: int,
    address_id,
    quantity: int = 1,
    team_no: str = "",
    idempotency_key: str = "",
    source: str = OrderSource.GROUPBUY,
) -> tuple[Order, bool]:
    """A group order to pay: opening a new group (``team_no`` empty: the shopper leads it
    once paid) or joining the open group ``team_no``. Returns (order, created); the same
    shopper's unpaid order for the same group is returned again, never a second one.

    The seat is not taken here but when the payment lands (group_payment_verdict): a group
    shows only paid members, and one that fills meanwhile refunds this payment in full."""
    now = timezone.now()
    campaign = _campaign_on(campaign_id, now)
    if not isinstance(quantity, int) or not 1 <= quantity <= campaign.per_user_limit:
        raise ValidationError(
            {"quantity": [_("Buy between 1 and %(limit)d.") % {"limit": campaign.per_user_limit}]}
        )
    team = None
    if team_no:
        team = GroupBuyTeam.objects.filter(team_no=team_no, campaign=campaign).first()
        if team is None:
            raise GroupNotFound()
        mine = GroupBuyMember.objects.filter(team=team, user=user, status__in=(M.PENDING, M.JOINED))
        pending = mine.filter(status=M.PENDING).select_related("order").first()
        if pending is not None:
            return pending.order, False
        if mine.exists():
            raise GroupAlreadyJoined()
        if not team_open_to_join(team, now=now):
            raise GroupNotJoinable()
    address = address_of(user, address_id)
    # An order is paid before its group can take it: by the group's deadline, or the
    # campaign's end for a new group's leader.
    closes = team.deadline if team is not None else campaign.ends_at
    pay_timeout = int(min(settings.ORDER_PAY_TIMEOUT, (closes - now).total_seconds()))
    key = idempotency_key or secrets.token_hex(8)

    def write(order: Order) -> None:
        _quota_take(campaign=campaign, user=user, quantity=quantity)
        joined = team
        if joined is None:
            joined = GroupBuyTeam.objects.create(
                campaign=campaign, team_no=_new_team_no(), leader=user, size=campaign.group_size
            )
        GroupBuyMember.objects.create(
            team=joined, user=user, order=order, quantity=quantity, is_leader=team is None
        )

    try:
        return order_create_from_lines(
            user=user,
            lines=[
                OrderLine(
                    sku_id=campaign.sku_id,
                    quantity=quantity,
                    unit_price=campaign.group_price,
                    stock_source=source_name(campaign.pk),
                )
            ],
            source=source,
            idempotency_key=f"groupbuy:{campaign.pk}:{team_no or 'new'}:{key}"[:100],
            pay_timeout=max(pay_timeout, MIN_PAY_SECONDS),
            address=address,
            also_write=write,
        )
    except IntegrityError:
        # A double submit for the same group won the unique membership: its order answers.
        pending = (
            GroupBuyMember.objects.filter(team=team, user=user, status=M.PENDING)
            .select_related("order")
            .first()
            if team is not None
            else None
        )
        if pending is not None:
            return pending.order, False
        raise GroupAlreadyJoined() from None


def _quota_take(*, campaign: GroupBuy, user, quantity: int) -> None:
    """The shopper's units in the campaign grow by ``quantity`` if they stay within its
    limit (a conditional UPDATE; the row made once per shopper and campaign)."""
    GroupBuyQuota.objects.get_or_create(
        campaign=campaign, user=user, defaults={"limit": campaign.per_user_limit}
    )
    if not GroupBuyQuota.objects.filter(
        campaign=campaign, user=user, units__lte=F("limit") - quantity
    ).update(units=F("units") + quantity):
        raise GroupBuyLimitReached()


def _quota_give_back(member: GroupBuyMember) -> None:
    GroupBuyQuota.objects.filter(
        campaign_id=member.team.campaign_id, user_id=member.user_id, units__gte=member.quantity
    ).update(units=F("units") - member.quantity)


def _member_move(member: GroupBuyMember, from_status: str, to_status: str, **fields) -> bool:
    """One conditional UPDATE: True if this call moved the member."""
    return bool(
        GroupBuyMember.objects.filter(pk=member.pk, status=from_status).update(
            status=to_status, **fields
        )
    )


def team_lock(*, team_id: int) -> GroupBuyTeam:
    """The one way to lock a group's row (after its members' order, before its members)."""
    return GroupBuyTeam.objects.select_for_update().select_related("campaign").get(pk=team_id)


def member_let_go(*, order_id: int) -> None:
    """An unpaid member's order was cancelled or timed out: the place is let go, the quota
    given back, and a group whose leader never paid is closed (it was never shown)."""
    member = GroupBuyMember.objects.select_related("team").filter(order_id=order_id).first()
    if member is None or not _member_move(member, M.PENDING, M.LEFT):
        return
    _quota_give_back(member)
    if member.is_leader:
        GroupBuyTeam.objects.filter(pk=member.team_id, status=T.OPENING).update(
            status=T.CLOSED, finished_at=timezone.now()
        )


def group_payment_verdict(*, order: Order) -> PaymentVerdict | None:
    """orders' payment gate, in the payment's transaction with the order locked: a group
    order's payment takes its seat under the group's lock. The leader's opens the group
    (its deadline from now); a member's takes a seat if one is left before the deadline, and
    the last seat succeeds the group at once. A payment the group cannot take (full, over,
    failed) is refused: the order is cancelled and the money refunded in full."""
    member = GroupBuyMember.objects.filter(order_id=order.pk).first()
    if member is None:
        return None
    team = team_lock(team_id=member.team_id)
    now = timezone.now()
    campaign = team.campaign
    if member.status != M.PENDING:
        return PaymentVerdict(refuse=notes.GROUP_CLOSED)
    if member.is_leader:
        if (
            team.status != T.OPENING
            or campaign.status != CampaignStatus.PUBLISHED
            or now >= campaign.ends_at
        ):
            return _refuse(member, notes.GROUP_CLOSED)
        deadline = min(now + timedelta(minutes=campaign.fill_minutes), campaign.ends_at)
        GroupBuyTeam.objects.filter(pk=team.pk, status=T.OPENING).update(
            status=T.OPEN, opened_at=now, deadline=deadline, seats_taken=1
        )
        _member_move(member, M.PENDING, M.JOINED, joined_at=now)
        _deadline_timer(team.pk, deadline)
        team_push(team_id=team.pk)
        return PaymentVerdict(status=OrderStatus.GROUPING, note_key=notes.GROUP_WAITING)
    if team.status == T.SUCCEEDED:
        return _refuse(member, notes.GROUP_FULL)  # filled while this one was paying
    if team.status != T.OPEN or team.deadline <= now:
        return _refuse(member, notes.GROUP_CLOSED)
    taken = GroupBuyTeam.objects.filter(
        pk=team.pk,
        status=T.OPEN,
        seats_taken__lt=F("size") - F("virtual_members"),
    ).update(seats_taken=F("seats_taken") + 1)
    if not taken:
        return _refuse(member, notes.GROUP_FULL)
    _member_move(member, M.PENDING, M.JOINED, joined_at=now)
    team.refresh_from_db(fields=["seats_taken"])
    team_push(team_id=team.pk)
    if team.seats_left > 0:
        return PaymentVerdict(status=OrderStatus.GROUPING, note_key=notes.GROUP_WAITING)
    _team_succeed(team, now=now, paying_order_id=order.pk)
    return PaymentVerdict(
        status=OrderStatus.PAID, note_key=notes.GROUP_SUCCEEDED, notice=notes.GROUP_SUCCEEDED
    )


def _refuse(member: GroupBuyMember, note_key: str) -> PaymentVerdict:
    if _member_move(member, M.PENDING, M.REFUSED):
        member.team = GroupBuyTeam.objects.get(pk=member.team_id)
        _quota_give_back(member)
    return PaymentVerdict(refuse=note_key)


def _team_succeed(team: GroupBuyTeam, *, now, paying_order_id: int | None) -> None:
    """The group is full (under its lock): every other member's waiting order is paid on to
    shipping, in this transaction (each a conditional transition, once)."""
    GroupBuyTeam.objects.filter(pk=team.pk, status=T.OPEN).update(
        status=T.SUCCEEDED, finished_at=now
    )
    waiting = (
        GroupBuyMember.objects.filter(team=team, status=M.JOINED)
        .exclude(order_id=paying_order_id)
        .order_by("order_id")
        .values_list("order_id", flat=True)
    )
    for order_id in list(waiting):
        order_group_settle(order_id=order_id, succeeded=True, note_key=notes.GROUP_SUCCEEDED)
    _cancel_unpaid_later(team.pk, note_key=notes.GROUP_FULL)
    team_push(team_id=team.pk)


def _cancel_unpaid_later(team_id: int, *, note_key: str) -> None:
    """The group is decided: its members still paying are told now, not at their payment
    (each order cancelled by its own task, after commit)."""
    from marketing.tasks import group_order_cancel_task

    unpaid = GroupBuyMember.objects.filter(team_id=team_id, status=M.PENDING)
    for order_id in list(unpaid.values_list("order_id", flat=True)):
        after_commit(lambda o=order_id: group_order_cancel_task.delay(o, note_key))


def _deadline_timer(team_id: int, deadline) -> None:
    from marketing.tasks import team_deadline_task

    after_commit(lambda: apply_at(team_deadline_task, args=[team_id], due=deadline.timestamp()))


def team_fail(
    *, team_id: int, failure: str = TeamFailure.DEADLINE, campaign_over: bool = False
) -> bool:
    """An open group's time is up (its deadline, or its campaign is over). With virtual
    members on, a group at its deadline is completed with them instead; otherwise it fails
    and each paid member is refunded in full by their own task, each unpaid member's order
    cancelled by its own. True if this call decided the group."""
    with transaction.atomic():
        team = team_lock(team_id=team_id)
        now = timezone.now()
        if team.status != T.OPEN:
            return False
        if not campaign_over and team.deadline > now:
            return False  # a timer that ran early: the group still has time
        if failure == TeamFailure.DEADLINE and team.campaign.virtual_fill:
            GroupBuyTeam.objects.filter(pk=team.pk).update(
                virtual_members=team.size - team.seats_taken
            )
            _team_succeed(team, now=now, paying_order_id=None)
            return True
        GroupBuyTeam.objects.filter(pk=team.pk, status=T.OPEN).update(
            status=T.FAILED, failure=failure, finished_at=now
        )
        _members_settle_later(team.pk)
        team_push(team_id=team.pk)
    return True


def _members_settle_later(team_id: int) -> None:
    """Each paid member's refund and each unpaid member's cancel, queued on their own after
    commit: one that fails (broker, gateway) skips nothing else, and the sweep queues again
    whatever is left."""
    from marketing.tasks import group_member_refund_task

    paid = GroupBuyMember.objects.filter(team_id=team_id, status=M.JOINED)
    for member_id in list(paid.values_list("pk", flat=True)):
        after_commit(lambda m=member_id: group_member_refund_task.delay(m))
    _cancel_unpaid_later(team_id, note_key=notes.GROUP_CLOSED)


def member_refund(*, member_id: int) -> bool:
    """A paid member of a failed group: their order is cancelled with the reason, its units
    go back, and payments refunds the payment in full (its own refund task, retried). Once:
    a second run finds the member refunded. True if this call did it."""
    member = GroupBuyMember.objects.select_related("team").filter(pk=member_id).first()
    if member is None or member.status != M.JOINED or member.team.status != T.FAILED:
        return False
    note_key = (
        notes.GROUP_CLOSED if member.team.failure == TeamFailure.ENDED else notes.GROUP_FAILED
    )
    with transaction.atomic():
        order_lock(order_id=member.order_id)  # the order first, as every path locks it
        if not _member_move(member, M.JOINED, M.REFUNDED):
            return False
        _quota_give_back(member)
        order_group_settle(order_id=member.order_id, succeeded=False, note_key=note_key)
    return True


def group_order_cancel(*, order_id: int, note_key: str = notes.GROUP_CLOSED) -> bool:
    """An unpaid order of a group that is decided (full, failed) or a campaign that is over:
    cancelled with ``note_key`` (the gateways asked first; a payment that went through
    meanwhile is refused by the group and refunded)."""
    from orders.errors import IllegalTransition, SettleIncomplete
    from orders.models import ActorType
    from orders.services import order_cancel

    if not Order.objects.filter(pk=order_id, status=OrderStatus.PENDING_PAYMENT).exists():
        return False
    try:
        order_cancel(order_id=order_id, actor_type=ActorType.SYSTEM, reason_key=note_key)
    except IllegalTransition:
        return False  # paid (and so refused and refunded) or cancelled meanwhile
    except SettleIncomplete:
        return False  # the gateway cannot show it yet: the sweep asks again
    return True


def teams_sweep(*, now=None, limit: int = 500) -> int:
    """Beat, every minute, the backstop of every timer: open groups past their deadline
    are decided, and the members of failed groups still waiting for their refund or
    cancel (a task lost with the broker) are queued again. Returns the groups decided."""
    now = now or timezone.now()
    due = GroupBuyTeam.objects.filter(status=T.OPEN, deadline__lte=now).order_by("deadline")
    decided = 0
    for team_id in list(due.values_list("pk", flat=True)[:limit]):
        decided += team_fail(team_id=team_id)
    stuck = GroupBuyMember.objects.filter(
        team__status=T.FAILED,
        status__in=(M.JOINED, M.PENDING),
        team__finished_at__lte=now - timedelta(minutes=2),
    )
    for team_id in list(stuck.values_list("team_id", flat=True).distinct()[:limit]):
        with transaction.atomic():
            _members_settle_later(team_id)
    return decided
