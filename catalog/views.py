"""Shopper pages of the catalog: home, category listing, search, product detail."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render

from catalog import selectors
from catalog.errors import ProductNotFound
from catalog.filters import SORT_CHOICES
from config.parsing import parse_id

PAGE_SIZE = 24


def home(request):
    return render(
        request,
        "catalog/home.html",
        {"sections": selectors.home_sections(), "categories": selectors.category_tree()},
    )


def _page_number(request) -> int:
    """The requested page; anything but a plain number is the first (past the end: last)."""
    return parse_id(request.GET.get("page", "1")) or 1


def _listing(request, *, title: str, category=None, breadcrumbs=None):
    params = request.GET.copy()
    if category is not None:
        params["category"] = category["slug"]
    errors = {}
    try:
        data = selectors.product_list_page(
            params=params, page=_page_number(request), page_size=PAGE_SIZE
        )
    except ValidationError as exc:
        # The errors show beside their fields; the listing shows with the valid filters.
        errors = exc.message_dict
        for field in errors:
            params.pop(field, None)
        data = selectors.product_list_page(
            params=params, page=_page_number(request), page_size=PAGE_SIZE
        )
    return render(
        request,
        "catalog/product_list.html",
        {
            "title": title,
            "category": category,
            "breadcrumbs": breadcrumbs or [],
            "data": data,
            "errors": errors,
            "query": request.GET.get("q", "").strip()[:100],
            "sort_choices": SORT_CHOICES,
            "brands": selectors.brand_list(
                category_path=category["path"] if category is not None else None
            ),
            "page_range": range(
                max(1, data["page"] - 3), min(data["num_pages"], data["page"] + 3) + 1
            ),
        },
    )


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    return _listing(request, title=query or "")


def category(request, slug):
    try:
        current = selectors.category_get_active(slug=slug)
    except ProductNotFound as exc:
        raise Http404 from exc
    return _listing(
        request, title=current["name"], category=current, breadcrumbs=current["breadcrumbs"]
    )


def product(request, slug):
    try:
        data = selectors.product_detail(slug=slug)
    except ProductNotFound as exc:
        raise Http404 from exc
    return render(request, "catalog/product_detail.html", {"product": data})
