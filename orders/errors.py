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


# After-sales (售后) errors: codes 401xx, in the payments range the refund API shares.


class AfterSaleNotAllowed(ApplicationError):
    code = 40101
    status = status.HTTP_409_CONFLICT
    default_message = _("This order cannot take an after-sales request now.")


class AfterSaleAlreadyOpen(ApplicationError):
    code = 40102
    status = status.HTTP_409_CONFLICT
    default_message = _("This order already has an open after-sales request.")


class AfterSaleNotFound(ApplicationError):
    code = 40103
    status = status.HTTP_404_NOT_FOUND
    default_message = _("After-sales request not found.")


class AfterSaleInvalid(ApplicationError):
    code = 40104
    default_message = _("Check the request and try again.")


class AfterSaleStep(ApplicationError):
    code = 40105
    status = status.HTTP_409_CONFLICT
    default_message = _("The request cannot do that in its current state.")
