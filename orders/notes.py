"""What an order's history says, translated when it is read.

An event's note was text in the language active when it was written: a flash-sale order
made by the worker read 下单 on an English shopper's page, and a merchant's English admin
wrote "Paid offline" into a Chinese shopper's history. An event now stores a key and its
parameters (``OrderEvent.note_key``, ``note_params``); the text is made from them in the
reader's language. ``OrderEvent.note`` keeps what a person typed (a shopper's reason) and
the notes of events written before keys existed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orders.carriers import carrier_label

PLACED = "placed"
PAID_ONLINE = "paid_online"
PAID_OFFLINE = "paid_offline"
SHIPPED = "shipped"
RECEIPT_CONFIRMED = "receipt_confirmed"
AUTO_COMPLETED = "auto_completed"
NOT_PAID_IN_TIME = "not_paid_in_time"
CANCELLED_BY_SHOPPER = "cancelled_by_shopper"
CANCELLED_BY_MERCHANT = "cancelled_by_merchant"
PICKED_UP = "picked_up"
PARCEL_SHIPPED = "parcel_shipped"
GROUP_WAITING = "group_waiting"
GROUP_SUCCEEDED = "group_succeeded"
GROUP_FAILED = "group_failed"
GROUP_FULL = "group_full"
GROUP_CLOSED = "group_closed"

NOTES = {
    PLACED: _("Order placed"),
    PAID_ONLINE: _("Paid, payment %(payment_no)s"),
    PAID_OFFLINE: _("Paid offline, marked by the merchant"),
    SHIPPED: _("%(carrier)s, tracking number %(tracking_no)s"),
    RECEIPT_CONFIRMED: _("Receipt confirmed"),
    AUTO_COMPLETED: _("Completed automatically"),
    NOT_PAID_IN_TIME: _("Not paid in time"),
    CANCELLED_BY_SHOPPER: _("Cancelled by the shopper"),
    CANCELLED_BY_MERCHANT: _("Cancelled by the merchant"),
    PICKED_UP: _("Collected at %(point)s"),
    PARCEL_SHIPPED: _("A parcel shipped: %(carrier)s, tracking number %(tracking_no)s"),
    GROUP_WAITING: _("Paid, payment %(payment_no)s; waiting for the group to fill"),
    GROUP_SUCCEEDED: _("The group is full: on to shipping"),
    GROUP_FAILED: _("The group did not fill in time: refunded in full"),
    GROUP_FULL: _("The group filled before this payment: refunded in full"),
    GROUP_CLOSED: _("The group buy is over: refunded in full"),
}


def note_text(key: str, params: dict | None = None, fallback: str = "") -> str:
    """The note of ``key`` in the active language, ``fallback`` (text as written) when the
    key is unknown or empty."""
    template = NOTES.get(key)
    if template is None:
        return fallback
    params = dict(params or {})
    if "carrier" in params:  # a code ("ZTO") reads as its name in the reader's language
        params["carrier"] = carrier_label(params["carrier"])
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return fallback or str(template)
