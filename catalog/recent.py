""" "Recently viewed": the last products a shopper opened, newest first.

Kept in the session for guests and in a Redis list for signed-in shoppers (it follows them
across devices), and recorded by a POST the product page sends once it has loaded, not by
the page's GET: the page stays cacheable and free of writes, and crawlers, which never run
the script, create no sessions.

While Redis is down a signed-in shopper's list is left out of the page and new views are not
recorded (counted and logged as ``recently_viewed``); it is a convenience, not a reason to
fail a page.
"""

from __future__ import annotations

from django.conf import settings

from config.outage import REDIS_DOWN, degraded
from config.redis import get_redis

SESSION_KEY = "recently_viewed"
KEEP = 10
USE = "recently_viewed"


def _user_key(user_id: int) -> str:
    return f"recent:{user_id}"


def recent_add(*, request, product_id: int) -> None:
    """Put the product first (once) and keep the last KEEP."""
    if request.user.is_authenticated:
        key = _user_key(request.user.pk)
        try:
            with get_redis().pipeline(transaction=True) as pipe:
                pipe.lrem(key, 0, product_id)
                pipe.lpush(key, product_id)
                pipe.ltrim(key, 0, KEEP - 1)
                pipe.expire(key, settings.RECENTLY_VIEWED_DAYS * 24 * 3600)
                pipe.execute()
        except REDIS_DOWN as exc:
            degraded(USE, exc)
        return
    ids = [i for i in request.session.get(SESSION_KEY, []) if i != product_id]
    request.session[SESSION_KEY] = [product_id, *ids][:KEEP]


def recent_ids(*, request) -> list[int]:
    """The shopper's recently viewed product ids, newest first (reads only)."""
    if request.user.is_authenticated:
        try:
            ids = get_redis().lrange(_user_key(request.user.pk), 0, KEEP - 1)
        except REDIS_DOWN as exc:
            degraded(USE, exc)
            return []
        return [int(i) for i in ids]
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []  # no session: nothing viewed, and no session lookup
    return list(request.session.get(SESSION_KEY, []))


def recent_merge_at_login(sender, request, user, **kwargs) -> None:
    """What a guest viewed joins the account's list when they sign in."""
    if request is None or not hasattr(request, "session"):
        return
    ids = request.session.get(SESSION_KEY, [])
    if not ids:
        return
    key = _user_key(user.pk)
    try:
        _merge(key, ids)
    except REDIS_DOWN as exc:  # the guest's list stays in the session: nothing lost
        degraded(USE, exc)
        return
    request.session.pop(SESSION_KEY, None)


def _merge(key: str, ids: list[int]) -> None:
    with get_redis().pipeline(transaction=True) as pipe:
        for product_id in reversed(ids):
            pipe.lrem(key, 0, product_id)
            pipe.lpush(key, product_id)
        pipe.ltrim(key, 0, KEEP - 1)
        pipe.expire(key, settings.RECENTLY_VIEWED_DAYS * 24 * 3600)
        pipe.execute()
