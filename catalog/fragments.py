"""Shop pages from cached HTML fragments.

The catalog part of a page (product grid, filters, product details) is rendered once per
catalog version, language and query, and kept in the cache; what belongs to one visitor (the
header's cart badge and login state, the CSRF token, recently viewed products) is rendered
around it on every request. Fragments are rendered without the request, so nothing personal
can slip into them; a form inside one carries ``CSRF_SLOT``, replaced with the visitor's own
token when the page is served.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.cache import catalog_key

CSRF_SLOT = "<!--kuaimai:csrf-->"


def fragment(
    name: str, params: dict, template: str, context: Callable[[], dict], *, timeout: int
) -> str:
    """The HTML of ``template`` for (name, params) at the current catalog version in the
    active language; ``context`` is called only when the fragment must be rendered."""
    key = catalog_key(f"html:{name}", params)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, context())
        cache.set(key, html, timeout)
    return html


def personalize(html: str, request) -> SafeString:
    """The fragment with this visitor's CSRF token in its forms."""
    if CSRF_SLOT in html:
        token = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        html = html.replace(CSRF_SLOT, token)
    return mark_safe(html)  # noqa: S308 - rendered by our templates, autoescaped there
