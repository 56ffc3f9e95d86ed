from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from orders.hooks import register_payment_info, register_refunds, register_settle_hook
        from payments import checks  # noqa: F401  (registers the system checks)
        from payments.services import (
            payment_status_for_orders,
            payments_settle_before_cancel,
            refund_retry,
            refund_start_for_order,
        )

        # orders asks these; it never imports payments.
        register_settle_hook(payments_settle_before_cancel)
        register_payment_info(payment_status_for_orders)
        register_refunds(start=refund_start_for_order, retry=refund_retry)
