"""Credit check on submission (信用+审批) behind a plug-in registry. The default knows no
records and answers "normal"; the credit platform of a later issue registers its own."""

from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.translation import gettext as _

from onetrip.cases.models import CreditOutcome
from onetrip.plugins.registry import Registry


@dataclass(frozen=True)
class CreditVerdict:
    outcome: CreditOutcome
    note: str


class CreditChecker:
    key: ClassVar[str]

    def check(self, *, id_number: str, applicant_kind: str, item_code: str) -> CreditVerdict:
        raise NotImplementedError


credit_checkers: Registry[CreditChecker] = Registry("credit checkers")


@credit_checkers.register("no_record")
class NoRecordCreditChecker(CreditChecker):
    def check(self, *, id_number: str, applicant_kind: str, item_code: str) -> CreditVerdict:
        return CreditVerdict(CreditOutcome.NORMAL, _("No credit record"))


def current_checker() -> CreditChecker:
    return credit_checkers.get(settings.ONETRIP_CREDIT_CHECKER)
