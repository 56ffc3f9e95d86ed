from django.apps import AppConfig


class SeckillConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seckill"
