from django.urls import path

from delivery import api

urlpatterns = [
    path("pickup-points", api.PickupPointListApi.as_view(), name="api-pickup-points"),
    path("delivery-slots", api.DeliverySlotListApi.as_view(), name="api-delivery-slots"),
]
