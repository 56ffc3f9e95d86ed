"""Names shoppers read, kept in each language (django-modeltranslation, as in catalog)."""

from modeltranslation.translator import TranslationOptions, register

from marketing.models import CouponTemplate, GroupBuy, MemberLevel, Promotion


@register(Promotion)
class PromotionTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(CouponTemplate)
class CouponTemplateTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(MemberLevel)
class MemberLevelTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(GroupBuy)
class GroupBuyTranslationOptions(TranslationOptions):
    fields = ("title",)
