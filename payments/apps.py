from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from orders.hooks import (
            register_admin_order_panel,
            register_order_panel,
            register_payment_info,
            register_settle_hook,
            register_transition_hook,
        )
        from payments import checks  # noqa: F401  (registers the system checks)
        from payments.admin.aftersales import admin_order_refunds_panel
        from payments.services import (
            payment_status_for_orders,
            payments_follow_order,
            payments_settle_before_cancel,
        )
        from payments.views_aftersales import aftersale_panel

        # orders asks these; it never imports payments.
        register_settle_hook(payments_settle_before_cancel)
        # A paid order cancelled before it ships (its group failed) is refunded in full.
        register_transition_hook(payments_follow_order)
        register_payment_info(payment_status_for_orders)
        register_order_panel(aftersale_panel)
        register_admin_order_panel(admin_order_refunds_panel)
