"""The files every site is asked for: /favicon.ico, /robots.txt and /sitemap.xml."""

from django.conf import settings
from django.contrib.sitemaps import views as sitemaps_views
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalog.cache import catalog_cached
from catalog.sitemaps import SITEMAPS

# Pages of one shopper, or of nobody but merchants: nothing for a search engine.
PRIVATE_PREFIXES = (
    "/admin/",
    "/accounts/",
    "/cart/",
    "/checkout/",
    "/orders/",
    "/messages/",
    "/pickup/",
    "/api/",
)


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponsePermanentRedirect(staticfiles_storage.url("img/favicon.ico"))


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def _cached_xml(request, name: str, params: dict, render) -> HttpResponse:
    """Build a sitemap document once per catalog version, host and params; then serve it
    from the cache like the listings."""

    def build() -> bytes:
        response = render()
        response.render()
        return response.content

    key = {"host": request.get_host(), "scheme": request.scheme, **params}
    content = catalog_cached(name, key, settings.CATALOG_LIST_CACHE_SECONDS, build)
    return HttpResponse(content, content_type="application/xml; charset=utf-8")


@require_GET
@cache_control(max_age=3600, public=True)
def sitemap_xml(request):
    """The sitemap index: one sitemap per section, each split in pages of 5,000 URLs."""
    return _cached_xml(
        request,
        "sitemap-index",
        {},
        lambda: sitemaps_views.index(
            request, sitemaps=SITEMAPS, sitemap_url_name="sitemap-section"
        ),
    )


@require_GET
@cache_control(max_age=3600, public=True)
def sitemap_section_xml(request, section: str):
    if section not in SITEMAPS:
        raise Http404
    page = request.GET.get("p", "1")
    return _cached_xml(
        request,
        "sitemap-section",
        {"section": section, "page": page},
        lambda: sitemaps_views.sitemap(request, sitemaps=SITEMAPS, section=section),
    )


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    """static/js/sw.js at the site's root, so it may keep pages under /orders/ (a worker
    controls only what lies below where it is served from)."""
    from django.contrib.staticfiles import finders

    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
