from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "citydiplomacy.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
