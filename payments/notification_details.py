"""What processing found of a gateway's notification, as the merchant reads it.

``PaymentNotification.detail`` is written for the log, in English (a gateway's own words
may follow); the admin shows it in the merchant's language through this table. A detail
the table does not know is shown as written.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from orders.models import OrderStatus
from payments.models import RefundStatus

DETAILS = {
    "paid": _("paid: the order is paid"),
    "failed": _("the payment failed"),
    "already paid": _("already applied: nothing more to do"),
    "waiting for the buyer": _("waiting for the buyer"),
    "unknown payment": _("no such payment here"),
    "unknown refund": _("no such refund here"),
    "refund processing": _("the refund is on its way"),
    "refund already settled": _("the refund was settled already"),
    "order already paid: refund due": _("the order was paid already: this one is refunded"),
    "bad signature": _("bad signature"),
    "bad signature or undecryptable resource": _("bad signature, or it could not be decrypted"),
    "probe signature": _("a signature probe (WECHATPAY/SIGNTEST), refused"),
    "unknown serial": _("signed with an unknown key"),
    "unknown signature type": _("an unknown signature type"),
    "unsigned or not RSA2": _("unsigned, or not signed with RSA2"),
    "timestamp missing or outside the window": _("its time is missing or not within 5 minutes"),
    "malformed body": _("malformed body"),
    "malformed notification": _("malformed notification"),
    "malformed resource": _("malformed content"),
    "wrong app_id": _("another app's id"),
    "wrong seller_id": _("another seller's id"),
    "wrong currency": _("a currency other than CNY"),
    "wrong merchant id": _("another merchant's id"),
    "wrong merchant or app id": _("another merchant's or app's id"),
    "wrong merchant or amount": _("another merchant's, or an amount that is not a number"),
}
_AMOUNT = re.compile(r"(refund )?amount (\S+) does not match (\S+)")
_ORDER = re.compile(r"order (\w+): refund due")
_REFUND = re.compile(r"refund (\w+)")


def detail_label(detail: str) -> str:
    """``detail`` in the active language."""
    text = detail or ""
    if text in DETAILS:
        return str(DETAILS[text])
    if match := _AMOUNT.fullmatch(text):
        template = (
            _("refund of %(got)s, but it is %(want)s")
            if match.group(1)
            else _("%(got)s paid, but %(want)s was due")
        )
        return str(template) % {"got": match.group(2), "want": match.group(3)}
    if (match := _ORDER.fullmatch(text)) and match.group(1) in OrderStatus.values:
        return str(_("the order is “%(status)s”: the money is refunded")) % {
            "status": OrderStatus(match.group(1)).label
        }
    if (match := _REFUND.fullmatch(text)) and match.group(1) in RefundStatus.values:
        return str(_("refund: %(status)s")) % {"status": RefundStatus(match.group(1)).label}
    return text
