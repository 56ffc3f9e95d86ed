from django import template

from orders.carriers import carrier_label, tracking_url

register = template.Library()


@register.filter
def carrier_name(carrier: str) -> str:
    return carrier_label(carrier)


@register.filter
def tracking_link(order) -> str | None:
    return tracking_url(order.carrier, order.tracking_no)
