"""Business errors of the marketing app (codes 70xxx)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.exceptions import ApplicationError


class CouponNotFound(ApplicationError):
    code = 70001
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Coupon not found.")


class CouponsGone(ApplicationError):
    code = 70002
    status = status.HTTP_409_CONFLICT
    default_message = _("This coupon has all been claimed.")


class CouponLimitReached(ApplicationError):
    code = 70003
    status = status.HTTP_409_CONFLICT
    default_message = _("You already have as many of this coupon as allowed.")


class CouponsGoneToday(ApplicationError):
    code = 70004
    status = status.HTTP_409_CONFLICT
    default_message = _("Today's coupons have all been claimed. Come back tomorrow.")


class CouponNotClaimable(ApplicationError):
    code = 70005
    status = status.HTTP_409_CONFLICT
    default_message = _("This coupon cannot be claimed now.")


class CouponForNewShoppers(ApplicationError):
    code = 70006
    status = status.HTTP_409_CONFLICT
    default_message = _("This coupon is for new shoppers only.")


class CouponNotUsable(ApplicationError):
    """The coupon chosen for an order does not apply: used, held by another order, expired,
    not yet valid, or the order does not meet it."""

    code = 70007
    status = status.HTTP_409_CONFLICT
    default_message = _("This coupon cannot be used for this order.")


class NotEnoughPoints(ApplicationError):
    code = 70008
    status = status.HTTP_409_CONFLICT
    default_message = _("You do not have that many points.")


class AlreadyCheckedIn(ApplicationError):
    code = 70009
    status = status.HTTP_409_CONFLICT
    default_message = _("You have already checked in today.")


class PointsNotUsable(ApplicationError):
    """Points asked for at checkout that the rules do not allow: not whole units, or more
    than the order may take."""

    code = 70010
    status = status.HTTP_409_CONFLICT
    default_message = _("These points cannot be used for this order.")


# 拼团 group-buy: 7002x.
class GroupBuyNotFound(ApplicationError):
    code = 70020
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Group buy not found.")


class GroupBuyNotOn(ApplicationError):
    code = 70021
    status = status.HTTP_409_CONFLICT
    default_message = _("This group buy is not on now.")


class GroupBuySoldOut(ApplicationError):
    code = 70022
    status = status.HTTP_409_CONFLICT
    default_message = _("This group buy has sold out.")


class GroupBuyLimitReached(ApplicationError):
    code = 70023
    status = status.HTTP_409_CONFLICT
    default_message = _("You have bought as many of this group buy as allowed.")


class GroupNotFound(ApplicationError):
    code = 70024
    status = status.HTTP_404_NOT_FOUND
    default_message = _("Group not found.")


class GroupNotJoinable(ApplicationError):
    """The group is full, over, or not open yet: the shopper may open a new one."""

    code = 70025
    status = status.HTTP_409_CONFLICT
    default_message = _("This group can no longer be joined. Open a new group instead.")


class GroupAlreadyJoined(ApplicationError):
    code = 70026
    status = status.HTTP_409_CONFLICT
    default_message = _("You are in this group already.")


class GroupBuyStepNotAllowed(ApplicationError):
    code = 70027
    status = status.HTTP_409_CONFLICT
    default_message = _("This group buy cannot take that step now.")


class GroupBuySkuShort(ApplicationError):
    code = 70028
    status = status.HTTP_409_CONFLICT
    default_message = _("The SKU does not have that many units to put on the group buy.")
