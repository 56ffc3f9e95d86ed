"""Business errors of the seckill app (codes 60xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class EventStepNotAllowed(ApplicationError):
    code = 60001
    status = status.HTTP_409_CONFLICT
    default_message = _("The flash sale cannot do that in its current state.")


class EventSkuShort(ApplicationError):
    code = 60002
    status = status.HTTP_409_CONFLICT
    default_message = _("The SKU does not have that many units to put in the flash sale.")
