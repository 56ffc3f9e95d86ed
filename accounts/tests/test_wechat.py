import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

URL = reverse("api-wechat-login")


def test_new_wechat_user_is_created_and_logged_in(api_client, wechat):
    code = wechat.issue_code(openid="oABC123", unionid="uXYZ789")
    response = api_client.post(URL, {"code": code})
    assert response.status_code == 200
    body = response.json()
    assert body["created"] is True
    user = User.objects.get(wechat_openid="oABC123")
    assert user.wechat_unionid == "uXYZ789"
    assert body["user"]["id"] == user.pk
    assert not user.has_usable_password()
    # The simulated gateway saw exactly what the real one expects.
    assert wechat.requests[-1] == {
        "appid": "wx0123456789abcdef",
        "secret": "s3cr3t-app-secret",
        "js_code": code,
        "grant_type": "authorization_code",
    }
    me = api_client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200


def test_returning_wechat_user_gets_the_same_account(api_client, wechat):
    first = api_client.post(URL, {"code": wechat.issue_code(openid="oSAME")}).json()
    second = api_client.post(URL, {"code": wechat.issue_code(openid="oSAME")}).json()
    assert second["created"] is False
    assert second["user"]["id"] == first["user"]["id"]
    assert User.objects.filter(wechat_openid="oSAME").count() == 1


def test_invalid_code_is_400(api_client, wechat):
    response = api_client.post(URL, {"code": "never-issued"})
    assert response.status_code == 400
    assert response.json()["code"] == 10010
    assert User.objects.count() == 0


def test_code_cannot_be_used_twice(api_client, wechat):
    code = wechat.issue_code(openid="oONCE")
    assert api_client.post(URL, {"code": code}).status_code == 200
    again = api_client.post(URL, {"code": code})
    assert again.status_code == 400
    assert again.json()["code"] == 10010


def test_wechat_rate_limit_is_429_with_retry_after(api_client, wechat):
    wechat.rate_limited = True
    response = api_client.post(URL, {"code": wechat.issue_code()})
    assert response.status_code == 429
    assert response.json()["code"] == 10011
    assert response["Retry-After"] == "60"


def test_wechat_unreachable_or_busy_is_503(api_client, wechat, settings):
    wechat.busy = True
    busy = api_client.post(URL, {"code": wechat.issue_code()})
    assert busy.status_code == 503
    assert busy.json()["code"] == 10012
    settings.WECHAT_API_BASE = "http://127.0.0.1:1"
    down = api_client.post(URL, {"code": "anything"})
    assert down.status_code == 503
    assert down.json()["code"] == 10012


def test_wrong_app_secret_is_503_not_a_user_error(api_client, wechat, settings):
    settings.WECHAT_MINIPROGRAM_SECRET = "wrong"
    response = api_client.post(URL, {"code": wechat.issue_code()})
    assert response.status_code == 503


def test_disabled_wechat_user_cannot_log_in(api_client, wechat):
    api_client.post(URL, {"code": wechat.issue_code(openid="oGONE")})
    User.objects.filter(wechat_openid="oGONE").update(is_active=False)
    response = api_client.post(URL, {"code": wechat.issue_code(openid="oGONE")})
    assert response.status_code == 403
    assert response.json()["code"] == 10003


def test_missing_code_is_a_field_error(api_client, wechat):
    response = api_client.post(URL, {})
    assert response.status_code == 400
    assert response.json()["errors"] == {"code": ["This field is required."]}
    assert wechat.requests == []
