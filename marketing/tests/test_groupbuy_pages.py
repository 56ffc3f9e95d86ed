"""拼团 pages and API: the product page's block and its waiting groups, opening and joining
from the pages, the share page (Open Graph, QR code, masked names), the mini-program API,
another shopper's group order answering 404."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import AddressFactory, UserFactory
from marketing.models import GroupBuyMember
from marketing.tests.factories import make_groupbuy
from orders.services import order_mark_paid

pytestmark = pytest.mark.django_db


def shopper(nickname="张三丰"):
    user = UserFactory(nickname=nickname)
    user.address = AddressFactory(user=user, is_default=True)
    return user


def open_group(campaign, user=None):
    user = user or shopper()
    from marketing.services import groupbuy_order

    order, _ = groupbuy_order(user=user, campaign_id=campaign.pk, address_id=user.address.pk)
    order_mark_paid(order_id=order.pk)
    return GroupBuyMember.objects.get(order=order).team, order


def test_the_product_page_offers_the_group_price_and_the_groups_waiting(client):
    campaign = make_groupbuy()
    team, _order = open_group(campaign)
    html = client.get(campaign.sku.product.get_absolute_url()).content.decode()
    assert "¥59.00" in html and reverse("marketing:groupbuy_buy", args=[campaign.pk]) in html
    # The leader as others see them: masked; the seats left and the time.
    assert "张*丰" in html and "张三丰" not in html
    assert "1 more needed" in html and team.get_absolute_url() in html


def test_a_shopper_joins_from_the_share_page_and_the_group_succeeds(client):
    campaign = make_groupbuy()
    team, first = open_group(campaign)
    page = client.get(team.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Join my group:' in page
    assert "<svg" in page and "张*丰" in page
    joiner = shopper("李四")
    client.force_login(joiner)
    buy_url = reverse("marketing:groupbuy_buy", args=[campaign.pk]) + f"?team={team.team_no}"
    assert buy_url.replace("&", "&amp;") in client.get(team.get_absolute_url()).content.decode()
    form = client.get(buy_url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    data = {"token": token, "team": team.team_no, "address": joiner.address.pk, "quantity": "1"}
    response = client.post(buy_url, data)
    order = joiner.orders.get()
    assert response["Location"] == order.get_absolute_url()
    assert (order.items_amount, order.source) == (Decimal("59.00"), "groupbuy")
    assert order.items.get().unit_price == Decimal("59.00")
    # The same submit again is the same order.
    client.post(buy_url, data)
    assert joiner.orders.count() == 1
    order_mark_paid(order_id=order.pk)
    team.refresh_from_db()
    assert team.status == "succeeded"
    detail = client.get(order.get_absolute_url()).content.decode()
    assert "The group is full" in detail


@pytest.mark.parametrize("quantity", ["²", "1e3", "-1", "2", "9" * 30, "1\x00"])
def test_odd_quantities_are_form_errors(client, quantity):
    campaign = make_groupbuy()
    user = shopper()
    client.force_login(user)
    url = reverse("marketing:groupbuy_buy", args=[campaign.pk])
    response = client.post(url, {"address": user.address.pk, "quantity": quantity})
    assert response.status_code in (200, 400)
    assert not user.orders.exists()


def test_the_api_opens_joins_and_shows_groups_and_hides_others_orders(api_client):
    from accounts.services import user_tokens_issue

    campaign = make_groupbuy(group_size=3)
    leader = shopper()

    def as_user(user):
        token = user_tokens_issue(user=user)["access"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    listed = api_client.get(reverse("api-groupbuys"), {"product": campaign.sku.product_id}).json()
    assert [(c["id"], c["group_price"], c["group_size"]) for c in listed] == [
        (campaign.pk, "59.00", 3)
    ]
    as_user(leader)
    url = reverse("api-groupbuy-order", args=[campaign.pk])
    created = api_client.post(url, {"address_id": leader.address.pk}, format="json")
    assert created.status_code == 201
    order_no = created.json()["order_no"]
    order_mark_paid(order_id=leader.orders.get().pk)
    waiting = api_client.get(reverse("api-groupbuy-groups", args=[campaign.pk])).json()
    assert [(g["seats_left"], g["leader"]) for g in waiting] == [(2, "张*丰")]
    team_no = waiting[0]["team_no"]
    detail = api_client.get(reverse("api-group-detail", args=[team_no])).json()
    assert (detail["members_count"], detail["seats_left"], detail["joinable"]) == (1, 2, False)
    assert detail["share"]["url"].endswith(f"/groups/{team_no}/")
    mine = api_client.get(reverse("api-order-group", args=[order_no])).json()
    assert (mine["member_status"], mine["is_leader"]) == ("joined", True)
    other = shopper("王五")
    as_user(other)
    assert api_client.get(reverse("api-order-group", args=[order_no])).status_code == 404
    joined = api_client.post(
        url, {"address_id": other.address.pk, "team_no": team_no}, format="json"
    )
    assert joined.status_code == 201
    again = api_client.post(
        url, {"address_id": other.address.pk, "team_no": team_no}, format="json"
    )
    assert (again.status_code, again.json()["order_no"]) == (200, joined.json()["order_no"])
    wrong = api_client.post(url, {"address_id": other.address.pk, "team_no": "T0"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (404, 70024)


@pytest.mark.parametrize("address", ["abc", "²", "", "1" * 40, "1\x00"])
def test_odd_addresses_are_form_errors(client, address):
    campaign = make_groupbuy()
    user = shopper()
    client.force_login(user)
    url = reverse("marketing:groupbuy_buy", args=[campaign.pk])
    response = client.post(url, {"address": address, "quantity": "1"})
    assert response.status_code in (200, 400)
    assert not user.orders.exists()
