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
    "collected": _("Order %(no)s collected at %(point)s"),
    # A group order (拼团): waiting, then filled or failed.
    "grouping": _("Order %(no)s paid: share your group so it fills in time"),
    "group_succeeded": _("Order %(no)s: your group is full, we are packing it"),
    "group_failed": _("Order %(no)s: the group did not fill in time, %(total)s refunded in full"),
    "group_full": _(
        "Order %(no)s: the group filled before your payment, %(total)s refunded in full; "
        "open a new group any time"
    ),
    "group_closed": _("Order %(no)s: the group buy is over, %(total)s refunded in full"),
}
# A paid pickup order's message gives the code to show at the point.
PAID_PICKUP = _("Order %(no)s paid: collect it at %(point)s with the code %(code)s")
BODY = _("Total %(total)s. See your order for details.")
# With discounts, the body first says how the total came about.
BREAKDOWN = _("Items %(items)s, shipping %(shipping)s.")
DISCOUNT_LINE = _("%(label)s: −%(amount)s")


def recipient_language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _write(order: Order, kind: str) -> tuple[str, str]:
    values = {
        "no": order.order_no,
        "deadline": local_datetime(order.pay_deadline),
        "carrier": carrier_label(order.carrier),
        "tracking": order.tracking_no,
        "total": money(order.total_amount),
        "point": order.pickup_point.name if order.pickup_point_id else "",
        "code": order.pickup_code,
    }
    body = [str(BODY) % values]
    discounts = list(order.discounts.all())
    if discounts:
        body[:0] = [
            str(BREAKDOWN)
            % {"items": money(order.items_amount), "shipping": money(order.shipping_fee)},
            *(
                str(DISCOUNT_LINE) % {"label": d.label, "amount": money(d.amount)}
                for d in discounts
            ),
        ]
    subject = PAID_PICKUP if kind == "paid" and order.pickup_code else SUBJECTS[kind]
    return str(subject) % values, "\n".join(body)


def _site_name_for(user) -> str:
    with translation.override(recipient_language(user)):
        return site_name()


def order_notify(*, order_id: int, kind: str) -> None:
    """Tell the shopper about an order event, once; a retry sends an email that failed."""
    order = Order.objects.select_related("user", "pickup_point").filter(pk=order_id).first()
    if order is None or kind not in SUBJECTS:
        return
    message_deliver(order.user, order, kind, lambda: _write(order, kind))


def message_deliver(user, order: Order, kind: str, write) -> None:
    """One message to ``user`` about ``order`` and ``kind`` (``write()`` gives its title and
    text, in the user's language), then its email until it went out once. Other apps tell
    shoppers and merchants through this too (payments: after-sales steps)."""
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
    if message.emailed_at is None and user.email:
        send_mail(
            subject=message.title,
            message=f"{message.body}\n\n{_site_name_for(user)}",
            from_email=None,
            recipient_list=[user.email],
        )
        Message.objects.filter(pk=message.pk, emailed_at=None).update(emailed_at=timezone.now())
    template = settings.WECHAT_SUBSCRIBE_TEMPLATES.get(kind.split(":")[0])
    if template and user.wechat_openid and order is not None and message.wechat_sent_at is None:
        _wechat_send(user, order, message, template)


def _wechat_send(user, order: Order, message: Message, template: dict) -> None:
    """The message as a WeChat subscribe message, where the merchant configured a template
    for its kind (WECHAT_SUBSCRIBE_TEMPLATES): each keyword gets the value named. Once;
    WeChat unreachable is logged and the email and in-site message stand."""
    from accounts.errors import WechatUnavailable
    from accounts.wechat import subscribe_message_send

    first = order.items.order_by("pk").first()
    values = {
        "product": first.product_name if first else "",
        "total": f"{order.total_amount}元",
        "order_no": order.order_no,
        "title": message.title,
        "time": timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M"),
    }
    data = {keyword: values.get(name, "") for keyword, name in template.get("data", {}).items()}
    try:
        subscribe_message_send(
            openid=user.wechat_openid,
            template_id=template["id"],
            data=data,
            page=template.get("page", "pages/order/detail") + f"?order_no={order.order_no}",
        )
    except WechatUnavailable:
        logger.warning("wechat subscribe message for %s not sent", message.pk)
        return
    Message.objects.filter(pk=message.pk, wechat_sent_at=None).update(wechat_sent_at=timezone.now())
