from carts.errors import CartUnavailable
from carts.keys import cart_key_for_request
from carts.selectors import cart_count
from config.outage import degraded


def cart(request):
    """The header's cart badge; counted only when a template shows it, and left out (the
    page still renders) while the cart's Redis is down."""

    def count():
        try:
            return cart_count(key=cart_key_for_request(request))
        except CartUnavailable as exc:
            degraded("cart_badge", exc)
            return None

    return {"cart_count": count}
