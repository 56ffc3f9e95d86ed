from accounts.tests.factories import AddressFactory
from carts.keys import user_cart_key
from carts.services import cart_add, cart_clear
from catalog.tests.factories import make_product
from orders.services import order_create_from_cart


def fill_cart(user, *skus_and_quantities):
    for sku, quantity in skus_and_quantities:
        cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=quantity)


def place_order(user, sku=None, quantity=1, **kwargs):
    """Put ``quantity`` of ``sku`` (a new product's SKU if None) in the cart and check out."""
    sku = sku or make_product().skus.get()
    # Start from an empty cart: outside transactional tests the on-commit cleanup never runs.
    cart_clear(key=user_cart_key(user.pk))
    fill_cart(user, (sku, quantity))
    address = getattr(user, "address", None) or AddressFactory(user=user)
    order, _ = order_create_from_cart(user=user, address_id=address.pk, **kwargs)
    return order
