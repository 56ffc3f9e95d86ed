import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog import views as catalog_views
from config import health, site_files, views
from config.metrics import view as metrics_view
from config.site import site_name_lazy

admin.site.site_header = format_lazy(_("{name} merchant admin"), name=site_name_lazy())
admin.site.site_title = admin.site.site_header

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("delivery.api_urls")),
    path("", include("carts.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("seckill.api_urls")),
    path("", include("marketing.api_urls")),
    path("", include("reviews.api_urls")),
]

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view.metrics, name="metrics"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("robots.txt", site_files.robots_txt, name="robots"),
    path("sw.js", site_files.service_worker, name="service-worker"),
    path("sitemap.xml", site_files.sitemap_xml, name="sitemap"),
    path("sitemap-<slug:section>.xml", site_files.sitemap_section_xml, name="sitemap-section"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("cart/", include("carts.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("seckill/", include("seckill.urls")),
    path("", include("marketing.urls")),
    path("", include("reviews.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG and settings.MEDIA_URL.startswith("/"):
    from django.urls import re_path

    from config.media import public_media

    urlpatterns += [
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", public_media)
    ]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
