"""Pickup points, pickup codes and delivery slots: the last place of a slot goes to one
order, the cut-off is 22:00 in Shanghai, a cancel frees a place once, a code is handed over
once by the staff of its point only."""

import datetime
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.tests.factories import AddressFactory, UserFactory
from carts.keys import user_cart_key
from carts.services import cart_clear
from catalog.tests.factories import make_product
from config.testing import run_concurrently
from delivery.errors import PickupCodeInvalid, SlotFull, SlotUnavailable
from delivery.models import DayOff, DeliverySlot, PickupPoint, SlotBooking, SlotDay
from delivery.selectors import slot_dates, slots_offered
from orders import services
from orders.models import ActorType, Order, OrderStatus, PickupHandover
from orders.tests.conftest import fill_cart

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
_n = itertools.count()


def make_point(name="文三路自提点", region="330106", **fields) -> PickupPoint:
    values = {
        "address": "文三路 90 号",
        "latitude": Decimal("30.277000"),
        "longitude": Decimal("120.130000"),
        "hours": "09:00–21:00",
        "phone": "0571-88880000",
    } | fields
    return PickupPoint.objects.create(name=name, region_code=region, **values)


def make_slot(capacity=5, starts="09:00", ends="12:00") -> DeliverySlot:
    return DeliverySlot.objects.create(
        starts=datetime.time.fromisoformat(starts),
        ends=datetime.time.fromisoformat(ends),
        capacity=capacity,
    )


def pickup_order(user, point, slot=None, date=None, **kwargs):
    sku = kwargs.pop("sku", None) or make_product().skus.get()
    cart_clear(key=user_cart_key(user.pk))
    fill_cart(user, (sku, 1))
    address = AddressFactory(user=user)
    order, _ = services.order_create_from_cart(
        user=user,
        address_id=address.pk,
        pickup_point_id=point.pk,
        slot_id=slot.pk if slot else None,
        slot_date=date,
        idempotency_key=f"k{next(_n)}",
        **kwargs,
    )
    return order


# --- slots --------------------------------------------------------------------------------


def test_the_cut_off_is_ten_at_night_in_shanghai():
    before = datetime.datetime(2026, 12, 4, 21, 59, tzinfo=SHANGHAI)
    at = datetime.datetime(2026, 12, 4, 22, 0, tzinfo=SHANGHAI)
    assert slot_dates(now=before)[0] == datetime.date(2026, 12, 5)
    assert slot_dates(now=at)[0] == datetime.date(2026, 12, 6)
    # 22:00 in Shanghai is 14:00 UTC: the server's clock in UTC changes nothing.
    utc = datetime.datetime(2026, 12, 4, 14, 0, tzinfo=datetime.UTC)
    assert slot_dates(now=utc)[0] == datetime.date(2026, 12, 6)
    assert len(slot_dates(now=before)) == 7


def test_days_off_and_closed_days_are_not_offered():
    now = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)  # a Friday
    DayOff.objects.create(date=datetime.date(2026, 12, 6), note="盘点")
    make_slot()
    dates = [d["date"] for d in slots_offered(now=now)]
    assert datetime.date(2026, 12, 5) in dates and datetime.date(2026, 12, 6) not in dates
    weekdays_only = make_point(open_days=[0, 1, 2, 3, 4])
    dates = [d["date"] for d in slots_offered(now=now, point=weekdays_only)]
    assert all(d.weekday() < 5 for d in dates) and datetime.date(2026, 12, 7) in dates


