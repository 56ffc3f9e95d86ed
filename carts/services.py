"""Cart writes. A cart is one Redis hash; per SKU it holds

    q:<sku>  quantity (HINCRBY, so concurrent adds never lose an increment)
    s:<sku>  "1" selected for checkout, "0" not
    p:<sku>  unit price when last added (to tell the shopper about price changes)
    t:<sku>  when it was added (to list newest first)

and its TTL (CART_TTL_SECONDS) is refreshed on every write. Writes that read before they
write (add, set quantity, select, merge) are one Lua script each, so concurrent requests and
checkout's removal never interleave inside them. Carts never write stock.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from carts.errors import (
    CartFull,
    ExceedsStock,
    LineNotInCart,
    QuantityInvalid,
    SkuUnavailable,
    cart_store,
)
from catalog.models import ProductStatus, Sku
from config.parsing import parse_id
from config.redis import LuaScript, get_redis

_LUA = Path(__file__).parent / "lua"
_add_script = LuaScript((_LUA / "cart_add.lua").read_text())
_update_script = LuaScript((_LUA / "cart_update_line.lua").read_text())
_merge_script = LuaScript((_LUA / "cart_merge.lua").read_text())


def _max_quantity() -> int:
    return settings.CART_LINE_MAX_QUANTITY


def _purchasable_sku(sku_id) -> Sku:
    sku = (
        Sku.objects.select_related("product")
        .filter(pk=sku_id, is_active=True, product__status=ProductStatus.ON_SALE)
        .first()
    )
    if sku is None:
        raise SkuUnavailable(errors={"sku_id": [str(SkuUnavailable.default_message)]})
    return sku


def _check_quantity(quantity, sku: Sku) -> None:
    maximum = _max_quantity()
    if not isinstance(quantity, int) or quantity < 1 or quantity > maximum:
        message = QuantityInvalid.default_message % {"max": maximum}
        raise QuantityInvalid(message, errors={"quantity": [message]})
    if quantity > sku.stock:
        message = ExceedsStock.default_message % {"stock": sku.stock}
        raise ExceedsStock(message, errors={"quantity": [message]})


@cart_store
def cart_lines_raw(*, key: str) -> dict[int, dict]:
    """sku id → {quantity, selected, price, added}; straight from Redis."""
    raw = get_redis().hgetall(key)
    lines: dict[int, dict] = {}
    for field, value in raw.items():
        kind, _, sku = field.partition(":")
        sku_id = parse_id(sku) if kind == "q" else None
        if sku_id is not None:
            lines[sku_id] = {
                "quantity": int(value),
                "selected": raw.get(f"s:{sku}", "1") == "1",
                "price": Decimal(raw[f"p:{sku}"]) if f"p:{sku}" in raw else None,
                "added": float(raw.get(f"t:{sku}", 0)),
            }
    return lines


@cart_store
def cart_add(*, key: str, sku_id: int, quantity: int) -> int:
    """Add to the cart (or to a line already there); returns the line's new quantity.

    One Lua call checks the line limit and the cap and writes the whole line, so concurrent
    adds never exceed either, and never leave half a line.
    """
    sku = _purchasable_sku(sku_id)
    _check_quantity(quantity, sku)
    status, wanted = _add_script(
        keys=[key],
        args=[
            sku.pk,
            quantity,
            min(_max_quantity(), sku.stock),
            settings.CART_MAX_LINES,
            str(sku.price),
            time.time(),
            settings.CART_TTL_SECONDS,
        ],
    )
    if status == -1:
        message = CartFull.default_message % {"max": settings.CART_MAX_LINES}
        raise CartFull(message)
    if status == -2:
        _check_quantity(wanted, sku)  # raises the right error: over the maximum or the stock
    return wanted


@cart_store
def cart_set_quantity(*, key: str, sku_id: int, quantity: int) -> None:
    """Set a line's quantity; the line must be in the cart (checked again in the Lua call)."""
    if not get_redis().hexists(key, f"q:{sku_id}"):
        raise LineNotInCart()
    sku = _purchasable_sku(sku_id)
    _check_quantity(quantity, sku)
    _update_lines(key=key, changes=[(sku.pk, "q", quantity)])


def _update_lines(*, key: str, changes: list[tuple[int, str, object]]) -> None:
    args: list = [settings.CART_TTL_SECONDS]
    for sku_id, field, value in changes:
        args += [sku_id, field, value]
    missing = _update_script(keys=[key], args=args)
    if missing:
        raise LineNotInCart()


@cart_store
def cart_remove_line(*, key: str, sku_id: int) -> None:
    """Remove one line; LineNotInCart (404) when the cart has no such line, as for
    changing its quantity."""
    if not get_redis().hdel(key, *(f"{kind}:{sku_id}" for kind in "qspt")):
        raise LineNotInCart()


@cart_store
def cart_remove(*, key: str, sku_ids) -> None:
    """Remove lines (missing ones are ignored)."""
    fields = [f"{kind}:{sku_id}" for sku_id in sku_ids for kind in "qspt"]
    if fields:
        get_redis().hdel(key, *fields)


@cart_store
def cart_select(*, key: str, selected: bool, sku_ids=None) -> None:
    """Select or unselect lines for checkout; ``sku_ids=None`` means every line."""
    present = set(cart_lines_raw(key=key))
    targets = present if sku_ids is None else {int(s) for s in sku_ids}
    missing = targets - present
    if missing:
        raise LineNotInCart(errors={"sku_ids": [str(s) for s in sorted(missing)]})
    if targets:
        flag = "1" if selected else "0"
        _update_lines(key=key, changes=[(sku_id, "s", flag) for sku_id in sorted(targets)])


@cart_store
def cart_clear(*, key: str) -> None:
    get_redis().delete(key)


@cart_store
def cart_merge(*, source_key: str, target_key: str) -> int:
    """Move a guest cart into a user's cart: quantities add up, capped by stock and the line
    maximum; lines that can no longer be bought are kept (they show as unavailable). Lines
    past the cart's line limit stay out; returns how many.

    One Lua call on the user's cart adds the lines (an add to it lands wholly before or
    after), then the guest cart is deleted. The two carts may sit in different slots of a
    Redis Cluster, so no script touches both; the script remembers the merge, so a retry
    after a failure between the two steps adds nothing twice.
    """
    source = cart_lines_raw(key=source_key)
    if not source:
        return 0
    stock = dict(Sku.objects.filter(pk__in=source).values_list("pk", "stock"))
    args: list = [_max_quantity(), settings.CART_MAX_LINES, settings.CART_TTL_SECONDS, source_key]
    for sku_id, line in source.items():
        args += [
            sku_id,
            max(stock.get(sku_id, 0), 1),
            line["quantity"],
            "1" if line["selected"] else "0",
            "" if line["price"] is None else str(line["price"]),
            line["added"],
        ]
    left_out = _merge_script(keys=[target_key], args=args)
    get_redis().delete(source_key)
    return left_out


def cart_merge_guest(*, request, user) -> None:
    """The session's guest cart joins the user's. While Redis is down the guest cart stays
    the session's (counted, logged) and joins at the next cart page or cart write."""
    from carts.errors import CartUnavailable
    from carts.keys import SESSION_CART, guest_cart_key, user_cart_key
    from config.outage import degraded

    token = request.session.get(SESSION_CART)
    if not token:
        return
    try:
        cart_merge(source_key=guest_cart_key(token), target_key=user_cart_key(user.pk))
    except CartUnavailable as exc:
        degraded("cart_merge", exc)
        return
    request.session.pop(SESSION_CART, None)
