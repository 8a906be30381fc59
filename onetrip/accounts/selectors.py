from onetrip.accounts.models import ApiToken, User


def user_for_bearer_token(*, secret: str) -> User | None:
    """The active owner of this bearer secret (one indexed query); None if unknown or revoked."""
    if not secret:
        return None
    try:
        token = ApiToken.objects.select_related("user").get(
            digest=ApiToken.digest_of(secret), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    return token.user