@pytest.mark.django_db(transaction=True)
def test_twenty_orders_for_the_last_place_of_a_slot_make_one():
    point, slot = make_point(), make_slot(capacity=3)
    date = slot_dates()[0]
    for _ in range(2):
        pickup_order(UserFactory(), point, slot, date)
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 100}]).skus.get()
    buyers = [UserFactory() for _ in range(20)]
    addresses = {}
    for buyer in buyers:
        fill_cart(buyer, (sku, 1))
        addresses[buyer.pk] = AddressFactory(user=buyer).pk
    queue = iter(buyers)

    def buy():
        buyer = next(queue)
        return services.order_create_from_cart(
            user=buyer,
            address_id=addresses[buyer.pk],
            pickup_point_id=point.pk,
            slot_id=slot.pk,
            slot_date=date,
        )

    outcomes = run_concurrently(buy, 20)
    made = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, SlotFull)]
    assert (len(made), len(refused)) == (1, 19), outcomes
    day = SlotDay.objects.get(slot=slot, date=date)
    assert (day.booked, day.capacity) == (3, 3)
    assert SlotBooking.objects.filter(slot_day=day, status="held").count() == 3
    # Each refused order rolled back whole: its stock too.
    sku.refresh_from_db()
    assert sku.stock == 99
    offered = next(d for d in slots_offered() if d["date"] == date)["slots"][0]
    assert offered == {"id": slot.pk, "label": "09:00–12:00", "left": 0, "full": True}


def test_a_cancel_frees_the_place_once():
    point, slot = make_point(), make_slot(capacity=1)
    date = slot_dates()[0]
    order = pickup_order(UserFactory(), point, slot, date)
    with pytest.raises(SlotFull):
        pickup_order(UserFactory(), point, slot, date)
    services.order_cancel(order_id=order.pk, actor_type=ActorType.SHOPPER)
    day = SlotDay.objects.get(slot=slot, date=date)
    assert day.booked == 0
    from delivery.services import slot_release

    assert slot_release(order_no=order.order_no) is False  # a repeat frees nothing more
    day.refresh_from_db()
    assert day.booked == 0
    pickup_order(UserFactory(), point, slot, date)  # the place is there again, for one
    day.refresh_from_db()
    assert day.booked == 1


def test_a_slot_outside_the_dates_offered_is_refused():
    point, slot = make_point(), make_slot()
    today = datetime.datetime.now(SHANGHAI).date()
    with pytest.raises(SlotUnavailable):
        pickup_order(UserFactory(), point, slot, today)  # today is never offered
    with pytest.raises(Exception) as missing:
        pickup_order(UserFactory(), point)  # slots exist: one must be chosen
    assert "slot" in missing.value.message_dict


# --- pickup -------------------------------------------------------------------------------


def test_a_pickup_order_pays_the_points_fee_and_goes_to_the_point():
    point = make_point(fee=Decimal("2.00"))
    order = pickup_order(UserFactory(), point)
    assert order.delivery_method == "pickup" and order.pickup_point_id == point.pk
    assert order.shipping_fee == Decimal("2.00")
    assert (order.region_code, order.detail) == ("330106", "文三路 90 号")
    assert order.pickup_code == ""  # only once paid


def test_a_code_is_handed_over_once_by_the_staff_of_its_point_only():
    point, other_point = make_point(), make_point("另一个点", region="440305")
    staff, other_staff = UserFactory(), UserFactory()
    point.staff.add(staff)
    other_point.staff.add(other_staff)
    order = pickup_order(UserFactory(), point)
    order = services.order_mark_paid(order_id=order.pk)
    assert len(order.pickup_code) == 8 and order.pickup_code.isdigit()
    with pytest.raises(PickupCodeInvalid):
        services.pickup_hand_over(code=order.pickup_code, staff=other_staff)
    done = services.pickup_hand_over(code=order.pickup_code, staff=staff)
    assert done.status == OrderStatus.COMPLETED
    handover = PickupHandover.objects.get(order=order)
    assert (handover.staff_id, handover.point_id) == (staff.pk, point.pk)
    with pytest.raises(PickupCodeInvalid):
        services.pickup_hand_over(code=order.pickup_code, staff=staff)
    assert PickupHandover.objects.count() == 1
    events = list(order.events.values_list("to_status", "note_key"))
    assert events[-2:] == [("shipped", "picked_up"), ("completed", "picked_up")]


@pytest.mark.django_db(transaction=True)
def test_two_desks_handing_over_the_same_code_at_once_hand_it_over_once():
    point, staff = make_point(), UserFactory()
    point.staff.add(staff)
    order = services.order_mark_paid(order_id=pickup_order(UserFactory(), point).pk)
    outcomes = run_concurrently(
        lambda: services.pickup_hand_over(code=order.pickup_code, staff=staff), 4
    )
    assert sum(isinstance(o, Order) for o in outcomes) == 1
    assert all(isinstance(o, (Order, PickupCodeInvalid)) for o in outcomes), outcomes
    assert PickupHandover.objects.filter(order=order).count() == 1


