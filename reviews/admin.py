"""Reviews in the merchant admin: the queue (filter by status, rating, the shop's default
ones), one reply per review, hide, show and delete through the services (the product's
summary follows), and the words that hold a review for moderation. A review's own fields are
read only: text is shown escaped, as everywhere."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin import run_per_row
from reviews import services
from reviews.errors import ReplyExists
from reviews.models import ModerationWord, Review, ReviewStatus


class ReplyForm(forms.ModelForm):
    """Only the reply, written once through the service (never a save of the row)."""

    reply_text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500, required=False
    )

    class Meta:
        model = Review
        fields = []


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    form = ReplyForm
    list_display = (
        "product",
        "author_shown",
        "rating",
        "status",
        "is_default",
        "replied",
        "created_at",
    )
    list_filter = ("status", "rating", "is_default")
    search_fields = ("product__name", "user__username", "order__order_no", "text")
    list_select_related = ("product", "user")
    actions = ["show", "hide", "delete_through_service"]
    readonly_fields = (
        "product",
        "order",
        "user",
        "options",
        "rating",
        "text",
        "anonymous",
        "is_default",
        "status",
        "photos_shown",
        "follow_up",
        "follow_up_at",
        "reply",
        "replied_at",
        "created_at",
    )
    view_on_site = False

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.replied_at is None:
            fields.append("reply_text")
        return fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes through the service
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("by"))
    def author_shown(self, obj):
        return obj.author

    @admin.display(description=_("replied"), boolean=True)
    def replied(self, obj):
        return obj.replied_at is not None

    @admin.display(description=_("photos"))
    def photos_shown(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "-"
        return format_html_join(
            " ",
            '<a href="{}"><img src="{}" alt="" width="80" height="80"></a>',
            ((p.image.url, p.image.url) for p in photos),
        )

    def save_model(self, request, obj, form, change):
        text = form.cleaned_data.get("reply_text", "").strip()
        if not text:
            return
        try:
            services.review_reply(review_id=obj.pk, text=text)
        except ReplyExists as exc:
            self.message_user(request, exc.message, messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def _status(self, request, queryset, status, done):
        run_per_row(
            self,
            request,
            queryset,
            lambda r: services.review_set_status(review_id=r.pk, status=status),
            done,
        )

    @admin.action(description=_("Show the selected reviews"), permissions=["change"])
    def show(self, request, queryset):
        self._status(request, queryset, ReviewStatus.VISIBLE, _("%(n)d review(s) shown."))

    @admin.action(description=_("Hide the selected reviews"), permissions=["change"])
    def hide(self, request, queryset):
        self._status(request, queryset, ReviewStatus.HIDDEN, _("%(n)d review(s) hidden."))

    @admin.action(description=_("Delete the selected reviews"), permissions=["change"])
    def delete_through_service(self, request, queryset):
        run_per_row(
            self,
            request,
            queryset,
            lambda r: services.review_delete(review_id=r.pk),
            _("%(n)d review(s) deleted."),
        )


@admin.register(ModerationWord)
class ModerationWordAdmin(admin.ModelAdmin):
    list_display = ("word",)
    search_fields = ("word",)
