from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "onetrip.workbench"
    verbose_name = "Staff workbench"
