import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("config.tests.error_urls")]


def test_validation_error_body_lists_field_messages(api_client):
    response = api_client.post("/api/v1/test/validation", {"quantity": 0})
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Invalid input.",
        "errors": {"quantity": ["Ensure this value is greater than or equal to 1."]},
    }


def test_malformed_json_is_a_400_with_the_same_body(api_client):
    response = api_client.post(
        "/api/v1/test/validation", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert body["message"].startswith("JSON parse error")


def test_domain_error_carries_its_business_code(api_client):
    response = api_client.post("/api/v1/test/domain")
    assert response.status_code == 409
    assert response.json() == {
        "code": 30002,
        "message": "SKU ABC-1 is out of stock.",
        "errors": {"sku": ["ABC-1"]},
    }


def test_unauthenticated_is_401(api_client):
    response = api_client.get(reverse("api-me"))
    assert response.status_code == 401
    assert response.json() == {
        "code": 401,
        "message": "Authentication credentials were not provided.",
        "errors": {},
    }
    bad_token = api_client.get(reverse("api-me"), HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    assert bad_token.status_code == 401
    assert bad_token.json()["code"] == 401
    assert bad_token.json()["message"] == "Given token not valid for any token type"


def test_forbidden_is_403(auth_client):
    response = auth_client.get("/api/v1/test/forbidden")
    assert response.status_code == 403
    assert response.json() == {
        "code": 403,
        "message": "You do not have permission to perform this action.",
        "errors": {},
    }


def test_unknown_api_url_and_wrong_method(api_client):
    missing = api_client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"code": 404, "message": "Not found.", "errors": {}}
    wrong = api_client.get("/api/v1/test/domain")
    assert wrong.status_code == 405
    assert wrong.json() == {"code": 405, "message": 'Method "GET" not allowed.', "errors": {}}


def test_throttled_is_429_with_retry_after(api_client):
    response = api_client.get("/api/v1/test/throttled")
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json() == {
        "code": 429,
        "message": "Too many requests. Try again later.",
        "errors": {},
    }


def test_real_throttle_limits_anonymous_clients(settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], anon="3/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    codes = [client.get("/api/v1/test/open").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/test/open")
    assert limited.json()["code"] == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    # Another client is not limited.
    assert APIClient(REMOTE_ADDR="10.1.1.2").get("/api/v1/test/open").status_code == 200


def test_server_error_on_the_api_is_json():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/test/crash")
    assert response.status_code == 500
    assert response.json() == {"code": 500, "message": "Server error.", "errors": {}}


def test_page_404_is_html(client):
    response = client.get("/definitely-missing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
