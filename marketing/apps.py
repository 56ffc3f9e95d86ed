from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _welcome(*, user_id: int) -> None:
    from marketing.tasks import coupons_welcome_task

    coupons_welcome_task.delay(user_id)


class MarketingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketing"
    verbose_name = _("Marketing")

    def ready(self):
        from accounts.hooks import register_joined_hook
        from carts.pricing import Stage, register_stage
        from catalog.hooks import register_offers, register_product_extras, register_sale_floors
        from catalog.services import register_stock_audit
        from marketing import offers, pricing
        from marketing.services.coupons import coupons_follow_order
        from marketing.services.groupbuy import (
            SOURCE,
            groupbuy_stock_audit,
            groupbuy_units_give_back,
            groupbuy_units_take,
        )
        from marketing.services.groups import group_payment_verdict
        from marketing.services.points_orders import points_follow_order
        from orders.hooks import register_payment_gate, register_transition_hook
        from orders.stock_sources import register_stock_source

        # The engine in carts runs these; carts, orders and catalog never import marketing.
        register_stage(Stage.MEMBER, "member", pricing.member_stage, prepare=pricing.member_prepare)
        register_stage(
            Stage.LIMITED_TIME,
            "limited_time",
            pricing.limited_time_stage,
            prepare=pricing.limited_time_prepare,
        )
        register_stage(
            Stage.PROMOTION,
            "promotions",
            pricing.promotion_stage,
            prepare=pricing.threshold_prepare,
        )
        register_stage(Stage.COUPON, "coupon", pricing.coupon_stage, prepare=pricing.coupon_prepare)
        register_stage(Stage.POINTS, "points", pricing.points_stage, prepare=pricing.points_prepare)
        # A coupon follows its order: used when it is paid, back when it is cancelled.
        register_transition_hook(coupons_follow_order)
        # Points follow it too: earned when paid, usable once its after-sales window closes.
        register_transition_hook(points_follow_order)
        # Product cards and pages show the offers; catalog never imports marketing.
        register_offers(offers.product_offers, offers.offers_epoch, offers.offers_active)
        register_sale_floors(offers.sale_floors)
        register_product_extras(offers.member_extras)
        # 拼团: units from the campaign, the seat taken as the payment lands, the campaign's
        # ledger proved by stock_audit; orders and catalog never import marketing.
        register_stock_source(SOURCE, take=groupbuy_units_take, give_back=groupbuy_units_give_back)
        register_payment_gate(group_payment_verdict)
        register_stock_audit(groupbuy_stock_audit)
        # The product page shows its group buys, the order page a group order's group, and
        # share pages follow their group live.
        from django.urls import re_path

        from config.ws_routing import register_websocket_route
        from marketing.consumers import GroupConsumer
        from marketing.views_groupbuy import group_order_panel, groupbuy_extras
        from orders.hooks import register_order_panel

        register_product_extras(groupbuy_extras)
        register_order_panel(group_order_panel)
        register_websocket_route(
            re_path(r"^ws/groups/(?P<team_no>[0-9A-Za-z]{1,24})/$", GroupConsumer.as_asgi())
        )
        # A new shopper gets the new-shopper coupons; accounts never imports marketing.
        register_joined_hook(_welcome)
