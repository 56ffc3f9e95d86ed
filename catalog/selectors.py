"""Reads of the catalog, cached and shaped for both the API and the pages."""

from __future__ import annotations

import difflib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet

from catalog import hooks, search
from catalog.cache import catalog_cached
from catalog.errors import ProductNotFound
from catalog.filters import ProductFilter
from catalog.models import Brand, Category, Product, ProductImage, ProductStatus, Sku
from catalog.serializers import ProductCardSerializer, ProductDetailSerializer

NAME_FIELDS = ("name_zh_hans", "name_en")


def product_offers(products) -> dict[int, dict]:
    """The offers on these products now (catalog.hooks; one query for their SKUs), for the
    serializers' context. Called inside the cached builds: the keys carry the offers' epoch."""
    products = list(products)
    if not products or not hooks.offers_active():
        return {}
    skus: dict[int, list[dict]] = {}
    for row in Sku.objects.filter(product__in=products, is_active=True).values(
        "id", "product_id", "price"
    ):
        skus.setdefault(row["product_id"], []).append(row)
    return hooks.product_offers(
        products=[
            {"id": p.pk, "category_path": p.category.path, "skus": skus.get(p.pk, [])}
            for p in products
        ]
    )


def cards(products) -> list:
    """Product cards with their offers."""
    products = list(products)
    context = {"offers": product_offers(products)}
    return ProductCardSerializer(products, many=True, context=context).data


def product_queryset_for_shoppers() -> QuerySet[Product]:
    """On-sale products with what a product card needs, in a constant number of queries."""
    return (
        Product.objects.filter(status=ProductStatus.ON_SALE, category__is_active=True)
        .select_related("category", "brand")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("sort_order", "pk"))
        )
    )


# --- Categories ----------------------------------------------------------------------------


def _build_category_tree() -> list[dict]:
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    categories = Category.objects.filter(is_active=True).order_by("depth", "sort_order", "name")
    for category in categories:
        node = {
            "id": category.pk,
            "name": category.name,
            "slug": category.slug,
            "url": category.get_absolute_url(),
            "image": category.image.url if category.image else None,
            "children": [],
        }
        nodes[category.pk] = node
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.parent_id]["children"].append(node)
        # A child of an inactive parent is hidden with it.
    return roots


def category_tree() -> list[dict]:
    """Active categories as nested dicts, roots first, children by sort order."""
    return catalog_cached(
        "category_tree", {}, settings.CATALOG_LIST_CACHE_SECONDS, _build_category_tree
    )


def category_index() -> dict[str, dict]:
    """Active categories by slug: id, name, path, url (cached; lookups run no SQL)."""

    def build() -> dict[str, dict]:
        return {
            c.slug: {
                "id": c.pk,
                "name": c.name,
                "slug": c.slug,
                "path": c.path,
                "url": c.get_absolute_url(),
            }
            for c in Category.objects.filter(is_active=True)
        }

    return catalog_cached("category_index", {}, settings.CATALOG_LIST_CACHE_SECONDS, build)


def category_get_active(*, slug: str) -> dict:
    """An active category as a dict with ``breadcrumbs``; unknown or inactive: not found."""
    index = category_index()
    category = index.get(slug)
    if category is None:
        raise ProductNotFound()
    return {**category, "breadcrumbs": category_breadcrumbs(path=category["path"])}


def category_breadcrumbs(*, path: str) -> list[dict]:
    """Root-to-category trail from a materialized path."""
    index = category_index()
    return [
        {"name": index[s]["name"], "url": index[s]["url"]} for s in path.split("/") if s in index
    ]


def brand_list(*, category_path: str | None = None) -> list[dict]:
    """Brands with products on sale, in a category and its subcategories if one is given."""

    def build() -> list[dict]:
        products = Product.objects.filter(status=ProductStatus.ON_SALE, category__is_active=True)
        if category_path is not None:
            products = products.filter(
                Q(category__path=category_path) | Q(category__path__startswith=category_path + "/")
            )
        return list(
            Brand.objects.filter(pk__in=products.values("brand_id"))
            .order_by("name")
            .values("id", "name")
        )

    return catalog_cached(
        "brands", {"path": category_path}, settings.CATALOG_LIST_CACHE_SECONDS, build
    )


