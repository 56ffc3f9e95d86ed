"""Freight by shipping template: each template's lines charged together, once, by the rule of
the address's region, free where its rule says, split across the lines in fen."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import AddressFactory, UserFactory
from carts.keys import user_cart_key
from carts.pricing import price_line, price_quote
from carts.services import cart_clear
from catalog.models import Sku
from catalog.tests.factories import make_product
from delivery.freight import Charge
from delivery.models import ShippingTemplate
from delivery.selectors import settings_template, shipping_table
from delivery.tests.factories import make_shipping_template, set_default_shipping
from orders.errors import NotDelivered
from orders.services import order_create_from_cart
from orders.tests.conftest import fill_cart

pytestmark = pytest.mark.django_db

XINJIANG, TIBET = "650000", "540000"
JIANG_ZHE_HU = ["320000", "330000", "310000"]
URUMQI_TIANSHAN = "650102"
HANGZHOU_XIHU = "330106"
SHENZHEN_NANSHAN = "440305"
LHASA_CHENGGUAN = "540102"


def product_on(template, *, price="30.00", weight="0", stock=50):
    product = make_product(
        shipping_template=template,
        skus=[{"attributes": {"colour": "red"}, "price": Decimal(price), "stock": stock}],
    )
    sku = product.skus.get()
    Sku.objects.filter(pk=sku.pk).update(weight=Decimal(weight))
    sku.refresh_from_db()
    return Sku.objects.select_related("product", "product__category").get(pk=sku.pk)


def quote(*lines, region=""):
    """The engine's quote of (sku, quantity) lines shipped to ``region`` (a district code)."""
    address = AddressFactory.build(region_code=region) if region else None
    return price_quote(lines=[price_line(sku, qty) for sku, qty in lines], address=address)


@pytest.fixture
def regional():
    """¥10 the first piece, ¥5 each further one; 新疆、西藏 ¥20 + ¥10 and never free; 江浙沪
    ¥6 + ¥2; free elsewhere from ¥199 of goods."""
    return make_shipping_template(
        "服装",
        free_over_amount="199.00",
        rules=[
            {
                "regions": [XINJIANG, TIBET],
                "first_fee": "20.00",
                "extra_fee": "10.00",
            },
            {
                "regions": JIANG_ZHE_HU,
                "first_fee": "6.00",
                "extra_fee": "2.00",
                "free_over_amount": "99.00",
            },
        ],
    )


