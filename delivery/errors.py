"""Business errors of delivery (codes 80xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class SlotFull(ApplicationError):
    code = 80001
    status = status.HTTP_409_CONFLICT
    default_message = _("That delivery time is full. Choose another.")


class SlotUnavailable(ApplicationError):
    code = 80002
    status = status.HTTP_409_CONFLICT
    default_message = _("That delivery time can no longer be chosen.")


class PickupPointUnavailable(ApplicationError):
    code = 80003
    status = status.HTTP_409_CONFLICT
    default_message = _("That pickup point is not open for orders.")


class PickupCodeInvalid(ApplicationError):
    code = 80004
    status = status.HTTP_404_NOT_FOUND
    default_message = _("No order waits here for that code.")


class LocalDeliveryUnavailable(ApplicationError):
    code = 80005
    status = status.HTTP_409_CONFLICT
    default_message = _("The shop does not deliver to this address itself.")
