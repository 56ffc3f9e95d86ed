"""Flash-sale fields kept in each language (see catalog/translation.py): the title shoppers
read on the sessions page, the event page and their order."""

from modeltranslation.translator import TranslationOptions, register

from seckill.models import SeckillEvent


@register(SeckillEvent)
class SeckillEventTranslationOptions(TranslationOptions):
    fields = ("title",)
