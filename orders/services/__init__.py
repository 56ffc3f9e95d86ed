"""Order writes. Callers import from here; the modules split it by subject:
``transitions`` (the state machine), ``checkout``, ``effects`` (what a committed order sets
off), ``lifecycle`` and ``refunds``."""

from orders.services.again import BuyAgain, order_buy_again
from orders.services.bulk_ship import MAX_ROWS as BULK_SHIP_MAX_ROWS
from orders.services.bulk_ship import orders_ship_from_file, ship_template_rows
from orders.services.checkout import (
    ORDER_NO_ATTEMPTS,
    OrderLine,
    checkout_lines,
    order_create_from_cart,
    order_create_from_lines,
)
from orders.services.delivery import (
    address_of,
    address_snapshot,
    checkout_address,
    checkout_local_area,
    checkout_pickup_point,
    order_set_address,
)
from orders.services.effects import (
    notify_after_commit,
    order_effects_again,
    order_effects_batched,
    schedule_close,
)
from orders.services.lifecycle import (
    order_cancel,
    order_close_overdue,
    order_confirm_receipt,
    order_group_settle,
    order_mark_paid,
    order_ship,
    order_ship_parcel,
    order_units_left,
    orders_auto_complete,
    orders_close_overdue,
)
from orders.services.pickup import pickup_hand_over, pickup_order_for
from orders.services.refunds import (
    line_refund_share,
    order_items_returned,
    order_refund_back,
    order_refund_goods_left,
    order_refund_open,
    order_refund_record,
    order_return_cap,
)
from orders.services.transitions import (
    STAMPS,
    TRANSITIONS,
    order_lock,
    order_transition,
)

__all__ = [
    "BuyAgain",
    "order_buy_again",
    "BULK_SHIP_MAX_ROWS",
    "orders_ship_from_file",
    "ship_template_rows",
    "ORDER_NO_ATTEMPTS",
    "OrderLine",
    "address_of",
    "address_snapshot",
    "STAMPS",
    "TRANSITIONS",
    "checkout_address",
    "checkout_lines",
    "checkout_local_area",
    "checkout_pickup_point",
    "notify_after_commit",
    "order_cancel",
    "order_close_overdue",
    "order_confirm_receipt",
    "order_group_settle",
    "order_create_from_cart",
    "order_create_from_lines",
    "order_effects_again",
    "order_effects_batched",
    "order_set_address",
    "order_lock",
    "line_refund_share",
    "order_items_returned",
    "order_refund_goods_left",
    "order_return_cap",
    "order_mark_paid",
    "order_refund_back",
    "order_refund_open",
    "order_refund_record",
    "order_ship",
    "order_ship_parcel",
    "order_units_left",
    "pickup_hand_over",
    "pickup_order_for",
    "order_transition",
    "orders_auto_complete",
    "orders_close_overdue",
    "schedule_close",
]
