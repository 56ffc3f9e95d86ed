from django import template
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from catalog.models import Sku
from config.money import money
from orders.admin.orders import local_day_range
from orders.models import Order, OrderStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def orders_dashboard(context):
    """Today's orders and revenue (the shop's local day) and the count awaiting shipment,
    in one query over index-friendly time ranges."""
    user = context["request"].user
    if not user.has_perm("orders.view_order"):
        return None
    start, end = local_day_range(timezone.localdate())
    stats = Order.objects.aggregate(
        today_orders=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        today_revenue=Sum("total_amount", filter=Q(paid_at__gte=start, paid_at__lt=end)),
        awaiting_shipment=Count("pk", filter=Q(status=OrderStatus.PAID)),
    )
    stats["today_revenue"] = money(stats["today_revenue"] or 0)
    if user.has_perm("catalog.view_sku"):
        stats["low_stock"] = Sku.objects.filter(
            is_active=True, stock__lte=F("low_stock_threshold")
        ).count()
    return stats
