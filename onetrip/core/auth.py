"""Authentication for the JSON API: bearer tokens for API clients, the Django session for
pages calling the API. Each class can be limited to kinds of user: a user who is logged in but
of the wrong kind gets 403, nobody logged in gets 401.

Bearer lookup is one indexed query (ApiToken.digest, user joined). Session requests that
change something are CSRF-checked; bearer requests carry no ambient credential and are not.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import user_for_bearer_token
from onetrip.core.errors import PermissionDenied

APPLICANT_KINDS = (User.Kind.CITIZEN, User.Kind.ENTERPRISE)
STAFF_KINDS = (User.Kind.STAFF,)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _check_kind(
    user: User, kinds: Sequence[str] | None, roles: Sequence[str] | None = None
) -> User:
    if kinds is not None and user.kind not in kinds:
        if tuple(kinds) == STAFF_KINDS:
            raise PermissionDenied("Only staff may use this endpoint.")
        raise PermissionDenied("Only applicants (citizens and enterprises) may use this endpoint.")
    if roles and not any(user.has_role(role) for role in roles):
        raise PermissionDenied(f"This needs one of the roles: {', '.join(roles)}.")
    return user


class BearerAuth(HttpBearer):
    """`Authorization: Bearer ot_...`: a token from POST /auth/tokens."""

    def __init__(
        self, kinds: Sequence[str] | None = None, roles: Sequence[str] | None = None
    ) -> None:
        self.kinds = tuple(kinds) if kinds is not None else None
        self.roles = tuple(roles or ())
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_bearer_token(secret=token.strip())
        if user is None:
            # A bad token is refused outright, never passed on to the session cookie.
            raise AuthenticationError()
        request.user = user  # so code reading request.user sees the token's user
        return _check_kind(user, self.kinds, self.roles)


class SessionAuth(APIKeyCookie):
    """The Django session cookie (pages calling the API). Unlike ninja's own class, the CSRF
    check runs only once a user is logged in, so an anonymous call gets 401, not 403."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(
        self, kinds: Sequence[str] | None = None, roles: Sequence[str] | None = None
    ) -> None:
        self.kinds = tuple(kinds) if kinds is not None else None
        self.roles = tuple(roles or ())
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied("CSRF check failed: send the X-CSRFToken header.")
        return _check_kind(user, self.kinds, self.roles)


def auth_for(kinds: Sequence[str] | None = None, roles: Sequence[str] | None = None) -> list[Any]:
    """Bearer first, then session; both limited to `kinds` (None: any logged-in user) and,
    when given, to users holding one of `roles`. Finer checks (which case, which state) stay
    in the services and `permissions.py`."""
    return [BearerAuth(kinds, roles), SessionAuth(kinds, roles)]


any_user_auth = auth_for(None)
applicant_auth = auth_for(APPLICANT_KINDS)
staff_auth = auth_for(STAFF_KINDS)
window_clerk_auth = auth_for(STAFF_KINDS, (Role.WINDOW_CLERK,))
