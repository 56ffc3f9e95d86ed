"""Admissions become orders: the consumer, its failures, timeouts, reconciliation."""

import io
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from accounts.tests.factories import AddressFactory, UserFactory
from catalog.models import Sku
from catalog.services import stock_audit
from config.redis import get_redis
from orders.models import Order, OrderStatus
from orders.services import order_cancel, order_close_overdue
from seckill import gate
from seckill.models import EventStockMovement, SeckillAdmission, SeckillEvent
from seckill.selectors import reservation_result
from seckill.services import consumer as consumer_module
from seckill.services import event_drain, event_end, event_reconcile
from seckill.tests.factories import live_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shortcut():
    gate.forget_sold_out()
    yield
    gate.forget_sold_out()


def admit(event, user, qty=1) -> str:
    rid = f"{event.pk}-{user.pk}{time.monotonic_ns()}"
    answer = gate.reserve(
        event_id=event.pk,
        user_id=user.pk,
        quantity=qty,
        reservation_id=rid,
        token_id=rid,
        ip="10.1.1.1",
    )
    assert answer.code == gate.ADMITTED, answer
    return rid


def backlog(event):
    return gate.stream_backlog(event.pk)


def test_an_admission_becomes_a_flash_price_order_from_the_event_acked_after_commit():
    event = live_event(allocated=5)
    user = UserFactory()
    address = AddressFactory(user=user, is_default=True)
    rid = admit(event, user)
    assert reservation_result(reservation_id=rid, user_id=user.pk)["status"] == "queued"
    assert event_drain(event_id=event.pk) == 1
    admission = SeckillAdmission.objects.select_related("order").get(reservation_id=rid)
    order = admission.order
    assert (order.user_id, order.source, order.status) == (user.pk, "seckill", "pending_payment")
    assert (order.items_amount, order.shipping_fee, order.total_amount) == (
        Decimal("9.90"),
        Decimal("0.00"),
        Decimal("9.90"),
    )
    item = order.items.get()
    assert (item.sku_id, item.unit_price, item.stock_source) == (
        event.sku_id,
        Decimal("9.90"),
        f"seckill:{event.pk}",
    )
    assert order.receiver_name == address.receiver  # the default address, preselected
    assert 280 <= (order.pay_deadline - timezone.now()).total_seconds() <= 300
    assert SeckillEvent.objects.get(pk=event.pk).stock == 4
    assert EventStockMovement.objects.get(event=event, reason="order").reference == order.order_no
    assert backlog(event) == (0, 0)
    result = reservation_result(reservation_id=rid, user_id=user.pk)
    assert (result["status"], result["order_no"]) == ("created", order.order_no)
    assert stock_audit() == []


def test_a_repeated_delivery_makes_no_second_order():
    event = live_event(allocated=5)
    user = UserFactory()
    rid = admit(event, user)
    fields = {"rid": rid, "uid": str(user.pk), "qty": "1"}
    first = consumer_module.reservation_process(event=event, fields=fields)
    second = consumer_module.reservation_process(event=event, fields=fields)
    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert SeckillEvent.objects.get(pk=event.pk).stock == 4


@pytest.mark.parametrize("units_left", [0, 1], ids=["sold-out-since", "units-left"])
def test_a_delivery_whose_order_another_consumer_made_finds_it(units_left):
    # The batch read no admission for it (another consumer made it since): the service
    # skips its own lookup, so the repeat meets the empty event or the unique key, and then
    # the order made before, with nothing taken twice.
    event = live_event(allocated=1 + units_left)
    user = UserFactory()
    rid = admit(event, user)
    fields = {"rid": rid, "uid": str(user.pk), "qty": "1"}
    first = consumer_module.reservation_process(event=event, fields=fields)
    stale = consumer_module._Batch(users={user.pk: user}, sku=event.sku)
    again = consumer_module.reservation_process(event=event, fields=fields, batch=stale)
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert SeckillEvent.objects.get(pk=event.pk).stock == units_left
    assert stock_audit() == []


