"""Payments fields kept in each language (see catalog/translation.py): the after-sales reasons
merchants write for shoppers."""

from modeltranslation.translator import TranslationOptions, register

from payments.models import AfterSaleReason


@register(AfterSaleReason)
class AfterSaleReasonTranslationOptions(TranslationOptions):
    fields = ("name",)
