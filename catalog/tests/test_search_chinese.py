"""Chinese and English search on PostgreSQL against the demo catalog: jieba words in a
`simple` vector, English stems, substrings and typos by pg_trgm; exact results, in order."""

import io

import pytest
from django.utils import translation

from catalog import demo
from catalog.search import segment
from catalog.selectors import product_list_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_shop():
    demo.seed(io.StringIO(), images=False)


def found(query: str, language: str = "zh-hans") -> list[str]:
    with translation.override(language):
        return [card["name"] for card in product_list_page(params={"q": query})["results"]]


def test_queries_are_cut_into_words_like_the_products():
    assert segment("蓝牙耳机") == ["蓝牙", "耳机"]
    assert segment("真丝枕套，Bluetooth!") == ["真丝", "枕套", "bluetooth"]


def test_chinese_queries_find_the_right_products_ranked(demo_shop):
    assert found("手机") == [
        "星辰 X20 Pro 影像旗舰手机",
        "星辰青春版 长续航手机",
        "路摩三防户外手机",
        "星辰 S10 轻薄手机",
        "星辰 Fold 折叠屏手机",
        "路摩 C9 老人手机",
        "星辰 X20 5G 智能手机",
    ]
    assert found("蓝牙耳机") == [
        "听听 Pro 主动降噪蓝牙耳机",
        "听听 Air 真无线蓝牙耳机",
        "听听便携蓝牙音箱",
        "路摩桌面音箱",  # "蓝牙 5.3" in its subtitle
    ]
    assert found("真丝枕套") == ["家悦桑蚕丝真丝枕套"]
    assert found("西湖龙井") == ["茶香明前西湖龙井"]


def test_a_word_inside_a_longer_name_is_found(demo_shop):
    assert found("降噪") == ["听听 Pro 主动降噪蓝牙耳机", "路摩头戴式降噪耳机"]
    assert found("羽绒") == ["风尚连帽长款羽绒服", "家悦冬季羽绒被", "风尚轻薄羽绒服"]


def test_english_queries_are_stemmed_and_typos_forgiven(demo_shop):
    assert found("earbuds", "en") == [
        "Tingting Pro Noise-cancelling Earbuds",
        "Tingting Sport Ear-hook Earbuds",
        "Tingting Air True Wireless Earbuds",
    ]
    assert found("headphones", "en") == ["Lumo Over-ear Noise-cancelling Headphones"]
    assert found("hedphones", "en") == ["Lumo Over-ear Noise-cancelling Headphones"]
    assert found("ketle", "en") == ["Chuzi Stainless Steel Kettle 1.7L", "Chuzi Electric Kettle"]


def test_either_language_finds_the_product_shown_in_the_active_one(demo_shop):
    assert found("silk pillowcase") == ["家悦桑蚕丝真丝枕套"]
    assert found("真丝枕套", "en") == ["Homely Mulberry Silk Pillowcase"]


def test_nothing_found_is_an_empty_page_not_everything(demo_shop):
    assert found("手机壳") == []
    assert found("！？") != []  # no words at all: the query is ignored, like an empty one
