"""Template helpers shared by every page: bilingual names, the language switch, SLA colours,
and the unread-message count in the header. Presentation only: no business rules."""

from typing import Any

from django import template
from django.urls import translate_url
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

register = template.Library()

# English labels of registry fields (the prefill sources carry the Chinese ones).
FIELD_LABELS_EN: dict[str, Any] = {
    "population.name": _("Name"),
    "population.resident_id": _("Resident ID number"),
    "population.sex": _("Sex"),
    "population.birth_date": _("Date of birth"),
    "population.ethnicity": _("Ethnicity"),
    "population.household_address": _("Household address"),
    "population.household_region": _("Household region"),
    "population.marital_status": _("Marital status"),
    "population.phone": _("Phone"),
    "population.education": _("Education"),
    "legal_entity.name": _("Name"),
    "legal_entity.uscc": _("Unified social credit code"),
    "legal_entity.entity_type": _("Entity type"),
    "legal_entity.legal_representative": _("Legal representative"),
    "legal_entity.registered_address": _("Registered address"),
    "legal_entity.region": _("Registration region"),
    "legal_entity.status": _("Registration status"),
    "legal_entity.business_scope": _("Business scope"),
    "legal_entity.established_on": _("Established on"),
    "legal_entity.registered_capital": _("Registered capital"),
}


def is_english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def localized(obj: Any, attr: str = "name") -> str:
    """`obj.<attr>_en` when the page is in English and it is filled in, else `obj.<attr>`."""
    if obj is None:
        return ""
    if is_english():
        english = getattr(obj, f"{attr}_en", "")
        if english:
            return english
    return getattr(obj, attr, "") or ""


@register.filter
def field_label(path: str) -> str:
    """The label of a registry field such as `population.household_address`, in the page's
    language."""
    if is_english() and path in FIELD_LABELS_EN:
        return str(FIELD_LABELS_EN[path])
    from onetrip.datahub.prefill import prefill_sources

    source, _sep, name = (path or "").partition(".")
    try:
        labels = prefill_sources.get(source).fields
    except KeyError:
        return path
    return labels.get(name, path)


@register.simple_tag(takes_context=True)
def switch_language_url(context: dict, language: str) -> str:
    """The current page in another language ("/x/" <-> "/en/x/")."""
    request = context.get("request")
    if request is None:
        return "/" if language != "en" else "/en/"
    url = translate_url(request.get_full_path(), language)
    return url


@register.filter
def sla_class(state: Any) -> str:
    return f"sla sla-{state or 'none'}"


@register.simple_tag(takes_context=True)
def unread_messages(context: dict) -> int:
    """Unread messages of the logged-in applicant or staff member (header badge)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cache = getattr(request, "_onetrip_unread", None)
    if cache is None:
        from onetrip.notify.selectors import unread_count

        cache = unread_count(user=user)
        request._onetrip_unread = cache
    return cache


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# Names of the lines of a case's history (CaseEvent.action), in the page's language.
EVENT_LABELS: dict[str, Any] = {
    "create": _("Application started"),
    "submit": _("Submitted"),
    "credit_refuse": _("Refused on credit grounds"),
    "accept": _("Accepted"),
    "not_accept": _("Not accepted"),
    "request_supplement": _("Supplement requested"),
    "resubmit": _("Supplement provided"),
    "extend": _("Time limit extended"),
    "complete_review": _("Review completed"),
    "complete_approval": _("Approval step completed"),
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "deliver": _("Result delivered"),
    "archive": _("Archived"),
}

STEP_LABELS: dict[str, Any] = {"review": _("Review"), "approval": _("Approval")}


@register.filter
def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


@register.filter
def registry_value(value: Any, path: str) -> Any:
    """A registry value as a person reads it: codes turned into their names."""
    if value in (None, ""):
        return "—"
    name = (path or "").rpartition(".")[2]
    if name == "sex":
        from onetrip.datahub.models import PopulationRecord

        return _choice_label(PopulationRecord.Sex, value)
    if name == "marital_status":
        from onetrip.datahub.models import PopulationRecord

        return _choice_label(PopulationRecord.MaritalStatus, value)
    if path == "legal_entity.status":
        from onetrip.datahub.models import LegalEntityRecord

        return _choice_label(LegalEntityRecord.Status, value)
    if name in ("household_region", "region"):
        from onetrip.accounts.models import Region

        region = Region.objects.filter(code=str(value)).first()
        return localized(region) if region else value
    return value


def _choice_label(choices: Any, value: Any) -> Any:
    try:
        return choices(value).label
    except ValueError:
        return value


@register.filter
def in_current_language(path: str) -> str:
    """A site path such as a message's link, in the page's language."""
    if not path or not path.startswith("/"):
        return path
    return translate_url(path, get_language() or "zh-hans")


@register.filter
def choice_label(value: Any, choices_class: str) -> Any:
    """The label of a stored choice: `{{ case.state|choice_label:"CaseState" }}`."""
    from onetrip.cases import models as case_models
    from onetrip.catalog import models as catalog_models

    enum = getattr(case_models, choices_class, None) or getattr(catalog_models, choices_class, None)
    if enum is None or value in (None, ""):
        return value or ""
    return _choice_label(enum, value)


@register.filter
def absolute(value: Any) -> Any:
    try:
        return abs(value)
    except TypeError:
        return value
