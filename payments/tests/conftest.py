from orders.tests.conftest import buyer  # noqa: F401  (the shopper with a default address)
