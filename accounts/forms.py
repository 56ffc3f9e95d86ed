from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import regions
from accounts.models import Address, User
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
    """An address: receiver, phone, the district picked province › city › district from the
    national divisions (codes; a script fills each list from the one above, and without it
    the "Show the list" button does), the street; a pasted line fills them all ("Fill in")."""

    paste = forms.CharField(
        label=_("Paste a whole address"),
        required=False,
        max_length=300,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                # An example of what is pasted: Chinese in every language.
                "placeholder": "浙江省杭州市西湖区文三路 90 号 张三 13800138000",
            }
        ),
        help_text=_("Receiver, phone and address in one line: the fields below are filled in."),
    )
    receiver = forms.CharField(label=_("Receiver"), max_length=50)
    # Typed with +86, spaces or dashes; the service keeps the 11 digits.
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    province_code = forms.ChoiceField(label=_("Province"))
    city_code = forms.ChoiceField(label=_("City"))
    region_code = forms.ChoiceField(label=_("District"))

    class Meta:
        model = Address
        fields = ["receiver", "phone", "region_code", "detail", "postal_code", "is_default"]
        labels = {"is_default": _("Use as my default address")}

    field_order = [
        "paste",
        "receiver",
        "phone",
        "province_code",
        "city_code",
        "region_code",
        "detail",
        "postal_code",
        "is_default",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        province, city = self._chosen()
        choose = [("", _("Choose…"))]
        self.fields["province_code"].choices = choose + _region_choices("")
        self.fields["city_code"].choices = choose + (_region_choices(province) if province else [])
        self.fields["region_code"].choices = choose + (_region_choices(city) if city else [])
        for name, level in (("province_code", "province"), ("city_code", "city")):
            self.fields[name].widget.attrs["data-region"] = level
        self.fields["region_code"].widget.attrs["data-region"] = "district"
        if self.instance.pk and not self.is_bound:
            lineage = regions.lineage(self.instance.region_code)
            if len(lineage) == 3:
                self.initial.update(province_code=lineage[0].code, city_code=lineage[1].code)
            else:
                self.fields["province_code"].help_text = _(
                    "We could not place “%(place)s” in the national divisions: "
                    "please choose its province, city and district."
                ) % {
                    "place": f"{self.instance.province}{self.instance.city}{self.instance.district}"
                }

    def _chosen(self) -> tuple[str, str]:
        """The province and city whose lists to show: what was sent, else the address's."""
        if self.is_bound:
            province = self.data.get(self.add_prefix("province_code")) or ""
            city = self.data.get(self.add_prefix("city_code")) or ""
        else:
            lineage = regions.lineage(self.initial.get("region_code") or self.instance.region_code)
            province = self.initial.get("province_code") or (lineage[0].code if lineage else "")
            city = self.initial.get("city_code") or (lineage[1].code if len(lineage) > 1 else "")
        if not isinstance(province, str) or not isinstance(city, str):
            return "", ""
        city_region = regions.region(city)
        if city_region is None or city_region.parent != province:
            city = ""
        return province, city

    # Whether the form was shown again by a "Fill in" or "Show the list" press.
    refill = False

    def _post_clean(self):
        pass

    @classmethod
    def refilled(cls, data, *, instance=None, parse=False):
        """An unbound form showing what ``data`` holds (a "Show the list" or "Fill in"
        press: nothing is saved, no errors are shown); with ``parse``, the pasted line's
        parts fill the fields."""
        keys = [n for n in cls.field_order if n != "paste"]
        initial = {k: data.get(k, "") for k in keys if isinstance(data.get(k, ""), str)}
        initial["is_default"] = bool(data.get("is_default"))
        if parse:
            parsed = regions.parse(data.get("paste") or "")
            found = regions.lineage(parsed.region_code)
            initial.update(
                {
                    k: v
                    for k, v in {
                        "receiver": parsed.receiver,
                        "phone": parsed.phone,
                        "detail": parsed.detail,
                        "province_code": found[0].code if found else "",
                        "city_code": found[1].code if found else "",
                        "region_code": parsed.region_code,
                    }.items()
                    if v
                }
            )
        form = cls(initial=initial, instance=instance)
        form.refill = True
        return form


def _region_choices(parent: str) -> list[tuple[str, str]]:
    if parent and regions.region(parent) is None:
        return []
    return [(r.code, r.name) for r in regions.children(parent)]
