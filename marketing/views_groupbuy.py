"""拼团 pages (thin): the product page's block, the buy page (open a group or join one), a
group's share page, and the order page's panel for a group order."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.selectors import address_list_for_user, masked_name
from config.exceptions import ApplicationError
from marketing import selectors, services


def groupbuy_extras(*, user, product: dict) -> dict:
    """catalog.hooks.product_extras: a product on a group buy shows its group price, a
    button to open a group and the groups waiting for members (one query, only then)."""
    campaigns = selectors.campaigns_on(product_id=product["id"])
    if not campaigns:
        return {}
    now = timezone.now()
    teams = [
        {
            "team": team,
            "leader": masked_name(team.leader.display_name),
            "avatar": team.leader.avatar.url if team.leader.avatar else "",
            "left": time_left(team.deadline, now),
        }
        for team in selectors.teams_waiting(campaign_ids=[c.id for c in campaigns], now=now)
    ]
    html = render_to_string(
        "marketing/_groupbuy_product.html", {"campaigns": campaigns, "teams": teams}
    )
    return {"blocks": [html]}


def time_left(deadline, now) -> str:
    """What is left before ``deadline`` as a countdown reads it: 03:12:45 (hours past a
    day keep counting: 26:00:00); the page's script ticks it on."""
    seconds = max(0, int((deadline - now).total_seconds()))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@login_required
def groupbuy_buy(request, campaign_id: int):
    """Open a group (no ``team``) or join ``team``: choose the address and quantity, then
    the order is made and the shopper pays it on its page."""
    campaign = selectors.campaign_on(campaign_id=campaign_id)
    team_no = (request.POST.get("team") or request.GET.get("team") or "")[:24]
    team = selectors.team_get(team_no=team_no) if team_no else None
    if campaign is None or (team_no and (team is None or team.campaign_id != campaign_id)):
        raise Http404
    addresses = list(address_list_for_user(user=request.user).order_by("-is_default", "-pk"))
    errors: dict = {}
    if request.method == "POST":
        try:
            order, _created = services.groupbuy_order(
                user=request.user,
                campaign_id=campaign_id,
                address_id=_whole(request.POST.get("address"), "address_id"),
                quantity=_quantity(request.POST.get("quantity")),
                team_no=team_no,
                idempotency_key=(request.POST.get("token") or "")[:40],
                source="groupbuy",
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(team.get_absolute_url() if team else request.path)
        else:
            return redirect(order)
    from marketing.models import GroupBuy

    sku = GroupBuy.objects.select_related("sku__product").get(pk=campaign_id).sku
    return render(
        request,
        "marketing/groupbuy_buy.html",
        {
            "campaign": campaign,
            "sku": sku,
            "team": team,
            "addresses": addresses,
            "errors": errors,
            "token": _token(),
            "quantities": range(1, campaign.per_user_limit + 1),
            "fill_text": fill_time_text(campaign.fill_minutes),
        },
    )


def fill_time_text(minutes: int) -> str:
    """A group's time to fill as people say it: 24 hours, 90 minutes, 3 minutes."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _whole(raw, field: str) -> int:
    """A whole number as a form sends it (ASCII digits only: ² and ٣ are not numbers here)."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        message = _("Choose one of your addresses.") if field == "address_id" else None
        raise ValidationError({field: [message or _("Enter a whole number.")]})
    return int(raw)


def _quantity(raw) -> int:
    return _whole(raw or "1", "quantity")


def _token() -> str:
    import secrets

    return secrets.token_hex(12)


def group_page(request, team_no: str):
    """A group's share page: anyone may open it from the link (WeChat shows its Open Graph
    card); it follows the group live over the websocket, polling when that is down."""
    team = selectors.team_get(team_no=team_no[:24])
    if team is None:
        raise Http404
    members = selectors.team_members(team)
    share_url = request.build_absolute_uri(team.get_absolute_url())
    mine = None
    if request.user.is_authenticated:
        mine = team.members.filter(user=request.user).order_by("-pk").first()
    return render(
        request,
        "marketing/group.html",
        {
            "team": team,
            "campaign": team.campaign,
            "sku": team.campaign.sku,
            "state": selectors.team_state(team, members),
            "joinable": selectors.team_joinable(team, request.user),
            "mine": mine,
            "share_url": share_url,
            "qr_svg": segno.make(share_url, error="m").svg_inline(border=2, omitsize=True),
            "empty_seats": range(team.seats_left),
            "left": time_left(team.deadline, timezone.now()) if team.deadline else "",
        },
    )


def group_order_panel(*, request, order) -> str:
    """orders.hooks: a group order's page shows its group, the seats left and the link to
    share (or, refused or failed, why the money went back and a way to open a new group)."""
    member = selectors.member_of_order(order_id=order.pk)
    if member is None:
        return ""
    team = member.team
    return render_to_string(
        "marketing/_group_order_panel.html",
        {"member": member, "team": team, "campaign": team.campaign},
        request=request,
    )
