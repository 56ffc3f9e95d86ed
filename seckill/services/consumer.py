"""The consumer: admitted reservations become orders.

It reads each live event's stream through the consumer group ``orders``. Per reservation,
one transaction makes the order through orders' service (units taken from the event's row by
a conditional update, the reservation id as the idempotency key) and the admission row
(unique on the reservation id); the entry is acknowledged after commit, and the shopper's
socket hears of it. A repeated delivery finds the order it made and only acknowledges.
Entries a dead consumer left pending are reclaimed with XAUTOCLAIM; one that failed
SECKILL_MAX_ATTEMPTS times, or can never succeed, goes to the dead-letter stream and its unit
goes back to the gate.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from decimal import Decimal

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import translation

from catalog.models import Sku
from config.consumers import push_to_users
from config.logs import log_bind, log_context_reset
from config.outage import DATABASE_DOWN, REDIS_DOWN
from config.redis import get_redis
from orders.errors import OutOfStock
from orders.services import (
    OrderLine,
    order_create_from_lines,
    order_effects_again,
    order_effects_batched,
)
from seckill import gate
from seckill.models import EventStatus, SeckillAdmission, SeckillEvent
from seckill.selectors import events_consuming
from seckill.services.sources import source_name

logger = logging.getLogger(__name__)
E = EventStatus


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class _Permanent(Exception):
    """This reservation can never become an order (the reason is its message)."""


@dataclass
class _Batch:
    """What a batch of entries needs, read in one query each, and what it does after."""

    users: dict = field(default_factory=dict)
    addresses: dict = field(default_factory=dict)  # user id → default address
    done: dict = field(default_factory=dict)  # reservation id → admission made before
    pushes: list = field(default_factory=list)  # (user id, event, data), sent together
    again: list = field(default_factory=list)  # admissions made by an earlier delivery
    acks: list = field(default_factory=list)  # entry ids, acknowledged together
    image: str = ""  # the event's picture for the order lines (one read per batch)
    sku: Sku | None = None  # the event's SKU and product, for the items' snapshot

    @classmethod
    def load(cls, event: SeckillEvent, entries: list[dict]) -> _Batch:
        from accounts.models import Address
        from seckill.selectors import event_card

        user_ids = {int(fields["uid"]) for fields in entries}
        return cls(
            image=event_card(event_id=event.pk)["image"],
            sku=Sku.objects.select_related("product").get(pk=event.sku_id),
            users=get_user_model().objects.in_bulk(user_ids),
            addresses={
                address.user_id: address
                # An address still to confirm (no region) is not used: the order waits
                # for the shopper to choose one, as without a default.
                for address in Address.objects.filter(
                    user_id__in=user_ids, is_default=True
                ).exclude(region_code="")
            },
            done={
                admission.reservation_id: admission
                for admission in SeckillAdmission.objects.filter(
                    reservation_id__in=[fields["rid"] for fields in entries]
                ).select_related("order")
            },
        )


def reservation_process(
    *, event: SeckillEvent, fields: dict, batch: _Batch | None = None
) -> SeckillAdmission:
    """The order and admission of one reservation, or the ones made before for it."""
    batch = batch or _Batch.load(event, [fields])
    rid = fields["rid"]
    if rid in batch.done:
        # Made by an earlier delivery that was never acknowledged: its consumer may have died
        # before the order's effects were queued, so they are queued again (each runs once).
        batch.again.append(batch.done[rid])
        return batch.done[rid]
    user = batch.users.get(int(fields["uid"]))
    if user is None:
        raise _Permanent("unknown shopper")
    quantity = int(fields["qty"])
    made = []

    def admit(order):
        made.append(
            SeckillAdmission.objects.create(
                event=event, user=user, reservation_id=rid, quantity=quantity, order=order
            )
        )

    # One transaction: the units, the order and the admission. The batch read the
    # admissions already, so the order service skips its own lookup of the key. The lines
    # are written in the shopper's language, as a cart order is in the page's.
    try:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            order, _created = order_create_from_lines(
                user=user,
                lines=[
                    OrderLine(
                        sku_id=event.sku_id,
                        quantity=quantity,
                        unit_price=event.flash_price,
                        stock_source=source_name(event.pk),
                        image=batch.image,
                        sku=batch.sku,
                    )
                ],
                source="seckill",
                idempotency_key=rid,
                pay_timeout=settings.SECKILL_PAY_TIMEOUT,
                address=batch.addresses.get(user.pk),
                shipping=Decimal("0.00"),  # flash-sale items ship free (包邮)
                also_write=admit,
                look_up_first=False,
            )
    except (OutOfStock, IntegrityError) as exc:
        done = SeckillAdmission.objects.filter(reservation_id=rid).first()
        if done is not None:  # a second consumer made it meanwhile
            return done
        if isinstance(exc, OutOfStock):
            raise _Permanent("sold_out") from exc
        holding = SeckillAdmission.objects.filter(
            event=event, user=user, released_at__isnull=True
        ).exists()
        if holding:  # another open admission of the shopper: the per-shopper limit
            raise _Permanent("limit") from exc
        raise  # anything else is not the shopper's doing: logged, retried, dead-lettered
    if not made:  # the order existed: a second consumer made both meanwhile
        return SeckillAdmission.objects.get(reservation_id=rid)
    admission = made[0]
    batch.pushes.append(
        (
            user.pk,
            "seckill.result",
            {"reservation_id": rid, "status": "created", "order_no": order.order_no},
        )
    )
    return admission


def _dead_letter(event_id: int, entry_id: str, fields: dict, reason: str, batch: _Batch):
    # A reservation PostgreSQL had no unit for gives nothing back to the gate (it had none
    # to give); any other failure gives back the unit it held.
    gate.dead_letter(
        event_id=event_id,
        entry_id=entry_id,
        reservation_id=fields["rid"],
        user_id=int(fields["uid"]),
        quantity=int(fields["qty"]),
        reason=reason,
        give_back=reason != "sold_out",
    )
    logger.warning("seckill %s: reservation %s dead-lettered (%s)", event_id, fields["rid"], reason)
    batch.pushes.append(
        (
            int(fields["uid"]),
            "seckill.result",
            {"reservation_id": fields["rid"], "status": "failed", "reason": reason},
        )
    )


def _handle(event: SeckillEvent, entry_id: str, fields: dict, deliveries: int, batch) -> bool:
    """Process one entry; True when it is finished (to acknowledge, or dead-lettered)."""
    log_context_reset()  # this entry's lines carry its reservation and order, not the last's
    log_bind(reservation_id=fields.get("rid"))
    try:
        reservation_process(event=event, fields=fields, batch=batch)
    except _Permanent as exc:
        _dead_letter(event.pk, entry_id, fields, str(exc), batch)
        return True
    except (*REDIS_DOWN, *DATABASE_DOWN):
        raise  # not this reservation's failure: the consumer waits and it is tried again
    except Exception:  # logged, retried, then dead-lettered: never lost
        logger.exception("seckill %s: reservation %s failed", event.pk, fields.get("rid"))
        if deliveries >= settings.SECKILL_MAX_ATTEMPTS:
            _dead_letter(event.pk, entry_id, fields, "failed", batch)
            return True
        return False  # stays pending; reclaimed after SECKILL_CLAIM_IDLE_MS
    batch.acks.append(entry_id)
    return True


def _handle_batch(event, entries: list[tuple[str, dict, int]], client) -> int:
    """Each entry in its own transaction; then, every order committed, one XACK for the
    batch and one round of websocket pushes (hints: a failed push loses nothing)."""
    if not entries:
        return 0
    batch = _Batch.load(event, [fields for _entry_id, fields, _deliveries in entries])
    with order_effects_batched():  # one countdown and one notification task per batch
        finished = sum(
            _handle(event, entry_id, fields, deliveries, batch)
            for entry_id, fields, deliveries in entries
        )
        for admission in batch.again:
            order_effects_again(admission.order)
            batch.pushes.append(
                (
                    admission.user_id,
                    "seckill.result",
                    {
                        "reservation_id": admission.reservation_id,
                        "status": "created",
                        "order_no": admission.order.order_no,
                    },
                )
            )
    if batch.acks:
        client.xack(gate.key(event.pk, "stream"), gate.GROUP, *batch.acks)
    try:
        push_to_users(batch.pushes)
    except Exception:  # the push is a hint; the result API is the truth
        logger.exception("seckill %s: could not push the results", event.pk)
    return finished


def _deliveries(client, stream: str, entry_ids: list[str]) -> dict[str, int]:
    if not entry_ids:
        return {}
    rows = client.xpending_range(
        stream, gate.GROUP, min=entry_ids[0], max=entry_ids[-1], count=len(entry_ids) * 2
    )
    return {row["message_id"]: int(row["times_delivered"]) for row in rows}


def event_drain(*, event_id: int, consumer: str | None = None, count: int = 200) -> int:
    """One pass over an event's stream: reclaim stale entries, then read new ones; returns
    how many entries were finished."""
    return _drain(SeckillEvent.objects.get(pk=event_id), consumer or consumer_name(), count)


def _drain(event: SeckillEvent, consumer: str, count: int = 200) -> int:
    client = get_redis()
    stream = gate.key(event.pk, "stream")
    finished = 0
    try:
        claimed = client.xautoclaim(
            stream, gate.GROUP, consumer, min_idle_time=settings.SECKILL_CLAIM_IDLE_MS, count=count
        )
    except redis.ResponseError:  # no stream or group (not warmed): nothing to do
        return 0
    reclaimed = [(entry_id, fields) for entry_id, fields in claimed[1] if fields]
    deliveries = _deliveries(client, stream, [entry_id for entry_id, _ in reclaimed])
    finished += _handle_batch(
        event,
        [(entry_id, fields, deliveries.get(entry_id, 1)) for entry_id, fields in reclaimed],
        client,
    )
    for entry_id in claimed[2] if len(claimed) > 2 else []:  # deleted from the stream
        client.xack(stream, gate.GROUP, entry_id)
    read = client.xreadgroup(gate.GROUP, consumer, {stream: ">"}, count=count)
    for _stream, entries in read or []:
        finished += _handle_batch(
            event, [(entry_id, fields, 1) for entry_id, fields in entries], client
        )
    return finished


def events_drain(*, budget_seconds: float = 20.0, consumer: str | None = None) -> int:
    """Drain every live event until the streams are empty or the budget is spent."""
    consumer = consumer or consumer_name()
    deadline = time.monotonic() + budget_seconds
    total = 0
    events = list(SeckillEvent.objects.filter(pk__in=events_consuming()))
    while time.monotonic() < deadline:
        done = sum(_drain(event, consumer) for event in events)
        total += done
        if not done:
            break
    return total
