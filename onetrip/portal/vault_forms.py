"""Forms of the personal data vault (个人数据宝). They parse input only; who may consent to what,
which fields exist and how long a consent may run are the vault services' rules, whose
refusals are shown next to the field they name (see `attach_error`)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.core.templatetags.onetrip_tags import localized

# Service argument names -> form field names, for attach_error.
CONSENT_FIELD_MAP = {"client_id": "client", "dataset_code": "dataset", "fields": "field_names"}
CORRECTION_FIELD_MAP = {"proposed": "proposed_value"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AccessPeriodForm(forms.Form):
    """The period of the accesses page (dates in Asia/Shanghai, both ends included)."""

    since = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    until = forms.DateField(label=_("End date"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return cleaned


class ConsentForm(forms.Form):
    """Authorise a third party to read named fields of one dataset about me, for a purpose,
    until a date. The choices come from the vault's selectors (the view passes them in)."""

    client = forms.TypedChoiceField(label=_("Third party"), coerce=int, empty_value=None)
    dataset = forms.ChoiceField(label=_("Data"))
    field_names = forms.MultipleChoiceField(
        label=_("Fields it may read"), widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        help_text=_("What the third party may use the data for, e.g. assessing a loan."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())

    def __init__(
        self,
        *args: Any,
        clients: Iterable[Any] = (),
        datasets: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.datasets = {d.code: d for d in datasets}
        self.fields["client"].choices = [("", _("Choose a third party"))] + [
            (c.pk, c.organisation_name or c.name) for c in clients
        ]
        self.fields["dataset"].choices = [(code, localized(d)) for code, d in self.datasets.items()]
        chosen = self.chosen_dataset()
        self.fields["field_names"].choices = (
            [(f.name, localized(f, "label")) for f in chosen.fields.all()]
            if chosen is not None
            else []
        )
        if not self.is_bound:
            self.initial.setdefault("valid_until", dt.date.today() + dt.timedelta(days=90))

    def chosen_dataset(self) -> Any:
        """The dataset whose fields are offered: the one sent, else the first."""
        code = self.data.get("dataset") if self.is_bound else self.initial.get("dataset")
        if code in self.datasets:
            return self.datasets[code]
        return next(iter(self.datasets.values()), None)


class CorrectionForm(forms.Form):
    """Ask the owning department to correct one field of a record about me (数据纠错)."""

    dataset = forms.CharField(widget=forms.HiddenInput, max_length=64)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    field = forms.CharField(widget=forms.HiddenInput, max_length=64)
    proposed_value = forms.CharField(label=_("Correct value"), max_length=500)
    reason = forms.CharField(
        label=_("Why it is wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what is wrong and, if you can, which document shows the right value."),
    )
