import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("api-register")
TOKEN = reverse("api-token")
REFRESH = reverse("api-token-refresh")
LOGOUT = reverse("api-logout")
ME = reverse("api-me")


def _login(client, identifier, password=PASSWORD):
    return client.post(TOKEN, {"identifier": identifier, "password": password})


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- registration --------------------------------------------------------------------------


def test_register_creates_user_and_returns_tokens(api_client):
    response = api_client.post(
        REGISTER,
        {
            "username": "newbie",
            "password": "Correct-Horse-9",
            "email": "Newbie@Example.COM",
            "phone": "138 0013 8000",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "newbie"
    assert body["user"]["email"] == "newbie@example.com"
    assert body["user"]["phone"] == "13800138000"
    assert set(body) == {"access", "refresh", "user"}
    user = User.objects.get(username="newbie")
    assert user.check_password("Correct-Horse-9")
    me = _bearer(body["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "newbie"


def test_register_rejects_duplicate_email_case_insensitively(api_client):
    UserFactory(email="taken@example.com")
    response = api_client.post(
        REGISTER, {"username": "other", "password": "Correct-Horse-9", "email": "TAKEN@example.com"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert body["errors"] == {"email": ["A user with that email address already exists."]}
    assert not User.objects.filter(username="other").exists()


def test_register_rejects_duplicate_phone(api_client):
    UserFactory(phone="13712345678")
    response = api_client.post(
        REGISTER, {"username": "other", "password": "Correct-Horse-9", "phone": "13712345678"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"phone": ["A user with that phone number already exists."]}


def test_register_rejects_weak_password_and_bad_fields(api_client):
    response = api_client.post(
        REGISTER, {"username": "weak", "password": "12345678", "phone": "abc"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "This password is too common." in errors["password"]
    assert "This password is entirely numeric." in errors["password"]
    assert errors["phone"] == ["Enter a mainland China mobile number: 11 digits starting with 1."]
    assert not User.objects.filter(username="weak").exists()


def test_register_rejects_duplicate_username_and_missing_fields(api_client):
    UserFactory(username="dupe")
    response = api_client.post(REGISTER, {"username": "dupe", "password": "Correct-Horse-9"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"username": ["A user with that username already exists."]}

    response = api_client.post(REGISTER, {})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


# --- login by each identifier --------------------------------------------------------------


@pytest.mark.parametrize("field", ["username", "email", "phone"])
def test_login_with_each_identifier(api_client, field):
    user = UserFactory(username="alice", email="alice@example.com", phone="13600000000")
    identifier = getattr(user, field)
    if field == "email":
        identifier = identifier.upper()
    response = _login(api_client, identifier)
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_with_wrong_password_is_401_with_business_code(api_client):
    UserFactory(username="bob")
    response = _login(api_client, "bob", "wrong-password")
    assert response.status_code == 401
    assert response.json() == {
        "code": 10001,
        "message": "The login or password is incorrect.",
        "errors": {},
    }


def test_login_unknown_user_gives_the_same_answer(api_client):
    response = _login(api_client, "nobody", "whatever")
    assert response.status_code == 401
    assert response.json()["code"] == 10001


# --- lockout -------------------------------------------------------------------------------


def test_account_locks_after_limit_with_retry_after(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 3
    UserFactory(username="carol", email="carol@example.com")
    for _ in range(3):
        assert _login(api_client, "carol", "bad").status_code == 401
    # Locked now, even with the right password, and via another identifier of the account.
    response = _login(api_client, "carol@example.com")
    assert response.status_code == 429
    assert response.json()["code"] == 10002
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= settings.LOGIN_FAILURE_WINDOW


def test_ip_locks_after_limit_across_accounts(settings):
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 4
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 100
    UserFactory(username="dave")
    attacker = APIClient(REMOTE_ADDR="10.9.9.9")
    for n in range(4):
        assert _login(attacker, f"victim{n}", "bad").status_code == 401
    assert _login(attacker, "dave").status_code == 429
    # Another address is not affected.
    assert _login(APIClient(REMOTE_ADDR="10.9.9.10"), "dave").status_code == 200


def test_successful_login_resets_the_account_counter(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 3
    UserFactory(username="erin")
    for _ in range(2):
        _login(api_client, "erin", "bad")
    assert _login(api_client, "erin").status_code == 200
    for _ in range(2):
        assert _login(api_client, "erin", "bad").status_code == 401
    assert _login(api_client, "erin").status_code == 200


# --- tokens: rotation, blacklist, logout ---------------------------------------------------


def test_refresh_rotates_and_blacklists_the_old_token(api_client, user):
    tokens = _login(api_client, user.username).json()
    first = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh"] != tokens["refresh"]
    assert _bearer(rotated["access"]).get(ME).status_code == 200

    reused = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == 10006
    assert api_client.post(REFRESH, {"refresh": rotated["refresh"]}).status_code == 200


def test_refresh_with_garbage_is_401(api_client):
    response = api_client.post(REFRESH, {"refresh": "not-a-token"})
    assert response.status_code == 401
    assert response.json()["code"] == 10006


def test_logout_blacklists_the_refresh_token(api_client, user):
    tokens = _login(api_client, user.username).json()
    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert response.status_code == 401
    # Logging out twice with the same token is an error, not a silent success.
    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 401


def test_password_change_revokes_other_sessions(api_client, user):
    phone = _login(api_client, user.username).json()
    laptop = _login(api_client, user.username).json()
    response = _bearer(laptop["access"]).post(
        reverse("api-password-change"),
        {"old_password": PASSWORD, "new_password": "Brand-New-Pass-7"},
    )
    assert response.status_code == 200
    fresh = response.json()
    # The phone's refresh and access tokens stop working; the laptop gets a fresh pair.
    assert api_client.post(REFRESH, {"refresh": phone["refresh"]}).status_code == 401
    assert _bearer(phone["access"]).get(ME).status_code == 401
    assert _bearer(fresh["access"]).get(ME).status_code == 200
    assert api_client.post(REFRESH, {"refresh": fresh["refresh"]}).status_code == 200
    assert _login(api_client, user.username, "Brand-New-Pass-7").status_code == 200


def test_password_change_checks_old_password_and_strength(auth_client):
    url = reverse("api-password-change")
    wrong = auth_client.post(url, {"old_password": "nope", "new_password": "Brand-New-Pass-7"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == 10005
    assert wrong.json()["errors"] == {
        "old_password": ["Your old password was entered incorrectly."]
    }
    weak = auth_client.post(url, {"old_password": PASSWORD, "new_password": "123"})
    assert weak.status_code == 400
    assert (
        "This password is too short. It must contain at least 8 characters."
        in (weak.json()["errors"]["new_password"])
    )


# --- disabled users ------------------------------------------------------------------------


def test_disabled_user_cannot_log_in_refresh_or_use_tokens(api_client, user):
    tokens = _login(api_client, user.username).json()
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = _login(api_client, user.username)
    assert response.status_code == 403
    assert response.json()["code"] == 10003
    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401
    assert _bearer(tokens["access"]).get(ME).status_code == 401


# --- me ------------------------------------------------------------------------------------


def test_me_patch_updates_profile_and_validates(auth_client, user):
    response = auth_client.patch(ME, {"nickname": "  Newname ", "email": "NEW@example.com"})
    assert response.status_code == 200
    assert response.json()["nickname"] == "Newname"
    assert response.json()["email"] == "new@example.com"

    other = UserFactory(phone="13511112222")
    response = auth_client.patch(ME, {"phone": other.phone})
    assert response.status_code == 400
    assert response.json()["errors"] == {"phone": ["A user with that phone number already exists."]}
    user.refresh_from_db()
    assert user.phone != other.phone


def test_me_avatar_upload_accepts_images_and_rejects_other_files(auth_client, png_bytes):
    ok = auth_client.patch(
        ME, {"avatar": SimpleUploadedFile("me.png", png_bytes, "image/png")}, format="multipart"
    )
    assert ok.status_code == 200
    assert ok.json()["avatar"].endswith(".png")
    bad = auth_client.patch(
        ME,
        {"avatar": SimpleUploadedFile("me.png", b"not an image", "image/png")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["avatar"]


# --- addresses -----------------------------------------------------------------------------

ADDRESS = {
    "receiver": "王五",
    "phone": "13700001234",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
    "postal_code": "310000",
}


def test_address_crud_and_default(auth_client, user):
    url = reverse("api-addresses")
    first = auth_client.post(url, ADDRESS)
    assert first.status_code == 201
    assert first.json()["is_default"] is True  # the first address becomes the default
    second = auth_client.post(url, {**ADDRESS, "detail": "文二路 2 号"})
    assert second.json()["is_default"] is False

    listing = auth_client.get(url).json()
    assert listing["count"] == 2
    assert [a["detail"] for a in listing["results"]] == ["文三路 1 号", "文二路 2 号"]

    detail_url = reverse("api-address", args=[second.json()["id"]])
    patched = auth_client.patch(detail_url, {"receiver": "赵六"})
    assert patched.status_code == 200
    assert patched.json()["receiver"] == "赵六"

    made_default = auth_client.post(reverse("api-address-default", args=[second.json()["id"]]))
    assert made_default.status_code == 200
    assert made_default.json()["is_default"] is True
    assert user.addresses.filter(is_default=True).count() == 1

    assert auth_client.delete(detail_url).status_code == 204
    remaining = user.addresses.get()
    assert remaining.is_default is True  # the default passed to the remaining address


def test_address_validation_errors(auth_client, user):
    response = auth_client.post(reverse("api-addresses"), {**ADDRESS, "phone": "x", "city": ""})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"phone", "city"}
    assert user.addresses.count() == 0


def test_address_limit_is_twenty(auth_client, user):
    AddressFactory.create_batch(20, user=user)
    response = auth_client.post(reverse("api-addresses"), ADDRESS)
    assert response.status_code == 400
    assert response.json()["code"] == 10004
    assert user.addresses.count() == 20


def test_another_users_address_is_404(auth_client):
    foreign = AddressFactory()
    for method in ("get", "patch", "delete"):
        response = getattr(auth_client, method)(reverse("api-address", args=[foreign.pk]))
        assert response.status_code == 404
        assert response.json() == {"code": 404, "message": "Not found.", "errors": {}}
    assert auth_client.post(reverse("api-address-default", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.receiver == "李四"


def test_address_list_query_count_is_constant(auth_client, user, django_assert_max_num_queries):
    AddressFactory.create_batch(15, user=user)
    # auth user lookup + count + page
    with django_assert_max_num_queries(3):
        response = auth_client.get(reverse("api-addresses"), {"page_size": 15})
    assert len(response.json()["results"]) == 15