def test_lines_of_one_template_are_charged_together_once(regional):
    shirt, socks = product_on(regional), product_on(regional, price="5.00")
    # 3 + 2 pieces of one template: the first piece ¥10 and four more at ¥5, not ¥10 a line.
    assert quote((shirt, 3), (socks, 2), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("30.00")
    assert quote((shirt, 1), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("10.00")


def test_region_overrides_the_templates_own_charge(regional):
    shirt = product_on(regional)
    assert quote((shirt, 2), region=URUMQI_TIANSHAN).shipping_fee == Decimal("30.00")
    assert quote((shirt, 2), region=LHASA_CHENGGUAN).shipping_fee == Decimal("30.00")
    assert quote((shirt, 2), region=HANGZHOU_XIHU).shipping_fee == Decimal("8.00")
    assert quote((shirt, 2), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("15.00")
    # No address yet: the template's own charge, said to be an estimate.
    assert quote((shirt, 2)).shipping_fee == Decimal("15.00")


def test_a_city_rule_wins_over_its_provinces():
    template = make_shipping_template(
        "生鲜",
        rules=[
            {"regions": ["330000"], "first_fee": "8.00", "extra_fee": "0"},
            {"regions": ["330100"], "first_fee": "3.00", "extra_fee": "0"},
        ],
    )
    fish = product_on(template)
    assert quote((fish, 1), region=HANGZHOU_XIHU).shipping_fee == Decimal("3.00")
    assert quote((fish, 1), region="330212").shipping_fee == Decimal("8.00")  # 宁波 鄞州


def test_free_shipping_begins_exactly_at_the_threshold(regional):
    at, below = product_on(regional, price="199.00"), product_on(regional, price="198.99")
    assert quote((at, 1), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("0.00")
    below_quote = quote((below, 1), region=SHENZHEN_NANSHAN)
    assert below_quote.shipping_fee == Decimal("10.00")
    assert {"kind": "free_shipping_gap", "gap": Decimal("0.01")} in below_quote.hints
    # The region's own rule: 江浙沪 free from ¥99, 新疆 never.
    assert quote((product_on(regional, price="99.00"), 1), region=HANGZHOU_XIHU).shipping_fee == 0
    assert quote((at, 1), region=URUMQI_TIANSHAN).shipping_fee == Decimal("20.00")


def test_free_shipping_by_pieces():
    template = make_shipping_template("小件", free_over_pieces=3)
    pen = product_on(template, price="2.00")
    assert quote((pen, 2), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("15.00")
    assert quote((pen, 3), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("0.00")


def test_by_weight_each_step_begun_counts_whole():
    template = make_shipping_template(
        "按重",
        charge_by="weight",
        first_units="1",
        first_fee="12.00",
        extra_units="0.5",
        extra_fee="3.00",
    )
    rice = product_on(template, weight="0.700")
    assert quote((rice, 1), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("12.00")  # 0.7 kg
    # 2.1 kg: the first kilo, then 1.1 kg in steps of 0.5 kg: three steps begun.
    assert quote((rice, 3), region=SHENZHEN_NANSHAN).shipping_fee == Decimal("21.00")
    assert Charge(Decimal("1"), Decimal("12"), Decimal("0.5"), Decimal("3")).fee(
        Decimal("2.0")
    ) == Decimal("18")  # exactly two steps


def test_lines_of_two_templates_pay_each_templates_fee(regional):
    shirt = product_on(regional)
    heavy = product_on(make_shipping_template("大件", first_fee="25.00", extra_fee="25.00"))
    both = quote((shirt, 2), (heavy, 1), region=SHENZHEN_NANSHAN)
    assert both.shipping_fee == Decimal("15.00") + Decimal("25.00")
    assert sorted(g.fee for g in both.freight) == [Decimal("15.00"), Decimal("25.00")]
    # "Add ¥X for free shipping" is not said while another template would still charge.
    assert not [h for h in both.hints if h["kind"] == "free_shipping_gap"]


def test_a_coupon_that_takes_the_goods_below_the_threshold_brings_the_fee_back(regional):
    from marketing.services.coupons import coupon_claim
    from marketing.tests.factories import make_template

    user = UserFactory()
    shirt = product_on(regional, price="200.00")
    assert quote((shirt, 1), region=SHENZHEN_NANSHAN).shipping_fee == 0
    coupon = coupon_claim(
        user=user,
        template_id=make_template(amount_off=Decimal("10.00"), threshold=Decimal("100")).pk,
    )
    with_coupon = price_quote(
        lines=[price_line(shirt, 1)],
        user=user,
        coupon=coupon.pk,
        address=AddressFactory.build(region_code=SHENZHEN_NANSHAN),
    )
    assert with_coupon.items_net == Decimal("190.00")
    assert with_coupon.shipping_fee == Decimal("10.00")
    assert with_coupon.total == Decimal("200.00")


def test_an_order_splits_its_shipping_across_the_lines_in_fen(regional):
    user = UserFactory()
    address = AddressFactory(user=user, region_code=URUMQI_TIANSHAN)
    shirt, socks = product_on(regional), product_on(regional, price="5.00")
    heavy = product_on(make_shipping_template("大件", first_fee="25.00", extra_fee="0.01"))
    cart_clear(key=user_cart_key(user.pk))
    fill_cart(user, (shirt, 2), (socks, 1), (heavy, 3))
    order, _ = order_create_from_cart(user=user, address_id=address.pk)
    # 服装 in 新疆: ¥20 + 2 × ¥10 for three pieces; 大件: ¥25 + 2 × ¥0.01.
    assert order.shipping_fee == Decimal("40.00") + Decimal("25.02")
    items = list(order.items.all())
    assert sum(item.shipping_amount for item in items) == order.shipping_fee
    by_sku = {item.sku_id: item.shipping_amount for item in items}
    assert by_sku[heavy.pk] == Decimal("25.02")
    assert by_sku[shirt.pk] + by_sku[socks.pk] == Decimal("40.00")
    assert order.region_code == URUMQI_TIANSHAN


def test_a_region_not_delivered_to_refuses_the_order_and_names_the_line():
    template = make_shipping_template("冷链", rules=[{"regions": [XINJIANG], "delivers": False}])
    user = UserFactory()
    address = AddressFactory(user=user, region_code=URUMQI_TIANSHAN)
    fish = product_on(template)
    fish.product.name = "冰鲜三文鱼"
    type(fish.product).objects.filter(pk=fish.product_id).update(name="冰鲜三文鱼")
    fill_cart(user, (fish, 1))
    with pytest.raises(NotDelivered) as refused:
        order_create_from_cart(user=user, address_id=address.pk)
    assert "冰鲜三文鱼" in refused.value.message and "新疆" in refused.value.message
    assert refused.value.errors == {"sku_id": [str(fish.pk)]}
    assert quote((fish, 1), region=URUMQI_TIANSHAN).undeliverable == [0]
    assert quote((fish, 1), region=SHENZHEN_NANSHAN).undeliverable == []


def test_the_cart_estimates_for_the_default_address_and_says_the_gap(client, regional):
    user = UserFactory()
    AddressFactory(
        user=user, region_code=HANGZHOU_XIHU, province="浙江省", city="杭州市", is_default=True
    )
    fill_cart(user, (product_on(regional, price="90.00"), 1))
    client.force_login(user)
    cart = client.get(reverse("carts:cart")).context["cart"]
    assert cart["shipping_fee"] == Decimal("6.00")  # the 江浙沪 rule
    assert cart["free_shipping_gap"] == Decimal("9.00")  # free there from ¥99
    html = client.get(reverse("carts:cart")).content.decode()
    assert "Shipping to 浙江省杭州市" in html
    api = client.get("/api/v1/cart").json()
    assert api["shipping_fee"] == "6.00" and api["shipping_estimated"] is False


def test_the_default_template_is_the_flat_fee_and_the_settings_stand_in_for_it(settings):
    default = ShippingTemplate.objects.get(is_default=True)
    assert (default.first_fee, default.extra_fee, default.free_over_amount) == (
        settings.ORDER_SHIPPING_FEE,
        Decimal("0.00"),
        settings.ORDER_FREE_SHIPPING_THRESHOLD,
    )
    plain = product_on(None, price="50.00")
    assert quote((plain, 1), region=URUMQI_TIANSHAN).shipping_fee == settings.ORDER_SHIPPING_FEE
    assert quote((plain, 2), region=URUMQI_TIANSHAN).shipping_fee == 0  # ¥100 of goods
    ShippingTemplate.objects.all().delete()  # a flushed database
    assert shipping_table().default == settings_template()
    assert quote((plain, 1)).shipping_fee == settings.ORDER_SHIPPING_FEE
    set_default_shipping(fee="7.00")
    assert quote((plain, 1)).shipping_fee == Decimal("7.00")  # an edit is read at once


def test_an_admin_save_of_a_template_keeps_a_default_flag_moved_meanwhile(
    merchant_client, monkeypatch
):
    from delivery.admin import ShippingTemplateAdmin
    from delivery.services import template_make_default

    old = ShippingTemplate.objects.get(is_default=True)
    # The Save's row as it was read before the flag moved (the admin reads, then writes).
    loaded = ShippingTemplate.objects.get(pk=old.pk)
    monkeypatch.setattr(ShippingTemplateAdmin, "get_object", lambda *a, **k: loaded)
    new = make_shipping_template("新默认")
    page = merchant_client.get(reverse("admin:delivery_shippingtemplate_change", args=[old.pk]))
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data |= {"name": "改名", "rules-TOTAL_FORMS": 0, "rules-INITIAL_FORMS": 0}
    template_make_default(template_id=new.pk)  # another merchant, while this page was open
    saved = merchant_client.post(
        reverse("admin:delivery_shippingtemplate_change", args=[old.pk]), data
    )
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    old.refresh_from_db()
    assert (old.name, old.is_default) == ("改名", False)
    assert ShippingTemplate.objects.get(is_default=True).pk == new.pk
