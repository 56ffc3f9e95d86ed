"""The admin index's money and after-sales figures (payments owns both)."""

from django import template
from django.utils import timezone

from config.dates import local_day_range
from payments.selectors import aftersale_counts, sales_totals

register = template.Library()


@register.simple_tag(takes_context=True)
def payments_dashboard(context):
    """Today's money in, refunded and net (the shop's local day), and the after-sales
    queue; None for a user who may not see payments."""
    user = context["request"].user
    if not user.has_perm("payments.view_payment"):
        return None
    start, end = local_day_range(timezone.localdate())
    stats = {"today": sales_totals(start=start, end=end)}
    if user.has_perm("payments.view_aftersalerequest"):
        stats["aftersales"] = aftersale_counts()
    return stats
