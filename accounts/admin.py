"""The audit trail read-only in the admin, and "sign out everywhere" on users."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.forms import AdminLoginForm
from accounts.models import AccessEvent
from accounts.sessions import sign_out_everywhere


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Staff read the trail here (or on /audit/); nobody adds, changes or deletes a row."""

    list_display = ("at", "username", "action", "scan_id", "address", "via", "outcome", "detail")
    list_filter = ("action", "outcome", "via")
    search_fields = ("username", "=scan_id", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff


admin.site.login_form = AdminLoginForm  # says so when the directory is down

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    actions = ["sign_out_everywhere"]

    @admin.action(description="Sign out everywhere (end sessions, revoke API tokens)")
    def sign_out_everywhere(self, request: HttpRequest, users: QuerySet) -> None:
        for user in users:
            sign_out_everywhere(user)
        self.message_user(
            request,
            f"Signed out {users.count()} user(s) everywhere: their sessions end at their next "
            "request and their API tokens no longer work.",
            messages.SUCCESS,
        )
