"""Business errors of the carts app (codes 50xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class SkuUnavailable(ApplicationError):
    code = 50001
    status = status.HTTP_400_BAD_REQUEST
    default_message = _("This item does not exist or is not on sale.")


class QuantityInvalid(ApplicationError):
    code = 50002
    default_message = _("Choose a quantity between 1 and %(max)d.")


class ExceedsStock(ApplicationError):
    code = 50003
    status = status.HTTP_409_CONFLICT
    default_message = _("Only %(stock)d left in stock.")


class CartFull(ApplicationError):
    code = 50004
    default_message = _("Your cart is full (at most %(max)d different items).")


class LineNotInCart(ApplicationError):
    code = 50005
    status = status.HTTP_404_NOT_FOUND
    default_message = _("This item is not in your cart.")
