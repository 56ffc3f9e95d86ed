"""The flash-sale admin: only a draft is edited, only what its form changed is written (while
it is still a draft), a running event's page never writes back what a worker moved, and the
form's rules are errors beside their fields."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from catalog.services import stock_audit
from catalog.tests.factories import make_product
from config.testing import admin_page_post_data
from seckill import gate
from seckill.models import EventStatus, SeckillEvent
from seckill.selectors import event_card
from seckill.services import event_drain, event_end, event_publish, event_update_draft
from seckill.tests.factories import live_event, make_event

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:seckill_seckillevent_changelist")
ADD = reverse("admin:seckill_seckillevent_add")


def usual_price_99():
    return make_product(
        skus=[{"attributes": {"colour": "red"}, "price": Decimal("99.00")}]
    ).skus.get()


def change_url(event) -> str:
    return reverse("admin:seckill_seckillevent_change", args=[event.pk])


def take_one_unit(event) -> None:
    """A shopper is admitted by the gate and the consumer makes the order."""
    shopper = UserFactory()
    AddressFactory(user=shopper, is_default=True)
    rid = f"{event.pk}-{shopper.pk}admin"
    answer = gate.reserve(
        event_id=event.pk, user_id=shopper.pk, quantity=1, reservation_id=rid, token_id=rid, ip="i"
    )
    assert answer.code == gate.ADMITTED
    assert event_drain(event_id=event.pk) == 1


def test_saving_a_running_event_loses_no_unit_the_consumer_took(merchant_client):
    event = live_event(allocated=10)
    page = merchant_client.get(change_url(event))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # its page is view-only
    take_one_unit(event)  # between the merchant's GET and POST
    answer = merchant_client.post(change_url(event), admin_page_post_data(page), follow=True)
    assert "nothing was changed" in answer.content.decode()
    event.refresh_from_db()
    assert (event.status, event.stock) == (EventStatus.RUNNING, 9)
    assert stock_audit() == []


def test_saving_an_event_that_ended_meanwhile_does_not_start_it_again(merchant_client):
    event = live_event(allocated=10)
    page = merchant_client.get(change_url(event))
    event_end(event_id=event.pk)
    merchant_client.post(change_url(event), admin_page_post_data(page, title_zh_hans="再来"))
    event.refresh_from_db()
    assert (event.status, event.stock, event.title) == (EventStatus.ENDED, 0, "限时秒杀")
    assert stock_audit() == []


def test_a_draft_published_while_its_page_was_open_keeps_its_units(merchant_client):
    event = make_event(stock=50, allocated=20)
    page = merchant_client.get(change_url(event))
    event_publish(event_id=event.pk)
    answer = merchant_client.post(
        change_url(event),
        admin_page_post_data(page, title_zh_hans="改名", allocated="30"),
        follow=True,
    )
    assert "nothing was changed" in answer.content.decode()
    event.refresh_from_db()
    assert (event.status, event.allocated, event.stock, event.title) == (
        EventStatus.PUBLISHED,
        20,
        20,
        "限时秒杀",
    )
    assert stock_audit() == []


def test_a_draft_save_writes_only_the_fields_its_form_changed(merchant_client):
    event = make_event(limit=1)
    page = merchant_client.get(change_url(event))
    # Another merchant raises the limit meanwhile.
    assert event_update_draft(event_id=event.pk, changes={"per_user_limit": 3})
    answer = merchant_client.post(
        change_url(event), admin_page_post_data(page, title_zh_hans="双十二", title_en="12.12")
    )
    assert answer.status_code == 302
    event.refresh_from_db()
    assert (event.title_zh_hans, event.title_en, event.per_user_limit) == ("双十二", "12.12", 3)


def test_a_new_draft_is_created_through_the_service(merchant_client):
    sku = usual_price_99()
    start = timezone.localtime() + timedelta(days=1)
    answer = merchant_client.post(
        ADD,
        {
            "title_zh_hans": "新品秒杀",
            "title_en": "New arrival flash sale",
            "sku": sku.pk,
            "flash_price": "49.00",
            "allocated": "5",
            "per_user_limit": "2",
            "starts_at_0": start.strftime("%Y-%m-%d"),
            "starts_at_1": "20:00:00",
            "ends_at_0": start.strftime("%Y-%m-%d"),
            "ends_at_1": "21:00:00",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )
    event = SeckillEvent.objects.get()
    assert answer.status_code == 302 and answer.url == CHANGELIST
    assert (event.status, event.stock, event.flash_price, event.title_en) == (
        EventStatus.DRAFT,
        0,
        Decimal("49.00"),
        "New arrival flash sale",
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"flash_price": "0"}, "flash_price", "The flash price must be above ¥0.00."),
        ({"flash_price": "-1"}, "flash_price", "The flash price must be above ¥0.00."),
        ({"flash_price": "99.00"}, "flash_price", "below the SKU&#x27;s usual price (¥99.00)"),
        ({"allocated": "0"}, "allocated", "Put at least one unit on sale."),
        ({"per_user_limit": "0"}, "per_user_limit", "Each shopper may buy at least one."),
        ({"starts_at_1": "00:00:00", "days": -1}, "starts_at", "cannot be in the past"),
        ({"ends_at_1": "19:00:00"}, "ends_at", "The end must come after the start."),
    ],
)
def test_the_form_says_what_is_wrong_beside_the_field(merchant_client, changes, field, message):
    sku = usual_price_99()
    start = timezone.localtime() + timedelta(days=changes.pop("days", 1))
    data = {
        "title_zh_hans": "错",
        "sku": sku.pk,
        "flash_price": "9.90",
        "allocated": "5",
        "per_user_limit": "1",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": "20:00:00",
        "ends_at_0": (start + timedelta(days=1)).strftime("%Y-%m-%d")
        if "days" in changes
        else start.strftime("%Y-%m-%d"),
        "ends_at_1": "21:00:00",
        "movements-TOTAL_FORMS": "0",
        "movements-INITIAL_FORMS": "0",
        **changes,
    }
    answer = merchant_client.post(ADD, data)
    html = answer.content.decode()
    assert answer.status_code == 200 and not SeckillEvent.objects.exists()
    assert message in html
    assert answer.context["adminform"].form.errors[field]
    assert "seckill_event_" not in html  # never a constraint's name


def test_ending_now_shows_at_once_in_the_card_the_apis_read(
    merchant_client, django_capture_on_commit_callbacks
):
    event = live_event(allocated=10)
    assert event_card(event_id=event.pk)["status"] == EventStatus.RUNNING  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        merchant_client.post(CHANGELIST, {"action": "end_now", "_selected_action": [event.pk]})
    assert event_card(event_id=event.pk)["status"] == EventStatus.ENDED


def test_an_ended_event_shows_its_units_not_a_redis_figure(merchant_client):
    event = live_event(allocated=6)
    take_one_unit(event)
    page = merchant_client.get(CHANGELIST).content.decode()
    assert "left in Redis: 5" in page
    event_end(event_id=event.pk)
    page = merchant_client.get(CHANGELIST).content.decode()
    assert "left in Redis" not in page and "units left: 0" in page


def test_the_live_numbers_are_read_again_by_the_page(merchant_client):
    event = live_event(allocated=6)
    live = reverse("admin:seckill_seckillevent_live") + f"?id={event.pk}&id=x"
    before = merchant_client.get(live).json()
    take_one_unit(event)
    after = merchant_client.get(live).json()
    assert "left in Redis: 6" in before[str(event.pk)]
    assert "left in Redis: 5" in after[str(event.pk)]
    assert "orders made / paid / cancelled: 1 / 0 / 0" in after[str(event.pk)]
    page = merchant_client.get(CHANGELIST).content.decode()
    assert "js/admin-seckill.js" in page


def test_deleting_a_product_with_flash_sale_history_says_take_it_off_sale(admin_client):
    event = live_event(allocated=2)
    product = event.sku.product
    page = admin_client.get(reverse("admin:catalog_product_delete", args=[product.pk]), follow=True)
    html = page.content.decode()
    assert "has sales or flash-sale history, which stays: take it off sale instead" in html
    assert "have permission" not in html
    assert page.redirect_chain[-1][0] == reverse("admin:catalog_product_change", args=[product.pk])
    assert type(product).objects.filter(pk=product.pk).exists()
