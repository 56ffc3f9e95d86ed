from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeckillConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seckill"
    verbose_name = _("Flash sales")

    def ready(self):
        from catalog.services import register_stock_audit
        from config.metrics.live import register as register_metrics
        from orders.stock_sources import register_stock_source
        from seckill.services import event_stock_audit, event_units_give_back, event_units_take
        from seckill.services.sources import SOURCE

        # catalog proves every ledger through this; it never imports seckill.
        register_stock_audit(event_stock_audit)
        # orders takes and gives back flash-sale units through this; it never imports seckill.
        register_stock_source(SOURCE, take=event_units_take, give_back=event_units_give_back)
        # /metrics shows the consumer's lag through this; config never imports seckill.
        from seckill.metrics import ConsumerLagCollector

        register_metrics(ConsumerLagCollector())
