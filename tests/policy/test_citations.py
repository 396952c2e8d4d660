"""The rule data quotes the policy faithfully and is complete; broken data fails loudly at load."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.loader import DATA_DIR, LoadedRulebook, RuleDataError, load_rulebook_dir, load_rulebooks

REPO = Path(__file__).resolve().parents[2]
BOOK_DIR = DATA_DIR / "jjgf-2025-11"
SHARED_POLICY = REPO / ".." / "shared" / "policy" / "bda-green-lowcarbon-2025.txt"
WATERMARK = "本文内容来自网络"
INFORMATIONAL = {5, 6, 8, 30, 33}
# 七(一)1: 本措施中第 7~11、14~22、34~37、39~40 条支持措施适用于经开区60 平方公里范围…
CORE60 = {*range(7, 12), *range(14, 23), *range(34, 38), 39, 40}
# Convention 6: two tranches for 3, 4, 7, 9, 10 (not the per-metering-set path), 11 and 28.
TWO_TRANCHE = {3, 4, 7, 9, 10, 11, 28}
_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub("", text)


def _policy_without_watermark(text: str) -> str:
    # The watermark sits mid-sentence (…初步搭 / watermark / 建跨领域…): dropping the line rejoins it.
    return "\n".join(line for line in text.splitlines() if WATERMARK not in line)


def _rule_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.rglob("*.yaml"))


def _cites(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Yield (location, quote) for every ``cite`` / ``*_cite`` entry in a YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and (key == "cite" or key.endswith("_cite")):
                quotes = value if isinstance(value, list) else [value]
                for i, quote in enumerate(quotes):
                    yield f"{here}[{i}]", quote
            else:
                yield from _cites(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _cites(item, f"{where}[{i}]")


@pytest.fixture(scope="module")
def book() -> LoadedRulebook:
    """Return the one shipped policy version."""
    books = [b for b in load_rulebooks() if b.meta.id == "jjgf-2025-11"]
    assert len(books) == 1
    return books[0]


@pytest.fixture(scope="module")
def policy() -> str:
    """Return the policy text without whitespace and without the watermark line."""
    return _norm(_policy_without_watermark((BOOK_DIR / "policy.txt").read_text(encoding="utf-8")))


RULE_FILES = _rule_files()


@pytest.mark.parametrize("path", RULE_FILES, ids=[str(p.relative_to(DATA_DIR)) for p in RULE_FILES])
def test_every_cite_is_a_verbatim_quote(path: Path, policy: str) -> None:
    """Every quotation a user is shown can be found in the policy text (whitespace aside)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bad = []
    for where, quote in _cites(data):
        if not isinstance(quote, str) or not _norm(quote):
            bad.append(f"{where}: empty or not a string: {quote!r}")
        elif _norm(quote) not in policy:
            bad.append(f"{where}: not in the policy text: {quote!r}")
    assert not bad, f"{path.relative_to(REPO)}:\n" + "\n".join(bad)


