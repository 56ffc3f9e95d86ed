from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import ADDRESS_EDITABLE_FIELDS, Address, User
from accounts.phones import mobile_normalize


class ServiceErrorsMixin:
    """Attach a service's ValidationError to the form's fields."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class RegisterForm(ServiceErrorsMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(
        label=_("Mobile number (optional)"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("The two passwords do not match."))
        if data.get("password"):
            try:
                password_validation.validate_password(
                    data["password"], User(username=data.get("username", ""))
                )
            except ValidationError as exc:
                self.add_error("password", exc)
        # Every error at once: a taken username shows beside a bad phone, not after it.
        from accounts.services import user_identifiers_check

        found = user_identifiers_check(
            username=data.get("username", ""),
            email=data.get("email", ""),
            phone=self.data.get("phone", "") if "phone" in self.errors else data.get("phone", ""),
        )
        for field, errors in found.items():
            if field not in self.errors:
                self.add_error(field, errors)
        return data

    def clean_phone(self):
        return mobile_normalize(self.cleaned_data.get("phone"))


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username, email or phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["nickname", "email", "phone", "avatar", "language"]

    def _post_clean(self):
        # Model validation (uniqueness included) is the service's job.
        pass


class AddressForm(ServiceErrorsMixin, forms.ModelForm):
    # Typed with +86, spaces or dashes; the service keeps the 11 digits.
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = Address
        fields = list(ADDRESS_EDITABLE_FIELDS)
        labels = {"is_default": _("Use as my default address")}

    def _post_clean(self):
        pass
