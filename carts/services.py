"""Cart writes. A cart is one Redis hash; per SKU it holds

    q:<sku>  quantity (HINCRBY, so concurrent adds never lose an increment)
    s:<sku>  "1" selected for checkout, "0" not
    p:<sku>  unit price when last added (to tell the shopper about price changes)
    t:<sku>  when it was added (to list newest first)

and its TTL (CART_TTL_SECONDS) is refreshed on every write. Carts never write stock.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.conf import settings

from carts.errors import CartFull, ExceedsStock, LineNotInCart, QuantityInvalid, SkuUnavailable
from catalog.models import ProductStatus, Sku
from config.redis import get_redis


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


def _touch(pipe, key: str) -> None:
    pipe.expire(key, settings.CART_TTL_SECONDS)


def cart_lines_raw(*, key: str) -> dict[int, dict]:
    """sku id → {quantity, selected, price, added}; straight from Redis."""
    raw = get_redis().hgetall(key)
    lines: dict[int, dict] = {}
    for field, value in raw.items():
        kind, _, sku = field.partition(":")
        if kind == "q" and sku.isdigit():
            sku_id = int(sku)
            lines[sku_id] = {
                "quantity": int(value),
                "selected": raw.get(f"s:{sku}", "1") == "1",
                "price": Decimal(raw[f"p:{sku}"]) if f"p:{sku}" in raw else None,
                "added": float(raw.get(f"t:{sku}", 0)),
            }
    return lines


def cart_add(*, key: str, sku_id: int, quantity: int) -> int:
    """Add to the cart (or to a line already there); returns the line's new quantity."""
    sku = _purchasable_sku(sku_id)
    _check_quantity(quantity, sku)
    client = get_redis()
    existing = client.hget(key, f"q:{sku.pk}")
    if existing is None and client.hlen(key) // 4 >= settings.CART_MAX_LINES:
        message = CartFull.default_message % {"max": settings.CART_MAX_LINES}
        raise CartFull(message)
    with client.pipeline() as pipe:
        pipe.hincrby(key, f"q:{sku.pk}", quantity)
        pipe.hset(
            key,
            mapping={f"s:{sku.pk}": "1", f"p:{sku.pk}": str(sku.price), f"t:{sku.pk}": time.time()},
        )
        _touch(pipe, key)
        new_quantity = pipe.execute()[0]
    if new_quantity > min(_max_quantity(), sku.stock):
        # Over the line maximum or the stock: undo exactly what this call added.
        client.hincrby(key, f"q:{sku.pk}", -quantity)
        _check_quantity(new_quantity, sku)
    return new_quantity


def cart_set_quantity(*, key: str, sku_id: int, quantity: int) -> None:
    """Set a line's quantity; the line must be in the cart."""
    client = get_redis()
    if not client.hexists(key, f"q:{sku_id}"):
        raise LineNotInCart()
    sku = _purchasable_sku(sku_id)
    _check_quantity(quantity, sku)
    with client.pipeline() as pipe:
        pipe.hset(key, f"q:{sku_id}", quantity)
        _touch(pipe, key)
        pipe.execute()


def cart_remove(*, key: str, sku_ids) -> None:
    """Remove lines (missing ones are ignored)."""
    fields = [f"{kind}:{sku_id}" for sku_id in sku_ids for kind in "qspt"]
    if fields:
        get_redis().hdel(key, *fields)


def cart_select(*, key: str, selected: bool, sku_ids=None) -> None:
    """Select or unselect lines for checkout; ``sku_ids=None`` means every line."""
    client = get_redis()
    present = set(cart_lines_raw(key=key))
    targets = present if sku_ids is None else {int(s) for s in sku_ids}
    missing = targets - present
    if missing:
        raise LineNotInCart(errors={"sku_ids": [str(s) for s in sorted(missing)]})
    if targets:
        with client.pipeline() as pipe:
            pipe.hset(key, mapping={f"s:{s}": "1" if selected else "0" for s in targets})
            _touch(pipe, key)
            pipe.execute()


def cart_clear(*, key: str) -> None:
    get_redis().delete(key)


def cart_merge(*, source_key: str, target_key: str) -> None:
    """Move a guest cart into a user's cart: quantities add up, capped by stock and the line
    maximum; lines that can no longer be bought are kept (they show as unavailable)."""
    source = cart_lines_raw(key=source_key)
    if not source:
        return
    target = cart_lines_raw(key=target_key)
    stock = dict(Sku.objects.filter(pk__in=source).values_list("pk", "stock"))
    mapping = {}
    for sku_id, line in source.items():
        wanted = line["quantity"] + target.get(sku_id, {}).get("quantity", 0)
        capped = min(wanted, _max_quantity(), max(stock.get(sku_id, 0), 1))
        mapping[f"q:{sku_id}"] = capped
        mapping[f"s:{sku_id}"] = "1" if line["selected"] else "0"
        mapping[f"t:{sku_id}"] = line["added"]
        if line["price"] is not None:
            mapping[f"p:{sku_id}"] = str(line["price"])
    client = get_redis()
    with client.pipeline() as pipe:
        pipe.hset(target_key, mapping=mapping)
        _touch(pipe, target_key)
        pipe.delete(source_key)
        pipe.execute()
