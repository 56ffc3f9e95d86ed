from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from catalog.hooks import register_product_extras
        from orders.hooks import register_order_list_link, register_order_panel
        from reviews.views import order_list_link, order_review_panel, reviews_extras

        # The product page shows the summary and newest reviews, My orders links 待评价, a
        # received order's page its review buttons; catalog and orders never import reviews.
        register_product_extras(reviews_extras)
        register_order_list_link(order_list_link)
        register_order_panel(order_review_panel)
