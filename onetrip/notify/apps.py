from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "onetrip.notify"
    verbose_name = "消息 Notifications"
