"""The national divisions, addresses placed in them, a pasted line split into its parts, and
the migration that placed the addresses saved before."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from accounts import regions
from accounts.models import Address
from accounts.tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_table_has_every_province_and_unique_codes():
    provinces = regions.children()
    assert len(provinces) == 34
    codes = [
        r.code
        for p in provinces
        for c in regions.children(p.code)
        for r in (c, *regions.children(c.code))
    ]
    assert len(codes) == len(set(codes)) > 3000
    assert [r.name for r in regions.lineage("330106")] == ["浙江省", "杭州市", "西湖区"]
    assert [r.name for r in regions.lineage("650102")] == [
        "新疆维吾尔自治区",
        "乌鲁木齐市",
        "天山区",
    ]
    # Every city has at least one district, so a three-level pick always ends in one.
    assert all(regions.children(c.code) for p in provinces for c in regions.children(p.code))
    assert regions.district("330100") is None  # a city is no district
    assert regions.region("33\x000106") is None and regions.region(None) is None


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (("浙江省", "杭州市", "西湖区"), "330106"),
        (("浙江", "杭州", "西湖"), "330106"),
        (("上海", "", "浦东新区"), "310115"),  # the municipality's one city
        (("上海市", "上海市", "浦东新区"), "310115"),
        (("广东省", "东莞市", ""), "441999"),  # a city without districts
        (("湖北省", "省直辖县级行政区划", "仙桃市"), "429099"),  # under the province directly
        (("湖北省", "仙桃市", "仙桃市"), "429099"),
        ((" 北京市 ", "北京市", "朝阳区"), "110105"),
        (("吉林省", "吉林市", "船营区"), "220204"),
    ],
)
def test_names_as_people_write_them_match_one_district(names, code):
    assert regions.match(*names).code == code


@pytest.mark.parametrize(
    "names",
    [
        ("火星", "", ""),
        ("浙江省", "杭州市", "南山区"),
        ("p", "c", "d"),
        ("", "", ""),
        ("广东省", "", ""),
    ],
)
def test_names_that_place_nothing_or_no_one_district_match_none(names):
    assert regions.match(*names) is None


PASTED = [
    (
        "浙江省杭州市西湖区文三路 90 号 张三 13800138000",
        ("张三", "13800138000", "330106", "文三路 90 号"),
    ),
    ("张三 13800138000 浙江杭州西湖区文三路90号", ("张三", "13800138000", "330106", "文三路90号")),
    (
        "收货人：李四，电话：139-1234-5678，地址：广东省东莞市松山湖大道1号",
        ("李四", "13912345678", "441999", "松山湖大道1号"),
    ),
    (
        "上海浦东新区张江高科碧波路690号 王小明 +86 13912345678",
        ("王小明", "13912345678", "310115", "张江高科碧波路690号"),
    ),
    (
        "新疆乌鲁木齐市天山区解放北路1号 阿依古丽 13000000000",
        ("阿依古丽", "13000000000", "650102", "解放北路1号"),
    ),
    (
        "北京 北京市 朝阳区 建国路88号 SOHO 3栋1201室 赵六 18612345678",
        ("赵六", "18612345678", "110105", "建国路88号 SOHO 3栋1201室"),
    ),
    (
        "欧阳娜娜，15000001111，四川省成都市武侯区人民南路四段1号",
        ("欧阳娜娜", "15000001111", "510107", "人民南路四段1号"),
    ),
    (
        "江苏省苏州工业园区星湖街328号 钱七 17712345678",
        ("钱七", "17712345678", "320571", "星湖街328号"),
    ),
]


@pytest.mark.parametrize(("line", "expected"), PASTED)
def test_a_pasted_line_is_split_into_receiver_phone_region_and_street(line, expected):
    parsed = regions.parse(line)
    assert (parsed.receiver, parsed.phone, parsed.region_code, parsed.detail) == expected
    assert [parsed.province, parsed.city, parsed.district] == [
        r.name for r in regions.lineage(parsed.region_code)
    ]


def test_a_line_that_names_no_place_keeps_its_text_and_places_nothing():
    parsed = regions.parse("随便写点什么\x00")
    assert parsed.region_code == "" and parsed.province == ""
    assert parsed.detail == "随便写点什么"


def test_the_migration_places_old_addresses_and_leaves_the_rest_to_confirm():
    migration = importlib.import_module("accounts.migrations.0008_address_region_code")
    placed = AddressFactory(province="浙江", city="杭州", district="西湖区", region_code="")
    municipality = AddressFactory(province="上海", city="上海", district="浦东", region_code="")
    unknown = AddressFactory(province="Zhejiang", city="Hangzhou", district="Xihu", region_code="")
    migration.place_addresses(django_apps, None)
    placed.refresh_from_db(), municipality.refresh_from_db(), unknown.refresh_from_db()
    assert (placed.region_code, placed.province, placed.city) == ("330106", "浙江省", "杭州市")
    assert (municipality.region_code, municipality.district) == ("310115", "浦东新区")
    assert unknown.region_code == "" and unknown.province == "Zhejiang"
    assert not unknown.region_confirmed


# --- the form -----------------------------------------------------------------------------


def test_fill_in_splits_the_pasted_line_into_the_form_and_saves_nothing(client):
    user = UserFactory()
    client.force_login(user)
    page = client.post(
        reverse("accounts:address_add"),
        {"paste": "浙江省杭州市西湖区文三路 90 号 张三 13800138000", "parse": "1"},
    )
    assert page.status_code == 200 and not Address.objects.filter(user=user).exists()
    form = page.context["form"]
    assert not form.is_bound and not form.errors
    assert form.initial["receiver"] == "张三" and form.initial["phone"] == "13800138000"
    assert (form.initial["province_code"], form.initial["city_code"]) == ("330000", "330100")
    assert form.initial["region_code"] == "330106" and form.initial["detail"] == "文三路 90 号"
    html = page.content.decode()
    assert '<option value="330106" selected>西湖区</option>' in html


def test_show_the_list_lists_the_chosen_provinces_cities_without_the_script(client):
    client.force_login(UserFactory())
    page = client.post(
        reverse("accounts:address_add"),
        {"province_code": "650000", "refill": "1", "receiver": "王"},
    )
    html = page.content.decode()
    assert '<option value="650100">乌鲁木齐市</option>' in html
    assert '<option value="330100">' not in html  # no other province's cities
    assert page.context["form"].initial["receiver"] == "王"


def test_a_district_outside_the_chosen_city_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    page = client.post(
        reverse("accounts:address_add"),
        {
            "receiver": "陈七",
            "phone": "13811112222",
            "province_code": "330000",
            "city_code": "330100",
            "region_code": "440305",  # 深圳 南山区
            "detail": "文三路 1 号",
        },
    )
    assert page.status_code == 200 and "region_code" in page.context["form"].errors
    assert not Address.objects.filter(user=user).exists()


def test_the_saved_address_takes_the_tables_names(client):
    user = UserFactory()
    client.force_login(user)
    client.post(
        reverse("accounts:address_add"),
        {
            "receiver": "陈七",
            "phone": "13811112222",
            "province_code": "650000",
            "city_code": "650100",
            "region_code": "650102",
            "detail": "解放北路 1 号",
        },
    )
    address = Address.objects.get(user=user)
    assert (address.region_code, address.province, address.city, address.district) == (
        "650102",
        "新疆维吾尔自治区",
        "乌鲁木齐市",
        "天山区",
    )
    page = client.get(reverse("accounts:address_edit", args=[address.pk]))
    assert '<option value="650102" selected>天山区</option>' in page.content.decode()


def test_an_address_to_confirm_says_so_and_checkout_refuses_it(client):
    from catalog.tests.factories import make_product
    from orders.tests.conftest import fill_cart

    user = UserFactory()
    address = AddressFactory(user=user, province="Zhejiang", city="?", district="?", region_code="")
    client.force_login(user)
    listing = client.get(reverse("accounts:addresses")).content.decode()
    assert "Please confirm the province, city and district" in listing
    edit = client.get(reverse("accounts:address_edit", args=[address.pk])).content.decode()
    assert "We could not place" in edit
    fill_cart(user, (make_product(name="Vase").skus.get(), 1))
    page = client.get(reverse("orders:checkout"))
    assert page.context["chosen_address"] == ""
    assert f'name="address" value="{address.pk}"' not in page.content.decode()
    from orders.services import order_create_from_cart

    with pytest.raises(Exception) as refused:
        order_create_from_cart(user=user, address_id=address.pk, idempotency_key="k1")
    assert "address_id" in refused.value.message_dict


# --- the API ------------------------------------------------------------------------------


def test_the_regions_api_lists_a_level_at_a_time(client):
    provinces = client.get("/api/v1/regions").json()
    assert (
        len(provinces) == 34
        and {"code": "330000", "name": "浙江省", "level": 1, "has_children": True} in provinces
    )
    cities = client.get("/api/v1/regions", {"parent": "330000"}).json()
    assert {"code": "330100", "name": "杭州市", "level": 2, "has_children": True} in cities
    districts = client.get("/api/v1/regions", {"parent": "330100"})
    assert {
        "code": "330106",
        "name": "西湖区",
        "level": 3,
        "has_children": False,
    } in districts.json()
    assert "max-age" in districts["Cache-Control"]
    for bad in ("330106", "999999", "²"):
        assert client.get("/api/v1/regions", {"parent": bad}).status_code == 404
    assert client.get("/api/v1/regions", {"parent": "33\x000000"}).status_code == 400


def test_the_address_api_takes_a_code_or_names_and_refuses_names_it_cannot_place(client):
    from accounts.services import user_tokens_issue

    user = UserFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {user_tokens_issue(user=user)['access']}"}
    body = {"receiver": "王五", "phone": "13700001234", "detail": "文三路 1 号"}
    by_code = client.post(
        "/api/v1/addresses",
        {**body, "region_code": "330106"},
        content_type="application/json",
        **auth,
    )
    assert by_code.status_code == 201
    assert by_code.json()["district"] == "西湖区" and by_code.json()["region_confirmed"] is True
    by_names = client.post(
        "/api/v1/addresses",
        {**body, "province": "新疆", "city": "乌鲁木齐", "district": "天山区"},
        content_type="application/json",
        **auth,
    )
    assert by_names.json()["region_code"] == "650102"
    for bad in ({"region_code": "330100"}, {"province": "Zhejiang", "city": "x"}, {}):
        answer = client.post(
            "/api/v1/addresses", {**body, **bad}, content_type="application/json", **auth
        )
        assert answer.status_code == 400 and "region_code" in answer.json()["errors"], bad
    assert Address.objects.filter(user=user).count() == 2
    parsed = client.post(
        "/api/v1/addresses/parse",
        {"text": "张三 13800138000 浙江杭州西湖区文三路90号"},
        content_type="application/json",
        **auth,
    ).json()
    assert parsed == {
        "receiver": "张三",
        "phone": "13800138000",
        "region_code": "330106",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路90号",
    }
