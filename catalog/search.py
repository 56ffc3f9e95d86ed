"""Product search in Chinese and English.

PostgreSQL's parser does not split Chinese into words, so both the documents and the queries
are cut with jieba (search mode, which also yields the shorter words inside long ones) and
stored as space-separated words in a ``simple``-config tsvector; English text goes through the
``english`` config and keeps its stemming. A query matches when every one of its Chinese
words is in the product, or its English words are (websearch syntax), or it is a substring of
a name in either language, or — for typos — close to a word of the English name (pg_trgm
word similarity). All of these use indexes: GIN on the vector, GIN trigram on the names.

SQLite (embedded mode) has neither; there a query matches when each of its words is a
substring of a name or subtitle in either language, and results come by sales, not rank.
"""

from __future__ import annotations

import logging
import re
import threading
from html import unescape

import jieba
from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Greatest
from django.utils.html import strip_tags

jieba.setLogLevel(logging.WARNING)
_ready = threading.Lock()
_WORD = re.compile(r"\w", re.UNICODE)
MAX_WORDS = 12  # a pasted paragraph is not a query; its first words are


def _initialize() -> None:
    # jieba loads its dictionary (~0.5 s) on first use; once per process, not per thread.
    if not jieba.dt.initialized:
        with _ready:
            jieba.initialize()


def warm_up() -> None:
    """Load the dictionary in a background thread (called when a web worker starts)."""
    threading.Thread(target=_initialize, name="jieba-warm-up", daemon=True).start()


def plain_text(html: str) -> str:
    """Text of HTML with tags as word breaks ("Tea</li><li>Ships" is two words)."""
    return unescape(strip_tags((html or "").replace("<", " <")))


def segment(text: str) -> list[str]:
    """Words of ``text`` for the index and for queries: jieba's search-mode cut, lowercased,
    punctuation and spaces dropped, each word once, in order."""
    _initialize()
    words: list[str] = []
    for word in jieba.cut_for_search(text or ""):
        word = word.strip().lower()
        if word and _WORD.search(word) and word not in words:
            words.append(word)
    return words


def document(
    *, names: list[str], subtitles: list[str], descriptions: list[str], english: list[str]
):
    """The search vector of a product: its names (weight A), subtitles (B) and descriptions
    (C) in every language, cut into words; the English texts also stemmed."""

    def simple(texts: list[str], weight: str):
        words = " ".join(segment(" ".join(plain_text(t) for t in texts if t)))
        return SearchVector(Value(words, output_field=TextField()), weight=weight, config="simple")

    vector = simple(names, "A") + simple(subtitles, "B") + simple(descriptions, "C")
    config = settings.CATALOG_SEARCH_CONFIG
    for text, weight in zip(english, "ABC", strict=False):
        vector = vector + SearchVector(
            Value(plain_text(text), output_field=TextField()), weight=weight, config=config
        )
    return vector


def _query(words: list[str], value: str):
    every_word = None
    for word in words:
        term = SearchQuery(word, search_type="plain", config="simple")
        every_word = term if every_word is None else every_word & term
    english = SearchQuery(value, search_type="websearch", config=settings.CATALOG_SEARCH_CONFIG)
    return english if every_word is None else every_word | english


def search(queryset: QuerySet, value: str) -> QuerySet:
    """Products matching ``value``; on PostgreSQL annotated with ``rank``."""
    value = value.strip()
    words = segment(value)[:MAX_WORDS]
    if not words:
        return queryset
    if connection.vendor != "postgresql":
        for word in words:
            queryset = queryset.filter(
                Q(name_zh_hans__icontains=word)
                | Q(name_en__icontains=word)
                | Q(subtitle_zh_hans__icontains=word)
                | Q(subtitle_en__icontains=word)
            )
        return queryset
    query = _query(words, value)
    return queryset.filter(
        Q(search_vector=query)
        | Q(name_zh_hans__icontains=value)
        | Q(name_en__icontains=value)
        | Q(name_en__trigram_word_similar=value)
    ).annotate(
        rank=SearchRank(F("search_vector"), query)
        # A typo matches nothing in the vector; its closeness to the name ranks it.
        + Greatest(
            TrigramWordSimilarity(value, "name_en"), TrigramWordSimilarity(value, "name_zh_hans")
        )
        * Value(0.1)
    )
