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


class ProviderUnavailable(ApplicationError):
    code = 40004
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    default_message = _("The payment service cannot be reached just now. Please try again.")


class PaymentMethodUnsupported(ApplicationError):
    code = 40005
    default_message = _("This payment method cannot be used here.")


class WechatLoginRequired(ApplicationError):
    code = 40006
    default_message = _("Log in with WeChat to pay with WeChat Pay in the mini-program.")


class RefundNotAllowed(ApplicationError):
    code = 40007
    status = status.HTTP_409_CONFLICT
    default_message = _("This order has no payment to refund.")


class RefundExceedsPayment(ApplicationError):
    code = 40008
    default_message = _("The refund is more than what is left to refund.")


class GatewayRefused(ApplicationError):
    """The gateway answered, and said no (a closed trade, a parameter it refuses): its own
    words are shown, never "cannot be reached"."""

    code = 40009
    status = status.HTTP_409_CONFLICT
    default_message = _("The payment service refused this payment. Please choose again.")

    def __init__(self, reason: str = ""):
        message = (
            _("The payment service refused this payment: %(reason)s") % {"reason": reason}
            if reason
            else None
        )
        super().__init__(message)


class OrderAlreadyPaid(ApplicationError):
    code = 40010
    status = status.HTTP_409_CONFLICT
    default_message = _("This order is already paid.")


# After-sales (售后) errors: codes 401xx.


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
