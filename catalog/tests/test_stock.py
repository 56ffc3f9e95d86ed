"""The stock ledger: every stock change is a movement, merchants never overwrite sales."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.permissions import MERCHANTS_GROUP
from accounts.tests.factories import AddressFactory, UserFactory
from carts.keys import user_cart_key
from carts.services import cart_add
from catalog import csv_io, services
from catalog.errors import InsufficientStock, StockMoved
from catalog.models import Sku, StockAlert, StockMovement, StockReason
from catalog.tests.factories import make_product
from config.testing import run_together
from orders.models import ActorType
from orders.services import order_cancel, order_close_overdue, order_create_from_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(db):
    user = UserFactory(is_staff=True, email="boss@example.com")
    user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    return user


def merchant_client(merchant) -> Client:
    client = Client()
    client.force_login(merchant)
    return client


def stock_of(sku) -> int:
    return Sku.objects.get(pk=sku.pk).stock


def buy(sku, quantity=1, user=None):
    user = user or UserFactory()
    address = AddressFactory(user=user)
    cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=quantity)
    order, _ = order_create_from_cart(user=user, address_id=address.pk)
    return order


def inline_post(product, sku, **sku_fields) -> dict:
    """The product page as a merchant submits it, with one SKU row."""
    row = {
        "id": str(sku.pk),
        "product": str(product.pk),
        "code": sku.code,
        "attributes": json.dumps(sku.attributes),
        "price": str(sku.price),
        "low_stock_threshold": str(sku.low_stock_threshold),
        "is_active": "on",
        **sku_fields,
    }
    data = {
        "name_zh_hans": product.name,  # the admin asks for the Chinese name at least
        "slug": product.slug,
        "category": str(product.category_id),
        "status": product.status,
        "spec": json.dumps(product.spec),
        "description_zh_hans": "",
        "skus-TOTAL_FORMS": "1",
        "skus-INITIAL_FORMS": "1",
        "skus-MIN_NUM_FORMS": "0",
        "skus-MAX_NUM_FORMS": "1000",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update({f"skus-0-{k}": v for k, v in row.items()})
    return data


def messages_of(client, url) -> list[str]:
    return [str(m) for m in client.get(url).context["messages"]]


# --- the scenario that used to lose stock ---------------------------------------------------


def test_price_edit_after_sales_keeps_the_sold_units_off_the_shelf(merchant):
    product = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 10}])
    sku = product.skus.get()
    client = merchant_client(merchant)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    page = client.get(url)  # the merchant opens the page: it shows 10
    assert 'name="skus-0-stock_seen" value="10"' in page.content.decode()

    orders = [buy(sku) for _ in range(3)]  # shoppers buy 3 meanwhile
    response = client.post(
        url, inline_post(product, sku, price="88.00", stock="10", stock_seen="10")
    )
    assert response.status_code == 302
    sku.refresh_from_db()
    assert (sku.price, sku.stock) == (88, 7)

    for order in orders:
        order_cancel(order_id=order.pk, actor_type=ActorType.SHOPPER)
    assert stock_of(sku) == 10
    assert services.stock_audit() == []


def test_sku_update_never_writes_stock():
    sku = make_product().skus.get()  # stock 10
    stale = Sku.objects.get(pk=sku.pk)
    services.sku_stock_adjust(sku_id=sku.pk, delta=-4)
    services.sku_update(sku=stale, data={"price": stale.price + 1, "stock": 99})
    assert stock_of(sku) == 6


# --- counts and adjustments -------------------------------------------------------------------


def test_count_applies_only_when_the_stock_is_what_the_merchant_saw(merchant):
    sku = make_product().skus.get()  # 10
    movement = services.sku_stock_count(sku_id=sku.pk, counted=12, expected=10, actor=merchant)
    assert (movement.quantity, movement.stock_after, movement.reason) == (2, 12, "count")
    assert movement.actor == merchant

    services.sku_stock_adjust(sku_id=sku.pk, delta=-1)  # a sale
    with pytest.raises(StockMoved) as caught:
        services.sku_stock_count(sku_id=sku.pk, counted=20, expected=12)
    assert caught.value.current == 11
    assert "changed from 12 to 11" in caught.value.message
    assert stock_of(sku) == 11


def test_adjustment_records_reason_actor_and_note(merchant):
    sku = make_product().skus.get()
    services.sku_stock_adjust(sku_id=sku.pk, delta=50, actor=merchant, note="received 50")
    services.sku_stock_adjust(sku_id=sku.pk, delta=-2, actor=merchant, note="damaged 2")
    with pytest.raises(InsufficientStock):
        services.sku_stock_adjust(sku_id=sku.pk, delta=-59)
    rows = list(
        sku.movements.order_by("pk").values_list("quantity", "stock_after", "reason", "note")
    )
    assert rows == [
        (10, 10, "opening", ""),
        (50, 60, "adjustment", "received 50"),
        (-2, 58, "adjustment", "damaged 2"),
    ]


def test_admin_sku_page_adjusts_and_refuses_a_stale_count(merchant):
    sku = make_product().skus.get()
    client = merchant_client(merchant)
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    base = {
        "code": sku.code,
        "attributes": json.dumps(sku.attributes),
        "price": "100.00",
        "low_stock_threshold": "5",
        "is_active": "on",
    }
    response = client.post(
        url,
        {**base, "stock": "10", "stock_seen": "10", "stock_adjust": "5", "stock_note": "found"},
    )
    assert response.status_code == 302
    assert stock_of(sku) == 15

    buy(sku, 2)  # 13 now; the merchant's form still says 15
    response = client.post(url, {**base, "stock": "20", "stock_seen": "15"})
    assert response.status_code == 302  # back to the page, which shows the current stock
    assert stock_of(sku) == 13
    assert any("changed from 15 to 13" in m for m in messages_of(client, url))
    page = client.get(url).content.decode()
    assert 'name="stock_seen" value="13"' in page
    # The page shows the latest ledger entries and links to all of them.
    assert "found" in page and f"?sku__id__exact={sku.pk}" in page


def test_low_stock_list_counts_in_place_and_reports_a_moved_row(merchant):
    first = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 3}]).skus.get()
    second = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 4}]).skus.get()
    client = merchant_client(merchant)
    url = reverse("admin:catalog_sku_changelist")
    buy(second)  # 3 now; the list showed 4
    rows = sorted([first, second], key=lambda s: (s.stock, s.code))
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    counted = {first.pk: ("30", "3"), second.pk: ("40", "4")}
    for index, sku in enumerate(rows):
        data[f"form-{index}-id"] = str(sku.pk)
        data[f"form-{index}-stock"], data[f"form-{index}-stock_seen"] = counted[sku.pk]
    response = client.post(url, data)
    assert response.status_code == 302
    assert (stock_of(first), stock_of(second)) == (30, 3)
    assert any("changed from 4 to 3" in m for m in messages_of(client, url))


# --- the ledger of orders -----------------------------------------------------------------------


def test_orders_cancels_and_timeouts_are_movements_with_the_order_number(settings):
    sku = make_product().skus.get()
    cancelled, timed_out = buy(sku, 2), buy(sku, 3)
    order_cancel(order_id=cancelled.pk, actor_type=ActorType.SHOPPER)
    type(timed_out).objects.filter(pk=timed_out.pk).update(pay_deadline=timed_out.created_at)
    assert order_close_overdue(order_id=timed_out.pk)
    rows = list(
        sku.movements.exclude(reason="opening")
        .order_by("pk")
        .values_list("reason", "quantity", "stock_after", "reference")
    )
    assert rows == [
        ("order", -2, 8, cancelled.order_no),
        ("order", -3, 5, timed_out.order_no),
        ("cancel", 2, 7, cancelled.order_no),
        ("timeout", 3, 10, timed_out.order_no),
    ]


# --- CSV import -----------------------------------------------------------------------------


def csv_line(row) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()


def _export(product) -> list[dict]:
    queryset = type(product).objects.filter(pk=product.pk)
    text = "".join(csv_line(row) for row in csv_io.products_export_rows(queryset=queryset))
    # The header is in the merchant's language; read the rows by the columns' own names.
    return list(csv.DictReader(io.StringIO(text), fieldnames=csv_io.COLUMNS))[1:]


def _import(rows: list[dict], actor=None):
    text = csv_line(csv_io.COLUMNS) + "".join(
        csv_line([row.get(c, "") for c in csv_io.COLUMNS]) for row in rows
    )
    return csv_io.products_import(stream=io.BytesIO(text.encode()), actor=actor)


def test_csv_stock_change_is_applied_whatever_sold_since_export(merchant):
    product = make_product()
    sku = product.skus.get()
    rows = _export(product)
    buy(sku, 4)  # 6 now
    rows[0]["stock_change"] = "50"
    _import(rows, actor=merchant)
    assert stock_of(sku) == 56
    movement = sku.movements.latest("pk")
    assert (movement.reason, movement.quantity, movement.actor) == ("import", 50, merchant)


def test_csv_count_is_refused_when_sales_moved_the_stock(merchant):
    product = make_product()
    sku = product.skus.get()
    rows = _export(product)
    rows[0]["stock"] = "25"
    buy(sku, 1)
    with pytest.raises(Exception) as caught:
        _import(rows)
    assert "Row 2: stock:" in str(caught.value) and "changed from 10 to 9" in str(caught.value)
    assert stock_of(sku) == 9

    rows = _export(product)
    rows[0]["stock"] = "25"
    _import(rows)
    assert stock_of(sku) == 25
    assert services.stock_audit() == []


def test_csv_new_sku_opening_stock_is_an_import_movement():
    product = make_product()
    rows = _export(product)
    new = {**rows[0], "sku_code": "NEW-1", "sku_attributes": '{"colour": "blue"}'}
    new.update(stock="7", stock_exported="", stock_change="")
    _import([rows[0], new])
    created = Sku.objects.get(code="NEW-1")
    assert created.stock == 7
    assert list(created.movements.values_list("reason", "quantity")) == [("import", 7)]


# --- audit ----------------------------------------------------------------------------------


def test_stock_audit_passes_and_names_a_sku_changed_behind_the_ledger():
    sku = make_product().skus.get()
    buy(sku, 2)
    out = io.StringIO()
    call_command("stock_audit", stdout=out)
    assert "agrees" in out.getvalue()

    Sku.objects.filter(pk=sku.pk).update(stock=100)  # a write that bypassed the services
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("stock_audit", stdout=out)
    assert f"{sku.code}: stock 100, ledger 8, difference +92" in out.getvalue()


# --- low-stock alerts ------------------------------------------------------------------------


def test_one_alert_and_one_email_per_crossing(merchant, django_capture_on_commit_callbacks):
    sku = make_product(
        skus=[{"attributes": {"colour": "red"}, "stock": 10, "low_stock_threshold": 5}]
    ).skus.get()

    def alerts_mailed():
        return [(m.to, m.subject) for m in mail.outbox if m.subject.startswith("Low stock")]

    with django_capture_on_commit_callbacks(execute=True):
        buy(sku, 3)  # 7: above
        buy(sku, 3)  # 4: crossed
        buy(sku, 2)  # 2: still below, no new alert
    assert StockAlert.objects.count() == 1
    assert alerts_mailed() == [
        (["boss@example.com"], f"Low stock: {sku.product.name} red has 4 left")
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.sku_stock_adjust(sku_id=sku.pk, delta=10)  # 12: restocked
        buy(sku, 8)  # 4: crossed again
    assert StockAlert.objects.count() == 2
    assert len(alerts_mailed()) == 2


def test_alert_email_goes_out_once_even_when_the_task_runs_twice_and_after_a_failure(
    merchant, monkeypatch, django_capture_on_commit_callbacks
):
    from catalog import notifications
    from catalog.tasks import stock_alert_notify_task

    sku = make_product().skus.get()
    calls = {"n": 0}
    real_send = notifications.send_mail

    def flaky_send(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("smtp down")
        return real_send(**kwargs)

    monkeypatch.setattr(notifications, "send_mail", flaky_send)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sku_stock_adjust(sku_id=sku.pk, delta=-6)  # 10 → 4, crosses 5
    alert = StockAlert.objects.get()
    assert alert.emailed_at is None  # the first attempt failed
    stock_alert_notify_task.apply(args=[alert.pk])  # the retry
    stock_alert_notify_task.apply(args=[alert.pk])  # a duplicate delivery
    alert.refresh_from_db()
    assert alert.emailed_at is not None
    assert len(mail.outbox) == 1


# --- racing real checkouts ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_merchant_path_racing_checkouts_leaves_the_right_stock():
    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    product = make_product(
        skus=[{"attributes": {"colour": "red"}, "stock": 40, "low_stock_threshold": 0}]
    )
    sku = product.skus.get()
    buyers = []
    for _ in range(8):
        user = UserFactory()
        AddressFactory(user=user)
        cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=2)
        buyers.append(user)
    rows = _export(product)
    rows[0]["stock_change"] = "5"
    client = merchant_client(merchant)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    client.get(url)  # the merchant's page shows 40
    list_client = merchant_client(merchant)
    list_post = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(sku.pk),
        "form-0-stock": "50",
        "form-0-stock_seen": "40",
        "_save": "Save",
    }

    def checkout(user):
        return lambda: order_create_from_cart(user=user, address_id=user.addresses.get().pk)[0]

    outcomes = run_together(
        *[checkout(user) for user in buyers],
        # price edit on the product page, stock as the page showed it
        lambda: (
            client.post(
                url, inline_post(product, sku, price="77.00", stock="40", stock_seen="40")
            ).status_code
        ),
        lambda: services.sku_stock_adjust(sku_id=sku.pk, delta=3, note="received 3"),
        lambda: _import(rows),
        # the low-stock list: a count of 50 against the 40 the list showed
        lambda: list_client.post(reverse("admin:catalog_sku_changelist"), list_post).status_code,
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    sku.refresh_from_db()
    assert sku.price == 77
    # The count applies only if it ran while the stock was still 40; either way no sale,
    # adjustment or import is lost.
    counted = sku.movements.filter(reason="count").exists()
    assert sku.stock == (50 if counted else 40) - 8 * 2 + 3 + 5
    assert services.stock_audit() == []
    reasons = sorted(sku.movements.values_list("reason", flat=True))
    expected = ["opening", *["order"] * 8, "adjustment", "import", *(["count"] if counted else [])]
    assert reasons == sorted(expected)


@pytest.mark.django_db(transaction=True)
def test_mixed_run_of_orders_cancels_adjustments_counts_and_imports_audits_clean():
    product = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 30}])
    sku = product.skus.get()
    orders = [buy(sku, 2) for _ in range(4)]
    run_together(
        *[
            (lambda o=o: order_cancel(order_id=o.pk, actor_type=ActorType.SHOPPER))
            for o in orders[:2]
        ],
        lambda: services.sku_stock_adjust(sku_id=sku.pk, delta=-1, note="damaged"),
        lambda: services.sku_stock_count(
            sku_id=sku.pk, counted=50, expected=Sku.objects.get(pk=sku.pk).stock
        ),
        lambda: buy(sku, 1),
    )
    rows = _export(product)
    rows[0]["stock_change"] = "-2"
    _import(rows)
    out = io.StringIO()
    call_command("stock_audit", stdout=out)
    assert "agrees" in out.getvalue()
    ledger = sum(sku.movements.values_list("quantity", flat=True))
    assert stock_of(sku) == ledger
    assert StockMovement.objects.filter(sku=sku, reason=StockReason.CANCEL).count() == 2


def test_a_sold_product_or_sku_cannot_be_deleted_and_keeps_its_ledger(merchant):
    product = make_product()
    sku = product.skus.get()
    buy(sku)
    client = merchant_client(merchant)
    response = client.post(
        reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}, follow=True
    )
    assert any("has sales or flash-sale history" in str(m) for m in response.context["messages"])
    assert Sku.objects.filter(pk=sku.pk).exists()
    with pytest.raises(ValidationError):
        services.sku_delete(sku=sku)
    assert sku.movements.count() == 2
