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
from decimal import Decimal

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from config.consumers import push_to_user
from config.oncommit import after_commit
from config.redis import get_redis
from orders.errors import OutOfStock
from orders.services import OrderLine, order_create_from_lines
from seckill import gate
from seckill.models import EventStatus, SeckillAdmission, SeckillEvent
from seckill.services.sources import source_name

logger = logging.getLogger(__name__)
E = EventStatus


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class _Permanent(Exception):
    """This reservation can never become an order (the reason is its message)."""


def _default_address(user):
    from accounts.models import Address

    return Address.objects.filter(user=user, is_default=True).first()


def reservation_process(*, event: SeckillEvent, fields: dict) -> SeckillAdmission:
    """The order and admission of one reservation, or the ones made before for it."""
    rid = fields["rid"]
    done = SeckillAdmission.objects.filter(reservation_id=rid).select_related("order").first()
    if done is not None:
        return done
    user = get_user_model().objects.filter(pk=int(fields["uid"])).first()
    if user is None:
        raise _Permanent("unknown shopper")
    quantity = int(fields["qty"])
    try:
        with transaction.atomic():
            order, _created = order_create_from_lines(
                user=user,
                lines=[
                    OrderLine(
                        sku_id=event.sku_id,
                        quantity=quantity,
                        unit_price=event.flash_price,
                        stock_source=source_name(event.pk),
                    )
                ],
                source="seckill",
                idempotency_key=rid,
                pay_timeout=settings.SECKILL_PAY_TIMEOUT,
                address=_default_address(user),
                shipping=Decimal("0.00"),  # flash-sale items ship free (包邮)
            )
            admission = SeckillAdmission.objects.create(
                event=event, user=user, reservation_id=rid, quantity=quantity, order=order
            )
    except OutOfStock as exc:
        raise _Permanent("sold_out") from exc
    except IntegrityError as exc:
        done = SeckillAdmission.objects.filter(reservation_id=rid).first()
        if done is not None:  # a second consumer made it meanwhile
            return done
        raise _Permanent("limit") from exc  # another open admission of the shopper
    after_commit(lambda: _push(admission, order_no=order.order_no))
    return admission


def _push(admission: SeckillAdmission, *, order_no: str) -> None:
    push_to_user(
        admission.user_id,
        "seckill.result",
        {
            "reservation_id": admission.reservation_id,
            "status": "created",
            "order_no": order_no,
        },
    )


def _dead_letter(event_id: int, entry_id: str, fields: dict, reason: str) -> None:
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
    try:
        push_to_user(
            int(fields["uid"]),
            "seckill.result",
            {"reservation_id": fields["rid"], "status": "failed", "reason": reason},
        )
    except Exception:  # the push is a hint; the result API is the truth
        logger.exception("seckill %s: could not push a failure", event_id)


def _handle(event: SeckillEvent, entry_id: str, fields: dict, deliveries: int, client) -> bool:
    """Process one entry; True when it is finished (acknowledged or dead-lettered)."""
    try:
        reservation_process(event=event, fields=fields)
    except _Permanent as exc:
        _dead_letter(event.pk, entry_id, fields, str(exc))
        return True
    except Exception:  # logged, retried, then dead-lettered: never lost
        logger.exception("seckill %s: reservation %s failed", event.pk, fields.get("rid"))
        if deliveries >= settings.SECKILL_MAX_ATTEMPTS:
            _dead_letter(event.pk, entry_id, fields, "failed")
            return True
        return False  # stays pending; reclaimed after SECKILL_CLAIM_IDLE_MS
    client.xack(gate.key(event.pk, "stream"), gate.GROUP, entry_id)
    return True


def _deliveries(client, stream: str, entry_ids: list[str]) -> dict[str, int]:
    if not entry_ids:
        return {}
    rows = client.xpending_range(
        stream, gate.GROUP, min=entry_ids[0], max=entry_ids[-1], count=len(entry_ids) * 2
    )
    return {row["message_id"]: int(row["times_delivered"]) for row in rows}


def event_drain(
    *, event_id: int, consumer: str | None = None, count: int = 200, block_ms: int | None = None
) -> int:
    """One pass over an event's stream: reclaim stale entries, then read new ones; returns
    how many entries were finished."""
    client = get_redis()
    consumer = consumer or consumer_name()
    stream = gate.key(event_id, "stream")
    event = SeckillEvent.objects.get(pk=event_id)
    finished = 0
    try:
        claimed = client.xautoclaim(
            stream, gate.GROUP, consumer, min_idle_time=settings.SECKILL_CLAIM_IDLE_MS, count=count
        )
    except redis.ResponseError:  # no stream or group (not warmed): nothing to do
        return 0
    reclaimed = [(entry_id, fields) for entry_id, fields in claimed[1] if fields]
    deliveries = _deliveries(client, stream, [entry_id for entry_id, _ in reclaimed])
    for entry_id, fields in reclaimed:
        finished += _handle(event, entry_id, fields, deliveries.get(entry_id, 1), client)
    for entry_id in claimed[2] if len(claimed) > 2 else []:  # deleted from the stream
        client.xack(stream, gate.GROUP, entry_id)
    read = client.xreadgroup(gate.GROUP, consumer, {stream: ">"}, count=count, block=block_ms)
    for _stream, entries in read or []:
        for entry_id, fields in entries:
            finished += _handle(event, entry_id, fields, 1, client)
    return finished


def events_drain(*, budget_seconds: float = 20.0, consumer: str | None = None) -> int:
    """Drain every live event until the streams are empty or the budget is spent."""
    consumer = consumer or consumer_name()
    deadline = time.monotonic() + budget_seconds
    total = 0
    while time.monotonic() < deadline:
        live = list(
            SeckillEvent.objects.filter(status__in=[E.PUBLISHED, E.RUNNING]).values_list(
                "pk", flat=True
            )
        ) + list(_recently_ended())
        done = sum(event_drain(event_id=event_id, consumer=consumer) for event_id in live)
        total += done
        if not done:
            break
    return total


def _recently_ended():
    """Ended events may still have queued entries (ending waits for them, but not forever)."""
    from datetime import timedelta

    from django.utils import timezone

    return SeckillEvent.objects.filter(
        status=E.ENDED, ended_at__gte=timezone.now() - timedelta(hours=1)
    ).values_list("pk", flat=True)
