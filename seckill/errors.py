"""Business errors of the seckill app (codes 60xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError
from config.outage import ServiceUnavailable


class EventStepNotAllowed(ApplicationError):
    code = 60001
    status = status.HTTP_409_CONFLICT
    default_message = _("The flash sale cannot do that in its current state.")


class EventSkuShort(ApplicationError):
    code = 60002
    status = status.HTTP_409_CONFLICT
    default_message = _("The SKU does not have that many units to put in the flash sale.")


class EventNotFound(ApplicationError):
    code = 60003
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Flash sale not found.")


class EventNotStarted(ApplicationError):
    code = 60004
    status = status.HTTP_403_FORBIDDEN
    default_message = _("The flash sale has not started yet.")


class EventOver(ApplicationError):
    code = 60005
    status = status.HTTP_403_FORBIDDEN
    default_message = _("The flash sale has ended.")


class SoldOut(ApplicationError):
    code = 60006
    status = status.HTTP_409_CONFLICT
    default_message = _("Sold out. Units may come back if orders are not paid; try again soon.")


class OverLimit(ApplicationError):
    code = 60007
    status = status.HTTP_409_CONFLICT
    default_message = _("You already have an order from this flash sale.")


class TooFast(ApplicationError):
    code = 60008
    status = status.HTTP_429_TOO_MANY_REQUESTS
    default_message = _("Too many tries. Please wait a moment.")


class BadToken(ApplicationError):
    code = 60009
    status = status.HTTP_403_FORBIDDEN
    default_message = _("The flash-sale token is invalid, expired or already used.")


class NotWarmed(ApplicationError):
    code = 60010
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    default_message = _("The flash sale is getting ready. Please try again in a second.")


class ReservationNotFound(ApplicationError):
    code = 60011
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Reservation not found.")


class GateUnavailable(ServiceUnavailable):
    """Redis, the flash sale's gate, did not answer: nothing was admitted (or, if the
    answer was lost on the way, the admission stands and shows in the shopper's orders);
    never "sold out"."""

    code = 60012
    default_message = _("The flash sale cannot be reached for a moment. Please try again.")
