from django.urls import path

from marketing import api

urlpatterns = [
    path("coupons/centre", api.CouponCentreListApi.as_view(), name="api-coupon-centre"),
    path(
        "coupons/centre/<int:template_id>/claim",
        api.CouponClaimApi.as_view(),
        name="api-coupon-claim",
    ),
    path("me/coupons", api.MyCouponListApi.as_view(), name="api-my-coupons"),
    path("me/points", api.MyPointsApi.as_view(), name="api-my-points"),
    path("me/points/entries", api.MyPointsEntriesApi.as_view(), name="api-my-points-entries"),
    path("me/check-in", api.CheckInApi.as_view(), name="api-check-in"),
    path("me/level", api.MyLevelApi.as_view(), name="api-my-level"),
]
