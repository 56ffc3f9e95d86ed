import functools

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Address, User

PASSWORD = "Sh0pper-Pass!"


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once for every test user: the shop's hasher (PBKDF2) takes a good
    fraction of a second a user, by design, and a suite makes thousands of users."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    nickname = factory.Faker("first_name")
    password = factory.LazyFunction(_password_hash)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    receiver = "李四"
    phone = "13900001111"
    province = "广东省"
    city = "深圳市"
    district = "南山区"
    region_code = "440305"
    detail = factory.Sequence(lambda n: f"科技园路 {n} 号")
    postal_code = "518000"
