"""The coupon centre and My coupons: what each coupon gives, applies to and until when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.tests.factories import make_category, make_product
from marketing.services import coupon_claim
from marketing.tests.factories import make_template

pytestmark = pytest.mark.django_db


def test_my_coupons_say_what_each_applies_to_and_the_tabs_sort_them(client, buyer):
    tea = make_category("Tea")
    scoped = make_template(name="茶叶券", scope="categories")
    scoped.categories.set([tea])
    everything = make_template(name="全场券")
    everything.excluded_products.set([make_product(name="Gift card")])
    coupon_claim(user=buyer, template_id=scoped.pk)
    coupon_claim(user=buyer, template_id=everything.pk)
    client.force_login(buyer)
    page = client.get(reverse("marketing:mine")).content.decode()
    assert "Only Tea" in page
    assert "All products, except Gift card" in page
    from marketing.services import coupon_template_stop

    coupon_template_stop(template_id=everything.pk, void_unused=True)
    assert "全场券" not in client.get(reverse("marketing:mine")).content.decode()
    expired = client.get(reverse("marketing:mine"), {"tab": "expired"}).content.decode()
    assert "全场券" in expired and "Voided" in expired


def test_the_coupon_centre_claims_and_then_says_claimed(client, buyer):
    template = make_template(name="新券", total_quantity=3)
    client.force_login(buyer)
    page = client.get(reverse("marketing:centre")).content.decode()
    assert "3 left" in page
    response = client.post(reverse("marketing:claim", args=[template.pk]), follow=True)
    body = response.content.decode()
    assert "Coupon claimed" in body and "2 left" not in body
    assert buyer.coupons.count() == 1
