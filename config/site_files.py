"""The files every site is asked for: /favicon.ico, /robots.txt and /sitemap.xml."""

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, HttpResponsePermanentRedirect
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


@require_GET
@cache_control(max_age=3600, public=True)
def sitemap_xml(request):
    """Built once per catalog version and host (cached like the listings), then served."""

    def build() -> bytes:
        response = sitemap_view(request, sitemaps=SITEMAPS)
        response.render()
        return response.content

    content = catalog_cached(
        "sitemap",
        {"host": request.get_host(), "scheme": request.scheme},
        settings.CATALOG_LIST_CACHE_SECONDS,
        build,
    )
    return HttpResponse(content, content_type="application/xml; charset=utf-8")