# --- Product lists -------------------------------------------------------------------------


def product_list_validate(*, params) -> None:
    """Raise ``ValidationError`` with field errors for an invalid product-list query."""
    from django.core.exceptions import ValidationError

    filterset = ProductFilter(params, queryset=Product.objects.none())
    if not filterset.is_valid():
        raise ValidationError({f: list(e) for f, e in filterset.form.errors.items()})


def product_list_page(*, params, page: int = 1, page_size: int = 20) -> dict:
    """Filtered, sorted page of product cards: ``{count, page, num_pages, results}``.

    ``params`` is the query string; invalid values raise ``ValidationError`` with field errors.
    Lists are cached for CATALOG_LIST_CACHE_SECONDS (5 s when filtering by stock).
    """
    from django.core.exceptions import ValidationError

    # The query exactly as asked: a repeat finds its page without validating again (only a
    # valid query is ever stored).
    asked = sorted(
        (k, sorted(params.getlist(k)) if hasattr(params, "getlist") else params[k]) for k in params
    )
    stock_only = bool(params.get("in_stock"))
    timeout = (
        settings.CATALOG_STOCK_CACHE_SECONDS if stock_only else settings.CATALOG_LIST_CACHE_SECONDS
    )

    def build() -> dict:
        filterset = ProductFilter(params, queryset=product_queryset_for_shoppers())
        if not filterset.is_valid():
            raise ValidationError({f: list(e) for f, e in filterset.form.errors.items()})
        paginator = Paginator(filterset.qs, page_size)
        # A page past the end shows the last page, never a count over an empty grid.
        current = paginator.page(min(max(page, 1), paginator.num_pages))
        return {
            "count": paginator.count,
            "page": current.number,
            "num_pages": paginator.num_pages,
            "results": cards(current.object_list),
        }

    return catalog_cached(
        "product_list", {"query": asked, "page": page, "page_size": page_size}, timeout, build
    )


def home_sections() -> dict:
    """Hot, recommended and new products plus category entry points for the home page."""

    def build() -> dict:
        base = product_queryset_for_shoppers()
        return {
            "hot": cards(base.filter(is_hot=True).order_by("-sales_count")[:8]),
            "recommended": cards(base.filter(is_recommended=True).order_by("-updated_at")[:8]),
            "new": cards(base.order_by("-created_at")[:8]),
        }

    return catalog_cached("home", {}, settings.CATALOG_LIST_CACHE_SECONDS, build)


# --- Product detail ------------------------------------------------------------------------


def _live_stock(product_id: int) -> dict[int, int]:
    """SKU id → stock, at most CATALOG_STOCK_CACHE_SECONDS old (its own key, no version)."""
    key = f"catalog:stock:{product_id}"
    stock = cache.get(key)
    if stock is None:
        stock = dict(Sku.objects.filter(product_id=product_id).values_list("pk", "stock"))
        cache.set(key, stock, settings.CATALOG_STOCK_CACHE_SECONDS)
    return stock


