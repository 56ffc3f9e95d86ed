"""Shop pages from cached HTML fragments.

The catalog part of a page (product grid, filters, product details) is rendered once per
catalog version, language and query, and kept in the cache; what belongs to one visitor (the
header's cart badge and login state, the CSRF token, recently viewed products) is rendered
around it on every request. Fragments are rendered without the request, so nothing personal
can slip into them; a form inside one carries ``CSRF_SLOT``, replaced with the visitor's own
token when the page is served.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.cache import catalog_cached, catalog_get_current, catalog_set_current

CSRF_SLOT = "<!--kuaimai:csrf-->"
# Where a product page puts what is this shopper's own (catalog.hooks.product_extras).
EXTRAS_SLOT = "<!--kuaimai:extras-->"
# Below the product, before its details: this shopper's and other apps' sections (reviews).
BELOW_SLOT = "<!--kuaimai:below-->"


def fragment(
    name: str, params: dict, template: str, context: Callable[[], dict], *, timeout: int
) -> str:
    """The HTML of ``template`` for (name, params) at the current catalog version in the
    active language; ``context`` is called only when the fragment must be rendered."""
    return catalog_cached(
        f"html:{name}", params, timeout, lambda: render_to_string(template, context())
    )


def personalize(html: str, request) -> SafeString:
    """The fragment with this visitor's CSRF token in its forms."""
    if CSRF_SLOT in html:
        token = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        html = html.replace(CSRF_SLOT, token)
    return mark_safe(html)  # noqa: S308 - rendered by our templates, autoescaped there


CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage


def is_plain_guest(request) -> bool:
    """A visitor with nothing of their own to show: not signed in, no session (so no cart
    and no recently viewed) and no flash message waiting."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and not request.user.is_authenticated
    )


def guest_page(name: str, *, timeout: Callable[..., int]):
    """Serve a whole page from the cache to plain guests (see ``is_plain_guest``): for them
    the header is the same for everyone, and only the CSRF token is theirs, so the page is
    kept with its tokens cut out (``CSRF_SLOT``) and each visitor gets their own put back.
    Keyed by path and query, catalog version and language; everyone else gets the view."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "GET" or not is_plain_guest(request):
                return view(request, *args, **kwargs)
            key, version, html = catalog_get_current(
                f"page:{name}", {"path": request.get_full_path()}
            )
            if html is not None:
                return HttpResponse(personalize(html, request))
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                page = CSRF_INPUT.sub(CSRF_SLOT, response.content.decode(response.charset))
                catalog_set_current(key, version, page, timeout(request))
            return response

        return wrapped

    return decorator
