from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.phones import validate_mainland_mobile

phone_validator = validate_mainland_mobile


def validate_avatar_size(file) -> None:
    limit = settings.AVATAR_MAX_BYTES
    if file and getattr(file, "size", 0) > limit:
        raise ValidationError(
            _("The image is too large (at most %(mb).1f MB).") % {"mb": limit / 1024 / 1024}
        )


postal_code_validator = RegexValidator(r"^[0-9A-Za-z -]{3,10}$", _("Enter a valid postal code."))


class User(AbstractUser):
    """A shopper, merchant or staff member. Email and phone are optional but unique when set."""

    email = models.EmailField(_("email address"), blank=True, default="")
    phone = models.CharField(
        _("phone"), max_length=16, blank=True, default="", validators=[phone_validator]
    )
    nickname = models.CharField(_("nickname"), max_length=50, blank=True, default="")
    avatar = models.ImageField(
        _("avatar"),
        upload_to="avatars/%Y/%m/",
        blank=True,
        default="",
        validators=[validate_avatar_size],
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("For emails and messages; empty means the shop's language."),
    )
    wechat_openid = models.CharField(
        _("WeChat openid"), max_length=64, blank=True, null=True, unique=True
    )
    wechat_unionid = models.CharField(
        _("WeChat unionid"), max_length=64, blank=True, null=True, unique=True
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
                violation_error_message=_("A user with that email address already exists."),
            ),
            models.UniqueConstraint(
                fields=["phone"],
                name="accounts_user_phone_unique",
                condition=~models.Q(phone=""),
                violation_error_message=_("A user with that phone number already exists."),
            ),
        ]

    def __str__(self):
        return self.nickname or self.username

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


ADDRESS_EDITABLE_FIELDS = (
    "receiver",
    "phone",
    "region_code",
    "province",
    "city",
    "district",
    "detail",
    "postal_code",
    "is_default",
)


class Address(models.Model):
    """A shipping address in a user's address book; at most one default per user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    receiver = models.CharField(_("receiver"), max_length=50)
    phone = models.CharField(_("phone"), max_length=16, validators=[phone_validator])
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50)
    # The district's code in the national divisions (accounts.regions); the three names
    # above are the table's. Empty for an address saved before regions had codes that the
    # migration could not place: the shopper confirms its region before it is used.
    region_code = models.CharField(_("region"), max_length=6, blank=True, default="")
    detail = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(
        _("postal code"), max_length=10, blank=True, default="", validators=[postal_code_validator]
    )
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-is_default", "-updated_at", "-pk"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="accounts_address_one_default_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.receiver} {self.province}{self.city}{self.district}{self.detail}"

    @property
    def region_confirmed(self) -> bool:
        return bool(self.region_code)

    @property
    def full_address(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.detail) if p)
