from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeckillConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seckill"
    verbose_name = _("Flash sales")

    def ready(self):
        from catalog.services import register_stock_audit
        from seckill.services import event_stock_audit

        # catalog proves every ledger through this; it never imports seckill.
        register_stock_audit(event_stock_audit)
