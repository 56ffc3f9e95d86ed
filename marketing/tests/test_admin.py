"""The merchant's promotions and coupons: a Save writes what the merchant changed and no
counter a claim moved meanwhile; what coupons out give is fixed; lists filter by window."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from config.testing import admin_page_post_data
from marketing.models import CouponIssue, CouponTemplate, UserCoupon
from marketing.services import coupon_claim
from marketing.tests.factories import make_template, make_tiers

pytestmark = pytest.mark.django_db


def test_saving_a_template_keeps_the_claims_made_while_the_page_was_open(merchant_client):
    template = make_template(total_quantity=100)
    url = reverse("admin:marketing_coupontemplate_change", args=[template.pk])
    page = merchant_client.get(url)
    coupon_claim(user=UserFactory(), template_id=template.pk)  # while the page is open
    coupon_claim(user=UserFactory(), template_id=template.pk)
    data = admin_page_post_data(page, name_en="Ten off")
    response = merchant_client.post(url, data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name_en, template.issued_count) == ("Ten off", 2)


def test_once_coupons_are_out_what_they_give_is_read_only_and_the_template_stays(
    merchant_client,
):
    template = make_template()
    coupon_claim(user=UserFactory(), template_id=template.pk)
    url = reverse("admin:marketing_coupontemplate_change", args=[template.pk])
    page = merchant_client.get(url)
    form = page.context["adminform"].form
    assert "amount_off" not in form.fields and "scope" not in form.fields
    merchant_client.post(url, admin_page_post_data(page, amount_off="99"))
    template.refresh_from_db()
    assert template.amount_off == Decimal("10.00")
    delete = reverse("admin:marketing_coupontemplate_delete", args=[template.pk])
    assert merchant_client.get(delete).status_code == 403


def test_stop_and_void_leaves_held_coupons_with_their_orders(merchant_client):
    template = make_template()
    coupon_claim(user=UserFactory(), template_id=template.pk)
    response = merchant_client.post(
        reverse("admin:marketing_coupontemplate_changelist"),
        {"action": "stop_and_void", "_selected_action": [template.pk]},
    )
    assert response.status_code == 302
    assert list(UserCoupon.objects.values_list("status", flat=True)) == ["voided"]
    assert CouponTemplate.objects.get(pk=template.pk).is_active is False


def test_lists_filter_by_window_and_show_what_each_brought_in(merchant_client, buyer):
    from orders.services import order_mark_paid
    from orders.tests.conftest import place_order

    now = timezone.now()
    running = make_tiers(("50", "10"), name="running one")
    make_tiers(("50", "10"), name="later one", starts_at=now + timedelta(days=1))
    order = place_order(buyer, make_product().skus.get(), 1)
    order_mark_paid(order_id=order.pk)
    url = reverse("admin:marketing_promotion_changelist")
    page = merchant_client.get(url, {"window": "running"}).content.decode()
    assert "running one" in page and "later one" not in page
    assert "¥10.00 off in 1 orders" in page
    assert running.pk
    templates = reverse("admin:marketing_coupontemplate_changelist")
    make_template(name="claims later", claim_starts_at=now + timedelta(days=1))
    page = merchant_client.get(templates, {"window": "upcoming"}).content.decode()
    assert "claims later" in page


def test_giving_a_template_to_chosen_shoppers_runs_once_per_shopper(
    merchant_client, django_capture_on_commit_callbacks
):
    template = make_template()
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.post(
            reverse("admin:marketing_couponissue_add"),
            {"template": template.pk, "shoppers": f"{first.username}\n{second.phone}"},
        )
    assert response.status_code == 302
    issue = CouponIssue.objects.get()
    assert issue.status == "done"
    assert set(issue.coupons.values_list("user", flat=True)) == {first.pk, second.pk}
    from marketing.services import coupon_issue_run

    CouponIssue.objects.filter(pk=issue.pk).update(status="running", last_user_id=0)
    coupon_issue_run(issue_id=issue.pk)  # a redelivered task gives nobody a second one
    assert issue.coupons.count() == 2


def test_a_promotion_saved_in_the_admin_applies_at_once(merchant_client, buyer):
    from carts.pricing import price_line, price_quote
    from catalog.models import Sku

    promotion = make_tiers(("50", "10"), name="满50减10")
    sku = Sku.objects.select_related("product", "product__category").get(
        pk=make_product().skus.get().pk
    )
    assert price_quote(lines=[price_line(sku, 1)]).items_discount == Decimal("10.00")
    url = reverse("admin:marketing_promotion_change", args=[promotion.pk])
    page = merchant_client.get(url)
    data = admin_page_post_data(page, name_zh_hans="满50减10", is_active="")
    data.pop("is_active", None)  # unticked: the promotion stops
    tier = promotion.tiers.get()  # the tier row as the page shows it (the helper sends none)
    data |= {
        "tiers-0-id": tier.pk,
        "tiers-0-promotion": promotion.pk,
        "tiers-0-threshold": "50.00",
        "tiers-0-amount_off": "10.00",
    }
    response = merchant_client.post(url, data)
    assert response.status_code == 302
    assert price_quote(lines=[price_line(sku, 1)]).items_discount == Decimal("0.00")
