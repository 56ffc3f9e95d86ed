"""Payment API for clients (mini-programs and apps): start paying an order, read a payment."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import ERRORS
from orders.selectors import order_get_for_user
from payments import services
from payments.errors import PaymentNotFound
from payments.models import Payment, Provider

MONEY = {"max_digits": 12, "decimal_places": 2}


class PaymentSerializer(serializers.ModelSerializer):
    order_no = serializers.CharField(source="order.order_no")

    class Meta:
        model = Payment
        fields = ["payment_no", "order_no", "provider", "amount", "status", "paid_at"]


class OrderPayApi(APIView):
    """Start paying an unpaid order: what the client needs to pay (a page to open, or the
    parameters of the provider's client call)."""

    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        provider = serializers.ChoiceField(choices=Provider.choices)
        channel = serializers.ChoiceField(
            choices=["miniprogram", "mobile", "web"],
            default="miniprogram",
            help_text="Where the shopper pays: the mini-program (WeChat Pay answers the "
            "wx.requestPayment parameters in `params`), a phone's browser, or a desktop one "
            "(open `redirect_url`).",
        )

    class OutputSerializer(PaymentSerializer):
        redirect_url = serializers.CharField(allow_blank=True)
        params = serializers.DictField()

        class Meta(PaymentSerializer.Meta):
            fields = [*PaymentSerializer.Meta.fields, "redirect_url", "params"]

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
        tags=["payments"],
        summary="Start paying an order",
    )
    def post(self, request, order_no: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_get_for_user(user=request.user, order_no=order_no)
        payment = services.payment_start(
            order=order,
            provider=data.validated_data["provider"],
            channel=data.validated_data["channel"],
        )
        checkout = services.payment_checkout(payment=payment, request=request)
        body = PaymentSerializer(payment).data
        # A gateway's own address stays as it is; a page of ours is made absolute.
        redirect_url = (
            request.build_absolute_uri(checkout.redirect_url) if checkout.redirect_url else ""
        )
        return Response({**body, "redirect_url": redirect_url, "params": checkout.params})


class PaymentDetailApi(APIView):
    """A payment of the caller's, to follow it after paying (the order turns paid too)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: PaymentSerializer, **ERRORS}, tags=["payments"])
    def get(self, request, payment_no: str):
        payment = (
            Payment.objects.select_related("order")
            .filter(payment_no=payment_no, order__user=request.user)
            .first()
        )
        if payment is None:
            raise PaymentNotFound()
        return Response(PaymentSerializer(payment).data)
