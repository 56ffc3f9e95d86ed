from django import template
from django.db.models import Count, F, Q
from django.utils import timezone

from catalog.models import Sku
from config.dates import local_day_range
from orders.models import Order, OrderStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def orders_dashboard(context):
    """Today's orders (the shop's local day) and the count awaiting shipment, in one query
    over index-friendly time ranges (the money is payments', see payments_admin)."""
    user = context["request"].user
    if not user.has_perm("orders.view_order"):
        return None
    start, end = local_day_range(timezone.localdate())
    stats = Order.objects.aggregate(
        today_orders=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        awaiting_shipment=Count("pk", filter=Q(status=OrderStatus.PAID)),
    )
    if user.has_perm("catalog.view_sku"):
        stats["low_stock"] = Sku.objects.filter(
            is_active=True, stock__lte=F("low_stock_threshold")
        ).count()
    return stats
