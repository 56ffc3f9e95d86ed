"""Writes of delivery."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from delivery.errors import SlotFull, SlotUnavailable
from delivery.models import (
    DeliverySlot,
    ReturnAddress,
    ShippingTemplate,
    SlotBooking,
    SlotDay,
)
from delivery.selectors import slot_dates, templates_changed


@transaction.atomic
def _make_default(model, pk: int) -> None:
    """Make one row of ``model`` its default: the old default's flag cleared first, in the
    same transaction under its lock, so the one-default constraint holds."""
    list(model.objects.select_for_update().filter(is_default=True))
    model.objects.filter(is_default=True).exclude(pk=pk).update(is_default=False)
    model.objects.filter(pk=pk).update(is_default=True)


def template_make_default(*, template_id: int) -> None:
    """The template the products naming none use."""
    _make_default(ShippingTemplate, template_id)
    templates_changed()


# --- slots ------------------------------------------------------------------------------------


def slot_book(*, slot_id: int, date, order_no: str, now=None) -> SlotBooking:
    """Take one place of a slot on ``date`` for an order (inside the order's transaction):
    a conditional ``booked + 1 WHERE booked < capacity`` whose row count is checked, so the
    last place goes to exactly one order; the booking row is the ledger (one per order)."""
    if not isinstance(slot_id, int) or date not in slot_dates(now=now):
        raise SlotUnavailable()
    slot = DeliverySlot.objects.filter(pk=slot_id, is_active=True).first()
    if slot is None:
        raise SlotUnavailable()
    day = _slot_day(slot, date)
    if not SlotDay.objects.filter(pk=day.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    ):
        raise SlotFull()
    return SlotBooking.objects.create(slot_day=day, order_no=order_no)


def _slot_day(slot: DeliverySlot, date) -> SlotDay:
    """The slot's row for ``date``, made with the slot's capacity by whichever order comes
    first (a second one racing it reads the row the first made)."""
    day = SlotDay.objects.filter(slot=slot, date=date).first()
    if day is not None:
        return day
    try:
        with transaction.atomic():
            return SlotDay.objects.create(slot=slot, date=date, capacity=slot.capacity)
    except IntegrityError:
        return SlotDay.objects.get(slot=slot, date=date)


def slot_release(*, order_no: str) -> bool:
    """Give an order's place back, once (its cancel or refund; a repeat changes nothing)."""
    booking = SlotBooking.objects.filter(order_no=order_no, status=SlotBooking.Status.HELD).first()
    if booking is None:
        return False
    released = SlotBooking.objects.filter(pk=booking.pk, status=SlotBooking.Status.HELD).update(
        status=SlotBooking.Status.RELEASED, released_at=timezone.now()
    )
    if released:
        SlotDay.objects.filter(pk=booking.slot_day_id, booked__gt=0).update(booked=F("booked") - 1)
    return bool(released)


def slot_capacity_changed(*, slot: DeliverySlot) -> None:
    """A slot's capacity edited: the days to come take it, never below what they hold."""
    SlotDay.objects.filter(slot=slot, date__gte=timezone.localdate()).update(
        capacity=Greatest(F("booked"), slot.capacity)
    )


def return_address_make_default(*, address_id: int) -> None:
    """The return address an approval offers first."""
    _make_default(ReturnAddress, address_id)
