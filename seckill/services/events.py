"""Flash-sale events: publish (the units move from the SKU to the event, and the gate is
warmed), end (what is left moves back, and the gate closes), and the clock that starts and
ends published events.

Every change to an event's units is one conditional ``UPDATE … RETURNING`` and one
EventStockMovement in the same transaction, the SKU's side going through catalog's stock
ledger, so the SKU and the event both always equal the sum of their movements.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.errors import InsufficientStock
from catalog.models import StockReason
from catalog.services import held_units_add, stock_return_many, stock_take_many
from config.oncommit import after_commit
from config.redis import get_redis
from seckill import gate
from seckill.errors import EventSkuShort, EventStepNotAllowed
from seckill.models import EventStatus, EventStockMovement, EventStockReason, SeckillEvent
from seckill.selectors import event_cards_forget

logger = logging.getLogger(__name__)
E = EventStatus


def _reference(event: SeckillEvent) -> str:
    return f"seckill:{event.pk}"


def event_stock_move(
    *, event_id: int, quantity: int, reason: str, reference: str, actor=None
) -> int | None:
    """Add ``quantity`` (signed) to an event's units if they stay at or above zero; returns
    the units after, or None when there were not enough (nothing is written then)."""
    after = held_units_add(model=SeckillEvent, pk=event_id, quantity=quantity)
    if after is None:
        return None
    EventStockMovement.objects.create(
        event_id=event_id,
        quantity=quantity,
        stock_after=after,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reference=reference[:64],
    )
    return after


def event_lock(*, event_id: int) -> SeckillEvent | None:
    """The one way to lock a flash-sale event's row (publish, end, a unit given back)."""
    return SeckillEvent.objects.select_for_update().filter(pk=event_id).first()


def _set_status(event: SeckillEvent, to_status: str, **fields) -> None:
    if not SeckillEvent.objects.filter(pk=event.pk, status=event.status).update(
        status=to_status, updated_at=timezone.now(), **fields
    ):
        raise EventStepNotAllowed()
    # Pages and the token and status APIs read a cached card: the change shows at once.
    after_commit(lambda: event_cards_forget(event_id=event.pk, day=event.starts_at))


# What a merchant sets on a draft; everything else moves through the services below. The
# title is kept per language (seckill/translation.py): its columns are named, not "title".
DRAFT_FIELDS = (
    "title_zh_hans",
    "title_en",
    "sku",
    "flash_price",
    "allocated",
    "per_user_limit",
    "starts_at",
    "ends_at",
)


