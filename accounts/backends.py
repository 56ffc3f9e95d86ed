from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.errors import AccountDisabled, InvalidCredentials, LoginLocked
from config.net import client_ip


class IdentifierBackend(ModelBackend):
    """Log in with username, email or phone; the same lockout as the shop's own login.

    Used by Django's own login forms (the admin). A locked account raises PermissionDenied,
    which makes ``authenticate()`` stop without trying other backends.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        from accounts.services import user_login_attempt

        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else "internal"
        try:
            return user_login_attempt(identifier=username, password=password, ip=ip)
        except LoginLocked as exc:
            raise PermissionDenied(str(exc)) from exc
        except (InvalidCredentials, AccountDisabled):
            return None
