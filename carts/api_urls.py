from django.urls import path

from carts import api, api_favourites

urlpatterns = [
    path("cart", api.CartApi.as_view(), name="api-cart"),
    path("cart/items", api.CartItemListApi.as_view(), name="api-cart-items"),
    path("cart/items/<int:sku_id>", api.CartItemApi.as_view(), name="api-cart-item"),
    path("cart/select", api.CartSelectApi.as_view(), name="api-cart-select"),
    path("me/favourites", api_favourites.MyFavouriteListApi.as_view(), name="api-my-favourites"),
    path(
        "me/favourites/<int:product_id>",
        api_favourites.MyFavouriteApi.as_view(),
        name="api-my-favourite",
    ),
]
