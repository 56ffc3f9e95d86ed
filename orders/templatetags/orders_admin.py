from django import template
from django.db.models import Count, Q, Sum
from django.utils import timezone

from orders.models import Order, OrderStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def orders_dashboard(context):
    """Today's orders and revenue and the count awaiting shipment (one query)."""
    user = context["request"].user
    if not user.has_perm("orders.view_order"):
        return None
    today = timezone.localdate()
    return Order.objects.aggregate(
        today_orders=Count("pk", filter=Q(created_at__date=today)),
        today_revenue=Sum("total_amount", filter=Q(paid_at__date=today)),
        awaiting_shipment=Count("pk", filter=Q(status=OrderStatus.PAID)),
    )
