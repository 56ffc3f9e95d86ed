"""Points, check-in and levels as shoppers and merchants use them: the pages, the API, and the
admin (rules, levels, members: adjusting points, tags, disabling)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from config.testing import admin_page_post_data
from marketing.models import (
    CheckIn,
    MemberRules,
    Membership,
    PointsAccount,
    PointsEntry,
    PointsReason,
)
from marketing.services import growth_change, points_audit, points_credit
from marketing.tests.factories import make_level, set_rules
from orders.tests.conftest import fill_cart

pytestmark = pytest.mark.django_db


def _give(user, points, reference="gift"):
    points_credit(user_id=user.pk, amount=points, reason=PointsReason.ADJUSTED, reference=reference)


# --- shopper pages -------------------------------------------------------------------------


def test_my_points_shows_the_balance_what_expires_next_and_the_ledger_and_writes_nothing(
    client, buyer
):
    _give(buyer, 320)
    client.force_login(buyer)
    entries = PointsEntry.objects.count()
    page = client.get(reverse("marketing:points")).content.decode()
    assert "data-points-balance>320<" in page
    assert "Adjusted by the shop" in page
    assert "usable until" in page
    assert PointsEntry.objects.count() == entries
    # The header's account menu shows the balance too.
    assert "data-points-count>320<" in page


def test_check_in_page_checks_in_once_however_often_it_is_posted(client, buyer):
    set_rules(check_in_cycle="7,8")
    client.force_login(buyer)
    page = client.get(reverse("marketing:check_in")).content.decode()
    assert "Check in today for 7 points" in page
    assert not CheckIn.objects.exists()  # looking is not checking in
    for _ in range(2):
        response = client.post(reverse("marketing:check_in"), follow=True)
    assert CheckIn.objects.filter(user=buyer).count() == 1
    assert PointsAccount.objects.get(user=buyer).balance == 7
    page = response.content.decode()
    assert "already checked in today" in page
    assert "Come back tomorrow for 8 points" in page
    assert 'class=" checked today"' in page


def test_my_level_shows_the_growth_and_the_gap_to_the_next_level(client, buyer):
    make_level("Silver", 0)
    make_level("Gold", 1000, discount_percent=Decimal("5"), points_multiplier=Decimal("1.5"))
    growth_change(user_id=buyer.pk, amount=640, reason="adjusted", reference="x")
    client.force_login(buyer)
    page = client.get(reverse("marketing:level")).content.decode()
    assert "Silver" in page and "Growth 640" in page
    assert "360 more growth to reach Gold" in page
    assert "×1.5" in page and "5% off" in page


def test_the_product_page_shows_the_members_price_and_the_points_it_earns(client, buyer):
    set_rules(points_per_yuan=Decimal("2"))
    make_level("Gold", 0, discount_percent=Decimal("10"), points_multiplier=Decimal("1.5"))
    product = make_product(skus=[{"price": Decimal("100.00"), "stock": 5}], spec=[])
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Earn 200 points" in page  # a visitor: no level, the rules' rate
    assert "Member price" not in page
    client.force_login(buyer)
    page = client.get(product.get_absolute_url()).content.decode()
    # ¥90 as a Gold member, at twice the points and Gold's 1.5 times.
    assert "Member price ¥90.00" in page
    assert "Earn 270 points" in page


def test_checkout_uses_the_points_when_the_box_is_ticked(client, buyer):
    set_rules(points_per_yuan_off=100, points_max_percent=50)
    _give(buyer, 1_500)
    fill_cart(
        buyer, (make_product(skus=[{"price": Decimal("40.00"), "stock": 5}], spec=[]).skus.get(), 1)
    )
    client.force_login(buyer)
    page = client.get(reverse("orders:checkout")).content.decode()
    assert "Use 1500 points for ¥15.00 off" in page
    review = client.post(
        reverse("orders:checkout"), {"requote": "1", "points": "all", "coupon": "none"}
    )
    assert review.context["cart"]["total"] == Decimal("35.00")  # ¥40 + ¥10 shipping − ¥15
    response = client.post(
        reverse("orders:checkout"),
        {
            "token": "t1",
            "expected_total": "35.00",
            "address": buyer.address.pk,
            "coupon": "none",
            "points": "all",
        },
    )
    assert response.status_code == 302
    assert PointsAccount.objects.get(user=buyer).balance == 0
    assert points_audit() == []


# --- the API -------------------------------------------------------------------------------


def test_the_api_gives_points_ledger_check_in_and_level(auth_client, user):
    make_level("Silver", 0)
    make_level("Gold", 100)
    _give(user, 50)
    summary = auth_client.get(reverse("api-my-points")).json()
    assert (summary["balance"], summary["pending"], summary["expiring"]["points"]) == (50, 0, 50)
    entries = auth_client.get(reverse("api-my-points-entries")).json()["results"]
    assert entries[0]["reason"] == "adjusted" and entries[0]["balance_after"] == 50
    first = auth_client.post(reverse("api-check-in"))
    again = auth_client.post(reverse("api-check-in"))
    assert (first.status_code, again.status_code) == (201, 409)
    assert again.json()["code"] == 70009
    assert first.json()["checked_in"] is True and len(first.json()["days"]) == 1
    level = auth_client.get(reverse("api-my-level")).json()
    assert (level["level"]["name"], level["next"]["name"], level["gap"]) == ("Silver", "Gold", 100)


def test_the_quote_and_the_order_take_points_and_refuse_what_the_rules_do_not_allow(
    auth_client, user
):
    from accounts.tests.factories import AddressFactory

    set_rules(points_per_yuan_off=10, points_max_percent=50)
    _give(user, 1_000)
    sku = make_product(skus=[{"price": Decimal("120.00"), "stock": 5}], spec=[]).skus.get()
    fill_cart(user, (sku, 1))
    url = reverse("api-checkout-quote")
    quote = auth_client.post(url, {"coupon_id": None, "points": 300}, format="json").json()
    assert quote["points"]["max_points"] == 600 and quote["points"]["points"] == 300
    assert quote["total"] == "90.00"
    assert [d["points"] for d in quote["discounts"] if d["kind"] == "points"] == [300]
    for points, status, code in ((305, 409, 70010), (700, 409, 70010), ("x", 400, None)):
        answer = auth_client.post(url, {"points": points}, format="json")
        assert answer.status_code == status, points
        assert code is None or answer.json()["code"] == code
    assert auth_client.post(url, {"points": 10**12}, format="json").status_code == 400
    address = AddressFactory(user=user)
    order = auth_client.post(
        reverse("api-orders"),
        {"address_id": address.pk, "points": 300, "expected_total": "90.00"},
        format="json",
    )
    assert order.status_code == 201, order.json()
    body = order.json()
    assert [d["points"] for d in body["discounts"] if d["kind"] == "points"] == [300]
    assert body["items"][0]["discounts"][0]["kind"] == "points"
    assert PointsAccount.objects.get(user=user).balance == 700


# --- the merchant's admin ------------------------------------------------------------------


def test_the_rules_page_saves_what_the_merchant_changed_and_checks_the_cycle(merchant_client):
    rules_list = reverse("admin:marketing_memberrules_changelist")
    # A database without the row (a flushed test database) makes it on the first Save.
    MemberRules.objects.all().delete()
    assert merchant_client.get(rules_list).url == reverse("admin:marketing_memberrules_add")
    set_rules()
    url = reverse("admin:marketing_memberrules_change", args=[1])
    assert merchant_client.get(rules_list).url == url
    page = merchant_client.get(url)
    bad = merchant_client.post(url, admin_page_post_data(page, check_in_cycle="5,²,10"))
    assert bad.status_code == 200 and "whole numbers" in bad.content.decode()
    response = merchant_client.post(url, admin_page_post_data(page, points_max_percent="30"))
    assert response.status_code == 302
    rules = MemberRules.objects.get(pk=1)
    assert (rules.points_max_percent, rules.check_in_cycle) == (30, "5,5,10,10,15,15,30")
    from marketing.selectors import member_rules

    assert member_rules().points_max_percent == 30  # quotes read it at once


def test_a_level_saved_in_the_admin_moves_the_members_at_once(merchant_client):
    shopper = UserFactory()
    growth_change(user_id=shopper.pk, amount=500, reason="adjusted", reference="x")
    response = merchant_client.post(
        reverse("admin:marketing_memberlevel_add"),
        {
            "name_zh_hans": "银卡",
            "name_en": "Silver",
            "growth_min": "500",
            "discount_percent": "2",
            "points_multiplier": "1",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=shopper).level.name_en == "Silver"


def test_members_are_found_by_phone_and_their_points_adjusted_through_the_ledger(
    merchant_client,
):
    shopper = UserFactory(phone="13912345678")
    _give(shopper, 30)
    changelist = reverse("admin:marketing_member_changelist")
    found = merchant_client.get(changelist, {"q": "13912345678"})
    assert found.context["cl"].result_count == 1
    assert (
        merchant_client.get(changelist, {"q": merchant_client.merchant.username})
        .context["cl"]
        .result_count
        == 0
    )  # the shop's own accounts are not members
    ask = {"action": "adjust_points", "_selected_action": [shopper.pk]}
    form = merchant_client.post(changelist, ask)
    assert form.status_code == 200 and "Adjust points" in form.content.decode()
    merchant_client.post(changelist, {**ask, "apply": "1", "amount": "20", "note": "生日礼"})
    refused = merchant_client.post(
        changelist, {**ask, "apply": "1", "amount": "-80", "note": "纠错"}, follow=True
    )
    assert "fewer than 80 usable points" in refused.content.decode()
    assert PointsAccount.objects.get(user=shopper).balance == 50
    entry = PointsEntry.objects.filter(user=shopper).first()
    assert (entry.amount, entry.note, entry.actor) == (20, "生日礼", merchant_client.merchant)
    page = merchant_client.get(reverse("admin:marketing_member_change", args=[shopper.pk]))
    assert page.status_code == 200 and "生日礼" in page.content.decode()
    assert points_audit() == []


def test_a_disabled_member_can_no_longer_use_a_session_or_a_token(merchant_client):
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.services import user_tokens_issue

    shopper = UserFactory()
    tag_url = reverse("admin:marketing_membertag_add")
    merchant_client.post(tag_url, {"name": "VIP"})
    shopper_browser = Client()
    shopper_browser.force_login(shopper)
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=shopper)['access']}")
    assert app.get(reverse("api-my-points")).status_code == 200
    changelist = reverse("admin:marketing_member_changelist")
    from marketing.models import MemberTag

    tag = MemberTag.objects.get(name="VIP")
    merchant_client.post(
        changelist,
        {"action": "add_tag", "_selected_action": [shopper.pk], "apply": "1", "tag": tag.pk},
    )
    assert list(Membership.objects.get(user=shopper).tags.values_list("name", flat=True)) == ["VIP"]
    merchant_client.post(
        changelist, {"action": "disable_members", "_selected_action": [shopper.pk]}
    )
    shopper.refresh_from_db()
    assert shopper.is_active is False
    assert app.get(reverse("api-my-points")).status_code == 401
    assert shopper_browser.get(reverse("marketing:points")).status_code == 302  # to login


def test_the_ledger_page_shows_points_per_month(merchant_client):
    shopper = UserFactory()
    _give(shopper, 120)
    page = merchant_client.get(reverse("admin:marketing_pointsentry_changelist"))
    assert page.status_code == 200
    month = page.context["monthly"][0]
    assert (month["adjusted"], month["outstanding"]) == (120, 120)
    assert "Points per month" in page.content.decode()


def test_the_calendar_marks_the_day_of_the_cycle_at_its_end_and_after_a_gap(buyer):
    import datetime

    from django.utils import timezone

    from marketing.selectors import check_in_month
    from marketing.services import check_in

    set_rules(check_in_cycle="7,8")
    today = timezone.localtime()
    check_in(user=buyer, now=today - datetime.timedelta(days=1))
    check_in(user=buyer, now=today)
    month = check_in_month(buyer, today=timezone.localdate(today))
    # Day 2 of 2 today; tomorrow starts the cycle again at 7.
    assert (month["streak"], month["day_of_cycle"], month["reward"]) == (2, 2, 7)
    later = check_in_month(buyer, today=timezone.localdate(today) + datetime.timedelta(days=2))
    assert (later["streak"], later["day_of_cycle"], later["checked_in"]) == (0, 1, False)
