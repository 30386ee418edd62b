"""The pt_BR catalogue covers every text the code marks for translation, and the committed .mo is current."""

from __future__ import annotations

import io

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT
from data.i18n import LANGUAGES, TRANSLATIONS_DIR

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "_l": None,
    "translate": (2,),
    "translate_plural": (2, 3),
}
METHODS = [("**/.*/**", "ignore"), ("tests/**", "ignore"), ("bench/**", "ignore"), ("**.py", "python")]
METHODS += [("app/templates/**.html", "jinja2")]


def _msgid(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


def _hashable(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


@pytest.fixture(scope="module")
def source_msgids() -> set[str]:
    """Every msgid marked in the code and templates (what ``make translations`` extracts)."""
    found = set()
    for folder in ("app", "callbacks", "components", "data", "models", "services", "scheduler"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / folder, METHODS, keywords=KEYWORDS
        ):
            found.add(_msgid(message))
    return found


def _catalogue(language: str):
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_marked_text_has_a_translation(source_msgids, language):
    translated = {_msgid(m.id): m.string for m in _catalogue(language) if m.id}
    missing = sorted(
        msgid for msgid in source_msgids if not (translated.get(msgid) and all(translated[msgid]))
    )
    assert len(source_msgids) > 50  # the extraction itself works
    assert not missing, (
        f"{len(missing)} texts without a {language} translation (run `make translations`): {missing[:20]}"
    )


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_compiled_catalogue_matches_the_po_file(language):
    po = {(_hashable(m.id), _hashable(m.string)) for m in _catalogue(language) if m.id and not m.fuzzy}
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        mo = {(_hashable(m.id), _hashable(m.string)) for m in read_mo(io.BytesIO(handle.read())) if m.id}
    assert po == mo, "the .mo file is stale: run `make translations` (pybabel compile)"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_their_placeholders(language):
    """A translation that drops or renames %(name)s would fail at run time (KeyError) or lose a value."""
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(pattern.findall(ids[-1])))
        for text in strings:
            assert sorted(set(pattern.findall(text))) == wanted, (message.id, text)
