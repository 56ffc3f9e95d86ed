"""Carts stay whole under concurrency, on the real Redis (threads released together)."""

import pytest

from carts import services
from carts.errors import CartFull, LineNotInCart
from carts.keys import guest_cart_key, user_cart_key
from carts.services import cart_lines_raw
from catalog.tests.factories import make_product
from config.redis import get_redis
from config.testing import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def _sku(stock=50):
    return make_product(skus=[{"attributes": {"colour": "red"}, "stock": stock}]).skus.get()


def test_an_item_added_while_a_merge_runs_is_never_lost():
    sku = _sku()
    other = _sku()
    for round_ in range(25):
        guest, user = guest_cart_key(f"g{round_}"), user_cart_key(1000 + round_)
        services.cart_add(key=guest, sku_id=sku.pk, quantity=2)
        services.cart_add(key=user, sku_id=sku.pk, quantity=1)
        run_together(
            lambda g=guest, u=user: services.cart_merge(source_key=g, target_key=u),
            lambda u=user: services.cart_add(key=u, sku_id=sku.pk, quantity=3),
            lambda u=user: services.cart_add(key=u, sku_id=other.pk, quantity=1),
        )
        lines = cart_lines_raw(key=user)
        assert lines[sku.pk]["quantity"] == 2 + 1 + 3
        assert lines[other.pk]["quantity"] == 1
        assert not get_redis().exists(guest)


def test_a_line_checkout_removed_never_comes_back_half_written():
    sku = _sku()
    key = user_cart_key(7)
    for _ in range(40):
        services.cart_add(key=key, sku_id=sku.pk, quantity=1)
        outcomes = run_together(
            lambda: services.cart_remove(key=key, sku_ids=[sku.pk]),
            lambda: services.cart_set_quantity(key=key, sku_id=sku.pk, quantity=4),
            lambda: services.cart_select(key=key, selected=False, sku_ids=[sku.pk]),
        )
        assert all(o is None or isinstance(o, LineNotInCart) for o in outcomes), outcomes
        fields = {f.split(":")[0] for f in get_redis().hkeys(key) if f.endswith(f":{sku.pk}")}
        assert fields in (set(), {"q", "s", "p", "t"}), fields
        services.cart_remove(key=key, sku_ids=[sku.pk])


def test_a_cart_never_goes_over_its_line_limit(settings):
    settings.CART_MAX_LINES = 5
    key = user_cart_key(8)
    for _ in range(3):
        services.cart_add(key=key, sku_id=_sku().pk, quantity=1)
    newcomers = [_sku() for _ in range(10)]
    outcomes = run_together(
        *[lambda s=s: services.cart_add(key=key, sku_id=s.pk, quantity=1) for s in newcomers]
    )
    assert sum(isinstance(o, CartFull) for o in outcomes) == 8
    assert outcomes.count(1) == 2
    assert len(cart_lines_raw(key=key)) == 5


def test_merge_respects_the_line_limit_and_caps_quantities(settings):
    settings.CART_MAX_LINES = 2
    small = _sku(stock=3)
    guest, user = guest_cart_key("limit"), user_cart_key(9)
    services.cart_add(key=user, sku_id=_sku().pk, quantity=1)
    services.cart_add(key=guest, sku_id=small.pk, quantity=3)
    services.cart_add(key=user, sku_id=small.pk, quantity=2)
    services.cart_add(key=guest, sku_id=_sku().pk, quantity=1)
    left_out = services.cart_merge(source_key=guest, target_key=user)
    lines = cart_lines_raw(key=user)
    assert left_out == 1
    assert len(lines) == 2
    assert lines[small.pk]["quantity"] == 3  # 3 + 2, capped by the stock
