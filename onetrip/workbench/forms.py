"""Forms of the staff workbench: the queue filters, one form per case action, and the window
intake. They parse input only; the case services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.cases.models import CaseState, DeliveryMethod, SlaState
from onetrip.portal.forms import MaterialUploadForm

SLA_FILTERS = [
    ("", _("Any deadline state")),
    (SlaState.GREEN, _("Green: on time")),
    (SlaState.YELLOW, _("Yellow: due soon")),
    (SlaState.RED, _("Red: overdue")),
]


class QueueFilterForm(forms.Form):
    sla = forms.ChoiceField(label=_("Deadline"), choices=SLA_FILTERS, required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Open cases"))] + list(CaseState.choices), required=False
    )
    q = forms.CharField(
        label=_("Case number or applicant name"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)


def _note(label=None, required=False):  # type: ignore[no-untyped-def]
    return forms.CharField(
        label=label or _("Note"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    note = _note()


class NotAcceptForm(forms.Form):
    reason = _note(_("Reason (the applicant sees it)"), required=False)


class RequestSupplementForm(forms.Form):
    items = forms.CharField(
        label=_("What to supplement (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = _note()

    def clean_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Extra working days"), required=False, min_value=1)
    reason = _note(_("Reason"))


class CompleteStepForm(forms.Form):
    note = _note(_("Opinion"))


class ApproveForm(forms.Form):
    reason = _note(_("Decision reason"))
    basis = _note(_("Legal basis (the item's when empty)"))


class RejectForm(forms.Form):
    reason = _note(_("Decision reason"))
    basis = _note(_("Legal basis"))


class DeliverForm(forms.Form):
    method = forms.ChoiceField(label=_("Delivery method"), choices=DeliveryMethod.choices)
    tracking_number = forms.CharField(
        label=_("Tracking number (express post)"), required=False, max_length=40
    )


class ArchiveForm(forms.Form):
    pass


class ResubmitForStaffForm(MaterialUploadForm):
    note = _note()


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "not_accept": NotAcceptForm,
    "request_supplement": RequestSupplementForm,
    "extend": ExtendForm,
    "complete_step": CompleteStepForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "deliver": DeliverForm,
    "archive": ArchiveForm,
    "resubmit": ResubmitForStaffForm,
}

ACTION_LABELS = {
    "accept": _("Accept"),
    "not_accept": _("Do not accept"),
    "request_supplement": _("Request a supplement"),
    "extend": _("Extend the time limit"),
    "complete_step": _("Complete this step"),
    "approve": _("Approve"),
    "reject": _("Reject"),
    "deliver": _("Deliver the result"),
    "archive": _("Archive"),
    "resubmit": _("Resubmit for the applicant"),
}


class IntakeForm(forms.Form):
    """Window intake (一窗受理): the applicant present shows an ID; the clerk picks the item."""

    applicant_id = forms.CharField(
        label=_("Applicant's resident ID or credit code"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    implementation = forms.TypedChoiceField(label=_("Service"), coerce=int, choices=())
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, implementations=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["implementation"].choices = [("", _("Choose a service"))] + [
            (impl.id, f"{impl.item.code} {impl.item.name}") for impl in implementations
        ]
