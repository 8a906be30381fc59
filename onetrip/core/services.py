"""What every service function shares."""

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")
_inside = threading.local()


def service(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function in a transaction. Called from another service it simply joins
    that service's transaction: services never recover from each other's errors, so a
    failure anywhere rolls back the whole business action, and the write path saves the
    savepoint round trips a nested `atomic` would cost."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(_inside, "active", False):
            return fn(*args, **kwargs)
        _inside.active = True
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        finally:
            _inside.active = False

    return wrapper
