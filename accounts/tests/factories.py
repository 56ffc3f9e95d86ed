import factory

from accounts.models import Address, User

PASSWORD = "Sh0pper-Pass!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    nickname = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    receiver = "李四"
    phone = "13900001111"
    province = "广东省"
    city = "深圳市"
    district = "南山区"
    detail = factory.Sequence(lambda n: f"科技园路 {n} 号")
    postal_code = "518000"
