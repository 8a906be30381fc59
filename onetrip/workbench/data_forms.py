"""Forms of the data platform's staff pages (数据资源目录, 归集, 共享, 纠错). They parse input
only; the datahub services decide and their refusals are shown next to the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.datahub.models import Dataset, DatasetField, Grade, IngestionLoad


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Dataset name, code or owner"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class DatasetForm(forms.Form):
    """A dataset's description and classes. On registration the key is typed in (it becomes
    the first field); on edit the key and subject are chosen among the dataset's fields."""

    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Lower-case letters, digits, '-' or '_'; used in the API. Cannot change."),
    )
    name = forms.CharField(label=_("Dataset name"), max_length=128)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    key_field = forms.CharField(
        label=_("Key field"),
        max_length=64,
        help_text=_("The field that identifies a record, e.g. record_no."),
    )
    key_field_label = forms.CharField(
        label=_("Label of the key field"), max_length=64, required=False
    )
    update_frequency = forms.ChoiceField(
        label=_("Update frequency"), choices=Dataset.Frequency.choices
    )
    subject_kind = forms.ChoiceField(
        label=_("Whom the records are about"),
        choices=Dataset.SubjectKind.choices,
        initial=Dataset.SubjectKind.NONE,
    )
    subject_field = forms.CharField(
        label=_("Field holding the person's resident ID or USCC"),
        max_length=64,
        required=False,
        help_text=_("Lets people see their records in their data vault."),
    )
    sharing_class = forms.ChoiceField(
        label=_("Sharing class"),
        choices=Dataset.SharingClass.choices,
        initial=Dataset.SharingClass.CONDITIONAL,
    )
    opening_class = forms.ChoiceField(
        label=_("Opening class"),
        choices=Dataset.OpeningClass.choices,
        initial=Dataset.OpeningClass.NOT_OPEN,
    )

    def __init__(self, *args, dataset: Dataset | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.dataset = dataset
        if dataset is None:
            return
        # Editing: the code and the key's label are set at registration; the key and the
        # subject are fields of the schema.
        del self.fields["code"]
        del self.fields["key_field_label"]
        names = [(f.name, f"{f.name} · {f.label}") for f in dataset.fields.all()]
        self.fields["key_field"] = forms.ChoiceField(label=_("Key field"), choices=names)
        self.fields["subject_field"] = forms.ChoiceField(
            label=_("Field holding the person's resident ID or USCC"),
            choices=[("", _("None"))] + names,
            required=False,
        )
        if dataset.storage != Dataset.Storage.RECORDS:
            for name in ("key_field", "subject_kind", "subject_field"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed by the base registry's table.")


class DatasetFieldForm(forms.Form):
    name = forms.CharField(
        label=_("Field name"),
        max_length=64,
        help_text=_("Lower-case letters, digits and '_': the column heading in files."),
    )
    label = forms.CharField(label=_("Label"), max_length=64)
    label_en = forms.CharField(label=_("English label"), max_length=128, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=DatasetField.Type.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    enum_values = forms.CharField(
        label=_("Allowed values (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for the type 'One of a list'."),
    )
    max_length = forms.IntegerField(label=_("Maximum length"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, initial=Grade.L2)
    masking = forms.ChoiceField(
        label=_("Masking above the grant's grade"), choices=DatasetField.Masking.choices
    )
    reference = forms.ChoiceField(
        label=_("Must be a key of the dataset"),
        required=False,
        help_text=_("E.g. a resident ID that must be in the population registry."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, references=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["reference"].choices = [("", _("None"))] + [
            (d.code, f"{d.code} · {d.name}") for d in references
        ]

    def clean_enum_values(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["enum_values"].splitlines() if v.strip()]


ENCODINGS = [
    ("auto", _("Detect (UTF-8 or GBK/GB18030)")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GBK / GB18030"),
]


class UploadForm(forms.Form):
    """A file to load (归集): CSV, JSON Lines or Excel, its format from the extension."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, JSON Lines (.jsonl) or Excel (.xlsx); the first row names the fields."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"), choices=ENCODINGS, initial="auto"
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=IngestionLoad.Mode.choices,
        initial=IngestionLoad.Mode.INCREMENTAL,
        widget=forms.RadioSelect,
    )


class AccessRequestForm(forms.Form):
    """A department system asks for fields of a dataset (共享申请)."""

    client = forms.TypedChoiceField(label=_("Our system (API client)"), coerce=int, choices=())
    fields = forms.MultipleChoiceField(
        label=_("Fields"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300)
    expires_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, clients=(), dataset: Dataset | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [(c.pk, c.name) for c in clients]
        if dataset is not None:
            self.fields["fields"].choices = [
                (f.name, f"{f.label} ({f.name})") for f in dataset.fields.all()
            ]


class ClientForm(forms.Form):
    name = forms.CharField(label=_("System name"), max_length=128)


class GrantDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    max_grade = forms.ChoiceField(
        label=_("Highest grade shown in clear"), choices=Grade.choices, initial=Grade.L2
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: correct the record")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to reject)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
