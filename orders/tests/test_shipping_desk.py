"""The shipping desk: parcels (an order shipped when every unit is in one), shipping many
orders from one file (each row whole or not at all, each refusal with its row), the file to
fill in, and packing slips."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from orders import services
from orders.models import Order, OrderStatus, Parcel
from orders.tests.conftest import place_order

pytestmark = pytest.mark.django_db


def paid_order(user=None, lines=((None, 1),)):
    """A paid order of ``lines`` ((sku, quantity) …; None: a new product's SKU)."""
    from accounts.tests.factories import AddressFactory
    from carts.keys import user_cart_key
    from carts.services import cart_clear
    from orders.tests.conftest import fill_cart

    user = user or UserFactory()
    cart_clear(key=user_cart_key(user.pk))
    fill_cart(user, *((sku or make_product().skus.get(), qty) for sku, qty in lines))
    order, _ = services.order_create_from_cart(user=user, address_id=AddressFactory(user=user).pk)
    return services.order_mark_paid(order_id=order.pk)


def test_an_order_ships_in_parcels_and_is_shipped_when_every_unit_is():
    order = paid_order(lines=((None, 3), (None, 1)))
    first, second = order.items.order_by("pk")
    services.order_ship_parcel(
        order_id=order.pk, carrier="SF", tracking_no="SF0001", lines={first.pk: 2}
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # one unit of the first line is still here
    assert services.order_units_left(order) == {first.pk: 1, second.pk: 1}
    with pytest.raises(Exception) as too_many:
        services.order_ship_parcel(
            order_id=order.pk, carrier="SF", tracking_no="SF0002", lines={first.pk: 2}
        )
    assert "lines" in too_many.value.message_dict
    services.order_ship_parcel(order_id=order.pk, carrier="ZTO", tracking_no="ZTO0003")
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == ("shipped", "ZTO", "ZTO0003")
    parcels = list(Parcel.objects.filter(order=order).order_by("pk"))
    assert [(p.carrier, sorted(p.items.values_list("quantity", flat=True))) for p in parcels] == [
        ("SF", [2]),
        ("ZTO", [1, 1]),
    ]
    assert list(order.events.values_list("note_key", flat=True))[-2:] == [
        "parcel_shipped",
        "shipped",
    ]


def test_the_api_and_the_page_list_the_parcels(client):
    user = UserFactory()
    order = paid_order(user, lines=((None, 2),))
    item = order.items.get()
    services.order_ship_parcel(
        order_id=order.pk, carrier="SF", tracking_no="SF0001", lines={item.pk: 1}
    )
    client.force_login(user)
    body = client.get(f"/api/v1/orders/{order.order_no}").json()
    assert [
        (p["carrier_name"], p["tracking_no"], p["items"][0]["quantity"]) for p in body["parcels"]
    ] == [("SF Express", "SF0001", 1)]
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Parcel: SF Express, tracking number SF0001" in page


def _csv(rows, encoding="utf-8-sig", name="ship.csv"):
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_ten_orders_ship_from_one_gbk_file_and_each_refused_row_says_why():
    merchant = UserFactory(is_staff=True)
    orders = [paid_order() for _ in range(10)]
    unpaid = place_order(UserFactory())
    rows = [["订单号", "快递公司", "快递单号"]]
    rows += [
        [o.order_no, "顺丰速运" if i % 2 else "ZTO", f"SF10000{i:02d}"]
        for i, o in enumerate(orders)
    ]
    rows += [
        ["20261204000000000000", "SF", "SF9999"],  # no such order
        [unpaid.order_no, "SF", "SF8888"],  # not paid
        [orders[0].order_no, "SF", "SF7777"],  # twice in the file
        [paid_order().order_no, "SF", "坏单号"],  # a bad tracking number (in GBK)
    ]
    outcomes = services.orders_ship_from_file(upload=_csv(rows, "gbk"), actor=merchant)
    assert sum(o.shipped for o in outcomes) == 10
    refused = {o.row: o.message for o in outcomes if not o.shipped}
    assert set(refused) == {12, 13, 14, 15}
    assert "No such order" in refused[12] and "twice" in refused[14]
    assert "tracking number" in refused[15]
    shipped = Order.objects.filter(pk__in=[o.pk for o in orders])
    assert set(shipped.values_list("status", flat=True)) == {"shipped"}
    assert set(shipped.values_list("carrier", flat=True)) == {"SF", "ZTO"}  # 顺丰速运 → SF
    unpaid.refresh_from_db()
    assert unpaid.status == "pending_payment" and not unpaid.parcels.exists()
    # The same file again ships nothing twice: each row is refused (already shipped).
    again = services.orders_ship_from_file(upload=_csv(rows[:11], "gbk"), actor=merchant)
    assert not any(o.shipped for o in again)
    assert Parcel.objects.count() == 10


def test_a_file_without_the_columns_is_refused_whole():
    with pytest.raises(ValidationError) as refused:
        services.orders_ship_from_file(
            upload=_csv([["order", "x"], ["1", "2"]]), actor=UserFactory()
        )
    assert "Missing columns" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        services.orders_ship_from_file(
            upload=SimpleUploadedFile("ship.pdf", b"%PDF"), actor=UserFactory()
        )


def test_the_template_lists_the_orders_waiting_and_round_trips_through_xlsx(merchant_client):
    from openpyxl import load_workbook

    orders = [paid_order() for _ in range(2)]
    answer = merchant_client.get(reverse("admin:orders_ship_template", args=["xlsx"]))
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["order number", "carrier", "tracking number"]
    assert sorted(v[0] for v in values[1:]) == sorted(o.order_no for o in orders)
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in (2, 3))  # text, not numbers
    for r in (2, 3):
        sheet.cell(row=r, column=2, value="SF")
        sheet.cell(row=r, column=3, value=f"SF55{r}0001")
    filled = io.BytesIO()
    sheet.parent.save(filled)
    page = merchant_client.post(
        reverse("admin:orders_ship_file"),
        {"file": SimpleUploadedFile("ship.xlsx", filled.getvalue())},
    )
    assert page.status_code == 200 and page.context["shipped"] == 2
    waiting = paid_order()
    csv_template = merchant_client.get(
        reverse("admin:orders_ship_template", args=["csv"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = b"".join(csv_template.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "订单号,快递公司,快递单号", text[:80]
    # Only what waits, its digits kept as text for Excel and WPS.
    assert text.splitlines()[1:] == [f"\t{waiting.order_no},,"]


def test_packing_slips_print_the_chosen_orders(merchant_client):
    order = paid_order(lines=((make_product(name="青花瓷杯").skus.get(), 2),))
    page = merchant_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "print_packing_slips", "_selected_action": [order.pk]},
    )
    html = page.content.decode()
    assert page.status_code == 200 and order.order_no in html
    assert "青花瓷杯" in html and order.receiver_name in html
    assert "@page label { size: 100mm 150mm" in html and "size: A4" in html
    assert Decimal(order.total_amount) > 0


def test_a_picking_list_of_the_chosen_orders_adds_up_each_item(merchant_client):
    sku = make_product(name="龙井茶").skus.get()
    chosen = [paid_order(lines=((sku, 2),)), paid_order(lines=((sku, 3),))]
    page = merchant_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "print_picking_list", "_selected_action": [o.pk for o in chosen]},
    )
    totals = list(page.context["totals"])
    assert [(t["product_name"], t["quantity"]) for t in totals] == [("龙井茶", 5)]
    assert all(o.order_no in page.content.decode() for o in chosen)
