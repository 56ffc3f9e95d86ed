"""Catalog fields kept in each language (django-modeltranslation adds ``name_zh_hans`` and
``name_en`` beside ``name``; reading ``name`` gives the active language, falling back to the
other when it is empty)."""

from modeltranslation.translator import TranslationOptions, register

from catalog.models import Category, Product


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Product)
class ProductTranslationOptions(TranslationOptions):
    fields = ("name", "subtitle", "description")
