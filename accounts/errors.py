"""Business errors of the accounts app (codes 10xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class InvalidCredentials(ApplicationError):
    code = 10001
    status = status.HTTP_401_UNAUTHORIZED
    default_message = _("The login or password is incorrect.")


class LoginLocked(ApplicationError):
    code = 10002
    status = status.HTTP_429_TOO_MANY_REQUESTS
    default_message = _("Too many failed logins. Try again later.")

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            _("Too many failed logins. Try again in %(minutes)d minute(s).")
            % {"minutes": max(1, -(-retry_after // 60))},
            headers={"Retry-After": str(retry_after)},
        )


class AccountDisabled(ApplicationError):
    code = 10003
    status = status.HTTP_403_FORBIDDEN
    default_message = _("This account is disabled.")


class AddressLimitReached(ApplicationError):
    code = 10004
    default_message = _("You can keep at most %(limit)d addresses.")


class WrongPassword(ApplicationError):
    code = 10005
    default_message = _("Your old password was entered incorrectly.")


class InvalidRefreshToken(ApplicationError):
    code = 10006
    status = status.HTTP_401_UNAUTHORIZED
    default_message = _("The refresh token is invalid, expired or revoked.")


class WechatInvalidCode(ApplicationError):
    code = 10010
    default_message = _("The WeChat login code is invalid or has expired.")


class WechatRateLimited(ApplicationError):
    code = 10011
    status = status.HTTP_429_TOO_MANY_REQUESTS
    default_message = _("WeChat login is busy. Try again in a minute.")


class WechatUnavailable(ApplicationError):
    code = 10012
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    default_message = _("WeChat login is unavailable right now. Try again later.")
