from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onetrip.accounts"
    verbose_name = "统一身份 Identity"
