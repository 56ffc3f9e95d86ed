"""Order notifications: shop time zone, the recipient's language at send time, one message
per order and event, retries send what failed, amounts with the currency sign."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.dates import MONTHS_AP

from catalog.tests.factories import make_product
from orders import notifications
from orders.models import Message
from orders.tasks import order_notify_task
from orders.tests.conftest import place_order

pytestmark = pytest.mark.django_db


def test_pay_by_time_is_in_the_shops_time_zone_and_total_has_the_sign(buyer, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "price": Decimal("30800")}])
    order = place_order(buyer, sku.skus.get())
    mail.outbox.clear()
    notifications.order_notify(order_id=order.pk, kind="created")
    local = timezone.localtime(order.pay_deadline)
    assert local.hour != order.pay_deadline.astimezone(datetime.UTC).hour
    # "Nov. 22, 2026, 14:05": AP month, 24-hour clock
    shown = f"{MONTHS_AP[local.month]} {local.day}, {local.year}, {local:%H:%M}"
    message = Message.objects.get(order=order, kind="created")
    assert message.title == f"Order {order.order_no} placed: please pay by {shown}"
    assert message.body == "Total ¥30,800.00. See your order for details."
    assert mail.outbox[0].subject == message.title


def test_messages_are_written_in_the_recipients_language_at_send_time(buyer):
    order = place_order(buyer)
    buyer.language = "zh-hans"
    buyer.save(update_fields=["language"])
    with translation.override("en"):  # whatever the sending process runs in
        notifications.order_notify(order_id=order.pk, kind="cancelled")
        title = Message.objects.get(order=order, kind="cancelled").title
    assert title == f"订单 {order.order_no} 已取消"

    other = place_order(type(buyer).objects.create(username="en_user", email="en@example.com"))
    with translation.override("zh-hans"):
        notifications.order_notify(order_id=other.pk, kind="cancelled")
    assert Message.objects.get(order=other, kind="cancelled").title == (
        f"Order {other.order_no} cancelled"
    )


def test_a_task_delivered_twice_writes_one_message_and_one_email(buyer):
    order = place_order(buyer)
    mail.outbox.clear()
    order_notify_task.apply(args=[order.pk, "paid"])
    order_notify_task.apply(args=[order.pk, "paid"])
    assert Message.objects.filter(order=order, kind="paid").count() == 1
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_second_message_for_one_event(buyer):
    from django.db import IntegrityError, transaction

    order = place_order(buyer)
    Message.objects.create(user=buyer, order=order, kind="paid", title="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(user=buyer, order=order, kind="paid", title="y")


def test_a_retried_task_sends_the_email_that_did_not_go_out(buyer, monkeypatch):
    order = place_order(buyer)
    real_send = notifications.send_mail
    calls = []

    def failing_once(**kwargs):
        calls.append(kwargs["subject"])
        if len(calls) == 1:
            raise OSError("smtp down")
        return real_send(**kwargs)

    monkeypatch.setattr(notifications, "send_mail", failing_once)
    mail.outbox.clear()
    with pytest.raises(OSError):
        notifications.order_notify(order_id=order.pk, kind="shipped")
    message = Message.objects.get(order=order, kind="shipped")
    assert message.emailed_at is None
    notifications.order_notify(order_id=order.pk, kind="shipped")  # the retry
    message.refresh_from_db()
    assert message.emailed_at is not None
    assert [m.subject for m in mail.outbox] == [message.title]
    notifications.order_notify(order_id=order.pk, kind="shipped")  # a late duplicate
    assert len(mail.outbox) == 1


def test_shipped_message_names_the_carrier_not_its_code(buyer):
    from orders import services

    order = place_order(buyer)
    services.order_mark_paid(order_id=order.pk)
    services.order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1001")
    notifications.order_notify(order_id=order.pk, kind="shipped")
    title = Message.objects.get(order=order, kind="shipped").title
    assert title == f"Order {order.order_no} shipped with SF Express (SF1001)"
    assert (
        order.events.get(to_status="shipped").note_display == "SF Express, tracking number SF1001"
    )


def test_the_unread_badge_follows_new_and_read_messages_though_it_is_cached(
    client, buyer, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    assert "data-unread-count" not in client.get("/cart/").content.decode()  # 0, now cached
    order = place_order(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.order_notify(order_id=order.pk, kind="cancelled")
    assert "data-unread-count>1<" in client.get("/cart/").content.decode()
    client.post("/messages/read/")
    assert "data-unread-count" not in client.get("/cart/").content.decode()
