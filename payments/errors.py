"""Business errors of the payments app (codes 40xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class UnknownProvider(ApplicationError):
    code = 40001
    default_message = _("This payment method is not available.")


class PaymentNotAllowed(ApplicationError):
    code = 40002
    status = status.HTTP_409_CONFLICT
    default_message = _("This order cannot be paid now.")


class PaymentNotFound(ApplicationError):
    code = 40003
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Payment not found.")
