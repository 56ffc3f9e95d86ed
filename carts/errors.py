"""Business errors of the carts app (codes 50xxx)."""

import functools

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError
from config.outage import REDIS_DOWN, ServiceUnavailable


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


class CartUnavailable(ServiceUnavailable):
    """Redis, where carts live, is down: the cart answers 503 with this (pages and API,
    config.outage); nothing in it is lost, it is there again when Redis is."""

    code = 50006
    default_message = _("Your cart is unavailable for a moment. Please try again shortly.")


def cart_store(func):
    """Redis being down inside ``func`` becomes CartUnavailable (503), never a 500."""

    @functools.wraps(func)
    def guarded(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except REDIS_DOWN as exc:
            raise CartUnavailable() from exc

    return guarded
