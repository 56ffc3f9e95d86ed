from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("product/<int:product_id>/reviews/", views.product_reviews, name="product"),
    path("reviews/new/<int:item_id>/", views.review_new, name="new"),
    path("reviews/<int:review_id>/follow-up/", views.review_follow_up, name="follow_up"),
    path("accounts/reviews/", views.my_reviews, name="mine"),
]
