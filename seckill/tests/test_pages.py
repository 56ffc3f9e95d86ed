"""The flash-sale pages, the result API, reminders and the admin."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from orders.models import Message, Order, OrderStatus
from payments.models import Payment
from seckill import gate
from seckill.models import SeckillReminder
from seckill.services import event_drain, event_publish, reminders_send_due
from seckill.tests.factories import live_event, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shortcut():
    gate.forget_sold_out()
    yield
    gate.forget_sold_out()


def test_the_sessions_page_shows_todays_sessions_as_tabs_with_their_events(client):
    now = timezone.localtime()
    live = live_event(allocated=10)
    upcoming = make_event(starts_in=timedelta(minutes=5))
    event_publish(event_id=upcoming.pk)
    page = client.get(reverse("seckill:sessions")).content.decode()
    assert live.session in page and "On now" in page
    assert live.title in page and "9.90" in page
    if timezone.localtime(upcoming.starts_at).date() == now.date():
        assert upcoming.session in page and "Coming up" in page
    other = client.get(reverse("seckill:sessions"), {"session": upcoming.session}).content.decode()
    assert 'aria-current="page"' in other
    assert client.get(reverse("seckill:sessions"), {"session": "\x00"}).status_code == 400


def test_the_event_page_counts_down_to_the_start_with_the_buy_button_off(client):
    event = make_event(starts_in=timedelta(minutes=30))
    event_publish(event_id=event.pk)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "data-seckill-countdown" in page and "data-server-ms" in page
    assert "data-seckill-buy disabled" in page
    assert '<s class="list-price">' in page
    assert client.get(reverse("seckill:event", args=[999999])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_shopper_wins_on_the_page_chooses_the_address_and_pays_with_the_sandbox(
    client, settings, live_server
):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    event = live_event(allocated=3)
    user = UserFactory()
    AddressFactory(user=user, is_default=False, receiver="王小明")
    other = AddressFactory(user=user, is_default=False, receiver="李四")
    client.force_login(user)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "data-seckill-buy data-live-label" in page  # live: enabled
    response = client.post(reverse("seckill:buy", args=[event.pk]))
    result_url = response["Location"]
    assert "/seckill/r/" in result_url
    assert "You are in the queue" in client.get(result_url).content.decode()
    event_drain(event_id=event.pk)
    page = client.get(result_url).content.decode()
    assert "Got it! Your order is created" in page and "Choose a delivery address" in page
    order = Order.objects.get(user=user)
    assert order.receiver_name == ""  # no default address: the shopper picks one
    pay = client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    assert not Payment.objects.exists() and pay.status_code == 302  # an address first
    client.post(
        reverse("orders:address", args=[order.order_no]), {"address": other.pk, "next": result_url}
    )
    order.refresh_from_db()
    assert order.receiver_name == "李四"
    client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    payment = Payment.objects.get(order=order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    again = client.post(reverse("seckill:buy", args=[event.pk]))
    assert again["Location"] == event.get_absolute_url()  # one order per shopper


def test_once_the_gate_is_empty_the_page_says_sold_out_and_a_late_buyer_is_told_at_once(client):
    event = live_event(allocated=1)
    winner, late = UserFactory(), UserFactory()
    client.force_login(winner)
    assert "/seckill/r/" in client.post(reverse("seckill:buy", args=[event.pk]))["Location"]
    client.force_login(late)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "data-seckill-buy disabled" in page and "data-sold-out>Sold out</button>" in page
    gate.forget_sold_out()  # the late buyer presses anyway (an old page): the gate answers
    refused = client.post(reverse("seckill:buy", args=[event.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == event.get_absolute_url()
    assert "Sold out. Units may come back" in refused.content.decode()


def test_the_event_reads_in_each_visitors_language_whoever_came_first(client):
    from catalog.models import Product

    event = live_event(allocated=2)
    Product.objects.filter(pk=event.sku.product_id).update(
        name_zh_hans="降噪耳机", name_en="ANC Headphones"
    )
    url = event.get_absolute_url()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "ANC Headphones" in english and "降噪耳机" not in english
    assert "降噪耳机" in chinese and "ANC Headphones" not in chinese
    listing = client.get(reverse("seckill:sessions"), HTTP_ACCEPT_LANGUAGE="zh-CN").content
    assert "降噪耳机" in listing.decode()


def test_someone_elses_reservation_is_not_found(client):
    event = live_event(allocated=3)
    owner, stranger = UserFactory(), UserFactory()
    client.force_login(owner)
    result_url = client.post(reverse("seckill:buy", args=[event.pk]))["Location"]
    rid = result_url.rstrip("/").rsplit("/", 1)[1]
    api = reverse("api-seckill-result", args=[rid])
    assert client.get(api).json()["status"] == "queued"
    client.force_login(stranger)
    assert client.get(api).status_code == 404
    assert client.get(result_url).status_code == 404
    assert client.get(reverse("api-seckill-result", args=["nonsense"])).status_code == 404


def test_the_status_api_gives_the_server_time_and_what_is_left(client):
    event = live_event(allocated=4)
    body = client.get(reverse("api-seckill-status", args=[event.pk])).json()
    assert (body["state"], body["started"], body["left"], body["sold_percent"]) == (
        "live",
        True,
        4,
        0,
    )
    assert abs(timezone.datetime.fromisoformat(body["server_time"]) - timezone.now()) < timedelta(
        seconds=5
    )
    sessions = client.get(reverse("api-seckill-sessions")).json()
    assert [e["id"] for s in sessions for e in s["events"]] == [event.pk]


def test_remind_me_sends_one_message_and_email_a_few_minutes_before_the_start(client):
    event = make_event(starts_in=timedelta(minutes=30))
    event_publish(event_id=event.pk)
    user = UserFactory(email="buyer@example.com")
    client.force_login(user)
    client.post(reverse("seckill:remind", args=[event.pk]), {"on": "1"})
    assert SeckillReminder.objects.filter(event=event, user=user).exists()
    assert reminders_send_due() == 0  # 30 minutes is too early
    assert reminders_send_due(now=timezone.now() + timedelta(minutes=26)) == 1
    assert reminders_send_due(now=timezone.now() + timedelta(minutes=27)) == 0
    message = Message.objects.get(user=user)
    assert event.title in message.title
    assert len(mail.outbox) == 1
    api = reverse("api-seckill-reminder", args=[event.pk])
    assert client.delete(api).json() == {"subscribed": False}
    assert not SeckillReminder.objects.exists()


def test_the_admin_shows_live_numbers_and_warms_up(admin_client):
    event = live_event(allocated=6, warm=False)
    changelist = reverse("admin:seckill_seckillevent_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "not warmed" in page
    admin_client.post(changelist, {"action": "warm_up", "_selected_action": [event.pk]})
    assert gate.stock_left(event.pk) == 6
    user = UserFactory()
    rid = f"{event.pk}-admin"
    gate.reserve(
        event_id=event.pk, user_id=user.pk, quantity=1, reservation_id=rid, token_id=rid, ip="i"
    )
    page = admin_client.get(changelist).content.decode()
    assert "left in Redis: 5<br>queued: 1" in page
    event_drain(event_id=event.pk)
    page = admin_client.get(changelist).content.decode()
    assert "queued: 0<br>orders made / paid / cancelled: 1 / 0 / 0<br>dead letters: 0" in page
    assert (
        admin_client.get(reverse("admin:seckill_seckillevent_change", args=[event.pk])).status_code
        == 200
    )
