"""Reviews API for the mini-program (thin): a product's reviews with filters and its
summary, creating a review with photos (multipart), a follow-up, my reviews and the lines
I have to review. Another shopper's line or review answers 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Product, ProductStatus
from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS, ErrorSerializer
from reviews import selectors, services
from reviews.errors import ReviewNotFound
from reviews.models import Review


class ReviewSerializer(serializers.ModelSerializer):
    author = serializers.CharField(help_text="Masked when the review is anonymous.")
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "author",
            "rating",
            "text",
            "options",
            "anonymous",
            "is_default",
            "photos",
            "follow_up",
            "follow_up_at",
            "reply",
            "replied_at",
            "created_at",
        ]

    def get_photos(self, review) -> list[str]:
        request = self.context.get("request")
        urls = [p.image.url for p in review.photos.all()]
        return [request.build_absolute_uri(u) for u in urls] if request else urls


class MyReviewSerializer(ReviewSerializer):
    product_id = serializers.IntegerField()
    order_no = serializers.CharField(source="order.order_no")

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "status", "product_id", "order_no"]


class SummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    good_percent = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Per filter: all, photos, good, medium, bad."
    )


def _product(product_id: int) -> Product:
    from catalog.errors import ProductNotFound

    product = Product.objects.filter(pk=product_id, status=ProductStatus.ON_SALE).first()
    if product is None:
        raise ProductNotFound()
    return product


class ProductReviewListApi(APIView):
    permission_classes = [permissions.AllowAny]

    class FilterSerializer(serializers.Serializer):
        filter = serializers.ChoiceField(choices=selectors.FILTERS, default="all")

    @extend_schema(
        parameters=[OpenApiParameter("filter", str, enum=list(selectors.FILTERS))],
        responses={200: paginated_schema(ReviewSerializer), **ERRORS},
        tags=["reviews"],
        summary="A product's reviews, newest first",
        auth=[],
    )
    def get(self, request, product_id: int):
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        product = _product(product_id)
        return paginated_response(
            queryset=selectors.product_reviews(
                product_id=product.pk, filter=query.validated_data["filter"]
            ),
            serializer_class=ReviewSerializer,
            request=request,
            view=self,
        )


class ProductReviewSummaryApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: SummarySerializer, **ERRORS},
        tags=["reviews"],
        summary="A product's rating: average, count, good share, count per filter",
        auth=[],
    )
    def get(self, request, product_id: int):
        product = _product(product_id)
        return Response(SummarySerializer(selectors.rating_summary(product_id=product.pk)).data)


REVIEW_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        ErrorSerializer,
        description="90002 not received yet, 90003 reviewed already, 90005 follow-up not allowed",
    ),
}


class ReviewCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        order_item_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        rating = serializers.IntegerField(min_value=1, max_value=5)
        text = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        anonymous = serializers.BooleanField(required=False, default=False)
        photos = serializers.ListField(
            child=serializers.ImageField(), required=False, default=list, max_length=6
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: MyReviewSerializer, **REVIEW_ERRORS},
        tags=["reviews"],
        summary="Review a line of a received order (once)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(user=request.user, **data.validated_data)
        review = selectors.review_get_for_user(user=request.user, review_id=review.pk)
        return Response(
            MyReviewSerializer(review, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ReviewFollowUpApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=500)
        photos = serializers.ListField(
            child=serializers.ImageField(), required=False, default=list, max_length=6
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={200: MyReviewSerializer, **REVIEW_ERRORS},
        tags=["reviews"],
        summary="Follow up my review (追评, once)",
    )
    def post(self, request, review_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if selectors.review_get_for_user(user=request.user, review_id=review_id) is None:
            raise ReviewNotFound()
        services.review_follow_up(user=request.user, review_id=review_id, **data.validated_data)
        review = selectors.review_get_for_user(user=request.user, review_id=review_id)
        return Response(MyReviewSerializer(review, context={"request": request}).data)


class MyReviewListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: paginated_schema(MyReviewSerializer), **ERRORS},
        tags=["reviews"],
        summary="My reviews",
    )
    def get(self, request):
        return paginated_response(
            queryset=selectors.reviews_of_user(user=request.user),
            serializer_class=MyReviewSerializer,
            request=request,
            view=self,
        )


class LineToReviewSerializer(serializers.Serializer):
    order_item_id = serializers.IntegerField(source="pk")
    order_no = serializers.CharField(source="order.order_no")
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    options = serializers.CharField(source="sku_options")
    image_url = serializers.CharField()


class MyLinesToReviewApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: paginated_schema(LineToReviewSerializer), **ERRORS},
        tags=["reviews"],
        summary="Lines of my received orders to review (待评价)",
    )
    def get(self, request):
        return paginated_response(
            queryset=selectors.lines_to_review(user=request.user),
            serializer_class=LineToReviewSerializer,
            request=request,
            view=self,
        )
