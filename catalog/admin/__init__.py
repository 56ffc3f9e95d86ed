"""Merchant admin for the catalog. Every write goes through catalog.services."""

from catalog.admin import products, skus, taxonomy  # noqa: F401  (registers the admins)
