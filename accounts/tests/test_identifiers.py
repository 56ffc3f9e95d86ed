"""Login identifiers name one user each; revoked tokens stop at once; the address book holds
under concurrent writes."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Address, User
from accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from config.testing import run_together

pytestmark = pytest.mark.django_db

REGISTER = reverse("api-register")
TOKEN = reverse("api-token")
LOGOUT = reverse("api-logout")
ME = reverse("api-me")


def register(client, **fields):
    return client.post(REGISTER, {"password": "Correct-Horse-9", **fields})


def test_usernames_are_unique_regardless_of_case(api_client):
    UserFactory(username="shopper")
    response = register(api_client, username="SHOPPER")
    assert response.status_code == 400
    assert response.json()["errors"] == {"username": ["A user with that username already exists."]}
    assert not User.objects.filter(username="SHOPPER").exists()


def test_login_ignores_the_case_of_the_username(api_client):
    user = UserFactory(username="Shopper")
    response = api_client.post(TOKEN, {"identifier": "sHOPPER", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


def test_login_page_ignores_the_case_of_the_username(client):
    user = UserFactory(username="Shopper")
    response = client.post(
        reverse("accounts:login"), {"identifier": "SHOPPER", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("boss@example.com", "A username cannot contain “@”."),
        ("13800001111", "A username cannot be a phone number; use letters too."),
        ("+8613800001111", "A username cannot be a phone number; use letters too."),
    ],
)
def test_a_username_may_not_look_like_an_email_or_phone(api_client, username, message):
    response = register(api_client, username=username)
    assert response.status_code == 400
    assert response.json()["errors"]["username"] == [message]


def test_identifiers_already_used_in_any_field_are_refused(api_client):
    victim = UserFactory(username="victim", email="victim@example.com", phone="13900000001")
    # Accounts from before the rule may hold usernames shaped like an email or a phone.
    UserFactory(username="legacy@example.com", email="", phone="")
    UserFactory(username="13900000002", email="", phone="")
    clash_email = register(api_client, username="bob", email="LEGACY@example.com")
    assert clash_email.json()["errors"] == {
        "email": ["A user with that email address already exists."]
    }
    clash_phone = register(api_client, username="carol", phone="13900000002")
    assert clash_phone.json()["errors"] == {
        "phone": ["A user with that phone number already exists."]
    }
    taken_phone = register(api_client, username="dan", phone="13900000001")
    assert taken_phone.status_code == 400
    # The victim still logs in by email and by phone.
    for identifier in ("victim@example.com", "13900000001"):
        response = api_client.post(TOKEN, {"identifier": identifier, "password": PASSWORD})
        assert response.json()["user"]["id"] == victim.pk


def test_profile_email_cannot_take_another_users_username(auth_client):
    UserFactory(username="dave@example.com", email="")
    response = auth_client.patch(ME, {"email": "Dave@Example.com"}, format="json")
    assert response.json()["errors"] == {
        "email": ["A user with that email address already exists."]
    }


def test_me_shows_no_email_as_null(api_client):
    user = UserFactory(email="")
    api_client.force_authenticate(user)
    assert api_client.get(ME).json()["email"] is None


def test_logout_stops_the_access_token_at_once(api_client):
    user = UserFactory()
    tokens = api_client.post(TOKEN, {"identifier": user.username, "password": PASSWORD}).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get(ME).status_code == 200
    assert client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == 401


def test_a_fresh_login_after_logout_works(api_client):
    user = UserFactory()
    first = api_client.post(TOKEN, {"identifier": user.username, "password": PASSWORD}).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access']}")
    client.post(LOGOUT, {"refresh": first["refresh"]})
    second = api_client.post(TOKEN, {"identifier": user.username, "password": PASSWORD}).json()
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access']}")
    assert fresh.get(ME).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_set_default_calls_both_succeed_leaving_one_default():
    user = UserFactory()
    first, second = AddressFactory(user=user), AddressFactory(user=user)

    def set_default(address):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            return client.post(f"/api/v1/addresses/{address.pk}/default").status_code

        return call

    for _ in range(5):
        outcomes = run_together(set_default(first), set_default(second))
        assert outcomes == [200, 200]
        assert Address.objects.filter(user=user, is_default=True).count() == 1
