"""Flash-sale writes, by subject: ``events`` (publish, end, the clock), ``warmup`` (the gate
loaded and rebuilt from PostgreSQL), ``sources`` (the stock source orders calls),
``consumer`` (reservations become orders) and ``reminders``."""

from seckill.services.consumer import event_drain, events_drain, reservation_process
from seckill.services.events import (
    DRAFT_FIELDS,
    event_create,
    event_end,
    event_publish,
    event_stock_audit,
    event_stock_move,
    event_update_draft,
    event_validate,
    events_advance,
)
from seckill.services.reminders import reminder_set, reminders_send_due
from seckill.services.sources import event_units_give_back, event_units_take, source_name
from seckill.services.warmup import (
    event_reconcile,
    event_warm_up,
    events_reconcile,
    events_warm_up_due,
)

__all__ = [
    "DRAFT_FIELDS",
    "event_create",
    "event_drain",
    "event_end",
    "event_publish",
    "event_reconcile",
    "event_stock_audit",
    "event_stock_move",
    "event_update_draft",
    "event_validate",
    "event_units_give_back",
    "event_units_take",
    "event_warm_up",
    "events_advance",
    "events_drain",
    "events_reconcile",
    "events_warm_up_due",
    "reminder_set",
    "reminders_send_due",
    "reservation_process",
    "source_name",
]