def test_rule_data_has_citations() -> None:
    """The citation check above is not vacuous: every measure file quotes the policy."""
    for path in sorted((BOOK_DIR / "measures").glob("m*.yaml")):
        quotes = list(_cites(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert quotes, f"{path.name} quotes nothing"


def test_nothing_cites_the_watermark() -> None:
    """The EESIA watermark (policy README, line 106) is not policy and must not be quoted."""
    mark = _norm("本文内容来自网络，由EESIA搜集整理")
    for path in RULE_FILES:
        for where, quote in _cites(yaml.safe_load(path.read_text(encoding="utf-8"))):
            text = _norm(str(quote))
            assert "EESIA" not in text and mark[:8] not in text, f"{path.name} {where} cites the watermark"


def test_measure_text_is_the_policy_text(book: LoadedRulebook, policy: str) -> None:
    """The full text shown for each measure is the policy's own wording."""
    bad = [n for n, m in book.measures.items() if _norm(m.text) not in policy]
    assert not bad, f"measures whose text is not found verbatim in the policy: {bad}"


def test_shipped_policy_text_is_the_shared_source() -> None:
    """rules/data/jjgf-2025-11/policy.txt is byte-for-byte the shared policy file."""
    if not SHARED_POLICY.exists():
        pytest.skip(f"shared policy text not present at {SHARED_POLICY}")
    assert (BOOK_DIR / "policy.txt").read_bytes() == SHARED_POLICY.read_bytes()


def test_all_forty_measures_exactly_once(book: LoadedRulebook) -> None:
    """Measures 1–40 each have exactly one file, named after their number."""
    files = sorted(p.name for p in (BOOK_DIR / "measures").glob("*.yaml"))
    assert files == [f"m{n:02d}.yaml" for n in range(1, 41)]
    numbers = [
        yaml.safe_load((BOOK_DIR / "measures" / f).read_text(encoding="utf-8"))["number"] for f in files
    ]
    assert numbers == list(range(1, 41))
    assert sorted(book.measures) == list(range(1, 41))


def test_informational_measures(book: LoadedRulebook) -> None:
    """Exactly 5, 6, 8, 30 and 33 carry no money; all others pay."""
    informational = {n for n, m in book.measures.items() if m.kind == "informational"}
    assert informational == INFORMATIONAL


def test_scopes_follow_chapter_7_1(book: LoadedRulebook) -> None:
    """7–11, 14–22, 34–37, 39–40 are 60 km² only; the rest apply in the 225 km² new town."""
    wrong = {
        n: m.scope for n, m in book.measures.items() if m.scope != ("core60" if n in CORE60 else "newtown225")
    }
    assert not wrong, f"measures with the wrong scope: {wrong}"
    scopes = book.chapter7.scopes
    assert set(scopes["core60"].zones) == {"core60"}
    assert set(scopes["newtown225"].zones) == {"core60", "newtown225"}


def test_payout_modes_follow_convention_6(book: LoadedRulebook) -> None:
    """Two tranches only for 3, 4, 7, 9, 10 (not per metering set), 11, 28; everything else once."""
    wrong = []
    for n, m in book.measures.items():
        for a in m.awards:
            per_set = n == 10 and a.formula.kind == "per_unit"
            expected = "two_tranche" if n in TWO_TRANCHE and not per_set else "once"
            if a.payout != expected:
                wrong.append(f"measure {n} award {a.id}: {a.payout}, expected {expected}")
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------ broken data


def _broken_copy(tmp_path: Path, edit: Callable[[Path], None]) -> Path:
    folder = tmp_path / "jjgf-2025-11"
    shutil.copytree(BOOK_DIR, folder)
    edit(folder)
    return folder


def _edit_measure(number: int, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "measures" / f"m{number:02d}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return edit


def _rename_scope(d: dict[str, Any]) -> None:
    d["scpoe"] = d.pop("scope")


def _bad_kind(d: dict[str, Any]) -> None:
    d["awards"][0]["formula"]["kind"] = "per_unitt"


def _typo_in_formula(d: dict[str, Any]) -> None:
    d["awards"][0]["formula"]["rat"] = d["awards"][0]["formula"].pop("rate")


def _unknown_fact(d: dict[str, Any]) -> None:
    d["awards"][0]["formula"]["quantity"] = "project.pv_capacity_kww"


def _bad_exclusion(d: dict[str, Any]) -> None:
    d["exclusions"] = ["three_simultanous"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_rename_scope, "scpoe"),
        (_bad_kind, "formula"),
        (_typo_in_formula, "rat"),
        (_unknown_fact, "pv_capacity_kww"),
        (_bad_exclusion, "three_simultanous"),
    ],
    ids=["typo-field", "wrong-formula-kind", "typo-formula-field", "unknown-fact", "unknown-exclusion"],
)
def test_broken_measure_fails_at_load_naming_file_measure_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    """A mistake in a measure file stops the load with a message a data author can act on."""
    folder = _broken_copy(tmp_path, _edit_measure(27, change))
    with pytest.raises(RuleDataError) as err:
        load_rulebook_dir(folder)
    msg = str(err.value)
    assert "m27.yaml" in msg, msg
    assert "measure 27" in msg or "第27条" in msg, msg
    assert field in msg, msg


def test_wrong_formula_kind_names_the_kind(tmp_path: Path) -> None:
    """An unknown formula kind is reported with the kind that was given."""
    folder = _broken_copy(tmp_path, _edit_measure(27, _bad_kind))
    with pytest.raises(RuleDataError, match="per_unitt"):
        load_rulebook_dir(folder)


def test_missing_measure_fails_at_load(tmp_path: Path) -> None:
    """A deleted measure file is reported by number."""
    folder = _broken_copy(tmp_path, lambda f: (f / "measures" / "m17.yaml").unlink())
    with pytest.raises(RuleDataError) as err:
        load_rulebook_dir(folder)
    msg = str(err.value)
    assert "measures" in msg and "17" in msg, msg


def test_misnamed_measure_file_fails_at_load(tmp_path: Path) -> None:
    """A measure saved under another number's file name is refused."""

    def edit(folder: Path) -> None:
        shutil.copy(folder / "measures" / "m27.yaml", folder / "measures" / "m41.yaml")

    folder = _broken_copy(tmp_path, edit)
    with pytest.raises(RuleDataError) as err:
        load_rulebook_dir(folder)
    msg = str(err.value)
    assert "m41.yaml" in msg and "m27.yaml" in msg, msg


def test_broken_chapter7_fails_at_load(tmp_path: Path) -> None:
    """A chapter 七 without its basic conditions is refused, naming the file and field."""

    def edit(folder: Path) -> None:
        path = folder / "chapter7.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["basik"] = data.pop("basic")
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    folder = _broken_copy(tmp_path, edit)
    with pytest.raises(RuleDataError) as err:
        load_rulebook_dir(folder)
    msg = str(err.value)
    assert "chapter7.yaml" in msg and "basic" in msg, msg


def test_shipped_data_loads(tmp_path: Path) -> None:
    """An unmodified copy loads, so the failures above come from the edits."""
    loaded = load_rulebook_dir(_broken_copy(tmp_path, lambda f: None))
    assert sorted(loaded.measures) == list(range(1, 41))
