from django import template

from config.money import money

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes one).
    Inside a cached fragment the query comes as ``params``, never from the request."""
    params = context.get("params")
    query = (params if params is not None else context["request"].GET).copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def price_range(card: dict) -> str:
    low, high = card.get("min_price"), card.get("max_price")
    if low is None:
        return ""
    if low == high or high is None:
        return money(low)
    return f"{money(low)} – {money(high)}"
