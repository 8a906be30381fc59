from django.apps import AppConfig


class DatahubConfig(AppConfig):
    name = "onetrip.datahub"
    verbose_name = "公共数据平台 Public data platform"
