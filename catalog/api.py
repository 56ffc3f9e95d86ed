"""Catalog API (read-only for clients): category tree, product list, product detail."""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.filters import SORT_CHOICES
from catalog.models import ProductRating
from catalog.serializers import (
    CategoryNodeSerializer,
    ProductCardSerializer,
    ProductDetailSerializer,
)
from config.fields import BooleanField
from config.pagination import PageNumberPagination
from config.schema import ERRORS


class PageInputSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    page_size = serializers.IntegerField(
        min_value=1, max_value=PageNumberPagination.max_page_size, default=20
    )


class ProductListQuerySerializer(PageInputSerializer):
    """The list's query string: checked here (a bad value is a 400 naming it, as the schema
    says), then applied by the same filter set as the pages."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    category = serializers.CharField(required=False, max_length=100)
    brand = serializers.IntegerField(required=False, min_value=1)
    min_price = serializers.DecimalField(
        required=False, max_digits=12, decimal_places=2, min_value=0
    )
    max_price = serializers.DecimalField(
        required=False, max_digits=12, decimal_places=2, min_value=0
    )
    in_stock = BooleanField(required=False)
    sort = serializers.ChoiceField(required=False, choices=[c[0] for c in SORT_CHOICES])


class CategoryTreeApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: CategoryNodeSerializer(many=True)}, tags=["catalog"])
    def get(self, request):
        return Response(selectors.category_tree())


class ProductListApi(APIView):
    permission_classes = [permissions.AllowAny]

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = ProductCardSerializer(many=True)

    @extend_schema(
        parameters=[ProductListQuerySerializer],
        responses={200: OutputSerializer, 400: ERRORS[400]},
        tags=["catalog"],
    )
    def get(self, request):
        # A plain dict, not the QueryDict: DRF reads an empty value of a form-like input as
        # "not given", and the schema says ``sort=`` or ``brand=`` are not valid values.
        paging = ProductListQuerySerializer(data=request.query_params.dict())
        paging.is_valid(raise_exception=True)
        page, page_size = paging.validated_data["page"], paging.validated_data["page_size"]
        data = selectors.product_list_page(
            params=request.query_params, page=page, page_size=page_size
        )

        def link(number):
            if number < 1 or number > data["num_pages"]:
                return None
            return request.build_absolute_uri(
                request.path + "?" + _with_page(request.query_params, number)
            )

        return Response(
            {
                "count": data["count"],
                "next": link(data["page"] + 1),
                "previous": link(data["page"] - 1),
                "results": data["results"],
            }
        )


def _with_page(params, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return query.urlencode()


class RatingBriefSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    good_percent = serializers.IntegerField(allow_null=True)


class ProductDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    class OutputSerializer(ProductDetailSerializer):
        in_stock = serializers.BooleanField()
        rating = RatingBriefSerializer(help_text="Its reviews' summary (visible ones).")

        class Meta(ProductDetailSerializer.Meta):
            fields = [*ProductDetailSerializer.Meta.fields, "in_stock", "rating"]

    @extend_schema(responses={200: OutputSerializer, 404: ERRORS[404]}, tags=["catalog"])
    def get(self, request, pk: int):
        product = selectors.product_detail(pk=pk)
        # Read apart from the cached detail: a review shows in the summary at once.
        rating = ProductRating.objects.filter(product_id=product["id"]).first()
        summary = {
            "count": rating.count if rating else 0,
            "average": str(rating.average) if rating and rating.count else None,
            "good_percent": rating.good_percent if rating else None,
        }
        return Response({**product, "rating": summary})


class SearchSuggestionsApi(APIView):
    """Suggestions for the search box as the shopper types (cached; the browser may keep
    them for CATALOG_SUGGEST_CACHE_SECONDS)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []  # public and cacheable: no session, no CSRF

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    class OutputSerializer(serializers.Serializer):
        class LinkSerializer(serializers.Serializer):
            name = serializers.CharField()
            url = serializers.CharField()

        query = serializers.CharField()
        categories = LinkSerializer(many=True)
        products = LinkSerializer(many=True)

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: OutputSerializer, 400: ERRORS[400]},
        tags=["catalog"],
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        response = Response(selectors.search_suggestions(query=params.validated_data["q"]))
        patch_cache_control(response, public=True, max_age=settings.CATALOG_SUGGEST_CACHE_SECONDS)
        # The language comes from the cookie as well as Accept-Language (which the locale
        # middleware adds): a shared cache must tell them apart.
        patch_vary_headers(response, ["Cookie"])
        return response
