"""What orders asks of the apps above it, without importing them.

``payments`` registers its hooks at startup: how an order was paid (for the order page),
and a settle hook. Before an unpaid order is cancelled (by the
shopper, a merchant or the timeout) every hook runs: it asks the gateway about the order's
open payments, applies a payment that went through (the order becomes paid, and the cancel
then finds it paid) and closes the rest, so no money arrives after the cancel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from orders.errors import SettleIncomplete

logger = logging.getLogger(__name__)
_settle_hooks: list[Callable[..., None]] = []


def register_settle_hook(hook: Callable[..., None]) -> None:
    if hook not in _settle_hooks:
        _settle_hooks.append(hook)


def settle_before_cancel(*, order_id: int) -> None:
    """Run every settle hook; a gateway that cannot be reached does not block the cancel
    (its payment, if any, arrives later and is flagged for refund). A gateway that says the
    order is paid but cannot show it yet does: SettleIncomplete reaches the caller."""
    for hook in list(_settle_hooks):
        try:
            hook(order_id=order_id)
        except SettleIncomplete:
            raise
        except Exception:  # a hook's failure is logged, never hides the cancel
            logger.exception("settle hook %s failed for order %s", hook.__qualname__, order_id)


_payment_info: list[Callable[..., dict]] = []


def register_payment_info(provider: Callable[..., dict]) -> None:
    """``payments`` tells the order pages how orders were paid: a function of
    ``order_ids`` returning {order_id: {"provider": label, "paid_at": datetime}}."""
    if provider not in _payment_info:
        _payment_info.append(provider)


def payment_info_many(*, order_ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for provider in _payment_info:
        for order_id, info in provider(order_ids=order_ids).items():
            found.setdefault(order_id, info)
    return found


def payment_info(*, order_id: int) -> dict:
    """How one order was paid, or {}."""
    return payment_info_many(order_ids=[order_id]).get(order_id, {})


# Panels of the order page that other apps add (payments: the after-sales requests and the
# button to ask for one), each a function of (request, order) returning safe HTML.
_order_panels: list[Callable[..., str]] = []


def register_order_panel(panel: Callable[..., str]) -> None:
    if panel not in _order_panels:
        _order_panels.append(panel)


def order_panels(*, request, order) -> list[str]:
    return [panel(request=request, order=order) for panel in _order_panels]


# What the order's admin page shows of other apps (payments: the after-sales requests and
# refunds, with their status and links), each a function of (order) returning safe HTML.
_admin_order_panels: list[Callable[..., str]] = []


def register_admin_order_panel(panel: Callable[..., str]) -> None:
    if panel not in _admin_order_panels:
        _admin_order_panels.append(panel)


def admin_order_panels(*, order) -> list[str]:
    return [panel(order=order) for panel in _admin_order_panels]


# What other apps keep in step with an order's status, in the transition's transaction
# (marketing: a held coupon becomes used when the order is paid, and comes back when it is
# cancelled). Each is a function of (order, from_status, to_status) that writes rows only, no
# network; one that raises rolls the transition back.
_transition_hooks: list[Callable[..., None]] = []


def register_transition_hook(hook: Callable[..., None]) -> None:
    if hook not in _transition_hooks:
        _transition_hooks.append(hook)


def order_moved(*, order, from_status: str, to_status: str) -> None:
    for hook in list(_transition_hooks):
        hook(order=order, from_status=from_status, to_status=to_status)


# What becomes of an order as its payment lands, asked of the apps above (marketing: a
# group order takes its seat under the group's lock). Each gate is a function of (order),
# called in the payment's transaction with the order locked; it returns None when the order
# is not its own, or a PaymentVerdict. Rows only, no network.
@dataclass(frozen=True)
class PaymentVerdict:
    """``status``: where the paid order goes (paid, or grouping while its group fills);
    ``note_key``: its history's note;
    ``refuse``: a note key (orders.notes) when the payment cannot be taken (the group
    filled meanwhile): the order is cancelled with it and payments refunds the money."""

    status: str = ""
    note_key: str = ""
    refuse: str = ""
    notice: str = ""  # the shopper's message (orders.notifications), "paid" when empty


_payment_gates: list[Callable[..., PaymentVerdict | None]] = []


def register_payment_gate(gate: Callable[..., PaymentVerdict | None]) -> None:
    if gate not in _payment_gates:
        _payment_gates.append(gate)


def payment_verdict(*, order) -> PaymentVerdict | None:
    for gate in list(_payment_gates):
        verdict = gate(order=order)
        if verdict is not None:
            return verdict
    return None


# Links beside the tabs of "My orders" that other apps add (reviews: 待评价), each a
# function of (user) returning (label, URL, count or None).
_list_links: list[Callable[..., tuple]] = []


def register_order_list_link(link: Callable[..., tuple]) -> None:
    if link not in _list_links:
        _list_links.append(link)


def order_list_links(*, user) -> list[tuple]:
    return [link(user=user) for link in _list_links]
