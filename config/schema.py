from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class AutoSchema(SpectacularAutoSchema):
    """Name nested ``InputSerializer``/``OutputSerializer`` classes after their view.

    Views here keep their serializers nested (``UserRegisterApi.InputSerializer``); without
    this every one of them would become the same "Input" component.
    """

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        parts = cls.__qualname__.split(".")
        if len(parts) > 1 and parts[-1] in {"InputSerializer", "OutputSerializer"}:
            return parts[-2].removesuffix("Api") + parts[-1].removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    def get_operation_id(self):
        # A plain APIView's GET is always "retrieve"; ``…ListApi`` views list.
        operation_id = super().get_operation_id()
        if type(self.view).__name__.endswith("ListApi") and operation_id.endswith("_retrieve"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id


class ErrorSerializer(serializers.Serializer):
    """The body of every API error."""

    code = serializers.IntegerField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=_("Invalid input")),
    401: OpenApiResponse(ErrorSerializer, description=_("Not authenticated")),
    404: OpenApiResponse(ErrorSerializer, description=_("Not found")),
    429: OpenApiResponse(ErrorSerializer, description=_("Too many requests")),
}


def document_unsupported_media_type(result, generator, request, public):
    """Spectacular post-processing: every operation that takes a body may answer 415 (a body
    in a media type its parsers do not read), with the usual error body."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["responses"].setdefault(
                    "415",
                    {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                        "description": str(_("Unsupported media type")),
                    },
                )
    return result
