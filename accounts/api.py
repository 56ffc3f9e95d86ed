"""Accounts API (thin): parse input, call a service or selector, serialize the output."""

import dataclasses

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import regions, selectors, services
from accounts.authentication import access_token_deny
from accounts.models import ADDRESS_EDITABLE_FIELDS, Address, User
from config.net import client_ip
from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS
from config.throttling import ScopedIpThrottle


class OptionalEmailField(serializers.EmailField):
    """An email address or null (stored as "" when the user has none)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class UserOutputSerializer(serializers.ModelSerializer):
    avatar = serializers.ImageField(read_only=True)
    email = OptionalEmailField(read_only=True)
    language = serializers.ChoiceField(
        choices=[("", _("Shop default")), *settings.LANGUAGES], read_only=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "nickname",
            "email",
            "phone",
            "avatar",
            "language",
            "date_joined",
        ]
        read_only_fields = fields


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginOutputSerializer(TokenPairSerializer):
    user = UserOutputSerializer()


def _login_response(user, *, status_code=status.HTTP_200_OK, **extra) -> Response:
    tokens = services.user_tokens_issue(user=user)
    return Response(
        {**tokens, "user": UserOutputSerializer(user).data, **extra}, status=status_code
    )


class UserRegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedIpThrottle]
    throttle_scope = "register"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
        nickname = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=50
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: LoginOutputSerializer, **ERRORS},
        tags=["auth"],
        summary="Register a shopper account and log in",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return _login_response(user, status_code=status.HTTP_201_CREATED)


class TokenObtainApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        identifier = serializers.CharField(max_length=254, help_text="Username, email or phone.")
        password = serializers.CharField(trim_whitespace=False, max_length=128)

    @extend_schema(
        request=InputSerializer,
        responses={200: LoginOutputSerializer, **ERRORS, 403: ERRORS[401]},
        tags=["auth"],
        summary="Log in with username, email or phone and password",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_login_attempt(**data.validated_data, ip=client_ip(request))
        return _login_response(user)


class RefreshTokenInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenRefreshApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        request=RefreshTokenInputSerializer,
        responses={200: TokenPairSerializer, **ERRORS},
        tags=["auth"],
        summary="Exchange a refresh token for a new pair (the old one is revoked)",
    )
    def post(self, request):
        data = RefreshTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.user_tokens_refresh(**data.validated_data))


class LogoutApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        request=RefreshTokenInputSerializer,
        responses={204: None, **ERRORS},
        tags=["auth"],
        summary="Log out: revoke the given refresh token and the access token sent with it",
    )
    def post(self, request):
        data = RefreshTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_token_revoke(**data.validated_data)
        # The access token this client holds stops working too (denied until it expires).
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer" and raw:
            access_token_deny(raw=raw.strip())
        return Response(status=status.HTTP_204_NO_CONTENT)


class WechatLoginApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedIpThrottle]
    throttle_scope = "wechat_login"

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=128, help_text="The code from wx.login().")

    class OutputSerializer(LoginOutputSerializer):
        created = serializers.BooleanField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS, 503: ERRORS[400]},
        tags=["auth"],
        summary="Log in from the WeChat mini-program with a wx.login code",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, created = services.user_login_wechat(code=data.validated_data["code"])
        return _login_response(user, created=created)


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        nickname = serializers.CharField(required=False, allow_blank=True, max_length=50)
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=16)
        avatar = serializers.ImageField(required=False, allow_null=True)
        language = serializers.ChoiceField(
            choices=[("", ""), *settings.LANGUAGES], required=False, allow_blank=True
        )

    @extend_schema(responses={200: UserOutputSerializer, **ERRORS}, tags=["me"])
    def get(self, request):
        return Response(UserOutputSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: UserOutputSerializer, **ERRORS},
        tags=["me"],
        summary="Update my profile (JSON, or multipart for the avatar)",
    )
    def patch(self, request):
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=data.validated_data)
        return Response(UserOutputSerializer(user, context={"request": request}).data)


class PasswordChangeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(trim_whitespace=False, max_length=128)
        new_password = serializers.CharField(trim_whitespace=False, max_length=128)

    @extend_schema(
        request=InputSerializer,
        responses={200: TokenPairSerializer, **ERRORS},
        tags=["me"],
        summary="Change my password; every other token stops working, a new pair is returned",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **data.validated_data)
        return Response(services.user_tokens_issue(user=request.user))


class AddressSerializer(serializers.ModelSerializer):
    """An address. Its place is ``region_code``, a district's code from ``GET /regions``;
    the names are the table's. A client that sends the three names instead (浙江省 / 杭州市 /
    西湖区) gets them matched to a district, or a 400 on ``region_code``."""

    region_confirmed = serializers.BooleanField(
        read_only=True,
        help_text="False for an address saved before regions had codes that could not be "
        "placed: ask the shopper to choose its region before using it.",
    )

    class Meta:
        model = Address
        fields = [
            "id",
            *ADDRESS_EDITABLE_FIELDS,
            "region_confirmed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "region_code": {"help_text": "The district's code (GET /api/v1/regions)."},
            "province": {"required": False},
            "city": {"required": False},
            "district": {"required": False},
        }


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField(help_text="1 province, 2 city, 3 district")
    has_children = serializers.BooleanField()


class RegionListApi(APIView):
    """The national divisions a level at a time: the provinces, or the places under
    ``parent`` (a province's cities, a city's districts)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "parent", str, description="A province's or a city's code; none: the provinces"
            )
        ],
        responses={200: RegionSerializer(many=True), **ERRORS},
        tags=["addresses"],
    )
    def get(self, request):
        parent = request.query_params.get("parent", "")
        found = regions.region(parent) if parent else None
        if parent and (found is None or found.level == regions.DISTRICT):
            raise NotFound(_("No such region."))
        places = [
            {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "has_children": r.level < regions.DISTRICT,
            }
            for r in regions.children(parent)
        ]
        response = Response(RegionSerializer(places, many=True).data)
        # The table changes with a release, not a day: caches may keep it.
        response["Cache-Control"] = "public, max-age=86400"
        return response


