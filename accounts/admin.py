from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ADDRESS_EDITABLE_FIELDS, Address, User
from accounts.services import users_disable

ADDRESS_FIELDS = ADDRESS_EDITABLE_FIELDS


class AddressInline(admin.TabularInline):
    """A shopper's addresses are theirs to change (through the address services, which place
    them in the divisions): shown here, never written."""

    model = Address
    extra = 0
    fields = ADDRESS_FIELDS
    readonly_fields = ADDRESS_FIELDS

    def has_add_permission(self, request, obj=None):
        return False


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
    list_filter = (("region_code", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    fields = ("user", *ADDRESS_FIELDS, "created_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
