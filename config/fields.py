"""Serializer fields of the API where DRF's defaults do not fit it."""

from rest_framework import serializers
from rest_framework.fields import empty


class BooleanField(serializers.BooleanField):
    """A boolean input that is absent when a form body leaves it out.

    DRF reads a boolean missing from a form-encoded or multipart body as an unticked HTML
    checkbox, i.e. False: a required one was "given", an optional one overwrote the stored
    value. The API is not an HTML form, so missing means missing.
    """

    default_empty_html = empty
