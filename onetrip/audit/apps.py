from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onetrip.audit"
    verbose_name = "审计 Audit"

    def ready(self) -> None:
        from onetrip.audit import chain

        chain.install_sqlite_functions()
