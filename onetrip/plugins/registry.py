"""The one registry every plug-in point uses (prefill sources, notification channels, credit)."""

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a key to a plug-in class; `@registry.register("key")` adds one, duplicates fail."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._classes: dict[str, type[T]] = {}

    def register(self, key: str) -> Callable[[type[T]], type[T]]:
        def decorator(cls: type[T]) -> type[T]:
            if key in self._classes:
                raise ValueError(f"{self.name}: plug-in {key!r} is already registered")
            cls.key = key  # type: ignore[attr-defined]
            self._classes[key] = cls
            return cls

        return decorator

    def get(self, key: str) -> T:
        """An instance of the plug-in registered under `key`; KeyError names what exists."""
        try:
            return self._classes[key]()
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise KeyError(f"{self.name}: no plug-in {key!r} (registered: {known})") from None

    def __contains__(self, key: str) -> bool:
        return key in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))
