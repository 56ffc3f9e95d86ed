"""Shopper pages of the catalog: home, category listing, search, product detail.

The catalog part of each page is a cached fragment (catalog.fragments); the views add what
is the visitor's own around it.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from catalog import recent, selectors
from catalog.errors import ProductNotFound
from catalog.filters import SORT_CHOICES
from catalog.fragments import BELOW_SLOT, EXTRAS_SLOT, fragment, guest_page, personalize
from catalog.hooks import product_extras
from config.parsing import parse_id

PAGE_SIZE = 24
RELATED_COUNT = 8


def _list_seconds(request=None) -> int:
    if request is not None and request.GET.get("in_stock"):
        return _stock_seconds()
    return settings.CATALOG_LIST_CACHE_SECONDS


def _stock_seconds(request=None) -> int:
    # Half the stock snapshot's life: a guest sees a sale within 1.5× CATALOG_STOCK_CACHE_SECONDS.
    return max(1, settings.CATALOG_STOCK_CACHE_SECONDS // 2)


@guest_page("home", timeout=_list_seconds)
def home(request):
    body = fragment(
        "home",
        {},
        "catalog/_home_body.html",
        lambda: {"sections": selectors.home_sections(), "categories": selectors.category_tree()},
        timeout=settings.CATALOG_LIST_CACHE_SECONDS,
    )
    return render(
        request,
        "catalog/home.html",
        {
            "body": personalize(body, request),
            "recently_viewed": _recently_viewed(recent.recent_ids(request=request)),
        },
    )


def _recently_viewed(ids: list[int]) -> str:
    """The "recently viewed" section for these products, itself a cached fragment."""
    if not ids:
        return ""
    return fragment(
        "recent",
        {"ids": ids},
        "catalog/_recently_viewed.html",
        lambda: {"recently_viewed": selectors.product_cards(ids=ids)},
        timeout=settings.CATALOG_LIST_CACHE_SECONDS,
    )


def _page_number(request) -> int:
    """The requested page; anything but a plain number is the first (past the end: last)."""
    return parse_id(request.GET.get("page", "1")) or 1


def _filters(shown, category):
    """What the list filters by: the query string, and the category of a category page."""
    params = shown.copy()
    if category is not None:
        params["category"] = category["slug"]
    return params


def _listing_context(shown, *, page: int, category, query: str, errors: dict) -> dict:
    data = selectors.product_list_page(
        params=_filters(shown, category), page=page, page_size=PAGE_SIZE
    )
    return {
        "params": shown,  # the query string the links and the filter form repeat
        "category": category,
        "data": data,
        "errors": errors,
        "query": query,
        "sort_choices": SORT_CHOICES,
        "brands": selectors.brand_list(
            category_path=category["path"] if category is not None else None
        ),
        "page_range": range(max(1, data["page"] - 3), min(data["num_pages"], data["page"] + 3) + 1),
        # A search that found nothing offers the closest categories and hot products.
        "alternatives": (
            selectors.search_alternatives(query=query) if query and not data["count"] else None
        ),
    }


def _listing(request, *, title: str, category=None, breadcrumbs=None):
    shown = request.GET.copy()
    query = shown.get("q", "").strip()[:100]
    page = _page_number(request)
    try:
        selectors.product_list_validate(params=_filters(shown, category))
    except ValidationError as exc:
        # The errors show beside their fields; the listing shows with the valid filters.
        # Rare and bound to its input, so rendered without the cache.
        errors = exc.message_dict
        for field in errors:
            shown.pop(field, None)
        body = render_to_string(
            "catalog/_listing_body.html",
            _listing_context(shown, page=page, category=category, query=query, errors=errors),
        )
    else:
        key = sorted((k, sorted(v)) for k, v in _filters(shown, category).lists())
        body = fragment(
            "listing",
            {"params": key, "page": page},
            "catalog/_listing_body.html",
            lambda: _listing_context(shown, page=page, category=category, query=query, errors={}),
            timeout=_list_seconds(request),
        )
    return render(
        request,
        "catalog/product_list.html",
        {
            "title": title,
            "category": category,
            "breadcrumbs": breadcrumbs or [],
            "query": query,
            "body": personalize(body, request),
        },
    )


@guest_page("search", timeout=_list_seconds)
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    return _listing(request, title=query or "")


@guest_page("category", timeout=_list_seconds)
def category(request, slug):
    try:
        current = selectors.category_get_active(slug=slug)
    except ProductNotFound as exc:
        raise Http404 from exc
    return _listing(
        request, title=current["name"], category=current, breadcrumbs=current["breadcrumbs"]
    )


@guest_page("product", timeout=_stock_seconds)
def product(request, slug):
    try:
        data = selectors.product_detail(slug=slug)
    except ProductNotFound as exc:
        raise Http404 from exc
    # The live stock is part of the key: a sale shows within CATALOG_STOCK_CACHE_SECONDS.
    stock = hashlib.sha1(  # noqa: S324 - a cache key
        repr([(sku["id"], sku["stock"]) for sku in data["skus"]]).encode()
    ).hexdigest()
    body = fragment(
        "product",
        {"slug": slug, "stock": stock},
        "catalog/_product_body.html",
        lambda: {
            "product": data,
            # Chosen at first: the first SKU that can be bought.
            "default_sku": next((sku["id"] for sku in data["skus"] if sku["stock"]), None),
            "related": selectors.product_related(
                product_id=data["id"], category_id=data["category"]["id"], limit=RELATED_COUNT
            ),
        },
        timeout=settings.CATALOG_DETAIL_CACHE_SECONDS,
    )
    viewed = [i for i in recent.recent_ids(request=request) if i != data["id"]]
    found = product_extras(user=request.user, product=data)
    extras = render_to_string("catalog/_product_extras.html", {"extras": found}, request=request)
    below = "".join(found.get("below", []))
    body = body.replace(EXTRAS_SLOT, extras).replace(BELOW_SLOT, below)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": data,
            "body": personalize(body, request),
            "recently_viewed": _recently_viewed(viewed),
        },
    )


@require_POST
def product_viewed(request):
    """Record a product in the shopper's "recently viewed" (sent by the product page)."""
    product_id = parse_id(request.POST.get("product", ""))
    if product_id is None:
        return HttpResponseBadRequest()
    try:
        selectors.product_detail(pk=product_id)
    except ProductNotFound as exc:
        raise Http404 from exc
    recent.recent_add(request=request, product_id=product_id)
    return HttpResponse(status=204)
