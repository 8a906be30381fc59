"""API: bearer tokens (log in once, get a token) and who the caller is."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from onetrip.accounts.services import api_token_create, api_token_revoke, login_check
from onetrip.core.auth import any_user_auth

router = Router()


class TokenIn(Schema):
    username: str = Field(
        ..., min_length=1, max_length=150, description="Resident ID, USCC or staff username"
    )
    password: str = Field(..., min_length=1, max_length=256)
    name: str = Field(
        "api", max_length=64, description="A label for the token, e.g. the client's name"
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    token: str = Field(..., description="The secret. Shown once; only its digest is stored.")


class MeOut(Schema):
    id: int
    username: str
    kind: str
    display_name: str
    department_id: int | None
    roles: list[str]


@router.post(
    "/tokens", response={201: TokenOut}, auth=None, summary="Log in and get a bearer token"
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    user = login_check(request=request, identity=payload.username, password=payload.password)
    token, secret = api_token_create(user=user, name=payload.name)
    return Status(
        201,
        {
            "id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "token": secret,
        },
    )


@router.delete(
    "/tokens/{token_id}", response={204: None}, auth=any_user_auth, summary="Revoke a token"
)
def token_revoke(request: HttpRequest, token_id: int) -> Status:
    api_token_revoke(user=request.auth, token_id=token_id)
    return Status(204, None)


@router.get("/me", response=MeOut, auth=any_user_auth, summary="The authenticated user")
def me(request: HttpRequest) -> MeOut:
    user = request.auth
    return MeOut(
        id=user.id,
        username=user.username,
        kind=user.kind,
        display_name=user.display_name,
        department_id=user.department_id,
        roles=list(user.roles or []),
    )
