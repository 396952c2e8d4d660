"""The message catalogue: every fixed text a user or staff member reads, in Chinese and English.

Texts live in gettext catalogues, one domain per area, under
``dialogs/locale/{zh,en}/LC_MESSAGES/<domain>.po``; the msgid is a stable key whose first part
names the domain (``render.total`` is in ``render.po``). ``t(key, lang, **params)`` fills
``{name}`` placeholders with ``str.format``; without params the text comes as written (a template
to fill later, as the PDF does with ``{n}``).

At run time the compiled ``.mo`` files are read with the standard library's ``gettext`` (about a
millisecond a domain, loaded on first use), so no process imports Babel: reading the ``.po`` files
with ``babel.messages.pofile`` instead cost ~20 ms to import Babel and ~17 ms to parse 600 entries,
in every process (measured with ``time.perf_counter`` around each step, Python 3.11). After editing a ``.po``
file, compile it: ``python -m dialogs.messages`` (needs Babel, a development dependency);
``tests/test_messages.py`` fails while a ``.mo`` is out of date.
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")


class _Missing(gettext.NullTranslations):
    """Fail loudly on a key that the catalogue lacks, instead of showing the key to a user."""

    def gettext(self, message: str) -> str:
        """Refuse a key with no text."""
        raise KeyError(f"no message {message!r} in the catalogue")


_loaded: dict[tuple[str, str], gettext.NullTranslations] = {}


def _translations(domain: str, lang: str) -> gettext.NullTranslations:
    """Return the compiled catalogue of one domain and language, read once per process."""
    found = _loaded.get((domain, lang))
    if found is None:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo"
        try:
            with path.open("rb") as file:
                found = gettext.GNUTranslations(file)
        except FileNotFoundError:
            found = gettext.NullTranslations()
        found.add_fallback(_Missing())
        _loaded[(domain, lang)] = found
    return found


def t(key: str, lang: str, /, **params: object) -> str:
    """Return the text of a key in the reader's language, with its placeholders filled."""
    text = _translations(key.partition(".")[0], "en" if lang == "en" else "zh").gettext(key)
    return text.format(**params) if params else text


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``.po`` catalogue to the ``.mo`` file read at run time; return those written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as file:
            catalog = read_po(file)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as file:
            write_mo(file, catalog)
        written.append(mo)
    return written


if __name__ == "__main__":
    for done in compile_all():
        print(done)
