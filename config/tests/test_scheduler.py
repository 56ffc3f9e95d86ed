"""The embedded mode's in-process scheduler runs the beat schedule's jobs on time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from config.scheduler import EmbeddedScheduler
from orders.models import Order, OrderStatus
from orders.tests.conftest import place_order

pytestmark = pytest.mark.django_db


def test_scheduler_runs_the_unpaid_sweep_every_minute(settings):
    buyer = UserFactory()
    buyer.address = AddressFactory(user=buyer)
    order = place_order(buyer)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    scheduler = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE, first_delay=0)
    assert scheduler.entries["orders-close-unpaid"]["every"] == 60

    ran = scheduler.run_pending(now=scheduler.entries["orders-close-unpaid"]["due"])
    assert "orders-close-unpaid" in ran
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED

    due = scheduler.entries["orders-close-unpaid"]["due"]
    assert "orders-close-unpaid" not in scheduler.run_pending(now=due - 1)
    assert "orders-close-unpaid" in scheduler.run_pending(now=due)


def test_a_failing_job_is_logged_and_the_others_still_run(settings, caplog):
    calls = []
    from celery import current_app

    @current_app.task(name="tests.scheduler.boom")
    def boom():
        raise RuntimeError("boom")

    @current_app.task(name="tests.scheduler.ok")
    def ok():
        calls.append("ok")

    scheduler = EmbeddedScheduler(
        {
            "boom": {"task": "tests.scheduler.boom", "schedule": timedelta(seconds=5)},
            "ok": {"task": "tests.scheduler.ok", "schedule": 5},
        },
        first_delay=0,
    )
    assert scheduler.run_pending() == ["boom", "ok"]
    assert calls == ["ok"]
    assert "embedded scheduler: boom failed" in caplog.text
