from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("category/<str:slug>/", views.category, name="category"),
    path("product/<str:slug>/", views.product, name="product"),
    path("recently-viewed/", views.product_viewed, name="viewed"),
]
