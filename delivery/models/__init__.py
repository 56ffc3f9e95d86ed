"""Delivery's models: shipping templates, pickup points, slots and local areas, return
addresses (one module each)."""

from delivery.models.pickup import PickupPoint, all_weekdays
from delivery.models.returns import ReturnAddress
from delivery.models.shipping import ChargeBy, Charges, ShippingRule, ShippingTemplate
from delivery.models.slots import DayOff, DeliverySlot, LocalArea, SlotBooking, SlotDay

__all__ = [
    "ChargeBy",
    "Charges",
    "DayOff",
    "DeliverySlot",
    "LocalArea",
    "PickupPoint",
    "ReturnAddress",
    "ShippingRule",
    "ShippingTemplate",
    "SlotBooking",
    "SlotDay",
    "all_weekdays",
]
