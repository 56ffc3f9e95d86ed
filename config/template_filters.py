"""Filters every template has (``builtins`` in settings): money as people read it."""

from django import template

from config.money import money as format_money

register = template.Library()


@register.filter
def money(value) -> str:
    """¥30,800.00"""
    return format_money(value)
