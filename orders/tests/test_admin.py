from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Sku
from orders import services
from orders.models import Order, OrderStatus
from orders.tests.conftest import place_order

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:orders_order_changelist")


def test_merchant_marks_paid_then_ships_with_carrier_and_tracking(merchant_client, buyer):
    order = place_order(buyer)
    merchant_client.post(
        CHANGELIST, {"action": "mark_paid_offline", "_selected_action": [order.pk]}
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID

    form = merchant_client.post(
        CHANGELIST, {"action": "ship_orders", "_selected_action": [order.pk]}
    )
    assert form.status_code == 200
    assert f'name="carrier_{order.pk}"' in form.content.decode()
    done = merchant_client.post(
        CHANGELIST,
        {
            "action": "ship_orders",
            "_selected_action": [order.pk],
            "apply": "1",
            f"carrier_{order.pk}": "SF",
            f"tracking_no_{order.pk}": "SF1001",
        },
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == (
        OrderStatus.SHIPPED,
        "SF",
        "SF1001",
    )
    event = order.events.get(to_status=OrderStatus.SHIPPED)
    assert (event.actor, event.actor_type) == (merchant_client.merchant, "merchant")


def test_ship_without_tracking_number_is_refused(merchant_client, buyer):
    order = place_order(buyer)
    services.order_mark_paid(order_id=order.pk)
    response = merchant_client.post(
        CHANGELIST,
        {
            "action": "ship_orders",
            "_selected_action": [order.pk],
            "apply": "1",
            f"carrier_{order.pk}": "SF",
            f"tracking_no_{order.pk}": "",
        },
        follow=True,
    )
    assert order.order_no in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_merchant_cancels_unpaid_orders_only(merchant_client, buyer):
    unpaid, paid = place_order(buyer), place_order(buyer)
    services.order_mark_paid(order_id=paid.pk)
    sku = unpaid.items.get().sku
    merchant_client.post(
        CHANGELIST, {"action": "cancel_unpaid", "_selected_action": [unpaid.pk, paid.pk]}
    )
    assert Order.objects.get(pk=unpaid.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.PAID
    assert Sku.objects.get(pk=sku.pk).stock == 10


def test_filters_search_detail_and_csv(merchant_client, buyer):
    old, new = place_order(buyer), place_order(buyer)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate().isoformat()
    filtered = merchant_client.get(CHANGELIST, {"created_at__from": today})
    assert [o.pk for o in filtered.context["cl"].result_list] == [new.pk]
    by_phone = merchant_client.get(CHANGELIST, {"q": buyer.address.phone})
    assert {o.pk for o in by_phone.context["cl"].result_list} == {old.pk, new.pk}
    by_no = merchant_client.get(CHANGELIST, {"q": old.order_no})
    assert [o.pk for o in by_no.context["cl"].result_list] == [old.pk]
    bad = merchant_client.get(CHANGELIST, {"created_at__from": "not-a-date"})
    assert bad.status_code == 302  # the admin's "invalid lookup" redirect

    detail = merchant_client.get(reverse("admin:orders_order_change", args=[new.pk]))
    html = detail.content.decode()
    assert (
        detail.status_code == 200
        and new.items.get().product_name in html
        and "Order placed" in html
    )

    export = merchant_client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [new.pk]}
    )
    rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("order number,status,source,shopper")
    assert rows[1].startswith(f"\t{new.order_no},Awaiting payment,Web shop,{buyer.username}")


def test_orders_cannot_be_added_or_deleted_in_admin(merchant_client, buyer):
    order = place_order(buyer)
    assert merchant_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert (
        merchant_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code
        == 403
    )


def test_admin_index_shows_today(merchant_client, buyer):
    paid = place_order(buyer)
    place_order(buyer)
    services.order_mark_paid(order_id=paid.pk)
    html = merchant_client.get(reverse("admin:index")).content.decode()
    assert 'data-stat="today-orders">2<' in html
    assert 'data-stat="today-net">¥100.00<' in html  # paid offline: money in all the same
    assert 'data-stat="awaiting-shipment">1<' in html
    assert 'data-stat="low-stock">0<' in html


def _paid(buyer):
    order = place_order(buyer)
    services.order_mark_paid(order_id=order.pk)
    return order


@pytest.mark.parametrize(("carrier", "tracking"), [("", ""), ("SF", "   "), ("other", "SF1001")])
def test_ship_form_errors_show_beside_the_fields_and_nothing_ships(
    merchant_client, buyer, carrier, tracking
):
    order = _paid(buyer)
    response = merchant_client.post(
        CHANGELIST,
        {
            "action": "ship_orders",
            "_selected_action": [order.pk],
            "apply": "1",
            f"carrier_{order.pk}": carrier,
            f"carrier_other_{order.pk}": "  ",
            f"tracking_no_{order.pk}": tracking,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    form = response.context["forms"][0]
    assert form.errors
    assert '<ul class="errorlist' in html and "{'" not in html  # no raw dict
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_ship_offers_the_carrier_list_and_an_other_carrier_by_name(merchant_client, buyer):
    order = _paid(buyer)
    form = merchant_client.post(
        CHANGELIST, {"action": "ship_orders", "_selected_action": [order.pk]}
    )
    html = form.content.decode()
    for code in ("SF", "JD", "ZTO", "YTO", "STO", "YUNDA", "EMS", "other"):
        assert f'<option value="{code}"' in html
    merchant_client.post(
        CHANGELIST,
        {
            "action": "ship_orders",
            "_selected_action": [order.pk],
            "apply": "1",
            f"carrier_{order.pk}": "other",
            f"carrier_other_{order.pk}": "德邦快递",
            f"tracking_no_{order.pk}": "DB 2026-11",
        },
    )
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == ("shipped", "德邦快递", "DB2026-11")


def test_mark_paid_on_a_paid_order_says_so(merchant_client, buyer):
    order = _paid(buyer)
    response = merchant_client.post(
        CHANGELIST, {"action": "mark_paid_offline", "_selected_action": [order.pk]}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [f"Order {order.order_no} is already paid; nothing to do."]


def test_amounts_in_admin_have_separators_and_two_decimals(merchant_client, buyer):
    from catalog.tests.factories import make_product

    sku = make_product(skus=[{"attributes": {"colour": "red"}, "price": "12345.5"}]).skus.get()
    order = place_order(buyer, sku)
    listing = merchant_client.get(CHANGELIST).content.decode()
    assert "¥12,345.50" in listing
    detail = merchant_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert detail.content.decode().count("¥12,345.50") >= 4  # unit, line, items, total


def test_exact_order_number_and_phone_searches_are_exact_matches(merchant_client, buyer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    order = place_order(buyer)
    for term in (order.order_no, buyer.address.phone):
        with CaptureQueriesContext(connection) as queries:
            response = merchant_client.get(CHANGELIST, {"q": term})
        assert [o.pk for o in response.context["cl"].result_list] == [order.pk]
        searches = [q["sql"] for q in queries if "orders_order" in q["sql"] and term in q["sql"]]
        assert searches and not any("LIKE" in sql.upper() for sql in searches)


def test_dashboard_counts_the_shops_local_day(merchant_client, buyer, settings):
    import datetime

    settings.TIME_ZONE = "Asia/Shanghai"
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    just_after_midnight = datetime.datetime.combine(today, datetime.time(0, 30), tzinfo=zone)
    late_yesterday = just_after_midnight - timedelta(hours=1)
    inside, outside = place_order(buyer), place_order(buyer)
    Order.objects.filter(pk=inside.pk).update(created_at=just_after_midnight)
    Order.objects.filter(pk=outside.pk).update(created_at=late_yesterday)
    html = merchant_client.get(reverse("admin:index")).content.decode()
    assert 'data-stat="today-orders">1<' in html


def test_order_csv_streams_and_neutralises_formulas(merchant_client, buyer):
    from django.http import StreamingHttpResponse

    order = place_order(buyer, remark='=HYPERLINK("http://evil")')
    export = merchant_client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [order.pk]}
    )
    assert isinstance(export, StreamingHttpResponse)
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_the_order_export_opens_in_excel_with_text_numbers_and_chinese_headers(
    merchant_client, buyer
):
    """As a Chinese merchant opens it: headers in Chinese, the 22-digit order number, the
    phone and the tracking number as text, local times to the second, items with their
    options and quantities, and the refunded amount."""
    import io
    from decimal import Decimal

    from openpyxl import load_workbook

    order = place_order(buyer, quantity=2)
    services.order_mark_paid(order_id=order.pk)
    services.order_ship(order_id=order.pk, carrier="ZTO", tracking_no="78812345678901")
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("50.00"))
    export = merchant_client.post(
        CHANGELIST,
        {"action": "export_xlsx", "_selected_action": [order.pk]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in export["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(export.content)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, list(sheet[2]), strict=True))
    assert header[:4] == ["订单号", "状态", "来源", "买家"]
    assert (row["订单号"].value, row["订单号"].data_type) == (order.order_no, "s")
    assert row["订单号"].number_format == "@"
    assert (row["手机号"].value, row["手机号"].data_type) == (order.receiver_phone, "s")
    assert row["快递单号"].value == "78812345678901" and row["快递单号"].data_type == "s"
    assert row["快递公司"].value == "中通快递"
    assert row["已退款金额"].value == 50
    item = order.items.get()
    assert row["商品"].value == f"{item.product_name} ({item.options_label}) × 2"
    paid = timezone.localtime(Order.objects.get(pk=order.pk).paid_at)
    assert row["付款时间"].value == paid.strftime("%Y-%m-%d %H:%M:%S")
