import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import Address, User
from accounts.permissions import MERCHANTS_GROUP
from accounts.services import user_tokens_issue
from accounts.tests.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_register_page_creates_account_and_logs_in(client):
    response = client.post(
        reverse("accounts:register"),
        {
            "username": "webby",
            "email": "webby@example.com",
            "phone": "",
            "password": "Correct-Horse-9",
            "password_confirm": "Correct-Horse-9",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"].username == "webby"
    assert "Welcome to Kuaimai, webby!" in _messages(response)


def test_register_page_shows_field_errors_and_saves_nothing(client):
    UserFactory(email="taken@example.com")
    response = client.post(
        reverse("accounts:register"),
        {
            "username": "webby",
            "email": "TAKEN@example.com",
            "password": "password",
            "password_confirm": "different",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["password_confirm"] == ["The two passwords do not match."]
    assert not User.objects.filter(username="webby").exists()

    response = client.post(
        reverse("accounts:register"),
        {
            "username": "webby",
            "email": "TAKEN@example.com",
            "password": "password",
            "password_confirm": "password",
        },
    )
    form = response.context["form"]
    assert form.errors["email"] == ["A user with that email address already exists."]
    assert "This password is too common." in form.errors["password"]
    assert "A user with that email address already exists." in response.content.decode()
    assert not User.objects.filter(username="webby").exists()


@pytest.mark.parametrize("identifier", ["pat", "pat@example.com", "13300000000"])
def test_login_page_accepts_each_identifier(client, identifier):
    UserFactory(username="pat", email="pat@example.com", phone="13300000000")
    response = client.post(
        reverse("accounts:login"), {"identifier": identifier, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_login_page_follows_only_safe_next(client, user):
    url = reverse("accounts:login")
    ok = client.post(
        url, {"identifier": user.username, "password": PASSWORD, "next": "/accounts/addresses/"}
    )
    assert ok["Location"] == "/accounts/addresses/"
    client.logout()
    evil = client.post(
        url, {"identifier": user.username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil["Location"] == reverse("home")


def test_login_page_lockout_answers_429_with_retry_after(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 2
    UserFactory(username="quinn")
    url = reverse("accounts:login")
    for _ in range(2):
        bad = client.post(url, {"identifier": "quinn", "password": "nope"})
        assert bad.status_code == 200
        assert "The login or password is incorrect." in bad.content.decode()
    locked = client.post(url, {"identifier": "quinn", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_disabled_user_cannot_log_in_and_existing_session_ends(client):
    user = UserFactory(username="ruth")
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("accounts:profile")).status_code == 302  # session no longer valid
    response = client.post(reverse("accounts:login"), {"identifier": "ruth", "password": PASSWORD})
    assert "This account is disabled." in response.content.decode()


def test_logout_requires_post(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_page_keeps_this_session_and_revokes_tokens(client, api_client, user):
    tokens = user_tokens_issue(user=user)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Pass-42",
            "new_password2": "Another-Pass-42",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200  # still logged in here
    refreshed = api_client.post(reverse("api-token-refresh"), {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 401


def test_password_reset_by_email(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": user.email.upper()})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Reset-Pass-2026", "new_password2": "Reset-Pass-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Reset-Pass-2026")


def test_with_debug_off_no_reset_link_reaches_the_log(client, user, settings, caplog):
    """Without EMAIL_HOST the default backend logs the subject and recipient count only."""
    import logging
    import os
    import subprocess
    import sys

    from config.tests.test_settings import ROOT

    env_default = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")},
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert env_default.stdout.strip() == "config.mail.RedactedLogBackend"
    settings.EMAIL_BACKEND = "config.mail.RedactedLogBackend"
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "mail not sent (no EMAIL_HOST set): 1 recipient(s)" in logged
    assert not re.search(r"/reset/[^/\s]+/[^/\s]+/", logged)  # no uid/token link
    assert user.email not in logged


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_page_updates_and_validates(client, user):
    client.force_login(user)
    other = UserFactory(phone="13199998888")
    bad = client.post(
        reverse("accounts:profile"), {"nickname": "X", "email": user.email, "phone": other.phone}
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors["phone"] == ["A user with that phone number already exists."]
    ok = client.post(
        reverse("accounts:profile"),
        {"nickname": "Shiny", "email": user.email, "phone": "13012345678"},
        follow=True,
    )
    assert "Your profile was saved." in _messages(ok)
    user.refresh_from_db()
    assert (user.nickname, user.phone) == ("Shiny", "13012345678")


ADDRESS_FORM = {
    "receiver": "陈七",
    "phone": "13811112222",
    "province_code": "110000",
    "city_code": "110100",
    "region_code": "110108",
    "detail": "中关村大街 1 号",
    "postal_code": "100080",
}


def test_address_pages_add_edit_default_delete(client, user):
    client.force_login(user)
    client.post(reverse("accounts:address_add"), ADDRESS_FORM)
    client.post(reverse("accounts:address_add"), {**ADDRESS_FORM, "detail": "知春路 2 号"})
    first, second = Address.objects.filter(user=user).order_by("pk")
    assert first.is_default and not second.is_default

    client.post(reverse("accounts:address_set_default", args=[second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default

    client.post(
        reverse("accounts:address_edit", args=[first.pk]), {**ADDRESS_FORM, "receiver": "周八"}
    )
    first.refresh_from_db()
    assert first.receiver == "周八"

    page = client.get(reverse("accounts:addresses"))
    assert "周八" in page.content.decode()

    client.post(reverse("accounts:address_delete", args=[second.pk]))
    assert list(Address.objects.filter(user=user).values_list("pk", "is_default")) == [
        (first.pk, True)
    ]


def test_a_new_address_from_the_address_book_goes_back_to_it(client, user):
    """The form page carries no "next" of its own (it once carried the home page's), so a
    saved address lands on the address book; a given "next" (checkout's) is kept."""
    client.force_login(user)
    form = client.get(reverse("accounts:address_add")).content.decode()
    assert 'name="next" value="/">' not in form
    saved = client.post(reverse("accounts:address_add"), ADDRESS_FORM)
    assert saved.status_code == 302 and saved.url == reverse("accounts:addresses")
    url = reverse("accounts:address_add") + "?next=/checkout/"
    assert 'name="next" value="/checkout/"' in client.get(url).content.decode()
    back = client.post(url, {**ADDRESS_FORM, "detail": "知春路 2 号", "next": "/checkout/"})
    assert back.url == "/checkout/"


def test_address_page_validation_and_limit(client, user):
    client.force_login(user)
    bad = client.post(reverse("accounts:address_add"), {**ADDRESS_FORM, "phone": "12"})
    assert bad.status_code == 200
    assert "phone" in bad.context["form"].errors
    AddressFactory.create_batch(20, user=user)
    full = client.post(reverse("accounts:address_add"), ADDRESS_FORM)
    assert "You can keep at most 20 addresses." in full.content.decode()
    assert user.addresses.count() == 20


def test_another_users_address_pages_are_404(client, user):
    client.force_login(user)
    foreign = AddressFactory()
    assert client.get(reverse("accounts:address_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("accounts:address_delete", args=[foreign.pk])).status_code == 404
    assert (
        client.post(reverse("accounts:address_set_default", args=[foreign.pk])).status_code == 404
    )
    assert Address.objects.filter(pk=foreign.pk).exists()


def test_account_pages_require_login(client):
    for name in ("profile", "addresses", "address_add", "password_change"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_shopper_cannot_open_admin_but_merchant_can(client):
    shopper = UserFactory()
    client.force_login(shopper)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client.force_login(merchant)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    # Merchants may look at customers, not edit them.
    assert client.get(reverse("admin:accounts_user_change", args=[shopper.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_admin_login_uses_identifier_and_lockout(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 2
    UserFactory(username="boss", email="boss@example.com", is_staff=True)
    url = reverse("admin:login")
    ok = client.post(url, {"username": "boss@example.com", "password": PASSWORD})
    assert ok.status_code == 302
    client.logout()
    for _ in range(2):
        client.post(url, {"username": "boss", "password": "nope"})
    locked = client.post(url, {"username": "boss", "password": PASSWORD})
    assert locked.status_code == 200  # the admin form shows an error, no session is made
    assert "_auth_user_id" not in client.session


def test_home_page_renders_layout(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'action="/search/"' in html
    assert reverse("accounts:login") in html
    assert "/static/css/site.css" in html
    assert 'rel="canonical"' in html


def test_error_pages_render_templates(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
    ],
)
def test_registration_keeps_a_mainland_mobile_as_its_11_digits(client, typed, stored):
    answer = client.post(
        reverse("accounts:register"),
        {
            "username": "xiaoming",
            "email": "xm@example.com",
            "phone": typed,
            "password": "Str0ng-Pass-2026",
            "password_confirm": "Str0ng-Pass-2026",
        },
    )
    assert answer.status_code == 302
    assert User.objects.get(username="xiaoming").phone == stored


@pytest.mark.parametrize(
    "typed", ["12345", "23800138000", "1380013800", "+1 415 555 0100", "１３８"]
)
def test_registration_shows_every_error_at_once_with_a_bad_mobile(client, user, typed):
    answer = client.post(
        reverse("accounts:register"),
        {
            "username": user.username,  # taken
            "email": "not-an-email",
            "phone": typed,
            "password": "Str0ng-Pass-2026",
            "password_confirm": "Str0ng-Pass-2026",
        },
    )
    errors = answer.context["form"].errors
    assert answer.status_code == 200
    assert errors["phone"] == ["Enter a mainland China mobile number: 11 digits starting with 1."]
    assert errors["username"] == ["A user with that username already exists."]
    assert "email" in errors
    assert not User.objects.filter(email="not-an-email").exists()


def test_an_address_with_a_bad_mobile_is_a_field_error(client, user):
    client.force_login(user)
    answer = client.post(
        reverse("accounts:address_add"),
        {
            "receiver": "张三",
            "phone": "010-1234567",
            "province_code": "110000",
            "city_code": "110100",
            "region_code": "110105",
            "detail": "建国路 1 号",
        },
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors["phone"] == [
        "Enter a mainland China mobile number: 11 digits starting with 1."
    ]
