"""What the shopper and the merchants are told at each after-sales step: an in-site message
and an email each, in the recipient's language, once per step (orders.notifications writes
and sends them)."""

import logging

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.permissions import MERCHANTS_GROUP
from config.money import money
from orders.notifications import message_deliver
from payments.models import AfterSaleEvent

logger = logging.getLogger(__name__)

AFTERSALE_SUBJECTS = {
    "requested": _(
        "After-sales request %(no)s for order %(order)s received (%(kind)s, %(amount)s)"
    ),
    "awaiting_return": _("Request %(no)s approved: please send the goods back"),
    "return_shipped": _("Request %(no)s: the goods are on their way back (%(tracking)s)"),
    "refunding": _("Request %(no)s: a refund of %(amount)s is under way"),
    "refunded": _("Request %(no)s: %(amount)s refunded"),
    "refund_failed": _("Request %(no)s: the refund failed"),
    "rejected": _("Request %(no)s rejected"),
    "withdrawn": _("Request %(no)s withdrawn"),
}
AFTERSALE_BODY = _("Order %(order)s. %(note)s")


def aftersale_notify(*, event_id: int) -> None:
    """Tell the shopper and every merchant about an after-sales step, once each."""
    event = (
        AfterSaleEvent.objects.select_related("request__order__user", "request")
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.to_status not in AFTERSALE_SUBJECTS:
        return
    request = event.request
    order = request.order

    def write():
        values = {
            "no": request.request_no,
            "order": order.order_no,
            "kind": request.get_kind_display(),
            "amount": money(request.amount),
            "tracking": f"{request.return_carrier} {request.return_tracking_no}".strip(),
        }
        note = event.note if event.to_status != "return_shipped" else ""
        title = str(AFTERSALE_SUBJECTS[event.to_status]) % values
        return title, (str(AFTERSALE_BODY) % {**values, "note": note}).strip()

    merchants = get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name=MERCHANTS_GROUP
    )
    for user in [order.user, *merchants.exclude(pk=order.user_id)]:
        try:
            message_deliver(user, order, f"aftersale:{event.pk}", write)
        except Exception:  # one recipient's mail server must not keep the others uninformed
            logger.exception("after-sales message %s to user %s failed", event.pk, user.pk)
