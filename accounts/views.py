"""Account pages: thin views over the same services as the API."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.errors import AccountDisabled, AddressLimitReached, InvalidCredentials, LoginLocked
from accounts.forms import AddressForm, LoginForm, ProfileForm, RegisterForm
from config.net import client_ip

BACKEND = "accounts.backends.IdentifierBackend"


def _next_url(request, default=None) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse_lazy(settings.LOGIN_REDIRECT_URL) if default is None else default


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to Kuaimai, %(name)s!") % {"name": user})
            return redirect(_next_url(request))
    return render(request, "accounts/register.html", {"form": form, "next": _next_url(request)})


def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    response_headers = {}
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_login_attempt(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except LoginLocked as exc:
            form.add_error(None, exc.message)
            status = 429
            response_headers["Retry-After"] = str(exc.retry_after)
        except (InvalidCredentials, AccountDisabled) as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend=BACKEND)
            return redirect(_next_url(request))
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )
    for header, value in response_headers.items():
        response[header] = value
    return response


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user=request.user,
                data={f: form.cleaned_data[f] for f in ProfileForm.Meta.fields},
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    if form.errors:
        # The form mutated the instance while validating; show the saved values elsewhere.
        request.user.refresh_from_db()
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password was changed. Other devices were signed out."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_tokens_revoke(user=form.user)
        return response


@login_required
def address_list(request):
    addresses = selectors.address_list_for_user(user=request.user)
    return render(
        request,
        "accounts/address_list.html",
        {"addresses": addresses, "limit": settings.ADDRESS_LIMIT_PER_USER},
    )


def address_form_posted(request, *, address=None) -> tuple[AddressForm, bool]:
    """The address form of a POST, and whether to save it: a "Fill in" (the pasted line) or
    "Show the list" (the next level's places, without the script) press only shows the form
    again, filled in."""
    if "parse" in request.POST or "refill" in request.POST:
        form = AddressForm.refilled(request.POST, instance=address, parse="parse" in request.POST)
        return form, False
    return AddressForm(request.POST, instance=address), True


def _address_form(request, address=None):
    form = AddressForm(instance=address)
    if request.method == "POST":
        form, save = address_form_posted(request, address=address)
        if save and address_form_save(request, form, address=address):
            return redirect(_next_url(request, reverse_lazy("accounts:addresses")))
    return render(
        request,
        "accounts/address_form.html",
        {"form": form, "address": address, "next": _next_url(request, "")},
    )


def address_form_save(request, form: AddressForm, *, address=None):
    """Save a bound address form through the services; the address, or None with the
    errors on the form (beside their fields)."""
    if not form.is_valid():
        return None
    data = {f: form.cleaned_data[f] for f in AddressForm.Meta.fields}
    try:
        if address is None:
            saved = services.address_create(user=request.user, data=data)
        else:
            saved = services.address_update(address=address, data=data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    except AddressLimitReached as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, _("The address was saved."))
    return saved


@login_required
def address_add(request):
    return _address_form(request)


@login_required
def address_edit(request, pk):
    return _address_form(request, selectors.address_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def address_delete(request, pk):
    services.address_delete(address=selectors.address_get_for_user(user=request.user, pk=pk))
    messages.success(request, _("The address was deleted."))
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_set_default(request, pk):
    services.address_set_default(address=selectors.address_get_for_user(user=request.user, pk=pk))
    messages.success(request, _("Default address updated."))
    return redirect("accounts:addresses")
