"""Order writes. Callers import from here; the modules split it by subject:
``transitions`` (the state machine), ``checkout``, ``lifecycle`` and ``aftersales``."""

from orders.services.aftersale_rules import aftersale_kind_allowed, returnable_quantities
from orders.services.aftersales import (
    aftersale_approve,
    aftersale_goods_received,
    aftersale_record_automatic,
    aftersale_refund_failed,
    aftersale_refund_retry,
    aftersale_refund_succeeded,
    aftersale_reject,
    aftersale_request_create,
    aftersale_return_shipped,
    aftersale_withdraw,
)
from orders.services.checkout import (
    ORDER_NO_ATTEMPTS,
    checkout_lines,
    order_create_from_cart,
    schedule_close,
)
from orders.services.lifecycle import (
    order_cancel,
    order_close_overdue,
    order_confirm_receipt,
    order_mark_paid,
    order_ship,
    orders_auto_complete,
    orders_close_overdue,
)
from orders.services.transitions import (
    STAMPS,
    TRANSITIONS,
    notify_after_commit,
    order_lock,
    order_transition,
)

__all__ = [
    "aftersale_approve",
    "aftersale_goods_received",
    "aftersale_kind_allowed",
    "aftersale_record_automatic",
    "aftersale_refund_failed",
    "aftersale_refund_retry",
    "aftersale_refund_succeeded",
    "aftersale_reject",
    "aftersale_request_create",
    "aftersale_return_shipped",
    "aftersale_withdraw",
    "returnable_quantities",
    "ORDER_NO_ATTEMPTS",
    "STAMPS",
    "TRANSITIONS",
    "checkout_lines",
    "notify_after_commit",
    "order_cancel",
    "order_close_overdue",
    "order_confirm_receipt",
    "order_create_from_cart",
    "order_lock",
    "order_mark_paid",
    "order_ship",
    "order_transition",
    "orders_auto_complete",
    "orders_close_overdue",
    "schedule_close",
]
