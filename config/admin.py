"""Admin bases for rows that services move (orders, payments, flash sales, after-sales,
ledgers): the merchant sees them and runs actions on them, but no page saves them as a form.

A Save would write back every column the page loaded, over whatever a payment, a worker or
a refund wrote meanwhile. So a row's own page is view-only (Django then shows no Save and
refuses a POST with 403), while the list keeps the model's change permission: that is what
Django checks before it offers an action with ``permissions=["change"]``, and every action
calls a service that writes with a condition.
"""

from django import forms
from django.contrib import admin


class ServiceRowsAdmin(admin.ModelAdmin):
    """Viewable, acted on through actions (services), never added, saved or deleted here."""

    # Their get_absolute_url is the shopper's page (an order's), which a merchant cannot open.
    view_on_site = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # None: the list, where actions ask for "change". A row: its page, which never saves.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Lines of a record shown on its page: nothing added, changed or deleted there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangedFieldsForm(forms.ModelForm):
    """A form whose ``changed_data`` is what this merchant changed: each field carries the
    value the page showed, not what differs from a row someone else changed since. Its admin
    saves those fields only (``update_fields``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True


def run_per_row(model_admin, request, queryset, action, done) -> int:
    """An admin action that calls a service per selected row (``action(row)``), in id order:
    each refusal (an ApplicationError) is said beside the row's name and the others go on;
    ``done`` (with ``%(n)d``) says how many went through. Returns that count."""
    from django.contrib import messages

    from config.exceptions import ApplicationError

    count = 0
    for row in queryset.order_by("pk"):
        try:
            action(row)
            count += 1
        except ApplicationError as exc:
            model_admin.message_user(request, f"{row}: {exc.message}", messages.ERROR)
    if count:
        model_admin.message_user(request, done % {"n": count}, messages.SUCCESS)
    return count