def event_validate(*, data: dict, now=None, starts_changed: bool = True) -> None:
    """The rules of a flash sale, each an error beside its field: a flash price above 0 and
    below the SKU's usual price, at least one unit and a limit of one or more, an end after
    the start, and (when the start is set) a start not in the past."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    sku, price = data.get("sku"), data.get("flash_price")
    if price is not None:
        if price <= 0:
            errors["flash_price"] = [_("The flash price must be above ¥0.00.")]
        elif sku is not None and price >= sku.price:
            errors["flash_price"] = [
                _("The flash price must be below the SKU's usual price (¥%(price)s).")
                % {"price": sku.price}
            ]
    if data.get("allocated") is not None and data["allocated"] < 1:
        errors["allocated"] = [_("Put at least one unit on sale.")]
    if data.get("per_user_limit") is not None and data["per_user_limit"] < 1:
        errors["per_user_limit"] = [_("Each shopper may buy at least one.")]
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and starts_changed and starts < now:
        errors["starts_at"] = [_("The start cannot be in the past.")]
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = [_("The end must come after the start.")]
    if errors:
        raise ValidationError(errors)


def event_create(*, data: dict) -> SeckillEvent:
    """A new draft (nothing moves until it is published)."""
    event_validate(data=data)
    fields = {name: data[name] for name in (*DRAFT_FIELDS, "title") if name in data}
    return SeckillEvent.objects.create(**fields, status=E.DRAFT)


def event_update_draft(*, event_id: int, changes: dict) -> bool:
    """Write the fields a merchant changed on a draft, only while it is a draft (one
    conditional UPDATE); False when it was published meanwhile and nothing was written."""
    changes = {name: value for name, value in changes.items() if name in DRAFT_FIELDS}
    if not changes:
        return True
    written = SeckillEvent.objects.filter(pk=event_id, status=E.DRAFT).update(
        **changes, updated_at=timezone.now()
    )
    return bool(written)


@transaction.atomic
def event_publish(*, event_id: int, actor=None) -> SeckillEvent:
    """A draft goes on sale: its units leave the SKU for the event (both in the ledger)."""
    event = event_lock(event_id=event_id)
    if event is None or event.status != E.DRAFT or event.ends_at <= timezone.now():
        raise EventStepNotAllowed()
    try:
        stock_take_many(
            quantities={event.sku_id: event.allocated},
            reason=StockReason.EVENT_ALLOCATION,
            reference=_reference(event),
            actor=actor,
        )
    except InsufficientStock as exc:
        raise EventSkuShort() from exc
    event_stock_move(
        event_id=event.pk,
        quantity=event.allocated,
        reason=EventStockReason.ALLOCATION,
        reference=_reference(event),
        actor=actor,
    )
    _set_status(event, E.PUBLISHED, published_at=timezone.now())
    after_commit(lambda: _warm_up_later(event.pk))
    return SeckillEvent.objects.get(pk=event.pk)


def _warm_up_later(event_id: int) -> None:
    from seckill.tasks import event_warm_up_task

    event_warm_up_task.delay(event_id)


@transaction.atomic
def event_end(*, event_id: int, actor=None) -> SeckillEvent:
    """The sale is over (at its end, or early by the merchant): the units left go back."""
    event = event_lock(event_id=event_id)
    if event is None or event.status not in {E.PUBLISHED, E.RUNNING}:
        raise EventStepNotAllowed()
    left = event.stock
    if left:
        event_stock_move(
            event_id=event.pk,
            quantity=-left,
            reason=EventStockReason.RETURN,
            reference=_reference(event),
            actor=actor,
        )
        stock_return_many(
            quantities={event.sku_id: left},
            reason=StockReason.EVENT_RETURN,
            reference=_reference(event),
            actor=actor,
        )
    now = timezone.now()
    _set_status(event, E.ENDED, ended_at=now)
    # Close the gate at once (ending early, or a clock that lags the event's end).
    after_commit(lambda: gate_close(event_id=event.pk, at=now))
    return SeckillEvent.objects.get(pk=event.pk)


def gate_close(*, event_id: int, at) -> None:
    get_redis().hset(gate.key(event_id, "meta"), "end", int(at.timestamp() * 1000))


def events_advance(*, now=None) -> tuple[int, int]:
    """The clock (beat, every minute): published events whose start has come are running;
    those whose end has passed are ended. Returns (started, ended)."""
    now = now or timezone.now()
    started = SeckillEvent.objects.filter(
        status=E.PUBLISHED, starts_at__lte=now, ends_at__gt=now
    ).update(status=E.RUNNING, updated_at=now)
    ended = 0
    due = SeckillEvent.objects.filter(status__in=[E.PUBLISHED, E.RUNNING], ends_at__lte=now)
    grace = timedelta(seconds=settings.SECKILL_END_GRACE)
    for event_id, ends_at in list(due.values_list("pk", "ends_at")):
        # Admissions still queued take their units from the event: it ends once they are
        # orders, or after a grace period (late ones then come from the SKU).
        if now < ends_at + grace and _backlog(event_id):
            continue
        try:
            event_end(event_id=event_id)
            ended += 1
        except EventStepNotAllowed:  # ended by someone else meanwhile
            continue
    return started, ended


def _backlog(event_id: int) -> bool:
    try:
        return any(gate.stream_backlog(event_id))
    except redis.RedisError:
        return False


def event_stock_audit() -> list[dict]:
    """Events whose units differ from the sum of their movements (for ``stock_audit``)."""
    rows = (
        SeckillEvent.objects.annotate(ledger=Coalesce(Sum("movements__quantity"), 0))
        .order_by("pk")
        .values("pk", "title", "stock", "ledger")
    )
    return [
        {
            "kind": "flash sale",
            "pk": row["pk"],
            "code": row["title"],
            "stock": row["stock"],
            "ledger": row["ledger"],
            "difference": row["stock"] - row["ledger"],
        }
        for row in rows
        if row["stock"] != row["ledger"]
    ]
