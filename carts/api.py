"""Cart API for logged-in clients (the mini-program): thin views over carts.services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import address_default_for
from carts import services
from carts.keys import user_cart_key
from carts.selectors import cart_view
from carts.serializers import CartSerializer
from config.fields import BooleanField
from config.parsers import JSONParser
from config.schema import ERRORS


def _cart_response(user) -> Response:
    cart = cart_view(key=user_cart_key(user.pk), user=user, address=address_default_for(user=user))
    return Response(CartSerializer(cart).data)


class CartApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: CartSerializer, **ERRORS}, tags=["cart"])
    def get(self, request):
        return _cart_response(request.user)

    @extend_schema(
        responses={200: CartSerializer, **ERRORS}, tags=["cart"], summary="Empty the cart"
    )
    def delete(self, request):
        services.cart_clear(key=user_cart_key(request.user.pk))
        return _cart_response(request.user)


class CartItemListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        sku_id = serializers.IntegerField(min_value=1)
        quantity = serializers.IntegerField(default=1)

    @extend_schema(
        request=InputSerializer,
        responses={200: CartSerializer, **ERRORS},
        tags=["cart"],
        summary="Add a SKU (or more of it) to the cart",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_add(key=user_cart_key(request.user.pk), **data.validated_data)
        return _cart_response(request.user)


class CartItemApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        quantity = serializers.IntegerField(required=False)
        selected = BooleanField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: CartSerializer, **ERRORS},
        tags=["cart"],
        summary="Change a line's quantity or selection",
    )
    def patch(self, request, sku_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            raise ValidationError({"non_field_errors": [_("Give a quantity or selected.")]})
        key = user_cart_key(request.user.pk)
        if "quantity" in data.validated_data:
            services.cart_set_quantity(
                key=key, sku_id=sku_id, quantity=data.validated_data["quantity"]
            )
        if "selected" in data.validated_data:
            services.cart_select(
                key=key, selected=data.validated_data["selected"], sku_ids=[sku_id]
            )
        return _cart_response(request.user)

    @extend_schema(responses={200: CartSerializer, **ERRORS}, tags=["cart"])
    def delete(self, request, sku_id: int):
        services.cart_remove_line(key=user_cart_key(request.user.pk), sku_id=sku_id)
        return _cart_response(request.user)


class CartSelectApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    # JSON only: in a form, ``sku_ids=5`` (a list of one) and a bare ``5`` are the same bytes,
    # so a form could not say which it meant (the schema fuzzer sent the scalar and it passed).
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        selected = BooleanField()
        sku_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            allow_null=True,
            help_text="Lines to change; omit for every line.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: CartSerializer, **ERRORS},
        tags=["cart"],
        summary="Select or unselect lines for checkout",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_select(
            key=user_cart_key(request.user.pk),
            selected=data.validated_data["selected"],
            sku_ids=data.validated_data.get("sku_ids"),
        )
        return _cart_response(request.user)
