"""Business errors of the reviews app (codes 90xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class ReviewLineNotFound(ApplicationError):
    code = 90001
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Order line not found.")


class ReviewNotYet(ApplicationError):
    code = 90002
    status = status.HTTP_409_CONFLICT
    default_message = _("You can review an order once you have received it.")


class ReviewExists(ApplicationError):
    code = 90003
    status = status.HTTP_409_CONFLICT
    default_message = _("You have reviewed this already.")


class ReviewNotFound(ApplicationError):
    code = 90004
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Review not found.")


class FollowUpNotAllowed(ApplicationError):
    code = 90005
    status = status.HTTP_409_CONFLICT
    default_message = _("A review takes one follow-up, within its window.")


class ReplyExists(ApplicationError):
    code = 90006
    status = status.HTTP_409_CONFLICT
    default_message = _("This review has a reply already.")
