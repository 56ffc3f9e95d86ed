"""Writes of the accounts app (users in ``users``, the address book in ``addresses``)."""

from accounts.services.addresses import (
    address_create,
    address_delete,
    address_set_default,
    address_update,
)
from accounts.services.users import (
    user_change_password,
    user_disable,
    user_identifiers_check,
    user_language_set,
    user_login_attempt,
    user_login_wechat,
    user_record_login,
    user_register,
    user_set_password,
    user_token_revoke,
    user_tokens_issue,
    user_tokens_refresh,
    user_tokens_revoke,
    user_update_profile,
    users_disable,
)

__all__ = [
    "address_create",
    "address_delete",
    "address_set_default",
    "address_update",
    "user_change_password",
    "user_disable",
    "user_identifiers_check",
    "user_language_set",
    "user_login_attempt",
    "user_login_wechat",
    "user_record_login",
    "user_register",
    "user_set_password",
    "user_tokens_issue",
    "user_tokens_refresh",
    "user_tokens_revoke",
    "user_token_revoke",
    "user_update_profile",
    "users_disable",
]