def test_a_batch_of_orders_queues_one_countdown_and_one_notification(
    monkeypatch, django_capture_on_commit_callbacks
):
    from orders import tasks

    sent = []
    for task in (tasks.order_close_overdue_task, tasks.order_notify_task):
        monkeypatch.setattr(task, "apply_async", lambda *a, **k: sent.append("single"))
    for task in (tasks.order_close_overdue_many_task, tasks.order_notify_many_task):
        monkeypatch.setattr(task, "apply_async", lambda *a, **k: sent.append(k["args"][0]))
    event = live_event(allocated=5)
    for _ in range(3):
        admit(event, UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        assert event_drain(event_id=event.pk) == 3
    made = sorted(Order.objects.values_list("pk", flat=True))
    assert [sorted(ids) for ids in sent] == [made, made]


def test_the_order_and_the_admission_are_one_transaction():
    # The shopper holds an open admission made elsewhere: the admission row is refused, and
    # the order and the units taken for it go with it.
    event = live_event(allocated=5)
    user = UserFactory()
    consumer_module.reservation_process(
        event=event, fields={"rid": admit(event, user), "uid": str(user.pk), "qty": "1"}
    )
    # A second reservation of the same shopper (the gate would not admit it; say its state
    # was lost) reaches the consumer.
    with pytest.raises(consumer_module._Permanent, match="limit"):
        consumer_module.reservation_process(
            event=event, fields={"rid": "second-rid", "uid": str(user.pk), "qty": "1"}
        )
    assert Order.objects.count() == SeckillAdmission.objects.count() == 1
    assert SeckillEvent.objects.get(pk=event.pk).stock == 4
    assert stock_audit() == []


def test_a_consumer_that_dies_mid_batch_loses_no_order_and_duplicates_none(
    settings, django_capture_on_commit_callbacks
):
    from orders.models import Message

    event = live_event(allocated=10)
    users = [UserFactory() for _ in range(6)]
    for user in users:
        admit(event, user)
    redis = get_redis()
    stream = gate.key(event.pk, "stream")
    # Consumer A reads all six, makes the order of the first two, acknowledges one, dies.
    [(_s, entries)] = redis.xreadgroup(gate.GROUP, "dead-a", {stream: ">"}, count=10)
    for _entry_id, fields in entries[:2]:
        consumer_module.reservation_process(event=event, fields=fields)
    redis.xack(stream, gate.GROUP, entries[0][0])
    assert backlog(event) == (0, 5)
    # Consumer B, once A's entries have idled long enough, reclaims and finishes them.
    # A died before its orders' effects were queued (its callbacks never ran).
    settings.SECKILL_CLAIM_IDLE_MS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert event_drain(event_id=event.pk, consumer="b") == 5
    assert backlog(event) == (0, 0)
    assert Order.objects.count() == 6
    # Every order got its "order placed" message once, A's unacknowledged one included (B
    # queued its effects again); A's acknowledged one was never redelivered, so it has
    # none: its effects were A's to send, and went with it.
    placed = set(Message.objects.filter(kind="created").values_list("order__user_id", flat=True))
    assert placed == {u.pk for u in users} - {users[0].pk}
    assert Message.objects.filter(kind="created").count() == 5
    assert sorted(SeckillAdmission.objects.values_list("user_id", flat=True)) == sorted(
        u.pk for u in users
    )
    assert SeckillEvent.objects.get(pk=event.pk).stock == 4
    assert stock_audit() == []


def test_an_entry_failing_every_attempt_is_dead_lettered_and_its_unit_goes_back(
    settings, monkeypatch
):
    event = live_event(allocated=3)
    user = UserFactory()
    rid = admit(event, user)
    settings.SECKILL_CLAIM_IDLE_MS = 0
    settings.SECKILL_MAX_ATTEMPTS = 3

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(consumer_module, "order_create_from_lines", broken)
    event_drain(event_id=event.pk, consumer="c")  # delivery 1
    event_drain(event_id=event.pk, consumer="c")  # reclaimed: delivery 2
    assert get_redis().xlen(gate.key(event.pk, "dead")) == 0
    assert get_redis().get(gate.key(event.pk, "stock")) == "2"
    event_drain(event_id=event.pk, consumer="c")  # delivery 3: dead letter
    redis = get_redis()
    [(_id, dead)] = redis.xrange(gate.key(event.pk, "dead"))
    assert (dead["rid"], dead["reason"]) == (rid, "failed")
    assert redis.get(gate.key(event.pk, "stock")) == "3"
    assert redis.hget(gate.key(event.pk, "buyers"), str(user.pk)) is None
    assert backlog(event) == (0, 0)
    result = reservation_result(reservation_id=rid, user_id=user.pk)
    assert (result["status"], result["reason"]) == ("failed", "failed")
    assert not Order.objects.exists()
    assert SeckillEvent.objects.get(pk=event.pk).stock == 3


def test_a_shopper_deleted_meanwhile_is_dead_lettered_at_once():
    event = live_event(allocated=3)
    rid = f"{event.pk}-ghost"
    gate.reserve(
        event_id=event.pk, user_id=999999, quantity=1, reservation_id=rid, token_id=rid, ip="x"
    )
    event_drain(event_id=event.pk)
    assert get_redis().hget(gate.key(event.pk, "failed"), rid) == "unknown shopper"
    assert get_redis().get(gate.key(event.pk, "stock")) == "3"


def test_a_timed_out_order_gives_its_unit_back_once_and_the_shopper_may_try_again():
    event = live_event(allocated=1)
    user = UserFactory()
    admit(event, user)
    event_drain(event_id=event.pk)
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert order_close_overdue(order_id=order.pk) is True
    assert order_close_overdue(order_id=order.pk) is False
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert SeckillEvent.objects.get(pk=event.pk).stock == 1
    reasons = list(
        EventStockMovement.objects.filter(event=event)
        .order_by("pk")
        .values_list("reason", "quantity")
    )
    assert reasons == [("allocation", 1), ("order", -1), ("timeout", 1)]
    # The release ran on commit (the test's transaction has not committed: run it now).
    admission = SeckillAdmission.objects.get()
    assert admission.released_at is not None
    assert gate.release(
        event_id=event.pk,
        reservation_id=admission.reservation_id,
        user_id=user.pk,
        quantity=1,
    )
    assert get_redis().get(gate.key(event.pk, "stock")) == "1"
    gate.forget_sold_out()
    admit(event, user)  # the limit counts open orders only
    assert Sku.objects.get(pk=event.sku_id).stock == 5
    assert stock_audit() == []


@pytest.mark.django_db(transaction=True)
def test_a_timeout_racing_a_cancel_and_a_second_release_gives_the_unit_back_once():
    event = live_event(allocated=1)
    user = UserFactory()
    admit(event, user)
    event_drain(event_id=event.pk)
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    admission = SeckillAdmission.objects.get()
    barrier = threading.Barrier(3)
    errors = []

    def run(step):
        try:
            barrier.wait()
            step()
        except Exception as exc:  # the loser of the race says it lost; collected, not hidden
            errors.append(type(exc).__name__)
        finally:
            connection.close()

    steps = [
        lambda: order_close_overdue(order_id=order.pk),
        lambda: order_cancel(order_id=order.pk, actor_type="shopper", reason="changed my mind"),
        lambda: gate.release(
            event_id=event.pk,
            reservation_id=admission.reservation_id,
            user_id=user.pk,
            quantity=1,
        ),
    ]
    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(errors) <= {"IllegalTransition"}
    assert SeckillEvent.objects.get(pk=event.pk).stock == 1
    assert get_redis().get(gate.key(event.pk, "stock")) == "1"
    assert get_redis().hget(gate.key(event.pk, "buyers"), str(user.pk)) is None
    assert stock_audit() == []


def test_a_cancel_after_the_event_ended_returns_the_unit_to_the_sku_not_the_gate(
    django_capture_on_commit_callbacks,
):
    event = live_event(allocated=2, stock=2)
    user = UserFactory()
    admit(event, user)
    event_drain(event_id=event.pk)
    event_end(event_id=event.pk)
    assert Sku.objects.get(pk=event.sku_id).stock == 1  # the unsold one went back
    gate_stock = get_redis().get(gate.key(event.pk, "stock"))
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=Order.objects.get().pk, actor_type="shopper")
    assert Sku.objects.get(pk=event.sku_id).stock == 2
    assert SeckillEvent.objects.get(pk=event.pk).stock == 0
    assert get_redis().get(gate.key(event.pk, "stock")) == gate_stock  # not back in the gate
    assert get_redis().hget(gate.key(event.pk, "buyers"), str(user.pk)) is None
    assert SeckillAdmission.objects.get().released_at is not None
    assert stock_audit() == []


