"""Domain errors. Services raise these; the API turns them into RFC 9457 problem+json and
pages show them next to the field they name."""

from typing import Any


class DomainError(Exception):
    """Base of every refusal a service makes. `status` is the HTTP code the API answers with."""

    status = 400
    type_slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class ValidationFailed(DomainError):
    status = 422
    type_slug = "validation-failed"
    title = "Validation failed"


class NotFound(DomainError):
    """Also used when something exists but is not the asker's: nobody learns it exists."""

    status = 404
    type_slug = "not-found"
    title = "Not found"


class PermissionDenied(DomainError):
    status = 403
    type_slug = "forbidden"
    title = "Forbidden"


class WrongState(DomainError):
    status = 409
    type_slug = "wrong-state"
    title = "Action not allowed in the current state"


class MaterialsMissing(DomainError):
    """The one-time notice (一次告知): every missing material, listed at once."""

    status = 422
    type_slug = "materials-missing"
    title = "Materials missing"

    def __init__(self, missing: list[str]) -> None:
        super().__init__("Missing materials: " + "; ".join(missing), missing=missing)
        self.missing = missing


class PayloadTooLarge(DomainError):
    status = 413
    type_slug = "payload-too-large"
    title = "Upload too large"


class UnsupportedMediaType(DomainError):
    status = 415
    type_slug = "unsupported-media-type"
    title = "Unsupported file type"


class InvalidCredentials(DomainError):
    status = 401
    type_slug = "invalid-credentials"
    title = "Invalid credentials"


class TooManyAttempts(DomainError):
    """Too many failed logins for one identity: refused for a while, whatever the password."""

    status = 429
    type_slug = "too-many-attempts"
    title = "Too many attempts"
