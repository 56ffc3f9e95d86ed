"""Payments in the merchant admin: read-only records of what the gateways said, and the
after-sales queue whose buttons call payments.services."""

from payments.admin import aftersales, payments  # noqa: F401  (registers the admins)
