"""The message catalogue: both languages complete, placeholders alike, no user text left in code."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from dialogs.messages import LANGUAGES, LOCALE_DIR, t

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "dialogs", "rules", "storage")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Files whose user texts are still written in the code: none left (issue 9). The list only shrinks,
# so it stays empty: a new module's texts go to the catalogue from the start, the engine's to
# rules/data/texts.yaml.
NOT_YET_MIGRATED: dict[str, str] = {}
# The most NOT_YET_MIGRATED may name: never add a file here.
NOT_YET_MIGRATED_AT_MOST: frozenset[str] = frozenset()

# Files whose Chinese is vocabulary the code reads or matches, not text it says to anyone.
VOCABULARY = {
    "bot/staff_words.py": "owner words and /faq verbs staff type (我的, 删问)",
    "dialogs/parse/fold.py": "characters it folds (叁 → 三)",
    "dialogs/parse/numerals.py": "Chinese numerals it reads (一千二百, 两, 叁)",
    "dialogs/parse/units.py": "unit words figures are typed with (千瓦, 亩, 个月)",
    "dialogs/parse/quantities.py": "currency words and fraction words it reads (人民币, 百分之)",
    "dialogs/parse/prepare.py": "filler words and whole-word answers it reads (大概, 没有, 全部)",
    "dialogs/parse/choice_words.py": "words a choice answer is read with (全部, 都没有, 我们)",
    "dialogs/parse/yesno_words.py": "words a yes / no answer is read with (有, 没有, 是的)",
    "dialogs/faq/words.py": "synonyms and filler words the FAQ matches questions with",
    "dialogs/faq/normalise.py": "Chinese numerals of measure numbers (第二十七条)",
    "bot/console.py": "the quit word typed at the console (退出)",
    "dialogs/commands.py": "the words typed for commands (返回, 跳过, 结果…)",
    "dialogs/intake.py": "the words a first message is read with (物流, 货车, 亦庄新城…)",
    "dialogs/taking.py": "the words enterprises type for options (自投, 纯电, 新城以外…)",
    "dialogs/topics.py": "the words enterprises type for each topic (光伏, 叉车, 工地…); labels are in topics.po",
}


def _catalogue(lang: str) -> dict[str, str]:
    """Return every key and text of one language, over all domains."""
    texts: dict[str, str] = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as file:
            for message in read_po(file):
                if message.id:
                    texts[str(message.id)] = str(message.string)
    return texts


def _fields(text: str) -> set[str]:
    """Return the names of a text's placeholders."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_is_in_both_languages_with_the_same_placeholders() -> None:
    zh, en = _catalogue("zh"), _catalogue("en")
    assert zh, "the catalogue is empty"
    assert sorted(set(zh) - set(en)) == [], "keys with no English text"
    assert sorted(set(en) - set(zh)) == [], "keys with no Chinese text"
    assert [k for k in zh if not zh[k] or not en[k]] == [], "keys with an empty text"
    assert [k for k in zh if _fields(zh[k]) != _fields(en[k])] == [], "placeholders differ"
    assert [k for k in zh if k.partition(".")[0] != _domain_of(k)] == []


# What Babel writes into a new catalogue's header for the author to fill in.
_PLACEHOLDERS = (
    "PROJECT",
    "VERSION",
    "FULL NAME",
    "EMAIL@ADDRESS",
    "YEAR-MO-DA",
    "HO:MI",
    "LL@li.org",
    "ORGANIZATION",
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_header_is_filled_in(lang: str) -> None:
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as file:
            catalog = read_po(file)
        header = dict(catalog.mime_headers)
        assert not catalog.fuzzy, f"{po}: the header is marked fuzzy"
        assert header["Language"] == lang, po
        left = [
            f"{name}: {value}" for name, value in header.items() if any(p in value for p in _PLACEHOLDERS)
        ]
        assert left == [], f"{po}: Babel placeholders left in the header"


def _domain_of(key: str) -> str:
    """Return the domain file a key was read from."""
    for po in (LOCALE_DIR / "zh" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as file:
            if key in {m.id for m in read_po(file)}:
                return po.stem
    return ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date(lang: str) -> None:
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} missing: run `python -m dialogs.messages`"
        with po.open("rb") as source, mo.open("rb") as compiled:
            written = {m.id: m.string for m in read_po(source) if m.id}
            shipped = {m.id: m.string for m in read_mo(compiled) if m.id}
        assert written == shipped, f"{mo} is older than {po.name}: run `python -m dialogs.messages`"


def test_a_text_reads_in_the_users_language_with_its_figures() -> None:
    assert t("render.summary.rest", "zh", count=3) == "其余3条与您填写的情况无关。"
    assert t("render.summary.rest", "en", count=3) == "The other 3 measures do not concern what you told us."
    assert t("render.summary.rest", "fr", count=3) == t("render.summary.rest", "zh", count=3)


def test_a_missing_key_fails_loudly_instead_of_showing_the_key() -> None:
    with pytest.raises(KeyError):
        t("render.no_such_key", "zh")
    with pytest.raises(KeyError):
        t("nodomain.key", "en")


# str methods whose first argument is something looked for in a text.
_READING = frozenset({"startswith", "endswith", "removeprefix", "removesuffix", "partition", "split", "find"})


def _is_pattern(node: ast.Call) -> bool:
    """Tell whether a call looks for its first argument in a text (a pattern: read, not said)."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    if isinstance(func.value, ast.Name) and func.value.id == "re":
        return True
    return func.attr in _READING


def chinese_literals(path: Path) -> list[str]:
    """Return the string literals of a module that hold Chinese, leaving out docstrings and patterns."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            skip.add(id(body[0].value))
        if isinstance(node, ast.Call) and _is_pattern(node) and node.args:
            skip.update(id(n) for n in ast.walk(node.args[0]))
        if isinstance(node, ast.Compare):  # `word in ("已处理", …)`: a word read from the user
            skip.update(id(n) for n in ast.walk(node))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CJK.search(node.value)
    ]


def _modules() -> list[str]:
    """Return every module of the packages, as a path relative to the repository."""
    return sorted(str(p.relative_to(ROOT)) for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_code_holds_no_chinese_user_text_outside_the_allowlists() -> None:
    offending = {
        module: chinese_literals(ROOT / module)[:3]
        for module in _modules()
        if module not in NOT_YET_MIGRATED and module not in VOCABULARY
    }
    offending = {module: texts for module, texts in offending.items() if texts}
    assert offending == {}, "put these texts in dialogs/locale (see docs/architecture.md, 'a reply text')"


def test_the_allowlists_only_name_files_that_still_need_them() -> None:
    listed = {**NOT_YET_MIGRATED, **VOCABULARY}
    assert all(reason.strip() for reason in listed.values())
    assert not set(NOT_YET_MIGRATED) & set(VOCABULARY)
    grown = sorted(set(NOT_YET_MIGRATED) - NOT_YET_MIGRATED_AT_MOST)
    assert grown == [], "the not-yet-migrated list only shrinks: move these files' texts to the catalogue"
    assert set(NOT_YET_MIGRATED) == NOT_YET_MIGRATED_AT_MOST, "remove a migrated file from the pinned set too"
    stale = [m for m in listed if not (ROOT / m).exists() or not chinese_literals(ROOT / m)]
    assert stale == [], "these files hold no Chinese text any more: delete their line from the list"
