from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and access audit"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from accounts import receivers

        user_logged_in.connect(receivers.logged_in, dispatch_uid="accounts-login")
        user_logged_out.connect(receivers.logged_out, dispatch_uid="accounts-logout")
        user_login_failed.connect(receivers.login_failed, dispatch_uid="accounts-login-failed")
