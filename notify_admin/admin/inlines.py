"""Read-only inlines: history shown on a change page, never part of its save."""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Rows to read beside an object (attempts, feedback history, a user's
    records). Left out of POST requests, so a change-form save needs no
    formset management data for them, and nothing in them can be changed."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        if request.method == "POST":
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
