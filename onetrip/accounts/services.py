"""Writes on identities: registering applicants and staff, API tokens."""

from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.identifiers import validate_resident_id, validate_uscc
from onetrip.accounts.models import ApiToken, Department, Role, User
from onetrip.core.errors import NotFound, ValidationFailed
from onetrip.core.services import service


@service
def citizen_register(
    *, resident_id: str, name: str, password: str | None = None, phone: str = ""
) -> User:
    """A citizen account whose username is the validated resident ID. Refuses a wrong ID with
    a message saying what is wrong, and a second account for the same ID."""
    number = validate_resident_id(resident_id)
    if User.objects.filter(id_number=number).exists():
        raise ValidationFailed(
            _("An account for this resident ID already exists."), field="id_number"
        )
    user = User(
        username=number, id_number=number, kind=User.Kind.CITIZEN, display_name=name, phone=phone
    )
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    return user


@service
def enterprise_register(*, uscc: str, name: str, password: str | None = None) -> User:
    """An enterprise account whose username is the validated unified social credit code."""
    number = validate_uscc(uscc)
    if User.objects.filter(id_number=number).exists():
        raise ValidationFailed(
            _("An account for this credit code already exists."), field="id_number"
        )
    user = User(username=number, id_number=number, kind=User.Kind.ENTERPRISE, display_name=name)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    return user


def admin_flags(roles: list[str]) -> dict[str, bool]:
    """Django-admin access that follows from the roles: department admins maintain their items
    there (scoped by catalog.permissions), system admins run it."""
    return {
        "is_staff": bool({Role.DEPARTMENT_ADMIN, Role.SYSTEM_ADMIN} & set(roles)),
        "is_superuser": Role.SYSTEM_ADMIN in roles,
    }


@service
def staff_create(
    *,
    username: str,
    name: str,
    department: Department,
    roles: list[str],
    password: str | None = None,
) -> User:
    """A staff member of one department holding the given roles (unknown roles refused)."""
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed(
            _("Unknown roles: %(roles)s") % {"roles": ", ".join(unknown)}, field="roles"
        )
    user = User(
        username=username,
        kind=User.Kind.STAFF,
        display_name=name,
        department=department,
        roles=sorted(set(roles)),
        **admin_flags(roles),
    )
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    return user


@service
def applicant_for_id_number(*, id_number: str) -> User:
    """The applicant account for a resident ID or USCC presented at a window, created (without
    a password) when the person or entity is in the base registries but has no account yet."""
    from onetrip.datahub.models import LegalEntityRecord, PopulationRecord

    raw = (id_number or "").strip().upper()
    is_person = len(raw) == 18 and raw[:17].isdigit()
    number = validate_resident_id(raw) if is_person else validate_uscc(raw)
    user = User.objects.filter(id_number=number).first()
    if user is not None:
        if not user.is_applicant:
            raise ValidationFailed(
                _("This number does not belong to an applicant."), field="id_number"
            )
        return user
    if is_person:
        record = PopulationRecord.objects.filter(resident_id=number).first()
        if record is None:
            raise NotFound(
                _("No person with this resident ID is in the population registry."),
                field="id_number",
            )
        return citizen_register(resident_id=number, name=record.name, phone=record.phone)
    entity = LegalEntityRecord.objects.filter(uscc=number).first()
    if entity is None:
        raise NotFound(
            _("No entity with this credit code is in the legal-entity registry."), field="id_number"
        )
    return enterprise_register(uscc=number, name=entity.name)


@service
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token; the secret is returned once and only its digest is stored."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name[:64] or "api", prefix=secret[3:11], digest=ApiToken.digest_of(secret)
    )
    return token, secret


@service
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    token = ApiToken.objects.filter(user=user, id=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
