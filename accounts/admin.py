from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Address, User
from accounts.services import users_disable


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("receiver", "phone", "province", "city", "district", "detail", "is_default")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "nickname",
        "email",
        "phone",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("username", "nickname", "email", "phone", "wechat_openid")
    ordering = ("-date_joined",)
    inlines = [AddressInline]
    actions = ["disable_users"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Shop profile"), {"fields": ("nickname", "phone", "avatar")}),
        (_("WeChat"), {"fields": ("wechat_openid", "wechat_unionid")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "phone", "password1", "password2"),
            },
        ),
    )

    @admin.action(
        description=_("Disable selected users (also revokes their tokens)"), permissions=["change"]
    )
    def disable_users(self, request, queryset):
        count = users_disable(users=queryset, keep=request.user)
        self.message_user(request, _("%(n)d user(s) disabled.") % {"n": count}, messages.SUCCESS)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("receiver", "user", "phone", "province", "city", "is_default", "updated_at")
    search_fields = ("receiver", "phone", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
