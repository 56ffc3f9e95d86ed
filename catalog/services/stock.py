"""The stock ledger: the only code that changes a SKU's stock.

Every change is one conditional ``UPDATE … RETURNING`` and one ``StockMovement`` row in the
same transaction, so ``stock`` always equals the sum of the SKU's movements
(``manage.py stock_audit`` checks it). Nothing here ever writes a stock value that was read
earlier: takes and returns are deltas, and a merchant's count only applies if the stock is
still what the merchant saw.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from catalog.errors import InsufficientStock, StockMoved
from catalog.models import Sku, StockAlert, StockMovement, StockReason
from config.metrics import STOCK_ALERTS
from config.oncommit import after_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Applied:
    stock_after: int
    threshold: int


def _apply(
    *, sku_id: int, quantity: int, require_active: bool = False, expected: int | None = None
) -> _Applied | None:
    """One conditional UPDATE; None when the condition failed (short, inactive, moved).

    Raw SQL because Django's ``update()`` cannot return the new value, and reading it back
    would cost a second query on the checkout path. PostgreSQL and SQLite 3.35+ both speak
    ``RETURNING``.
    """
    table = connection.ops.quote_name(Sku._meta.db_table)
    conditions = ["id = %s", "stock + %s >= 0"]
    params: list = [quantity, sku_id, quantity]
    if require_active:
        conditions.append("is_active = %s")
        params.append(True)
    if expected is not None:
        conditions.append("stock = %s")
        params.append(expected)
    sql = (
        f"UPDATE {table} SET stock = stock + %s WHERE {' AND '.join(conditions)} "  # noqa: S608
        "RETURNING stock, low_stock_threshold"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return _Applied(*row) if row else None


def _movement(*, sku_id, quantity, applied: _Applied, reason, actor, reference, note):
    return StockMovement(
        sku_id=sku_id,
        quantity=quantity,
        stock_after=applied.stock_after,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reference=str(reference)[:64],
        note=str(note)[:200],
    )


def _crossed_low(quantity: int, applied: _Applied) -> bool:
    """True when this movement took the SKU from above its threshold to at or below it."""
    before = applied.stock_after - quantity
    return quantity < 0 and applied.stock_after <= applied.threshold < before


def _record(movements: list[StockMovement], applied: list[_Applied]) -> list[StockMovement]:
    StockMovement.objects.bulk_create(movements)
    alerts = [
        StockAlert(sku_id=m.sku_id, movement=m, stock=a.stock_after, threshold=a.threshold)
        for m, a in zip(movements, applied, strict=True)
        if _crossed_low(m.quantity, a)
    ]
    if alerts:
        StockAlert.objects.bulk_create(alerts)
        after_commit(lambda: STOCK_ALERTS.inc(len(alerts)))
        ids = [alert.pk for alert in alerts]

        def send():
            from catalog.tasks import stock_alert_notify_task

            for alert_id in ids:
                stock_alert_notify_task.delay(alert_id)

        after_commit(send)
    return movements


def _label(sku_id: int) -> str:
    sku = Sku.objects.filter(pk=sku_id).select_related("product").first()
    if sku is None:
        return str(sku_id)
    return f"{sku.product.name} ({sku.attributes_label or sku.code})"


def stock_move_many(
    *,
    quantities: dict[int, int],
    reason: str,
    actor=None,
    reference: str = "",
    note: str = "",
    require_active: bool = False,
) -> list[StockMovement]:
    """Apply signed quantities to several SKUs in SKU-id order and record each movement.

    SKU-id order means concurrent callers lock rows in the same order and never deadlock.
    The first SKU that would go below zero (or is inactive with ``require_active``) raises
    InsufficientStock naming it; the caller's transaction then rolls back every earlier
    change. Must run inside a transaction.
    """
    if reason not in StockReason.values:
        raise ValueError(f"unknown stock reason {reason!r}")
    movements, applied = [], []
    with transaction.atomic(savepoint=False):
        for sku_id in sorted(quantities):
            quantity = int(quantities[sku_id])
            if quantity == 0:
                continue
            result = _apply(sku_id=sku_id, quantity=quantity, require_active=require_active)
            if result is None:
                raise InsufficientStock(
                    _("%(sku)s is out of stock.") % {"sku": _label(sku_id)},
                    errors={"sku": [str(sku_id)]},
                )
            applied.append(result)
            movements.append(
                _movement(
                    sku_id=sku_id,
                    quantity=quantity,
                    applied=result,
                    reason=reason,
                    actor=actor,
                    reference=reference,
                    note=note,
                )
            )
        return _record(movements, applied)


def stock_take_many(*, quantities: dict[int, int], reason: str, reference: str, actor=None):
    """Take stock (positive quantities) for an order; inactive SKUs count as out of stock."""
    return stock_move_many(
        quantities={sku_id: -qty for sku_id, qty in quantities.items()},
        reason=reason,
        reference=reference,
        actor=actor,
        require_active=True,
    )


def stock_return_many(*, quantities: dict[int, int], reason: str, reference: str, actor=None):
    """Give stock back (cancelled, timed out, refunded); SKU-id order like the takes."""
    return stock_move_many(
        quantities={sku_id: qty for sku_id, qty in quantities.items() if sku_id is not None},
        reason=reason,
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def sku_stock_adjust(
    *, sku_id: int, delta: int, actor=None, note: str = "", reason: str = StockReason.ADJUSTMENT
) -> StockMovement | None:
    """Add (received 50) or remove (damaged 2) units; never below zero."""
    moved = stock_move_many(
        quantities={sku_id: delta}, reason=reason, actor=actor, note=note, reference=""
    )
    return moved[0] if moved else None


@transaction.atomic
def sku_stock_count(
    *,
    sku_id: int,
    counted: int,
    expected: int,
    actor=None,
    note: str = "",
    reason: str = StockReason.COUNT,
    reference: str = "",
) -> StockMovement:
    """Set a counted value, only if the stock is still ``expected`` (what the merchant saw).

    If sales or anything else moved the stock since, nothing changes and StockMoved says
    what it is now. A count equal to the stock is recorded too (a zero movement), so the
    ledger shows when stock was last counted.
    """
    if counted < 0:
        raise ValidationError({"stock": [_("Stock cannot be negative.")]})
    quantity = counted - expected
    result = _apply(sku_id=sku_id, quantity=quantity, expected=expected)
    if result is None:
        current = Sku.objects.filter(pk=sku_id).values_list("stock", flat=True).first()
        raise StockMoved(
            _(
                "%(sku)s: the stock changed from %(seen)d to %(now)s since the form was "
                "loaded, so your count was not applied. Check the current stock and count again."
            )
            % {"sku": _label(sku_id), "seen": expected, "now": current},
            current=current,
        )
    movement = _movement(
        sku_id=sku_id,
        quantity=quantity,
        applied=result,
        reason=reason,
        actor=actor,
        reference=reference,
        note=note,
    )
    return _record([movement], [result])[0]


def sku_stock_opening(*, sku: Sku, reason: str = StockReason.OPENING, actor=None, reference=""):
    """Record the stock a new SKU was created with (the first entry of its ledger)."""
    if sku.stock:
        applied = _Applied(stock_after=sku.stock, threshold=sku.low_stock_threshold)
        movement = _movement(
            sku_id=sku.pk,
            quantity=sku.stock,
            applied=applied,
            reason=reason,
            actor=actor,
            reference=reference,
            note="",
        )
        _record([movement], [applied])


# Other holders of stock (seckill's flash-sale events) register their own audit here, so
# ``stock_audit`` proves every ledger while catalog imports none of them.
_audits: list = []


def register_stock_audit(audit) -> None:
    """``audit()`` returns rows like the SKUs' below, with their own ``kind``."""
    if audit not in _audits:
        _audits.append(audit)


def stock_audit() -> list[dict]:
    """Stock holders whose stock differs from the sum of their movements (empty when all
    agree): SKUs, then what the other apps registered."""
    rows = (
        Sku.objects.annotate(ledger=Coalesce(Sum("movements__quantity"), 0))
        .order_by("pk")
        .values("pk", "code", "stock", "ledger")
    )
    found = [
        {**row, "kind": "SKU", "difference": row["stock"] - row["ledger"]}
        for row in rows
        if row["stock"] != row["ledger"]
    ]
    for audit in _audits:
        found.extend(audit())
    return found


def held_units_add(*, model, pk: int, quantity: int) -> int | None:
    """Add ``quantity`` (signed) to the ``stock`` of a row that holds units taken from SKUs
    (a flash sale's, a group buy's) if it stays at or above zero; returns the units after,
    or None when there were not enough (nothing is written then). The caller writes its
    ledger row with it. Raw SQL for the reason ``_apply`` gives."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stock = stock + %s WHERE id = %s AND stock + %s >= 0 "  # noqa: S608
            "RETURNING stock",
            [quantity, pk, quantity],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
