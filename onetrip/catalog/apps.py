from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onetrip.catalog"
    verbose_name = "事项目录 Service catalog"
