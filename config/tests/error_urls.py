"""Views that raise each error class, for the error-body tests."""

from django.urls import include, path
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ApplicationError


class SampleDomainError(ApplicationError):
    code = 30002
    status = 409
    default_message = "SKU ABC-1 is out of stock."


class _Open(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = []


class ValidationApi(_Open):
    class InputSerializer(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1)
        lines = serializers.ListField(child=serializers.DictField(), required=False)

        class LineSerializer(serializers.Serializer):
            sku = serializers.IntegerField()

    def post(self, request):
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({})


class DomainApi(_Open):
    def post(self, request):
        raise SampleDomainError(errors={"sku": ["ABC-1"]})


class ForbiddenApi(APIView):
    permission_classes = [permissions.IsAdminUser]
    throttle_classes = []

    def get(self, request):
        return Response({})


class ThrottledApi(_Open):
    def get(self, request):
        raise exceptions.Throttled(wait=7)


class ThrottledByDefaultApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        return Response({"ok": True})


class CrashApi(_Open):
    def get(self, request):
        raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/test/validation", ValidationApi.as_view()),
    path("api/v1/test/domain", DomainApi.as_view()),
    path("api/v1/test/forbidden", ForbiddenApi.as_view()),
    path("api/v1/test/throttled", ThrottledApi.as_view()),
    path("api/v1/test/crash", CrashApi.as_view()),
    path("api/v1/test/open", ThrottledByDefaultApi.as_view()),
    path("", include("config.urls")),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