def test_redis_lost_mid_sale_is_rebuilt_from_postgresql_without_overselling(client):
    event = live_event(allocated=4)
    users = [UserFactory() for _ in range(8)]
    for user in users[:2]:
        admit(event, user)
    event_drain(event_id=event.pk)
    get_redis().flushdb()
    gate.forget_sold_out()
    cold = gate.reserve(
        event_id=event.pk, user_id=users[0].pk, quantity=1, reservation_id="x", token_id="x", ip="i"
    )
    assert cold.code == gate.NOT_WARMED
    assert event_reconcile(event_id=event.pk, force=True) == "rebuilt"
    assert get_redis().get(gate.key(event.pk, "stock")) == "2"
    # The two who hold orders are still over the limit; the others share what is left.
    assert (
        gate.reserve(
            event_id=event.pk,
            user_id=users[0].pk,
            quantity=1,
            reservation_id="y",
            token_id="y",
            ip="i",
        ).code
        == gate.OVER_LIMIT
    )
    codes = []
    for user in users[2:]:
        rid = f"{event.pk}-{user.pk}"
        codes.append(
            gate.reserve(
                event_id=event.pk,
                user_id=user.pk,
                quantity=1,
                reservation_id=rid,
                token_id=rid,
                ip="i",
            ).code
        )
        gate.forget_sold_out()
    assert codes.count(gate.ADMITTED) == 2
    event_drain(event_id=event.pk)
    assert Order.objects.count() == 4
    assert SeckillEvent.objects.get(pk=event.pk).stock == 0
    assert stock_audit() == []


