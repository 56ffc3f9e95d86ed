"""The Redis side of a flash sale: keys, the gate's Lua scripts, and what reads them.

Redis is the gate, PostgreSQL the truth (ARCHITECTURE §6). The keys of event E share the hash
tag ``{sk:E}`` so each script touches one Cluster slot:

- ``stock``     units left to admit
- ``buyers``    hash user id → units held
- ``stream``    admitted reservations (the queue and the outbox in one), read by the
                consumer group ``orders``
- ``released``  reservation ids whose unit was given back (idempotent release)
- ``meta``      start, end (ms) and the per-shopper limit
- ``rsv``       reservation id → "user:qty", so a result can say "queued"
- ``failed``    reservation id → reason, for reservations dead-lettered
- ``dead``      the dead-letter stream

Nothing here touches the database: the reserve view runs on this module alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from config.redis import LuaScript, get_redis

GROUP = "orders"
_LUA = Path(__file__).parent / "lua"
_reserve = LuaScript((_LUA / "reserve.lua").read_text())
_release = LuaScript((_LUA / "release.lua").read_text())
_deadletter = LuaScript((_LUA / "deadletter.lua").read_text())


def key(event_id: int, name: str) -> str:
    return f"sk:{{sk:{event_id}}}:{name}"


# The gate's answers (reserve.lua's codes).
ADMITTED, NOT_WARMED, NOT_STARTED, ENDED, SOLD_OUT, OVER_LIMIT, TOKEN_USED, RATE_LIMITED = range(8)


@dataclass(frozen=True)
class GateAnswer:
    code: int
    stock_left: int = 0
    warm_up: bool = False  # not warmed, and this caller should start the warm-up


# Per process: events seen sold out, until when (monotonic seconds). Units can come back
# (an order times out), so the shortcut lasts a few seconds only.
_sold_out_until: dict[int, float] = {}


def sold_out_recently(event_id: int) -> bool:
    until = _sold_out_until.get(event_id)
    return until is not None and until > time.monotonic()


def forget_sold_out(event_id: int | None = None) -> None:
    if event_id is None:
        _sold_out_until.clear()
    else:
        _sold_out_until.pop(event_id, None)


def reserve(
    *, event_id: int, user_id: int, quantity: int, reservation_id: str, token_id: str, ip: str
) -> GateAnswer:
    """One Lua call: rate limits, the window, the single-use token, the limit and the stock,
    then DECRBY + HINCRBY + XADD atomically."""
    if sold_out_recently(event_id):
        return GateAnswer(SOLD_OUT)
    window_ms = 1000
    code, extra = _reserve(
        keys=[
            key(event_id, "stock"),
            key(event_id, "buyers"),
            key(event_id, "stream"),
            key(event_id, "meta"),
            key(event_id, "rsv"),
            key(event_id, f"tok:{token_id}"),
            key(event_id, f"rl:u:{user_id}"),
            key(event_id, f"rl:ip:{ip}"),
            key(event_id, "warming"),
        ],
        args=[
            user_id,
            quantity,
            int(time.time() * 1000),
            reservation_id,
            settings.SECKILL_TOKEN_SECONDS * 1000 + 5000,
            settings.SECKILL_RATE_PER_USER,
            settings.SECKILL_RATE_PER_IP,
            window_ms,
        ],
    )
    code, extra = int(code), int(extra)
    if code == SOLD_OUT or (code == ADMITTED and extra == 0):
        _sold_out_until[event_id] = time.monotonic() + settings.SECKILL_SOLD_OUT_CACHE_SECONDS
    if code == NOT_WARMED:
        return GateAnswer(code, warm_up=bool(extra))
    return GateAnswer(code, stock_left=extra)


def release(
    *, event_id: int, reservation_id: str, user_id: int, quantity: int, unit_back: bool = True
) -> bool:
    """Release a reservation once (the shopper's hold, and with ``unit_back`` its unit to
    the gate's stock); True if this call did."""
    return bool(
        _release(
            keys=[key(event_id, "stock"), key(event_id, "buyers"), key(event_id, "released")],
            args=[reservation_id, user_id, quantity, int(unit_back)],
        )
    )


def dead_letter(
    *,
    event_id: int,
    entry_id: str,
    reservation_id: str,
    user_id: int,
    quantity: int,
    reason: str,
    give_back: bool,
) -> None:
    _deadletter(
        keys=[
            key(event_id, "stock"),
            key(event_id, "buyers"),
            key(event_id, "released"),
            key(event_id, "stream"),
            key(event_id, "dead"),
            key(event_id, "failed"),
        ],
        args=[GROUP, entry_id, reservation_id, user_id, quantity, reason, int(give_back)],
    )


def ensure_group(event_id: int, client=None) -> None:
    """The consumer group of the event's stream (made with the stream if need be)."""
    import redis

    client = client or get_redis()
    try:
        client.xgroup_create(key(event_id, "stream"), GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _group(client, stream: str) -> tuple[bool, dict | None]:
    """(the stream exists, the consumer group's XINFO entry or None)."""
    import redis

    try:
        groups = client.xinfo_groups(stream)
    except redis.ResponseError:  # no stream yet
        return False, None
    return True, next((g for g in groups if g["name"] == GROUP), None)


def _backlog(client, stream: str, exists: bool, group: dict | None) -> tuple[int, int]:
    if not exists:
        return 0, 0
    if group is None:
        return client.xlen(stream), 0
    if group.get("lag") is not None:  # Redis 7 counts what the group has not read
        return int(group["lag"]), int(group["pending"])
    last = client.xinfo_stream(stream)["last-generated-id"]
    delivered = group["last-delivered-id"]
    undelivered = (
        0
        if _id(delivered) >= _id(last)
        else len(client.xrange(stream, f"({delivered}", "+", count=10000))
    )
    return undelivered, int(group["pending"])


def stream_backlog(event_id: int, client=None) -> tuple[int, int]:
    """(entries not yet delivered to the group, entries delivered but not acknowledged)."""
    client = client or get_redis()
    stream = key(event_id, "stream")
    return _backlog(client, stream, *_group(client, stream))


def stream_waiting(event_id: int, client=None) -> tuple[int, int | None]:
    """(admissions not yet made into orders, the oldest one's time in ms or None): what the
    group has not read plus what it read and has not acknowledged (metrics: consumer lag)."""
    client = client or get_redis()
    stream = key(event_id, "stream")
    exists, group = _group(client, stream)
    undelivered, pending = _backlog(client, stream, exists, group)
    if not undelivered and not pending:
        return 0, None
    oldest: list[int] = []
    if pending:
        summary = client.xpending(stream, GROUP)
        if summary.get("min"):
            oldest.append(_id(summary["min"])[0])
    if undelivered:
        delivered = group["last-delivered-id"] if group else "0-0"
        first = client.xrange(stream, f"({delivered}", "+", count=1)
        if first:
            oldest.append(_id(first[0][0])[0])
    return undelivered + pending, min(oldest) if oldest else None


def _id(entry_id: str) -> tuple[int, int]:
    ms, _sep, seq = str(entry_id).partition("-")
    return int(ms), int(seq or 0)


def stock_left(event_id: int) -> int | None:
    """Units the gate still admits, or None when the event is not warmed."""
    return stocks_left([event_id])[event_id]


def stocks_left(event_ids: list[int]) -> dict[int, int | None]:
    """stock_left of several events in one round trip (a pipeline, not MGET: the keys sit
    in different Cluster slots)."""
    pipe = get_redis().pipeline(transaction=False)
    for event_id in event_ids:
        pipe.get(key(event_id, "stock"))
    return {
        event_id: None if value is None else int(value)
        for event_id, value in zip(event_ids, pipe.execute(), strict=True)
    }


def reservation_state(*, event_id: int, reservation_id: str) -> tuple[str, str]:
    """(owner as "user:qty", failure reason) as the gate knows them; "" where unknown."""
    client = get_redis()
    pipe = client.pipeline(transaction=False)
    pipe.hget(key(event_id, "rsv"), reservation_id)
    pipe.hget(key(event_id, "failed"), reservation_id)
    owner, failed = pipe.execute()
    return owner or "", failed or ""


def event_numbers(event_id: int) -> dict:
    """Live numbers of the gate for the admin: units left, queued, dead letters."""
    client = get_redis()
    undelivered, pending = stream_backlog(event_id, client)
    return {
        "stock_left": stock_left(event_id),
        "queued": undelivered + pending,
        "dead_letters": client.xlen(key(event_id, "dead")),
    }
