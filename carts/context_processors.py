from carts.keys import cart_key_for_request
from carts.selectors import cart_count


def cart(request):
    """The header's cart badge; counted only when a template shows it."""
    return {"cart_count": lambda: cart_count(key=cart_key_for_request(request))}
