"""Loading the gate from PostgreSQL: warm-up before the start, and reconciliation.

Both are one operation: when the event's stream is drained (every admission became an order
or a dead letter), Redis is rebuilt from PostgreSQL — units left, the units each shopper
holds, the reservations already released — under WATCH, so a reservation or a release that
lands meanwhile aborts the rebuild instead of being overwritten (it is tried again later).
A warm-up of keys that are already there changes nothing; after Redis lost them mid-sale,
the rebuild restores them and the sale goes on without overselling.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from config.redis import get_redis
from seckill import gate
from seckill.models import EventStatus, SeckillAdmission, SeckillEvent

logger = logging.getLogger(__name__)
E = EventStatus


def _meta(event: SeckillEvent) -> dict:
    return {
        "start": int(event.starts_at.timestamp() * 1000),
        "end": int(event.ends_at.timestamp() * 1000),
        "limit": event.per_user_limit,
    }


def event_warm_up(*, event_id: int) -> bool:
    """Load a published or running event into Redis if its keys are missing; True if this
    call loaded them. Running it again changes nothing."""
    event = SeckillEvent.objects.filter(pk=event_id).first()
    if event is None or event.status not in {E.PUBLISHED, E.RUNNING}:
        return False
    client = get_redis()
    gate.ensure_group(event.pk, client)
    client.hset(gate.key(event.pk, "meta"), mapping=_meta(event))
    if client.exists(gate.key(event.pk, "stock")):
        return False
    return event_reconcile(event_id=event.pk, force=True) == "rebuilt"


def event_reconcile(*, event_id: int, force: bool = False, attempts: int = 3) -> str:
    """Rebuild the gate of a live event from PostgreSQL if its stream is drained.

    Returns "rebuilt", "busy" (entries still queued, or the gate moved meanwhile), or
    "ok" (nothing differed; only with ``force`` False)."""
    client = get_redis()
    keys = {name: gate.key(event_id, name) for name in ("stock", "buyers", "released", "meta")}
    gate.ensure_group(event_id, client)  # Redis may have lost the stream with its group
    for _attempt in range(attempts):
        with client.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys["stock"], gate.key(event_id, "stream"), keys["buyers"])
                undelivered, pending = gate.stream_backlog(event_id, client)
                if undelivered or pending:
                    return "busy"
                event = SeckillEvent.objects.get(pk=event_id)
                if event.status not in {E.PUBLISHED, E.RUNNING}:
                    return "ok"
                held = dict(
                    SeckillAdmission.objects.filter(event_id=event_id, released_at=None)
                    .values("user_id")
                    .annotate(units=Sum("quantity"))
                    .values_list("user_id", "units")
                )
                released = list(
                    SeckillAdmission.objects.filter(event_id=event_id)
                    .exclude(released_at=None)
                    .values_list("reservation_id", flat=True)
                )
                current = pipe.get(keys["stock"])
                current_held = {int(k): int(v) for k, v in pipe.hgetall(keys["buyers"]).items()}
                if (
                    not force
                    and current is not None
                    and int(current) == event.stock
                    and (current_held == held)
                ):
                    return "ok"
                pipe.multi()
                pipe.set(keys["stock"], event.stock)
                pipe.delete(keys["buyers"])
                if held:
                    pipe.hset(keys["buyers"], mapping=held)
                if released:
                    pipe.sadd(keys["released"], *released)
                pipe.hset(keys["meta"], mapping=_meta(event))
                pipe.execute()
            except redis.WatchError:
                continue
        gate.forget_sold_out(event_id)
        logger.info(
            # A warm-up (force) loads a gate that was not there; otherwise it had drifted.
            "seckill %s: gate %s from PostgreSQL (%s units, %s buyers)",
            event_id,
            "loaded" if force else "rebuilt",
            event.stock,
            len(held),
        )
        return "rebuilt"
    return "busy"


def events_warm_up_due(*, now=None, before_seconds: int | None = None) -> int:
    """Beat: warm the events starting within SECKILL_WARMUP_BEFORE, and the running ones
    (a lost key comes back); returns how many were loaded."""
    now = now or timezone.now()
    before = settings.SECKILL_WARMUP_BEFORE if before_seconds is None else before_seconds
    due = SeckillEvent.objects.filter(
        status__in=[E.PUBLISHED, E.RUNNING],
        starts_at__lte=now + timedelta(seconds=before),
        ends_at__gt=now,
    )
    loaded = 0
    for event_id in due.values_list("pk", flat=True):
        try:
            loaded += event_warm_up(event_id=event_id)
        except redis.RedisError:
            logger.exception("seckill %s: warm-up failed", event_id)
    return loaded


def events_reconcile(*, now=None) -> dict[int, str]:
    """Beat: reconcile every live event whose stream is drained."""
    now = now or timezone.now()
    outcomes = {}
    live = SeckillEvent.objects.filter(status__in=[E.PUBLISHED, E.RUNNING], ends_at__gt=now)
    for event_id in live.values_list("pk", flat=True):
        try:
            outcomes[event_id] = event_reconcile(event_id=event_id)
        except redis.RedisError:
            logger.exception("seckill %s: reconcile failed", event_id)
    return outcomes
