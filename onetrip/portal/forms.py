"""Forms of the citizen / enterprise portal. They parse input only; every rule is checked by
the services, whose DomainErrors are shown next to the field they name (see attach_error)."""

import uuid
from collections.abc import Iterable

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onetrip.accounts.identifiers import validate_resident_id, validate_uscc
from onetrip.accounts.models import User
from onetrip.accounts.services import login_check
from onetrip.catalog.models import Material
from onetrip.core.errors import DomainError, MaterialsMissing

UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def attach_error(
    form: forms.Form, exc: DomainError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's refusal next to the field it names (or above the form).

    `field_map` renames service field names to form field names (e.g. id_number -> applicant_id).
    A one-time notice (MaterialsMissing) marks every missing material's own upload field."""
    field_map = field_map or {}
    if isinstance(exc, MaterialsMissing):
        by_name = getattr(form, "material_fields_by_name", {})
        unplaced = []
        for name in exc.missing:
            field = by_name.get(name)
            if field and field in form.fields:
                form.add_error(field, _("This material is required: please upload it."))
            else:
                unplaced.append(name)
        summary = _("Some materials are missing (everything missing is listed at once): %(m)s") % {
            "m": "; ".join(exc.missing)
        }
        form.add_error(None, summary)
        return
    pairs: list[tuple[str | None, str]] = []
    for error in exc.extra.get("errors") or []:
        pairs.append((error["field"], str(error["message"])))
    if not pairs:
        pairs.append((exc.field, exc.detail))
    for field, message in pairs:
        name = field_map.get(field, field) if field else None
        if name and name in form.fields and name not in form.errors:
            form.add_error(name, message)
        elif name is None or name not in form.errors:
            form.add_error(None, message)


class LoginForm(forms.Form):
    """Log in with the resident ID (citizens), the USCC (enterprises) or a staff username."""

    id_number = forms.CharField(
        label=_("Resident ID, credit code or staff username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest | None = None, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip()
        compact = value.replace(" ", "").upper()
        # An 18-character number is a resident ID or a credit code: say what is wrong with it.
        try:
            if len(compact) == 18 and compact[:17].isdigit():
                return validate_resident_id(compact)
            if len(compact) == 18:
                return validate_uscc(compact)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code="invalid_number") from None
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.user = login_check(
                request=self.request,
                identity=cleaned.get("id_number") or "",
                password=cleaned.get("password") or "",
            )
        except DomainError as exc:  # wrong password, or locked after too many
            raise forms.ValidationError(exc.detail, code=exc.type_slug) from None
        return cleaned


class StartApplicationForm(forms.Form):
    """The button that opens a draft with everything the registries hold fetched."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


class MaterialUploadForm(forms.Form):
    """One optional file field per material the applicant uploads. Which are required is the
    case service's rule (its one-time notice lists every missing one, shown on its field)."""

    def __init__(self, *args, materials: Iterable[Material] = (), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.material_fields_by_name: dict[str, str] = {}
        self.material_by_field: dict[str, Material] = {}
        for material in materials:
            if material.source != Material.Source.UPLOAD:
                continue
            name = f"material_{material.id}"
            self.fields[name] = forms.FileField(
                label=material.name,
                required=False,
                help_text=_("PDF, JPEG or PNG."),
                widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
            )
            self.fields[name].material = material
            self.material_fields_by_name[material.name] = name
            if material.name_en:
                self.material_fields_by_name[material.name_en] = name
            self.material_by_field[name] = material

    def uploads(self) -> dict[int, object]:
        """material id -> uploaded file, for the files that were sent."""
        return {
            self.material_by_field[name].id: upload
            for name, upload in self.cleaned_data.items()
            if name in self.material_by_field and upload
        }


class ResubmitForm(MaterialUploadForm):
    note = forms.CharField(
        label=_("Note to the department"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