class AddressParseApi(APIView):
    """Split a pasted line ("浙江省杭州市西湖区文三路 90 号 张三 13800138000") into the fields
    of an address; nothing is saved. Fields it could not find come back empty."""

    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=300)

    class OutputSerializer(serializers.Serializer):
        receiver = serializers.CharField()
        phone = serializers.CharField()
        region_code = serializers.CharField()
        province = serializers.CharField()
        city = serializers.CharField()
        district = serializers.CharField()
        detail = serializers.CharField()

    @extend_schema(
        request=InputSerializer, responses={200: OutputSerializer, **ERRORS}, tags=["addresses"]
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parsed = regions.parse(data.validated_data["text"])
        return Response(self.OutputSerializer(dataclasses.asdict(parsed)).data)


class AddressListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: paginated_schema(AddressSerializer), **ERRORS},
        tags=["addresses"],
    )
    def get(self, request):
        return paginated_response(
            queryset=selectors.address_list_for_user(user=request.user),
            serializer_class=AddressSerializer,
            request=request,
            view=self,
        )

    @extend_schema(
        request=AddressSerializer, responses={201: AddressSerializer, **ERRORS}, tags=["addresses"]
    )
    def post(self, request):
        data = AddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = services.address_create(user=request.user, data=data.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: AddressSerializer, **ERRORS}, tags=["addresses"])
    def get(self, request, pk):
        address = selectors.address_get_for_user(user=request.user, pk=pk)
        return Response(AddressSerializer(address).data)

    @extend_schema(
        request=AddressSerializer, responses={200: AddressSerializer, **ERRORS}, tags=["addresses"]
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=AddressSerializer, responses={200: AddressSerializer, **ERRORS}, tags=["addresses"]
    )
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk, *, partial):
        address = selectors.address_get_for_user(user=request.user, pk=pk)
        data = AddressSerializer(address, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        address = services.address_update(address=address, data=data.validated_data)
        return Response(AddressSerializer(address).data)

    @extend_schema(responses={204: None, **ERRORS}, tags=["addresses"])
    def delete(self, request, pk):
        services.address_delete(address=selectors.address_get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AddressSetDefaultApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: AddressSerializer, **ERRORS}, tags=["addresses"])
    def post(self, request, pk):
        address = selectors.address_get_for_user(user=request.user, pk=pk)
        return Response(AddressSerializer(services.address_set_default(address=address)).data)
