from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    """Delivery: shipping templates (运费模板) and what freight comes to. It sits between
    ``catalog`` (a product names its template) and ``accounts`` (the regions): the cart and
    checkout reach it from below ``orders`` without an upward import."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "delivery"
    verbose_name = _("Delivery")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from delivery.models import ShippingRule, ShippingTemplate
        from delivery.selectors import templates_changed

        for model in (ShippingTemplate, ShippingRule):
            for signal in (post_save, post_delete):
                signal.connect(
                    lambda **kwargs: templates_changed(),
                    sender=model,
                    weak=False,
                    dispatch_uid=f"delivery-{model.__name__}-{signal is post_save}",
                )
