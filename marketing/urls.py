from django.urls import path

from marketing import views, views_groupbuy

app_name = "marketing"

urlpatterns = [
    path("coupons/", views.coupon_centre, name="centre"),
    path("coupons/<int:template_id>/claim", views.coupon_claim, name="claim"),
    path("accounts/coupons/", views.my_coupons, name="mine"),
    path("accounts/points/", views.my_points, name="points"),
    path("accounts/check-in/", views.check_in_page, name="check_in"),
    path("accounts/level/", views.my_level, name="level"),
    path("groupbuy/<int:campaign_id>/buy/", views_groupbuy.groupbuy_buy, name="groupbuy_buy"),
    path("groups/<str:team_no>/", views_groupbuy.group_page, name="group"),
]
