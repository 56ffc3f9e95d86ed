"""Writes of the accounts app about users: registration, login with lockout, passwords, tokens."""

from __future__ import annotations

import logging
import re
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import wechat
from accounts.errors import (
    AccountDisabled,
    InvalidCredentials,
    InvalidRefreshToken,
    LoginLocked,
    WrongPassword,
)
from accounts.hooks import shopper_joined
from accounts.models import User
from accounts.phones import mobile_normalize
from accounts.selectors import user_get_by_identifier
from config.metrics import LOGIN_FAILURES, LOGIN_LOCKOUTS
from config.ratelimit import rate_limit_hit, rate_limit_peek, rate_limit_reset

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("nickname", "email", "phone", "avatar", "language")
PHONE_LIKE = re.compile(r"\+?[0-9]{6,15}")


# --- Users ---------------------------------------------------------------------------------


def _normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _normalize_phone(phone: str | None) -> str:
    """The 11 digits of a mainland mobile number as typed (+86, spaces, dashes); what is
    not one is kept as typed, for the field's validator to refuse."""
    try:
        return mobile_normalize(phone)
    except ValidationError:
        return (phone or "").strip()


def _check_unique(*, username: str, email: str, phone: str, exclude_pk=None) -> None:
    """Every identifier one logs in with (username, email, phone) names one user only.

    Usernames and emails compare without case. A username equal to another user's email or
    phone (or the other way round) would make that user's login by it ambiguous.
    """
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    errors = {}
    if (
        username
        and others.filter(
            Q(username__iexact=username) | Q(email__iexact=username) | Q(phone=username)
        ).exists()
    ):
        errors["username"] = [_("A user with that username already exists.")]
    if email and others.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        errors["email"] = [_("A user with that email address already exists.")]
    if phone and others.filter(Q(phone=phone) | Q(username__iexact=phone)).exists():
        errors["phone"] = [_("A user with that phone number already exists.")]
    if errors:
        raise ValidationError(errors)


def user_identifiers_check(*, username: str = "", email: str = "", phone: str = "") -> dict:
    """The errors of the identifiers given (shape and uniqueness), as field errors: a form
    shows them beside its own, all at once."""
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: _check_username_shape(username.strip()) if username else None,
        lambda: _check_unique(
            username=username.strip(), email=_normalize_email(email), phone=_normalize_phone(phone)
        ),
    ):
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    return errors


def _check_username_shape(username: str) -> None:
    """A new username may not look like an email or a phone number (they log in too)."""
    if "@" in username:
        raise ValidationError({"username": [_("A username cannot contain “@”.")]})
    if PHONE_LIKE.fullmatch(username.replace(" ", "").replace("-", "")):
        raise ValidationError(
            {"username": [_("A username cannot be a phone number; use letters too.")]}
        )


