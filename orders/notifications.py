"""What the shopper is told when an order changes: an in-site message and an email.

Written when the task runs, in the recipient's language and the shop's time zone, with
amounts as the pages show them. One message per order and event (a database constraint),
and its email is sent until it went out once.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.dates import local_datetime
from config.money import money
from config.oncommit import after_commit
from config.site import site_name
from orders.carriers import carrier_label
from orders.models import Message, Order
from orders.selectors import message_unread_forget

logger = logging.getLogger(__name__)

# Lazy: translated when a message is written, in the language of whoever receives it.
SUBJECTS = {
    "created": _("Order %(no)s placed: please pay by %(deadline)s"),
    "paid": _("Order %(no)s paid: we are packing it"),
    "shipped": _("Order %(no)s shipped with %(carrier)s (%(tracking)s)"),
    "cancelled": _("Order %(no)s cancelled"),
}
BODY = _("Total %(total)s. See your order for details.")


def recipient_language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _write(order: Order, kind: str) -> tuple[str, str]:
    values = {
        "no": order.order_no,
        "deadline": local_datetime(order.pay_deadline),
        "carrier": carrier_label(order.carrier),
        "tracking": order.tracking_no,
        "total": money(order.total_amount),
    }
    return str(SUBJECTS[kind]) % values, str(BODY) % values


def _site_name_for(user) -> str:
    with translation.override(recipient_language(user)):
        return site_name()


def order_notify(*, order_id: int, kind: str) -> None:
    """Tell the shopper about an order event, once; a retry sends an email that failed."""
    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None or kind not in SUBJECTS:
        return
    _deliver(order.user, order, kind, lambda: _write(order, kind))


def _deliver(user, order: Order, kind: str, write) -> None:
    """One message to ``user`` about ``order`` and ``kind`` (``write()`` gives its title and
    text, in the user's language), then its email until it went out once."""
    message = Message.objects.filter(user=user, order=order, kind=kind).first()
    if message is None:
        with translation.override(recipient_language(user)):
            title, body = write()
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    user=user, order=order, kind=kind, title=title, body=body
                )
            after_commit(lambda: message_unread_forget(user_id=user.pk))
        except IntegrityError:  # a duplicate delivery of the same task won the race
            message = Message.objects.get(user=user, order=order, kind=kind)
    if message.emailed_at is not None or not user.email:
        return
    send_mail(
        subject=message.title,
        message=f"{message.body}\n\n{_site_name_for(user)}",
        from_email=None,
        recipient_list=[user.email],
    )
    Message.objects.filter(pk=message.pk, emailed_at=None).update(emailed_at=timezone.now())


# --- After-sales ------------------------------------------------------------------------------

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
    from accounts.permissions import MERCHANTS_GROUP
    from orders.models import AfterSaleEvent

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

    from django.contrib.auth import get_user_model

    merchants = get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name=MERCHANTS_GROUP
    )
    for user in [order.user, *merchants.exclude(pk=order.user_id)]:
        try:
            _deliver(user, order, f"aftersale:{event.pk}", write)
        except Exception:  # one recipient's mail server must not keep the others uninformed
            logger.exception("after-sales message %s to user %s failed", event.pk, user.pk)
