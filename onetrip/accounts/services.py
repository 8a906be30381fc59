"""Writes on identities: registering applicants and staff, API tokens."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.identifiers import validate_resident_id, validate_uscc
from onetrip.accounts.models import ApiToken, Department, LoginFailure, Role, User
from onetrip.core.errors import InvalidCredentials, NotFound, TooManyAttempts, ValidationFailed
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


def login_check(*, request: HttpRequest | None, identity: str, password: str) -> User:
    """The active user with this identity and password. After ONETRIP_LOGIN_MAX_FAILURES
    failures within ONETRIP_LOGIN_LOCK_MINUTES the identity is refused for that long, even
    with the right password; every failure is recorded (and kept when the refusal rolls back
    the caller's work), a success clears them."""
    raw = (identity or "").strip()
    # Resident IDs and credit codes are written with upper-case letters; staff names as given.
    username = raw.replace(" ", "").upper() if len(raw.replace(" ", "")) == 18 else raw
    key = username.upper()[:150]
    since = timezone.now() - timedelta(minutes=settings.ONETRIP_LOGIN_LOCK_MINUTES)
    failures = LoginFailure.objects.filter(identity=key, at__gte=since)
    if failures.count() >= settings.ONETRIP_LOGIN_MAX_FAILURES:
        raise TooManyAttempts(
            _("Too many failed attempts: try again in %(minutes)d minutes.")
            % {"minutes": settings.ONETRIP_LOGIN_LOCK_MINUTES},
            field="id_number",
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            LoginFailure.objects.create(identity=key)
        raise InvalidCredentials(_("The number or the password is wrong."), field="id_number")
    LoginFailure.objects.filter(identity=key).delete()
    return user


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