def _validate_user(user: User, errors: dict | None = None) -> None:
    """Field checks plus uniqueness of every login identifier, all as field errors."""
    errors = dict(errors or {})
    try:
        user.full_clean(exclude=["password"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    new = user.pk is None
    checks = [
        lambda: _check_username_shape(user.username) if new else None,
        lambda: _check_unique(
            username=user.username if new else "",
            email=user.email,
            phone=user.phone,
            exclude_pk=user.pk,
        ),
    ]
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                known = errors.setdefault(field, [])
                known.extend(m for m in messages if m not in known)
    if errors:
        raise ValidationError(errors)


def _save_user(user: User, *, fields=None) -> None:
    """Save (only ``fields`` of an existing user: logins update the row meanwhile); a unique
    race lost to a concurrent request becomes the same field error."""
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
    except IntegrityError as exc:
        _validate_user(user)
        raise exc


def user_register(
    *, username: str, password: str, email: str = "", phone: str = "", nickname: str = ""
) -> User:
    """Create an active shopper; raises ValidationError with field messages on bad input."""
    user = User(
        username=username.strip(),
        email=_normalize_email(email),
        phone=_normalize_phone(phone),
        nickname=nickname.strip(),
    )
    errors: dict[str, list[str]] = {}
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    _validate_user(user, errors)
    user.set_password(password)
    with transaction.atomic():
        _save_user(user)
        shopper_joined(user_id=user.pk)
    return user


def user_update_profile(*, user: User, data: dict) -> User:
    """Update the editable profile fields given in ``data``; others are ignored."""
    for field in PROFILE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "email":
            value = _normalize_email(value)
        elif field == "phone":
            value = _normalize_phone(value)
        elif field == "nickname":
            value = (value or "").strip()
        elif field == "avatar" and not value:
            value = ""
        setattr(user, field, value)
    _validate_user(user)
    _save_user(user, fields=[f for f in PROFILE_FIELDS if f in data])
    return user


def users_disable(*, users, keep) -> int:
    """Disable each active account of ``users`` but ``keep`` (the merchant doing it); how
    many."""
    count = 0
    for user in users.filter(is_active=True).exclude(pk=keep.pk):
        user_disable(user=user)
        count += 1
    return count


def user_disable(*, user: User) -> None:
    """Disable an account: no login, no refresh, open tokens stop working."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    user_tokens_revoke(user=user)


# --- Login and lockout ---------------------------------------------------------------------


# The lockout's name in kuaimai_degraded_total: while Redis is down it fails open (logged,
# counted), so an outage never locks every shopper out.
LOCKOUT = "login_lockout"


def _lockout_keys(*, identifier: str, user: User | None, ip: str) -> tuple[str, str]:
    account = f"user:{user.pk}" if user else f"id:{identifier.strip().lower()[:150]}"
    return f"login:acct:{account}", f"login:ip:{ip}"


def user_login_attempt(*, identifier: str, password: str, ip: str) -> User:
    """Check credentials with lockout; raise LoginLocked, InvalidCredentials or AccountDisabled."""
    window = settings.LOGIN_FAILURE_WINDOW
    user = user_get_by_identifier(identifier=identifier)
    account_key, ip_key = _lockout_keys(identifier=identifier, user=user, ip=ip)
    limits = (
        (account_key, settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT),
        (ip_key, settings.LOGIN_FAILURE_LIMIT_PER_IP),
    )
    for (key, limit), scope in zip(limits, ("account", "ip"), strict=True):
        state = rate_limit_peek(key=key, limit=limit, window_seconds=window, use=LOCKOUT)
        if not state.allowed:
            logger.warning("login locked for %s", key)
            LOGIN_LOCKOUTS.labels(scope).inc()
            raise LoginLocked(retry_after=state.retry_after_seconds)

    if user is None:
        # Spend the same hashing time as a real check, so timing does not reveal accounts.
        make_password(password)
        valid = False
    else:
        valid = user.check_password(password)

    if not valid:
        for key, limit in limits:
            rate_limit_hit(key=key, limit=limit, window_seconds=window, use=LOCKOUT)
        LOGIN_FAILURES.labels("credentials").inc()
        raise InvalidCredentials()
    if not user.is_active:
        LOGIN_FAILURES.labels("disabled").inc()
        raise AccountDisabled()
    rate_limit_reset(key=account_key, use=LOCKOUT)
    return user


def user_record_login(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())


def user_language_set(*, user: User, language: str) -> None:
    """Keep the shopper's language (one of LANGUAGES) for their emails and messages."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Unknown language.")]})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


# --- Passwords and tokens ------------------------------------------------------------------


def user_tokens_issue(*, user: User) -> dict[str, str]:
    """A new access/refresh pair for the user (the refresh token is tracked for revocation)."""
    refresh = RefreshToken.for_user(user)
    user_record_login(user=user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_tokens_revoke(*, user: User) -> int:
    """Blacklist every outstanding refresh token of the user; returns how many."""
    open_tokens = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens], ignore_conflicts=True
    )
    return len(created)


def user_tokens_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: a new pair, the old refresh token blacklisted."""
    refresher = TokenRefreshSerializer(data={"refresh": refresh})
    try:
        refresher.is_valid(raise_exception=True)
    except (TokenError, User.DoesNotExist, AuthenticationFailed, DRFValidationError) as exc:
        # Expired, revoked, malformed, or its user is gone or disabled: one answer.
        raise InvalidRefreshToken() from exc
    return refresher.validated_data


def user_token_revoke(*, refresh: str) -> None:
    """Blacklist one refresh token (logout); an invalid or revoked one is an error."""
    try:
        RefreshToken(refresh).blacklist()
    except TokenError as exc:
        raise InvalidRefreshToken() from exc


@transaction.atomic
def user_set_password(*, user: User, new_password: str) -> None:
    """Set a new (validated) password and revoke every refresh token issued before."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user)


def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    """Change a password after checking the old one; other sessions' tokens stop working."""
    if not user.check_password(old_password):
        raise WrongPassword(errors={"old_password": [str(WrongPassword.default_message)]})
    try:
        user_set_password(user=user, new_password=new_password)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc


# --- WeChat mini-program login -------------------------------------------------------------


def user_login_wechat(*, code: str) -> tuple[User, bool]:
    """Exchange a wx.login code for the user with that openid, creating one if new."""
    session = wechat.code2session(code=code)
    user = User.objects.filter(wechat_openid=session.openid).first()
    created = False
    if user is None:
        try:
            with transaction.atomic():
                user = User(
                    username=f"wx_{secrets.token_hex(6)}",
                    wechat_openid=session.openid,
                    wechat_unionid=session.unionid,
                    nickname=_("WeChat user"),
                )
                user.set_unusable_password()
                user.save()
                created = True
                shopper_joined(user_id=user.pk)
        except IntegrityError:
            # A concurrent login with the same code's openid won the race.
            user = User.objects.get(wechat_openid=session.openid)
    elif session.unionid and user.wechat_unionid != session.unionid:
        User.objects.filter(pk=user.pk).update(wechat_unionid=session.unionid)
        user.wechat_unionid = session.unionid
    if not user.is_active:
        raise AccountDisabled()
    return user, created
