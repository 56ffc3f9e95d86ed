"""The URLconf of the hot path alone (config/hotpath.py): resolving a request against the
whole shop's patterns would cost the reserve view more than its Redis call."""

from django.urls import include, path

from seckill.api_urls import reserve_patterns

urlpatterns = [path("api/v1/", include(reserve_patterns))]
