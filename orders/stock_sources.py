"""Where an order line's units came from, and how they go back, without importing the apps
that own them.

A line with an empty ``stock_source`` came from its SKU (catalog's ledger). Another app
registers a named source at startup (``seckill`` registers ``"seckill"``, and its lines say
``"seckill:<event id>"``): ``take`` takes units for a new order and returns the source the
line really came from; ``give_back`` returns units on cancel, timeout or refund and says
whether it kept them (False sends them to the SKU, e.g. once the flash sale is over).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.errors import InsufficientStock
from catalog.services import stock_return_many, stock_take_many
from orders.errors import OutOfStock


@dataclass(frozen=True)
class StockSource:
    take: Callable[..., str]
    give_back: Callable[..., bool]


_sources: dict[str, StockSource] = {}


def register_stock_source(name: str, *, take: Callable[..., str], give_back: Callable[..., bool]):
    _sources[name] = StockSource(take=take, give_back=give_back)


def _split(source: str) -> tuple[StockSource | None, str]:
    name, _sep, ref = source.partition(":")
    return _sources.get(name), ref


def stock_take_lines(
    *, lines: Iterable[tuple[str, int, int]], reason: str, reference: str, actor=None
) -> dict[tuple[str, int], str]:
    """Take the units of (source, sku id, quantity) lines; returns {(source, sku id): the
    source each really came from}. Sourced lines first, then the SKUs in id order; a
    shortfall raises OutOfStock and the caller's transaction rolls everything back."""
    taken: dict[tuple[str, int], str] = {}
    by_sku: dict[int, int] = {}
    for source, sku_id, quantity in lines:
        handler, ref = _split(source) if source else (None, "")
        if source and handler is None:
            raise ValueError(f"unknown stock source {source!r}")
        if handler is None:
            by_sku[sku_id] = by_sku.get(sku_id, 0) + quantity
            taken[(source, sku_id)] = ""
            continue
        taken[(source, sku_id)] = handler.take(
            ref=ref, sku_id=sku_id, quantity=quantity, reference=reference, actor=actor
        )
    try:
        stock_take_many(quantities=by_sku, reason=reason, reference=reference, actor=actor)
    except InsufficientStock as exc:
        raise OutOfStock(exc.message, errors=exc.errors) from exc
    return taken


def stock_give_back(
    *,
    lines: Iterable[tuple[str, int | None, int]],
    reason: str,
    reference: str,
    actor=None,
    order_id: int | None = None,
) -> None:
    """Return the units of (source, sku id, quantity) lines to where each came from; a source
    that no longer takes them (or an unknown one) sends them to the SKU."""
    to_sku: dict[int, int] = {}
    for source, sku_id, quantity in lines:
        handler, ref = _split(source) if source else (None, "")
        if handler is not None and handler.give_back(
            ref=ref,
            sku_id=sku_id,
            quantity=quantity,
            reason=reason,
            reference=reference,
            actor=actor,
            order_id=order_id,
        ):
            continue
        if sku_id is not None:
            to_sku[sku_id] = to_sku.get(sku_id, 0) + quantity
    stock_return_many(quantities=to_sku, reason=reason, reference=reference, actor=actor)


def order_stock_lines(order, items=None) -> list[tuple[str, int | None, int]]:
    """(source, sku id, quantity) of an order's items (or of the given items queryset)."""
    items = order.items.all() if items is None else items
    return list(items.values_list("stock_source", "sku_id", "quantity"))
