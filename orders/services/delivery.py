"""Where an order goes: the shopper's address (placed in the divisions), a pickup point, or
the shop's own local delivery, and the order's copy of that place."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import regions
from accounts.models import Address
from accounts.selectors import address_default_for
from delivery.errors import LocalDeliveryUnavailable, PickupPointUnavailable
from delivery.models import PickupPoint
from delivery.selectors import local_area_for, pickup_points_open
from orders.errors import AddressLocked
from orders.models import DeliveryMethod, Order, OrderStatus

S = OrderStatus


def checkout_address(*, user, address_id) -> Address | None:
    """The address a quote ships to: one of the shopper's (``address_id``), else their
    default (None without one)."""
    if address_id is None:
        return address_default_for(user=user)
    return address_of(user, address_id)


def checkout_pickup_point(*, pickup_point_id) -> PickupPoint | None:
    """The open pickup point an order is collected at (None: delivered)."""
    if pickup_point_id is None:
        return None
    point = (
        pickup_points_open().filter(pk=pickup_point_id).first()
        if isinstance(pickup_point_id, int)
        else None
    )
    if point is None:
        raise PickupPointUnavailable()
    return point


def checkout_local_area(*, address, wanted: bool):
    """The local area the shop delivers ``address`` in itself, when ``wanted`` (None when
    not); LocalDeliveryUnavailable when wanted where the shop does not."""
    if not wanted:
        return None
    area = local_area_for(address.region_code) if address is not None else None
    if area is None:
        raise LocalDeliveryUnavailable()
    return area


def pickup_fields(pickup: PickupPoint | None, booking) -> dict:
    """A pickup order goes to its point: the point's place instead of the address's (the
    address gives the receiver and phone), and the slot its place is held in."""
    if pickup is None:
        return {}
    return {
        "delivery_method": DeliveryMethod.PICKUP,
        "pickup_point": pickup,
        "slot_day_id": booking.slot_day_id if booking else None,
        **{
            field: region.name
            for field, region in zip(
                ("province", "city", "district"), regions.lineage(pickup.region_code), strict=True
            )
        },
        "region_code": pickup.region_code,
        "detail": pickup.address,
        "postal_code": "",
    }


def local_fields(local, booking) -> dict:
    """A local delivery: the shop brings it to the address in its slot."""
    if local is None:
        return {}
    return {
        "delivery_method": DeliveryMethod.LOCAL,
        "slot_day_id": booking.slot_day_id if booking else None,
    }


def address_snapshot(address: Address | None) -> dict:
    """The order's copy of an address (blank fields without one)."""
    if address is None:
        return dict.fromkeys(
            (
                "receiver_name",
                "receiver_phone",
                "province",
                "city",
                "district",
                "region_code",
                "detail",
                "postal_code",
            ),
            "",
        )
    return {
        "receiver_name": address.receiver,
        "receiver_phone": address.phone,
        "province": address.province,
        "city": address.city,
        "district": address.district,
        "region_code": address.region_code,
        "detail": address.detail,
        "postal_code": address.postal_code,
    }


def address_of(user, address_id) -> Address:
    """One of the shopper's addresses whose region is known (an address from before regions
    had codes is confirmed first: freight depends on it)."""
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise ValidationError({"address_id": [_("Choose one of your addresses.")]})
    if not address.region_code:
        raise ValidationError(
            {"address_id": [_("Choose the province, city and district of this address first.")]}
        )
    return address


def order_set_address(*, order_id: int, user, address_id) -> Order:
    """Ship an unpaid order to one of the shopper's addresses (a flash-sale order is made
    before the shopper chose one); only the address columns are written."""
    address = address_of(user, address_id)
    updated = Order.objects.filter(
        pk=order_id, user=user, status=S.PENDING_PAYMENT, pay_deadline__gt=timezone.now()
    ).update(**address_snapshot(address), updated_at=timezone.now())
    if not updated:
        raise AddressLocked()
    return Order.objects.get(pk=order_id)
