"""Business errors of the orders app (codes 30xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class OrderNotFound(ApplicationError):
    code = 30001
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Order not found.")


class OutOfStock(ApplicationError):
    code = 30002
    status = status.HTTP_409_CONFLICT
    default_message = _("An item is out of stock.")


class IllegalTransition(ApplicationError):
    code = 30003
    status = status.HTTP_409_CONFLICT
    default_message = _("This order cannot do that in its current state.")


class NothingToCheckOut(ApplicationError):
    code = 30004
    default_message = _("Select at least one available item in your cart.")


class PriceChanged(ApplicationError):
    code = 30005
    status = status.HTTP_409_CONFLICT
    default_message = _("Prices changed since you reviewed your order. Please check again.")


class ItemUnavailable(ApplicationError):
    code = 30006
    status = status.HTTP_409_CONFLICT
    default_message = _("An item in your cart can no longer be bought.")


class AddressLocked(ApplicationError):
    code = 30007
    status = status.HTTP_409_CONFLICT
    default_message = _("The address can only be changed before the order is paid.")


class AddressRequired(ApplicationError):
    code = 30008
    status = status.HTTP_409_CONFLICT
    default_message = _("Choose a delivery address before paying.")


class SettleIncomplete(ApplicationError):
    """A gateway says the order's payment went through but cannot show it yet: the order
    is not cancelled (the timeout sweep asks again next minute)."""

    code = 30009
    status = status.HTTP_409_CONFLICT
    default_message = _("The payment for this order is being confirmed. Try again in a minute.")


class NotDelivered(ApplicationError):
    """Lines whose shipping template does not deliver to the address's region."""

    code = 30010
    status = status.HTTP_409_CONFLICT
    default_message = _("Some items are not delivered to this address.")
