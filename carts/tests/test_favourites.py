"""Favourites (收藏): kept once however often tapped, from the product page (a guest logs in
first), listed with today's price against the price when kept and the stock, counted on the
product page, and in the API; another shopper never sees or changes someone's list."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.services import user_tokens_issue
from accounts.tests.factories import UserFactory
from carts.favourites import favourite_add, favourite_count
from carts.models import Favourite
from catalog.models import Sku
from catalog.tests.factories import make_product
from config.testing import run_concurrently

pytestmark = pytest.mark.django_db


def test_a_shopper_keeps_a_product_from_its_page_and_sees_its_price_drop(client, user):
    product = make_product(name="真丝枕套")
    url = product.get_absolute_url()
    toggle = reverse("carts:favourite", args=[product.pk])
    guest = client.post(toggle, {"on": "1", "next": url})
    assert reverse("accounts:login") in guest["Location"]
    client.force_login(user)
    assert client.post(toggle, {"on": "1", "next": url})["Location"] == url
    client.post(toggle, {"on": "1", "next": url})  # a second tap keeps one
    assert Favourite.objects.filter(user=user).count() == 1
    html = client.get(url).content.decode()
    assert 'aria-pressed="true"' in html and "1 shopper keeps it" in html
    Sku.objects.filter(product=product).update(price=Decimal("80.00"))
    listing = client.get(reverse("carts:favourites")).content.decode()
    assert "真丝枕套" in listing and "Down from ¥100.00" in listing and "¥80.00" in listing
    client.post(toggle, {"on": "0", "next": url})
    assert not Favourite.objects.exists()


def test_many_taps_at_once_keep_one(transactional_db):
    product, user = make_product(), UserFactory()
    run_concurrently(lambda: favourite_add(user=user, product_id=product.pk), 6)
    assert favourite_count(product_id=product.pk) == 1


def test_the_api_lists_adds_and_removes_only_the_callers(api_client, user):
    product = make_product()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=user)['access']}")
    url = reverse("api-my-favourite", args=[product.pk])
    assert api_client.put(url).status_code == 201
    assert api_client.put(url).status_code == 201
    listed = api_client.get(reverse("api-my-favourites")).json()
    assert [(f["product_id"], f["price_now"], f["on_sale"]) for f in listed["results"]] == [
        (product.pk, "100.00", True)
    ]
    assert api_client.put(reverse("api-my-favourite", args=[999999])).status_code == 404
    other = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=other)['access']}")
    assert api_client.get(reverse("api-my-favourites")).json()["count"] == 0
    assert api_client.delete(url).status_code == 204  # their own list: nothing to remove
    assert Favourite.objects.filter(user=user).count() == 1
