from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


def _merge_guest_cart(sender, request, user, **kwargs):
    """At login the guest cart joins the user's cart."""
    from carts.services import cart_merge_guest

    if request is None or not hasattr(request, "session"):
        return
    cart_merge_guest(request=request, user=user)


class CartsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "carts"
    verbose_name = _("Carts")

    def ready(self):
        from carts.pricing import Stage, register_stage
        from carts.pricing.shipping import shipping_prepare, shipping_stage

        user_logged_in.connect(_merge_guest_cart, dispatch_uid="carts_merge_guest_cart")
        register_stage(Stage.SHIPPING, "shipping", shipping_stage, prepare=shipping_prepare)
        # The product page's favourite button and count; catalog never imports carts.
        from carts.views_favourites import favourite_extras
        from catalog.hooks import register_product_extras

        register_product_extras(favourite_extras)
