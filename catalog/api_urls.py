from django.urls import path

from catalog import api

urlpatterns = [
    path("categories", api.CategoryTreeApi.as_view(), name="api-categories"),
    path("products", api.ProductListApi.as_view(), name="api-products"),
    path("products/<int:pk>", api.ProductDetailApi.as_view(), name="api-product"),
    path("search/suggestions", api.SearchSuggestionsApi.as_view(), name="api-search-suggestions"),
]
