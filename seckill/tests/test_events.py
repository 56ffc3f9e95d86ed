"""Flash-sale events: their units move between the SKU and the event through the ledger."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from catalog.models import Sku, StockMovement
from catalog.services import stock_audit
from catalog.tests.factories import make_product
from seckill.errors import EventSkuShort, EventStepNotAllowed
from seckill.models import EventStockMovement, SeckillEvent
from seckill.services import event_end, event_publish, events_advance
from seckill.tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_publishing_moves_the_units_from_the_sku_to_the_event_through_the_ledger():
    event = make_event(stock=50, allocated=20)
    event = event_publish(event_id=event.pk)
    assert (event.status, event.stock) == ("published", 20)
    assert Sku.objects.get(pk=event.sku_id).stock == 30
    taken = StockMovement.objects.get(sku=event.sku, reason="event_alloc")
    assert (taken.quantity, taken.reference) == (-20, f"seckill:{event.pk}")
    given = EventStockMovement.objects.get(event=event)
    assert (given.quantity, given.stock_after, given.reason) == (20, 20, "allocation")
    assert stock_audit() == []
    with pytest.raises(EventStepNotAllowed):  # once only
        event_publish(event_id=event.pk)
    assert Sku.objects.get(pk=event.sku_id).stock == 30


def test_a_sku_short_of_units_keeps_the_event_a_draft_and_changes_nothing():
    event = make_event(stock=5, allocated=20)
    with pytest.raises(EventSkuShort):
        event_publish(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.stock) == ("draft", 0)
    assert Sku.objects.get(pk=event.sku_id).stock == 5
    assert not EventStockMovement.objects.exists()


def test_ending_gives_the_units_left_back_once():
    event = event_publish(event_id=make_event(stock=50, allocated=20).pk)
    event = event_end(event_id=event.pk)
    assert (event.status, event.stock) == ("ended", 0)
    assert Sku.objects.get(pk=event.sku_id).stock == 50
    assert StockMovement.objects.get(sku=event.sku, reason="event_return").quantity == 20
    with pytest.raises(EventStepNotAllowed):
        event_end(event_id=event.pk)
    assert Sku.objects.get(pk=event.sku_id).stock == 50
    assert stock_audit() == []


def test_the_clock_starts_and_ends_published_events():
    event = event_publish(event_id=make_event(starts_in=timedelta(minutes=1)).pk)
    assert events_advance() == (0, 0)
    assert events_advance(now=event.starts_at) == (1, 0)
    assert SeckillEvent.objects.get(pk=event.pk).status == "running"
    assert events_advance(now=event.ends_at) == (0, 1)
    event.refresh_from_db()
    assert (event.status, event.stock) == ("ended", 0)
    assert Sku.objects.get(pk=event.sku_id).stock == 50
    assert event.session == timezone.localtime(event.starts_at).strftime("%H:%M")


def test_stock_audit_names_an_event_changed_behind_the_ledger():
    event = event_publish(event_id=make_event().pk)
    SeckillEvent.objects.filter(pk=event.pk).update(stock=25)  # bypassing the services
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("stock_audit", stdout=out)
    assert f"flash sale {event.pk} 限时秒杀: stock 25, ledger 20, difference +5" in out.getvalue()


def test_the_merchant_publishes_and_ends_in_the_admin(client):
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from accounts.tests.factories import UserFactory

    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client.force_login(merchant)
    event = make_event(stock=50, allocated=20)
    changelist = reverse("admin:seckill_seckillevent_changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert (event.status, event.stock) == ("published", 20)
    page = client.get(reverse("admin:seckill_seckillevent_change", args=[event.pk]))
    assert 'name="allocated"' not in page.content.decode()  # its units moved: read-only now
    client.post(changelist, {"action": "end_now", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.status == "ended" and Sku.objects.get(pk=event.sku_id).stock == 50


def test_a_draft_whose_end_comes_before_its_start_is_refused_by_the_admin_form(client):
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from accounts.tests.factories import UserFactory

    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client.force_login(merchant)
    sku = make_product().skus.get()
    start = timezone.localtime() + timedelta(days=1)
    answer = client.post(
        reverse("admin:seckill_seckillevent_add"),
        {
            "title_zh_hans": "错时",
            "sku": sku.pk,
            "flash_price": "9.90",
            "allocated": "5",
            "per_user_limit": "1",
            "starts_at_0": start.strftime("%Y-%m-%d"),
            "starts_at_1": "20:00:00",
            "ends_at_0": start.strftime("%Y-%m-%d"),
            "ends_at_1": "19:00:00",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 200 and not SeckillEvent.objects.exists()
    assert "The end must come after the start." in answer.content.decode()
