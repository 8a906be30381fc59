"""The Chinese catalogue is complete and the compiled .mo matches the .po."""

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ENTRY = re.compile(r'^(#, fuzzy\n(?:#\|.*\n)*)?msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.M)


def _entries(po: Path) -> list[tuple[bool, str, str]]:
    def text(block: str) -> str:
        return "".join(re.findall(r'"(.*)"', block))

    return [
        (bool(m.group(1)), text(m.group(2)), text(m.group(3)))
        for m in ENTRY.finditer(po.read_text(encoding="utf-8"))
        if text(m.group(2))  # skip the header entry
    ]


@pytest.mark.parametrize("language", ["zh_Hans"])
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = _entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    assert [msgid for fuzzy, msgid, _ in entries if fuzzy] == []
    assert [msgid for _, msgid, msgstr in entries if not msgstr] == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_compiled_catalogue_matches_the_po(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    wanted = {
        msgid for fuzzy, msgid, msgstr in _entries(folder / "django.po") if msgstr and not fuzzy
    }
    unescaped = {m.encode().decode("unicode_escape").encode("latin-1").decode() for m in wanted}
    assert unescaped <= set(compiled), "run `onetrip compilemessages` after editing the .po"
