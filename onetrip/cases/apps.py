from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onetrip.cases"
    verbose_name = "办件 Cases"