def test_the_pickup_pages_answer_only_their_people(client):
    point, staff = make_point(), UserFactory()
    point.staff.add(staff)
    shopper = UserFactory()
    order = services.order_mark_paid(order_id=pickup_order(shopper, point).pk)
    page = reverse("orders:pickup_code", args=[order.order_no])
    client.force_login(UserFactory())
    assert client.get(page).status_code == 404  # another shopper's code
    assert client.get(reverse("orders:pickup_desk")).status_code == 403  # not staff
    client.force_login(shopper)
    html = client.get(page).content.decode()
    assert order.pickup_code[:4] in html and "<svg" in html
    client.force_login(staff)
    desk = client.get(reverse("orders:pickup_desk"), {"code": order.pickup_code})
    assert desk.context["order"].pk == order.pk  # a look-up writes nothing
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    wrong = client.get(reverse("orders:pickup_desk"), {"code": "１２３４５６７８"})
    assert wrong.status_code == 200 and wrong.context["error"]
    client.post(reverse("orders:pickup_hand_over"), {"code": order.pickup_code})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    api = client.get(f"/api/v1/orders/{order.order_no}")
    assert api.status_code == 404  # the staff member's own orders only


def test_a_pickup_order_cannot_be_shipped():
    order = services.order_mark_paid(order_id=pickup_order(UserFactory(), make_point()).pk)
    with pytest.raises(Exception) as refused:
        services.order_ship(order_id=order.pk, carrier="sf", tracking_no="SF1")
    assert "carrier" in refused.value.message_dict


def test_the_api_lists_points_nearest_first_and_slots_with_places(client):
    near = make_point("西湖店")  # 杭州
    far = make_point(
        "南山店", region="440305", latitude=Decimal("22.53"), longitude=Decimal("113.93")
    )
    by_location = client.get("/api/v1/pickup-points", {"lat": "22.54", "lng": "113.95"}).json()
    assert [p["name"] for p in by_location] == ["南山店", "西湖店"]
    assert by_location[0]["distance"] < 5
    by_region = client.get("/api/v1/pickup-points", {"region_code": "330106"}).json()
    assert [p["id"] for p in by_region] == [near.pk, far.pk]
    assert client.get("/api/v1/pickup-points", {"lat": "1e9", "lng": "2"}).status_code == 400
    slot = make_slot(capacity=2)
    pickup_order(UserFactory(), near, slot, slot_dates()[0])
    days = client.get("/api/v1/delivery-slots", {"pickup_point_id": near.pk}).json()
    assert days[0]["slots"] == [{"id": slot.pk, "label": "09:00–12:00", "left": 1, "full": False}]
    assert client.get("/api/v1/delivery-slots", {"pickup_point_id": "x"}).status_code == 404


