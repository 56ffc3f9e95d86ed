"""拼团 reads: the campaigns on now (cached, per product), the groups waiting for members,
a group as its share page and its live updates show it, a campaign's figures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from accounts.selectors import masked_name
from config.oncommit import after_commit
from marketing.models import (
    CampaignStatus,
    GroupBuy,
    GroupBuyMember,
    GroupBuyTeam,
    MemberStatus,
    TeamStatus,
)

VERSION_KEY = "marketing:groupbuy:version"
# How many waiting groups a product page lists (the rest are a tap away in the API).
WAITING_SHOWN = 5


def team_group(team_no: str) -> str:
    """The channel layer group of a group's share pages."""
    return f"team.{team_no}"


def groupbuy_cache_forget() -> None:
    """A campaign changed: the next read builds the table again."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted: a version no process has seen (the time, in ms)
        cache.set(VERSION_KEY, int(time.time() * 1000), None)


@dataclass(frozen=True)
class Campaign:
    """What a page needs of a running campaign."""

    id: int
    title: str
    sku_id: int
    product_id: int
    options: str  # the SKU's options as shoppers read them (黑色 / 128GB)
    group_price: Decimal
    usual_price: Decimal
    group_size: int
    fill_minutes: int
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime


def _build() -> dict[int, list[Campaign]]:
    found: dict[int, list[Campaign]] = {}
    rows = GroupBuy.objects.filter(status=CampaignStatus.PUBLISHED).select_related("sku")
    for c in rows.order_by("starts_at", "pk"):
        found.setdefault(c.sku.product_id, []).append(
            Campaign(
                id=c.pk,
                title=c.title,
                sku_id=c.sku_id,
                product_id=c.sku.product_id,
                options=c.sku.attributes_label,
                group_price=c.group_price,
                usual_price=c.sku.price,
                group_size=c.group_size,
                fill_minutes=c.fill_minutes,
                per_user_limit=c.per_user_limit,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
            )
        )
    return found


# The last table this process read, by language and version: a product page then costs
# one cache read (the version), not two. Replaced whole, so threads never see it half-made.
_memo: dict[tuple[str, int], dict[int, list[Campaign]]] = {}


def _published() -> dict[int, list[Campaign]]:
    """{product id: its published campaigns}, cached under a version every change bumps
    (titles per language: the table is kept per active language)."""
    global _memo
    from django.utils.translation import get_language

    version = cache.get(VERSION_KEY)
    if version is None:  # never set, evicted, or Redis down: a new one (no memo then)
        cache.add(VERSION_KEY, int(time.time() * 1000), None)
        version = cache.get(VERSION_KEY, 0)
    memo_key = (get_language(), version)
    if version and (found := _memo.get(memo_key)) is not None:
        return found
    key = f"marketing:groupbuy:{memo_key[0]}:{version}"
    value = cache.get(key)
    if value is None:
        value = _build()
        cache.set(key, value, settings.PROMOTION_RULES_CACHE_SECONDS)
    if version:
        _memo = {**{k: v for k, v in _memo.items() if k[1] == version}, memo_key: value}
    return value


def campaigns_on(*, product_id: int, now=None) -> list[Campaign]:
    """The product's campaigns on now (their window open), soonest ending first."""
    now = now or timezone.now()
    on = [c for c in _published().get(product_id, []) if c.starts_at <= now < c.ends_at]
    return sorted(on, key=lambda c: c.ends_at)


def campaign_on(*, campaign_id: int, now=None) -> Campaign | None:
    now = now or timezone.now()
    for campaigns in _published().values():
        for c in campaigns:
            if c.id == campaign_id and c.starts_at <= now < c.ends_at:
                return c
    return None


def teams_waiting(*, campaign_ids: list[int], limit: int = WAITING_SHOWN, now=None):
    """Open groups with seats left and time to join, fewest seats left first (the ones a
    shopper completes), then the soonest closing; with their leader."""
    now = now or timezone.now()
    return list(
        GroupBuyTeam.objects.filter(
            campaign_id__in=campaign_ids, status=TeamStatus.OPEN, deadline__gt=now
        )
        .select_related("leader")
        .annotate(left=F("size") - F("seats_taken") - F("virtual_members"))
        .order_by("left", "deadline", "pk")[:limit]
    )


def team_get(*, team_no: str) -> GroupBuyTeam | None:
    """A group with its campaign, SKU and product (anything else: None)."""
    return (
        GroupBuyTeam.objects.filter(team_no=team_no)
        .exclude(status=TeamStatus.OPENING)
        .exclude(status=TeamStatus.CLOSED)
        .select_related("campaign__sku__product", "leader")
        .first()
    )


# The shortest time a joiner gets to pay: a group that closes sooner takes no one new.
MIN_PAY_SECONDS = 30


def team_open_to_join(team: GroupBuyTeam, *, now=None) -> bool:
    """Open, a seat left, and time enough to pay before its deadline."""
    now = now or timezone.now()
    return (
        team.status == TeamStatus.OPEN
        and team.seats_left > 0
        and team.deadline > now + timedelta(seconds=MIN_PAY_SECONDS)
    )


def team_joinable(team: GroupBuyTeam, user) -> bool:
    """Whether ``user`` (a guest too: they log in first) may join: open to join, and not in
    it already."""
    if not team_open_to_join(team):
        return False
    if not user.is_authenticated:
        return True
    return not team.members.filter(
        user=user, status__in=(MemberStatus.PENDING, MemberStatus.JOINED)
    ).exists()


def team_members(team: GroupBuyTeam) -> list[GroupBuyMember]:
    """The paid members, leader first (their orders' holders)."""
    return list(
        GroupBuyMember.objects.filter(
            team=team, status__in=(MemberStatus.JOINED, MemberStatus.REFUNDED)
        )
        .select_related("user")
        .order_by("-is_leader", "joined_at", "pk")
    )


def _avatar(user) -> str:
    return user.avatar.url if user.avatar else ""


def team_state(team: GroupBuyTeam, members: list[GroupBuyMember] | None = None) -> dict:
    """A group as its share page, the API and the live updates show it: members masked
    (名字 → 名**), virtual members never listed (the merchant sees their count)."""
    members = team_members(team) if members is None else members
    return {
        "team_no": team.team_no,
        "status": team.status,
        "size": team.size,
        "members_count": team.seats_taken + team.virtual_members,
        "seats_left": team.seats_left,
        "deadline": team.deadline.isoformat() if team.deadline else None,
        "members": [
            {
                "name": masked_name(m.user.display_name),
                "avatar": _avatar(m.user),
                "is_leader": m.is_leader,
            }
            for m in members
        ],
    }


def team_push(*, team_id: int) -> None:
    """After commit, the group's state to its open share pages (a hint: they read the page
    or API for the truth, and poll when the socket is down)."""

    def push():
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        team = GroupBuyTeam.objects.get(pk=team_id)
        async_to_sync(get_channel_layer().group_send)(
            team_group(team.team_no), {"type": "team.state", "data": team_state(team)}
        )

    after_commit(push)


def member_of_order(*, order_id: int) -> GroupBuyMember | None:
    return GroupBuyMember.objects.filter(order_id=order_id).select_related("team__campaign").first()
