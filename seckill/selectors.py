"""Flash-sale reads for the pages and the API. What an event is (title, prices, times) is
cached briefly; how much is left is read live from the gate (one Redis GET)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from config.outage import degraded
from orders.models import Order
from seckill import gate
from seckill.errors import EventNotFound, ReservationNotFound
from seckill.models import EventStatus, SeckillAdmission, SeckillEvent, SeckillReminder

E = EventStatus
CARD_SECONDS = 10
SHOWN = [E.PUBLISHED, E.RUNNING, E.ENDED]


def events_consuming() -> list[int]:
    """Events whose admissions may still wait to become orders: published or running, or
    ended within the hour (ending waits for the queue, but not forever)."""
    return list(
        SeckillEvent.objects.filter(
            Q(status__in=[E.PUBLISHED, E.RUNNING])
            | Q(status=E.ENDED, ended_at__gte=timezone.now() - timedelta(hours=1))
        ).values_list("pk", flat=True)
    )


def _card(event: SeckillEvent) -> dict:
    sku = event.sku
    product = sku.product
    images = list(product.images.all())
    image = images[0] if images else None
    return {
        "id": event.pk,
        "title": event.title,
        "product_name": product.name,
        "product_url": product.get_absolute_url(),
        "options": sku.attributes_label,
        "image": (image.thumbnail or image.image).url if image else "",
        "flash_price": event.flash_price,
        "price": sku.price,
        "allocated": event.allocated,
        "per_user_limit": event.per_user_limit,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "status": event.status,
        "stock": event.stock,
        "session": event.session,
        "url": event.get_absolute_url(),
    }


def _queryset():
    return SeckillEvent.objects.filter(status__in=SHOWN).select_related("sku__product")


def _card_key(event_id: int, language: str | None) -> str:
    return f"seckill:card:{language or '-'}:{event_id}"


def _day_key(day, language: str | None) -> str:
    return f"seckill:day:{language or '-'}:{day.isoformat()}"


def event_cards_forget(*, event_id: int, day) -> None:
    """Drop an event's cached cards, in every language, and its day's list (``day``: a
    date or the event's start), so a change (published, ended early) shows at once. A cache
    that cannot be reached forgets nothing; its cards expire within CARD_SECONDS."""
    if isinstance(day, datetime):
        day = timezone.localdate(day)
    languages = [None, *(code for code, _name in settings.LANGUAGES)]
    keys = [_card_key(event_id, lang) for lang in languages]
    keys += [_day_key(day, lang) for lang in languages]
    try:
        cache.delete_many(keys)
    except redis.RedisError:
        return


def event_card(*, event_id: int) -> dict:
    """One published (or past) event as the pages and the API show it; cached briefly."""
    key = _card_key(event_id, get_language())
    card = cache.get(key)
    if card is None:
        event = _queryset().prefetch_related("sku__product__images").filter(pk=event_id).first()
        if event is None:
            raise EventNotFound()
        card = _card(event)
        cache.set(key, card, CARD_SECONDS)
    return card


def event_cards_for_day(*, day) -> list[dict]:
    """The events starting on a local calendar day, in start order; cached briefly."""
    # Per language: the product's name and options are read in the active one.
    key = _day_key(day, get_language())
    cards = cache.get(key)
    if cards is None:
        start = timezone.make_aware(datetime.combine(day, time.min))
        events = (
            _queryset()
            .prefetch_related("sku__product__images")
            .filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
            .order_by("starts_at", "pk")
        )
        cards = [_card(event) for event in events]
        cache.set(key, cards, CARD_SECONDS)
    return cards


def card_state(card: dict, now=None) -> str:
    """upcoming, live or ended, by the clock (an event ended early is ended)."""
    now = now or timezone.now()
    if card["status"] == E.ENDED or now >= card["ends_at"]:
        return "ended"
    return "live" if now >= card["starts_at"] else "upcoming"


def card_live(card: dict, now=None, *, from_gate: dict | None = None) -> dict:
    """The card with its state and, while it is on, what is left (from the gate; pass
    ``from_gate``, gate.stocks_left of many cards, to read them in one round trip)."""
    state = card_state(card, now)
    live = {**card, "state": state, "left": None, "sold_percent": None}
    if state == "ended":
        return live
    if from_gate is None:
        from_gate = _stocks_left([card["id"]])
    left = from_gate.get(card["id"])
    left = card["stock"] if left is None else left  # not warmed yet: PostgreSQL's count
    sold = max(0, card["allocated"] - left) if state == "live" else 0
    live["left"] = left
    live["sold_percent"] = min(100, round(100 * sold / card["allocated"]))
    return live


def _stocks_left(event_ids: list[int]) -> dict:
    try:
        return gate.stocks_left(event_ids)
    except redis.RedisError as exc:  # the page still shows, with PostgreSQL's counts
        degraded("seckill_stock", exc)
        return {}


def sessions_for_day(*, now=None) -> list[dict]:
    """Today's sessions (events grouped by start time), each with its state and events."""
    now = now or timezone.now()
    sessions: dict[str, dict] = {}
    cards = event_cards_for_day(day=timezone.localdate(now))
    from_gate = _stocks_left([card["id"] for card in cards]) if cards else {}
    for card in cards:
        live = card_live(card, now, from_gate=from_gate)
        session = sessions.setdefault(card["session"], {"time": card["session"], "events": []})
        session["events"].append(live)
    for session in sessions.values():
        states = {event["state"] for event in session["events"]}
        session["state"] = (
            "live" if "live" in states else "upcoming" if "upcoming" in states else "ended"
        )
    return list(sessions.values())


def session_default(sessions: list[dict]) -> str:
    """The tab a shopper lands on: the live session, else the next one, else the last."""
    for wanted in ("live", "upcoming"):
        for session in sessions:
            if session["state"] == wanted:
                return session["time"]
    return sessions[-1]["time"] if sessions else ""


def event_id_of(reservation_id: str) -> int:
    head, sep, _rest = reservation_id.partition("-")
    if not sep or not head.isascii() or not head.isdigit() or len(head) > 12:
        raise ReservationNotFound()
    return int(head)


def reservation_result(*, reservation_id: str, user_id: int) -> dict:
    """queued, created (with the order) or failed (with the reason): PostgreSQL first, then
    what the gate knows. Someone else's reservation is not found."""
    event_id = event_id_of(reservation_id)
    admission = (
        SeckillAdmission.objects.filter(reservation_id=reservation_id, user_id=user_id)
        .select_related("order")
        .first()
    )
    if admission is not None:
        order: Order = admission.order
        return {
            "reservation_id": reservation_id,
            "event_id": event_id,
            "status": "created",
            "order_no": order.order_no,
            "order_status": order.status,
            "pay_deadline": order.pay_deadline,
            "needs_address": not order.receiver_name,
            "reason": "",
        }
    owner, failed = gate.reservation_state(event_id=event_id, reservation_id=reservation_id)
    if not owner or owner.partition(":")[0] != str(user_id):
        raise ReservationNotFound()
    return {
        "reservation_id": reservation_id,
        "event_id": event_id,
        "status": "failed" if failed else "queued",
        "order_no": "",
        "order_status": "",
        "pay_deadline": None,
        "needs_address": False,
        "reason": failed,
    }


def reminded(*, event_id: int, user) -> bool:
    return bool(
        user.is_authenticated
        and SeckillReminder.objects.filter(event_id=event_id, user=user).exists()
    )
