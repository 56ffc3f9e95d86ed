"""Business errors of the catalog app (codes 20xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class ProductNotFound(ApplicationError):
    code = 20001
    status = status.HTTP_404_NOT_FOUND
    default_message = _("This product does not exist or is not on sale.")


class InsufficientStock(ApplicationError):
    code = 20002
    status = status.HTTP_409_CONFLICT
    default_message = _("Not enough stock.")


class StockMoved(ApplicationError):
    """A merchant's count was checked against the stock they saw, and the stock had moved."""

    code = 20003
    status = status.HTTP_409_CONFLICT
    default_message = _("The stock changed since the form was loaded.")

    def __init__(self, message=None, *, current: int | None = None, **kwargs):
        self.current = current
        super().__init__(message, **kwargs)
