from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


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
