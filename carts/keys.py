"""Which Redis hash holds a cart: one per user, one per guest session."""

from __future__ import annotations

import secrets

SESSION_CART = "cart_id"


def user_cart_key(user_id: int) -> str:
    return f"cart:u:{user_id}"


def guest_cart_key(token: str) -> str:
    return f"cart:g:{token}"


def cart_key_for_request(request, *, create: bool = False) -> str | None:
    """The cart of the request's user, or of its guest session (made when ``create``).

    A guest cart is keyed by a token kept in the session, not by the session key, because
    Django changes the session key at login and the cart must survive to be merged.
    A signed-in shopper's session still holds one only when Redis was down at login: the
    merge is finished here, before the cart page or a cart write (``create``).
    """
    if request.user.is_authenticated:
        if create and SESSION_CART in request.session:
            from carts.services import cart_merge_guest

            cart_merge_guest(request=request, user=request.user)
        return user_cart_key(request.user.pk)
    token = request.session.get(SESSION_CART)
    if token is None and create:
        token = secrets.token_urlsafe(16)
        request.session[SESSION_CART] = token
    return guest_cart_key(token) if token else None