def test_reconcile_waits_for_the_stream_and_then_repairs_drift():
    event = live_event(allocated=5)
    admit(event, UserFactory())
    assert event_reconcile(event_id=event.pk) == "busy"
    event_drain(event_id=event.pk)
    get_redis().set(gate.key(event.pk, "stock"), 1)  # drift: a release that never arrived
    assert event_reconcile(event_id=event.pk) == "rebuilt"
    assert get_redis().get(gate.key(event.pk, "stock")) == "4"
    assert event_reconcile(event_id=event.pk) == "ok"


@pytest.mark.django_db(transaction=True)
def test_the_consumer_command_makes_each_order_once():
    from django.core.management import call_command

    event = live_event(allocated=20)
    users = [UserFactory() for _ in range(12)]
    for user in users:
        admit(event, user)
    call_command("seckill_consume", "--once", stdout=io.StringIO())
    assert Order.objects.filter(source="seckill").count() == 12
    assert sorted(SeckillAdmission.objects.values_list("user_id", flat=True)) == sorted(
        u.pk for u in users
    )
    assert backlog(event) == (0, 0)
    assert stock_audit() == []


@pytest.mark.parametrize(
    ("language", "name"), [("en", "Star Fold phone"), ("zh-hans", "星辰折叠屏")]
)
def test_a_flash_sale_order_is_written_in_the_shoppers_language(language, name):
    from catalog.models import Product

    event = live_event(allocated=3)
    Product.objects.filter(skus=event.sku_id).update(
        name_en="Star Fold phone", name_zh_hans="星辰折叠屏"
    )
    user = UserFactory(language=language)
    AddressFactory(user=user, is_default=True)
    admit(event, user)
    assert event_drain(event_id=event.pk) == 1
    order = Order.objects.get(user=user)
    assert order.items.get().product_name == name
    with translation.override(language):
        assert order.events.get().note_display == ("Order placed" if language == "en" else "下单")
