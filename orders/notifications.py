"""What the shopper is told when an order changes: an email and an in-site message."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from orders.models import Message, Order

SUBJECTS = {
    "created": _("Order %(no)s placed: please pay by %(deadline)s"),
    "paid": _("Order %(no)s paid: we are packing it"),
    "shipped": _("Order %(no)s shipped with %(carrier)s (%(tracking)s)"),
    "cancelled": _("Order %(no)s cancelled"),
}


def order_notify(*, order_id: int, kind: str) -> None:
    """Tell the shopper about an order event; sending the same kind twice sends nothing new."""
    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None or kind not in SUBJECTS:
        return
    title = SUBJECTS[kind] % {
        "no": order.order_no,
        "deadline": order.pay_deadline.strftime("%Y-%m-%d %H:%M"),
        "carrier": order.carrier,
        "tracking": order.tracking_no,
    }
    message, created = Message.objects.get_or_create(
        user=order.user,
        order=order,
        title=title,
        defaults={
            "body": _("Total %(total)s. See your order for details.")
            % {"total": order.total_amount}
        },
    )
    if created and order.user.email:
        send_mail(
            subject=title,
            message=f"{message.body}\n\n{settings.SITE_NAME}",
            from_email=None,
            recipient_list=[order.user.email],
        )
