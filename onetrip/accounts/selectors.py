from onetrip.accounts.models import ApiToken, User


def user_for_bearer_token(*, secret: str) -> User | None:
    """The active owner of this bearer secret (one indexed query); None if unknown or revoked."""
    if not secret:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__department")
        .filter(digest=ApiToken.digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token.user if token else None
