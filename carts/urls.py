from django.urls import path

from carts import views, views_favourites

app_name = "carts"

urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add/", views.cart_add, name="add"),
    path("update/", views.cart_update, name="update"),
    path("remove/", views.cart_remove, name="remove"),
    path("select/", views.cart_select, name="select"),
    path("clear/", views.cart_clear, name="clear"),
    path("favourites/", views_favourites.my_favourites, name="favourites"),
    path("favourites/<int:product_id>/", views_favourites.favourite_toggle, name="favourite"),
]
