"""The points ledger on real PostgreSQL and real threads: balances that never go below zero,
changes recorded once, the oldest batch spent and expired first, check-in once a day in the
shop's time zone, and an audit that finds any difference."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.tests.factories import UserFactory
from config.testing import run_concurrently, run_together
from marketing.errors import AlreadyCheckedIn, NotEnoughPoints
from marketing.models import (
    CheckIn,
    PointsAccount,
    PointsBatch,
    PointsBatchStatus,
    PointsEntry,
    PointsReason,
)
from marketing.services import (
    check_in,
    points_audit,
    points_credit,
    points_expire_due,
    points_expiry,
    points_give_back,
    points_release_due,
    points_spend,
)
from marketing.tests.factories import set_rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db(transaction=True)


def _at(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=SHANGHAI)


def _balance(user) -> tuple[int, int]:
    account = PointsAccount.objects.get(user=user)
    return account.balance, account.pending


def _credit(user, amount, reference, when=None, **kwargs):
    return points_credit(
        user_id=user.pk,
        amount=amount,
        reason=PointsReason.ADJUSTED,
        reference=reference,
        now=when or _at(2026, 12, 3, 12),
        **kwargs,
    )


def test_points_expire_at_the_end_of_the_year_after_next_in_the_shops_time_zone():
    # 2026-12-31 17:00 UTC is already 2027 in Shanghai: those points last to the end of 2029.
    assert points_expiry(_at(2026, 6, 1)) == _at(2029, 1, 1)
    late = datetime.datetime(2026, 12, 31, 17, tzinfo=datetime.UTC)
    assert points_expiry(late) == _at(2030, 1, 1)


def test_spending_draws_on_the_batch_that_expires_first_and_giving_back_keeps_the_dates():
    shopper = UserFactory()
    _credit(shopper, 30, "later", when=_at(2027, 3, 1))  # expires 2030
    _credit(shopper, 50, "sooner", when=_at(2026, 3, 1))  # expires 2029
    spent = points_spend(
        user_id=shopper.pk, amount=60, reason=PointsReason.ORDER_SPENT, reference="O1"
    )
    assert (spent.amount, spent.balance_after) == (-60, 20)
    left = dict(PointsBatch.objects.values_list("reference", "remaining"))
    assert left == {"later": 20, "sooner": 0}
    back = points_give_back(
        user_id=shopper.pk,
        spent=spent,
        amount=None,
        reason=PointsReason.ORDER_RETURNED,
        reference="O1",
    )
    assert back.amount == 60 and _balance(shopper) == (80, 0)
    returned = PointsBatch.objects.filter(reason=PointsReason.ORDER_RETURNED)
    assert sorted(returned.values_list("remaining", "expires_at")) == [
        (10, _at(2030, 1, 1)),
        (50, _at(2029, 1, 1)),
    ]
    # Given back once: the same cancel again changes nothing.
    again = points_give_back(
        user_id=shopper.pk,
        spent=spent,
        amount=None,
        reason=PointsReason.ORDER_RETURNED,
        reference="O1",
    )
    assert again is None and _balance(shopper) == (80, 0)
    assert points_audit() == []


def test_two_orders_spending_at_once_cannot_take_the_balance_below_zero():
    shopper = UserFactory()
    _credit(shopper, 100, "start")
    outcomes = run_together(
        *[
            lambda n=n: points_spend(
                user_id=shopper.pk, amount=70, reason=PointsReason.ORDER_SPENT, reference=f"O{n}"
            )
            for n in range(2)
        ]
    )
    assert sum(isinstance(o, PointsEntry) for o in outcomes) == 1
    assert sum(isinstance(o, NotEnoughPoints) for o in outcomes) == 1
    assert _balance(shopper) == (30, 0)
    assert PointsEntry.objects.filter(reason=PointsReason.ORDER_SPENT).count() == 1
    assert points_audit() == []


def test_the_same_change_made_at_once_from_many_threads_is_recorded_once():
    shopper = UserFactory()
    outcomes = run_concurrently(lambda: _credit(shopper, 10, "welcome"), 8)
    assert sum(isinstance(o, PointsEntry) for o in outcomes) == 1
    assert all(o is None or isinstance(o, PointsEntry) for o in outcomes)
    assert _balance(shopper) == (10, 0)
    assert PointsBatch.objects.count() == 1
    assert points_audit() == []


def test_pending_points_become_usable_at_their_time_once_however_often_the_task_runs():
    shopper = UserFactory()
    _credit(shopper, 40, "O9", usable_at=_at(2026, 12, 10))
    assert _balance(shopper) == (0, 40)
    with pytest.raises(NotEnoughPoints):
        points_spend(user_id=shopper.pk, amount=1, reason=PointsReason.ORDER_SPENT, reference="x")
    assert points_release_due(now=_at(2026, 12, 9)) == 0
    outcomes = run_concurrently(lambda: points_release_due(now=_at(2026, 12, 10)), 4)
    assert sum(outcomes) == 1
    assert points_release_due(now=_at(2026, 12, 11)) == 0
    assert _balance(shopper) == (40, 0)
    assert PointsBatch.objects.get().status == PointsBatchStatus.USABLE
    assert points_audit() == []


def test_expiry_takes_what_the_oldest_batch_has_left_once():
    shopper = UserFactory()
    _credit(shopper, 50, "2026", when=_at(2026, 5, 1))  # expires 2029-01-01
    _credit(shopper, 20, "2027", when=_at(2027, 5, 1))  # expires 2030-01-01
    points_spend(user_id=shopper.pk, amount=30, reason=PointsReason.ORDER_SPENT, reference="O1")
    assert points_expire_due(now=_at(2028, 12, 31, 23, 59)) == 0
    outcomes = run_concurrently(lambda: points_expire_due(now=_at(2029, 1, 1)), 4)
    assert sum(outcomes) == 1
    assert points_expire_due(now=_at(2029, 6, 1)) == 0
    assert _balance(shopper) == (20, 0)
    entry = PointsEntry.objects.get(reason=PointsReason.EXPIRED)
    assert (entry.amount, entry.balance_after) == (-20, 20)
    assert points_audit() == []


def test_a_double_tap_on_check_in_checks_in_once_and_credits_once():
    shopper = UserFactory()
    now = _at(2026, 12, 3, 9)
    outcomes = run_concurrently(lambda: check_in(user=shopper, now=now), 6)
    assert sum(isinstance(o, CheckIn) for o in outcomes) == 1
    assert sum(isinstance(o, AlreadyCheckedIn) for o in outcomes) == 5
    assert CheckIn.objects.count() == 1
    assert PointsEntry.objects.filter(reason=PointsReason.CHECK_IN).count() == 1
    assert _balance(shopper) == (5, 0)


def test_the_streak_follows_the_shops_calendar_and_a_missed_day_starts_it_again():
    set_rules(check_in_cycle="5, 10，20")
    shopper = UserFactory()
    # 23:50 and, ten minutes later, 00:00 in Shanghai (15:50 and 16:00 UTC, one UTC day).
    first = check_in(user=shopper, now=_at(2026, 12, 3, 23, 50))
    second = check_in(user=shopper, now=_at(2026, 12, 4, 0, 0))
    assert (first.day, second.day) == (datetime.date(2026, 12, 3), datetime.date(2026, 12, 4))
    third = check_in(user=shopper, now=_at(2026, 12, 5, 8))
    fourth = check_in(user=shopper, now=_at(2026, 12, 6, 8))  # the cycle starts again
    after_a_gap = check_in(user=shopper, now=_at(2026, 12, 8, 8))
    assert [(c.streak, c.points) for c in (first, second, third, fourth, after_a_gap)] == [
        (1, 5),
        (2, 10),
        (3, 20),
        (4, 5),
        (1, 5),
    ]
    assert _balance(shopper) == (45, 0)
    with pytest.raises(AlreadyCheckedIn):
        check_in(user=shopper, now=_at(2026, 12, 8, 23, 59))


def test_points_audit_is_clean_after_a_mixed_run_and_names_a_tampered_account(capsys):
    shoppers = [UserFactory() for _ in range(3)]
    for n, shopper in enumerate(shoppers):
        _credit(shopper, 100, "start")
        _credit(shopper, 30, f"O{n}", usable_at=_at(2026, 12, 20))
        check_in(user=shopper, now=_at(2026, 12, 3, 9))
        spent = points_spend(
            user_id=shopper.pk, amount=40 + n, reason=PointsReason.ORDER_SPENT, reference=f"S{n}"
        )
        points_give_back(
            user_id=shopper.pk,
            spent=spent,
            amount=10,
            reason=PointsReason.REFUND_RETURNED,
            reference=f"R{n}",
        )
    points_release_due(now=_at(2026, 12, 21))
    call_command("points_audit")
    assert "agree" in capsys.readouterr().out
    PointsAccount.objects.filter(user=shoppers[1]).update(balance=1)
    with pytest.raises(CommandError):
        call_command("points_audit")
    printed = capsys.readouterr().out
    assert f"user {shoppers[1].pk} usable: account 1, ledger 104, batches 104" in printed


def _paid_order(buyer, price="128.60", quantity=1):
    from catalog.tests.factories import make_product
    from orders.services import order_mark_paid
    from orders.tests.conftest import place_order

    sku = make_product(skus=[{"price": Decimal(price), "stock": 20}], spec=[]).skus.get()
    order = place_order(buyer, sku, quantity)
    order_mark_paid(order_id=order.pk)
    return order


def test_a_paid_order_earns_pending_points_usable_once_its_after_sales_window_closes(settings):
    from orders.models import OrderStatus
    from orders.services import order_transition

    set_rules(points_per_yuan=Decimal("1"))
    settings.AFTERSALE_DAYS = 7
    buyer = UserFactory()
    order = _paid_order(buyer, "128.60")  # ¥128.60 of goods (free shipping over ¥99): 128
    assert _balance(buyer) == (0, 128)
    batch = PointsBatch.objects.get(reference=order.order_no)
    assert (batch.status, batch.usable_at) == (PointsBatchStatus.PENDING, None)
    for status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        order = order_transition(order_id=order.pk, to_status=status)
    batch.refresh_from_db()
    assert batch.usable_at == order.completed_at + datetime.timedelta(days=7)
    assert points_release_due(now=batch.usable_at - datetime.timedelta(seconds=1)) == 0
    assert points_release_due(now=batch.usable_at) == 1
    assert _balance(buyer) == (128, 0)
    assert points_audit() == []


def test_a_full_refund_takes_back_the_points_pending_or_down_to_zero_once_spent():
    from orders.models import OrderStatus
    from orders.services import order_transition

    buyer = UserFactory()
    pending = _paid_order(buyer, "200.00")
    settled = _paid_order(buyer, "150.00")
    assert _balance(buyer) == (0, 350)
    # The second order's points became usable, and 100 of them were spent.
    PointsBatch.objects.filter(reference=settled.order_no).update(usable_at=_at(2026, 1, 1))
    points_release_due(now=_at(2026, 1, 1))
    points_spend(user_id=buyer.pk, amount=100, reason=PointsReason.ORDER_SPENT, reference="S1")
    assert _balance(buyer) == (50, 200)
    for order in (pending, settled):
        order_transition(order_id=order.pk, to_status=OrderStatus.REFUNDING)
        order_transition(order_id=order.pk, to_status=OrderStatus.REFUNDED)
    assert _balance(buyer) == (0, 0)
    taken = PointsEntry.objects.get(
        reference__startswith=settled.order_no, reason=PointsReason.REFUND_REVERSED
    )
    assert (taken.amount, taken.note) == (-50, "100 of 150 already spent")
    reversed_batch = PointsBatch.objects.get(reference=pending.order_no)
    assert (reversed_batch.status, reversed_batch.remaining) == (PointsBatchStatus.REVERSED, 0)
    assert points_audit() == []


def test_partial_refunds_take_back_the_refunded_goods_share_and_the_full_one_the_rest():
    from orders.models import OrderStatus
    from orders.services import order_refund_record, order_transition

    buyer = UserFactory()
    order = _paid_order(buyer, "100.00", quantity=3)  # ¥300 of goods: 300 points, pending

    def refund(amount):
        order_transition(order_id=order.pk, to_status=OrderStatus.REFUNDING)
        order_refund_record(order_id=order.pk, amount=Decimal(amount), back_to=OrderStatus.PAID)

    refund("100.00")
    assert _balance(buyer) == (0, 200)
    refund("50.50")  # ¥150.50 of ¥300 refunded in all: 150 of the 300 points
    assert _balance(buyer) == (0, 150)
    refund("149.50")  # the rest: the order is refunded
    assert _balance(buyer) == (0, 0)
    taken = PointsEntry.objects.filter(reason=PointsReason.REFUND_REVERSED)
    assert sorted(taken.values_list("pending_amount", flat=True)) == [-150, -100, -50]
    assert PointsBatch.objects.get(reference=order.order_no).status == PointsBatchStatus.REVERSED
    assert points_audit() == []
