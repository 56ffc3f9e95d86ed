"""Mainland China mobile numbers, checked with Google's libphonenumber (``phonenumbers``):
11 digits starting with 1, in a range a carrier has issued. What a shopper types (with
spaces, dashes, +86 or 0086 in front) is stored as the 11 digits."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MESSAGE = _("Enter a mainland China mobile number: 11 digits starting with 1.")
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def mobile_normalize(value: str | None) -> str:
    """The 11 digits of a mainland mobile number, "" for an empty value; ValidationError
    for anything else."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > 24 or not text.isascii():
        raise ValidationError(MESSAGE, code="mobile")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(MESSAGE, code="mobile") from exc
    national = str(number.national_number)
    if (
        number.country_code != 86
        or len(national) != 11
        or not national.startswith("1")
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE
    ):
        raise ValidationError(MESSAGE, code="mobile")
    return national


def validate_mainland_mobile(value: str) -> None:
    """A model field's validator: the stored value is the normalized 11 digits."""
    if value and mobile_normalize(value) != value:
        raise ValidationError(MESSAGE, code="mobile")
