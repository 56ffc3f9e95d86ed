from django.urls import path

from marketing import api, api_groupbuy

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
    path("groupbuys", api_groupbuy.GroupBuyListApi.as_view(), name="api-groupbuys"),
    path(
        "groupbuys/<int:campaign_id>/groups",
        api_groupbuy.GroupBuyGroupsApi.as_view(),
        name="api-groupbuy-groups",
    ),
    path(
        "groupbuys/<int:campaign_id>/orders",
        api_groupbuy.GroupBuyOrderCreateApi.as_view(),
        name="api-groupbuy-order",
    ),
    path("groups/<str:team_no>", api_groupbuy.GroupDetailApi.as_view(), name="api-group-detail"),
    path(
        "orders/<str:order_no>/group",
        api_groupbuy.OrderGroupApi.as_view(),
        name="api-order-group",
    ),
]