def product_detail(*, slug: str | None = None, pk: int | None = None) -> dict:
    """An on-sale product with SKUs, images, spec and breadcrumbs; stock is live."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}

    def build() -> dict | bool:
        product = (
            product_queryset_for_shoppers()
            .prefetch_related(Prefetch("skus", queryset=Sku.objects.order_by("pk")))
            .filter(**lookup)
            .first()
        )
        if product is None:
            return False  # cached too, so probing missing products stays cheap
        breadcrumbs = category_breadcrumbs(path=product.category.path)
        context = {"breadcrumbs": breadcrumbs, "offers": product_offers([product])}
        return ProductDetailSerializer(product, context=context).data

    data = catalog_cached("product_detail", lookup, settings.CATALOG_DETAIL_CACHE_SECONDS, build)
    if not data:
        raise ProductNotFound()
    stock = _live_stock(data["id"])
    skus = [{**sku, "stock": stock.get(sku["id"], 0)} for sku in data["skus"]]
    return {**data, "skus": skus, "in_stock": any(sku["stock"] > 0 for sku in skus)}


def product_related(*, product_id: int, category_id: int, limit: int = 8) -> list[dict]:
    """Best sellers of the same category, the product itself left out (cached)."""

    def build() -> list[dict]:
        products = (
            product_queryset_for_shoppers()
            .filter(category_id=category_id)
            .exclude(pk=product_id)
            .order_by("-sales_count", "-pk")[:limit]
        )
        return cards(products)

    return catalog_cached(
        "related",
        {"product": product_id, "category": category_id, "limit": limit},
        settings.CATALOG_LIST_CACHE_SECONDS,
        build,
    )


def product_cards(*, ids: list[int]) -> list[dict]:
    """Cards of the on-sale products among ``ids``, in that order (cached per list)."""

    def build() -> list[dict]:
        found = {p.pk: p for p in product_queryset_for_shoppers().filter(pk__in=ids)}
        return cards([found[i] for i in ids if i in found])

    if not ids:
        return []
    return catalog_cached("cards", {"ids": ids}, settings.CATALOG_LIST_CACHE_SECONDS, build)


# --- Search suggestions and the no-results page --------------------------------------------


def _category_names() -> list[dict]:
    """Active categories with their names in every language (cached; for matching)."""

    def build() -> list[dict]:
        return [
            {
                "name": c.name,
                "url": c.get_absolute_url(),
                "names": [n for n in (c.name_zh_hans, c.name_en) if n],
                "depth": c.depth,
            }
            for c in Category.objects.filter(is_active=True).order_by("path")
            if c.slug in category_index()
        ]

    return catalog_cached("category_names", {}, settings.CATALOG_LIST_CACHE_SECONDS, build)


def search_suggestions(*, query: str, limit: int = 6) -> dict:
    """What the search box offers while the shopper types: categories whose name holds the
    query, then the best-selling matching products (cached per version, language, query)."""
    query = " ".join(query.split())[:100]
    folded = query.casefold()

    def build() -> dict:
        if not folded:
            return {"query": query, "categories": [], "products": []}
        categories = [
            {"name": c["name"], "url": c["url"]}
            for c in _category_names()
            if any(folded in name.casefold() for name in c["names"])
        ][:3]
        matches = search.search(
            Product.objects.filter(status=ProductStatus.ON_SALE, category__is_active=True),
            query,
        ).only("pk", "slug", *NAME_FIELDS)
        ranked = "rank" in matches.query.annotations  # PostgreSQL, and the query had words
        ordering = ["-rank", "-sales_count", "-pk"] if ranked else ["-sales_count", "-pk"]
        products = [
            {"name": p.name, "url": p.get_absolute_url()}
            for p in matches.order_by(*ordering)[:limit]
        ]
        return {"query": query, "categories": categories, "products": products}

    return catalog_cached("suggest", {"q": folded}, settings.CATALOG_SUGGEST_CACHE_SECONDS, build)


def search_alternatives(*, query: str, limit: int = 4) -> dict:
    """For a search that found nothing: the categories whose names come closest to the
    query (difflib's ratio over both languages) and the hot products."""
    folded = query.casefold().strip()

    def closeness(category: dict) -> float:
        return max(
            difflib.SequenceMatcher(None, folded, name.casefold()).ratio()
            for name in category["names"]
        )

    scored = sorted(
        ((closeness(c), c) for c in _category_names() if folded), key=lambda pair: -pair[0]
    )
    close = [c for score, c in scored if score >= 0.3][:limit]
    if not close:  # nothing alike: the top of the tree is the next best start
        close = [c for c in _category_names() if c["depth"] == 0][:limit]
    return {
        "categories": [{"name": c["name"], "url": c["url"]} for c in close],
        "hot": home_sections()["hot"][:limit],
    }
