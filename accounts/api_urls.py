from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register", api.UserRegisterApi.as_view(), name="api-register"),
    path("auth/token", api.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/refresh", api.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("auth/logout", api.LogoutApi.as_view(), name="api-logout"),
    path("auth/wechat", api.WechatLoginApi.as_view(), name="api-wechat-login"),
    path("me", api.MeApi.as_view(), name="api-me"),
    path("me/password", api.PasswordChangeApi.as_view(), name="api-password-change"),
    path("regions", api.RegionListApi.as_view(), name="api-regions"),
    path("addresses", api.AddressListApi.as_view(), name="api-addresses"),
    path("addresses/parse", api.AddressParseApi.as_view(), name="api-address-parse"),
    path("addresses/<int:pk>", api.AddressDetailApi.as_view(), name="api-address"),
    path(
        "addresses/<int:pk>/default",
        api.AddressSetDefaultApi.as_view(),
        name="api-address-default",
    ),
]
