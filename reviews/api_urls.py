from django.urls import path

from reviews import api

urlpatterns = [
    path(
        "products/<int:product_id>/reviews",
        api.ProductReviewListApi.as_view(),
        name="api-product-reviews",
    ),
    path(
        "products/<int:product_id>/reviews/summary",
        api.ProductReviewSummaryApi.as_view(),
        name="api-product-review-summary",
    ),
    path("reviews", api.ReviewCreateApi.as_view(), name="api-review-create"),
    path(
        "reviews/<int:review_id>/follow-up",
        api.ReviewFollowUpApi.as_view(),
        name="api-review-follow-up",
    ),
    path("me/reviews", api.MyReviewListApi.as_view(), name="api-my-reviews"),
    path("me/reviews/pending", api.MyLinesToReviewApi.as_view(), name="api-my-lines-to-review"),
]
