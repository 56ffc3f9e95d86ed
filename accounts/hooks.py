"""What accounts tells the apps above it, without importing them: a shopper joined
(marketing gives new-shopper coupons). Each hook runs after the registration commits, on its
own (config.oncommit): one that fails is logged and never undoes the account."""

from __future__ import annotations

from collections.abc import Callable

from config.oncommit import after_commit

_joined_hooks: list[Callable[..., None]] = []


def register_joined_hook(hook: Callable[..., None]) -> None:
    if hook not in _joined_hooks:
        _joined_hooks.append(hook)


def shopper_joined(*, user_id: int) -> None:
    for hook in list(_joined_hooks):
        after_commit(lambda hook=hook: hook(user_id=user_id))
