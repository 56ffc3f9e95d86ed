"""Favourites API (thin): my favourites with today's price and stock, keep a product, let
it go. Only the shopper's own list is ever read or changed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from carts import favourites
from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS

MONEY = {"max_digits": 12, "decimal_places": 2}


class FavouriteSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField(source="product.name")
    on_sale = serializers.SerializerMethodField()
    price_then = serializers.DecimalField(**MONEY, allow_null=True)
    price_now = serializers.DecimalField(**MONEY, allow_null=True)
    stock = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_on_sale(self, favourite) -> bool:
        return favourite.product.status == "on_sale"


class MyFavouriteListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: paginated_schema(FavouriteSerializer), **ERRORS},
        tags=["favourites"],
        summary="My favourites (收藏), newest first, with today's price and stock",
    )
    def get(self, request):
        return paginated_response(
            queryset=favourites.favourites_of(user=request.user),
            serializer_class=FavouriteSerializer,
            request=request,
            view=self,
        )


class MyFavouriteApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={201: None, **ERRORS},
        tags=["favourites"],
        summary="Keep a product (again: nothing changes)",
    )
    def put(self, request, product_id: int):
        favourites.favourite_add(user=request.user, product_id=product_id)
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={204: None, **ERRORS}, tags=["favourites"], summary="Let it go"
    )
    def delete(self, request, product_id: int):
        favourites.favourite_remove(user=request.user, product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
