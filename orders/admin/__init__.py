"""Merchant admin for orders: read-only records; every change goes through orders.services."""

from orders.admin import delivery, orders  # noqa: F401  (registers the admins)
