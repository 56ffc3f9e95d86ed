"""Low-stock alerts to the merchants: the alert itself is the in-site message (listed in the
admin and on its index page); this sends the email, once per alert."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import MERCHANTS_GROUP
from catalog.models import StockAlert
from config.dates import local_datetime
from config.site import site_name


def merchant_recipients() -> dict[str, list[str]]:
    """Language → email addresses of active merchants and superusers who have one."""
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=MERCHANTS_GROUP) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
    )
    by_language: dict[str, list[str]] = {}
    for user in users:
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        by_language.setdefault(language, []).append(user.email)
    return by_language


def stock_alert_notify(*, alert_id: int) -> None:
    """Email the alert unless it already went out; a retry after a mail failure sends it."""
    alert = StockAlert.objects.select_related("sku__product").filter(pk=alert_id).first()
    if alert is None or alert.emailed_at is not None:
        return
    sku = alert.sku
    for language, emails in merchant_recipients().items():
        with translation.override(language):
            subject = _("Low stock: %(product)s %(sku)s has %(stock)d left") % {
                "product": sku.product.name,
                "sku": sku.attributes_label or sku.code,
                "stock": alert.stock,
            }
            body = _(
                "SKU %(code)s fell to %(stock)d (threshold %(threshold)d) at %(time)s. "
                "Restock it in the admin's SKU list."
            ) % {
                "code": sku.code,
                "stock": alert.stock,
                "threshold": alert.threshold,
                "time": local_datetime(alert.created_at),
            }
            signature = site_name()
        send_mail(
            subject=subject,
            message=f"{body}\n\n{signature}",
            from_email=None,
            recipient_list=emails,
        )
    StockAlert.objects.filter(pk=alert.pk, emailed_at=None).update(emailed_at=timezone.now())