def test_the_api_quotes_and_orders_a_pickup_with_its_slot_and_shows_the_code(client):
    from accounts.services import user_tokens_issue

    point, slot = make_point(fee=Decimal("1.50")), make_slot()
    user = UserFactory()
    address = AddressFactory(user=user)
    fill_cart(user, (make_product().skus.get(), 1))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {user_tokens_issue(user=user)['access']}"}
    quote = client.post(
        "/api/v1/checkout/quote",
        {"pickup_point_id": point.pk},
        content_type="application/json",
        **auth,
    ).json()
    assert quote["shipping_fee"] == "1.50" and quote["freight"] == []
    date = slot_dates()[0]
    made = client.post(
        "/api/v1/orders",
        {
            "address_id": address.pk,
            "pickup_point_id": point.pk,
            "slot_id": slot.pk,
            "slot_date": f"{date:%Y-%m-%d}",
            "expected_total": quote["total"],
        },
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["delivery_method"] == "pickup"
    assert body["pickup"]["slot"] == {"date": f"{date:%Y-%m-%d}", "label": "09:00–12:00"}
    assert body["pickup"]["code"] is None
    services.order_mark_paid(order_id=Order.objects.get(order_no=body["order_no"]).pk)
    detail = client.get(f"/api/v1/orders/{body['order_no']}", **auth).json()
    assert len(detail["pickup"]["code"]) == 8


# --- local delivery -----------------------------------------------------------------------


def test_local_delivery_in_a_slot_within_the_area_only():
    from delivery.errors import LocalDeliveryUnavailable
    from delivery.models import LocalArea

    LocalArea.objects.create(
        region_code="310100", fee=Decimal("5.00"), free_over_amount=Decimal("199")
    )
    slot = make_slot(capacity=1)
    date = slot_dates()[0]
    user = UserFactory()
    pudong = AddressFactory(user=user, region_code="310115")
    fill_cart(user, (make_product().skus.get(), 1))  # ¥100: below ¥199
    order, _ = services.order_create_from_cart(
        user=user, address_id=pudong.pk, local_delivery=True, slot_id=slot.pk, slot_date=date
    )
    assert (order.delivery_method, order.shipping_fee) == ("local", Decimal("5.00"))
    assert order.slot_day.date == date and order.region_code == "310115"
    with pytest.raises(SlotFull):  # the one place is taken
        other = UserFactory()
        fill_cart(other, (make_product().skus.get(), 1))
        services.order_create_from_cart(
            user=other,
            address_id=AddressFactory(user=other, region_code="310104").pk,
            local_delivery=True,
            slot_id=slot.pk,
            slot_date=date,
        )
    far = UserFactory()
    fill_cart(far, (make_product().skus.get(), 1))
    with pytest.raises(LocalDeliveryUnavailable):  # 深圳: not the shop's own area
        services.order_create_from_cart(
            user=far,
            address_id=AddressFactory(user=far).pk,
            local_delivery=True,
            slot_id=slot.pk,
            slot_date=date,
        )
    services.order_cancel(order_id=order.pk, actor_type=ActorType.SHOPPER)
    assert SlotDay.objects.get(slot=slot, date=date).booked == 0


def test_checkout_offers_local_delivery_where_the_shop_delivers_itself(client):
    from delivery.models import LocalArea

    LocalArea.objects.create(region_code="310115", fee=Decimal("0"))
    make_slot()
    user = UserFactory()
    AddressFactory(user=user, region_code="310115", is_default=True)
    fill_cart(user, (make_product().skus.get(), 1))
    client.force_login(user)
    page = client.get(reverse("orders:checkout"))
    assert 'value="local"' in page.content.decode()
    chosen = client.get(reverse("orders:checkout"), {"delivery": "local"})
    assert chosen.context["delivery"]["method"] == "local"
    assert chosen.context["delivery"]["slots"] and chosen.context["cart"]["shipping_fee"] == 0
    elsewhere = UserFactory()
    AddressFactory(user=elsewhere, region_code="440305", is_default=True)
    fill_cart(elsewhere, (make_product().skus.get(), 1))
    client.force_login(elsewhere)
    assert 'value="local"' not in client.get(reverse("orders:checkout")).content.decode()


def test_the_merchant_sees_orders_per_slot_and_point_and_prints_the_slots_picking_list(
    merchant_client,
):
    point, slot = make_point(), make_slot(capacity=4)
    date = slot_dates()[0]
    sku = make_product(name="龙井茶").skus.get()
    paid = [
        services.order_mark_paid(
            order_id=pickup_order(UserFactory(), point, slot, date, sku=sku).pk
        )
        for _ in range(2)
    ]
    pickup_order(UserFactory(), point, slot, date, sku=sku)  # not paid yet: listed, not picked
    board = merchant_client.get(reverse("admin:delivery_board"))
    cell = next(c for row in board.context["board"] if row["date"] == date for c in row["cells"])
    assert (cell["day"].booked, cell["day"].capacity) == (3, 4)
    assert cell["points"] == [
        {"slot_day_id": cell["day"].pk, "pickup_point__name": point.name, "n": 3}
    ]
    picking = merchant_client.get(reverse("admin:delivery_picking", args=[cell["day"].pk]))
    assert [(t["product_name"], t["quantity"]) for t in picking.context["totals"]] == [
        ("龙井茶", 2)
    ]
    assert len(picking.context["orders"]) == 3 and paid[0].order_no in picking.content.decode()
