"""The FAQ index kept between starts answers exactly as one built now, and is rebuilt on any change."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs import buildcache
from dialogs.faq import build_faq
from rules.loader import latest_rulebook

QUESTIONS = [
    "光伏补贴多少钱",
    "充电桩有奖励吗",
    "需要准备什么材料",
    "What is measure 27?",
    "数据中心能申请吗",
    "绿色工厂",
]


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the cache at an empty folder of this test's own."""
    monkeypatch.setenv("ETOWNBOT_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_cached_faq_answers_as_a_fresh_build(cache_folder: Path) -> None:
    fresh = build_faq(latest_rulebook())
    builds: list[int] = []

    def build() -> object:
        builds.append(1)
        return build_faq(latest_rulebook())

    first = buildcache.cached("faq", build)
    again = buildcache.cached("faq", build)
    assert len(builds) == 1, "the second start must reuse the stored index"
    assert len(list(cache_folder.glob("faq-*.pickle"))) == 1
    for question in QUESTIONS:
        expected = fresh.match(question)
        for faq in (first, again):
            got = faq.match(question)  # type: ignore[attr-defined]
            assert (got.outcome, got.entry, got.suggestions, got.score) == (
                expected.outcome,
                expected.entry,
                expected.suggestions,
                expected.score,
            )


def test_a_changed_source_builds_anew_and_drops_the_old(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert buildcache.cached("faq", lambda: "old index") == "old index"
    monkeypatch.setattr(buildcache, "sources_key", lambda: "changed-sources")
    assert buildcache.cached("faq", lambda: "new index") == "new index"
    assert [p.name for p in cache_folder.glob("faq-*.pickle")] == ["faq-changed-sources.pickle"]


def test_an_unwritable_or_broken_cache_only_means_building(cache_folder: Path) -> None:
    (cache_folder / f"faq-{buildcache.sources_key()}.pickle").write_bytes(b"not a pickle")
    assert buildcache.cached("faq", lambda: "built") == "built"
    blocked = cache_folder / "file-not-folder"
    blocked.write_text("x")
    buildcache_dir = blocked / "sub"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ETOWNBOT_CACHE_DIR", str(buildcache_dir))
        assert buildcache.cached("faq", lambda: "built again") == "built again"


def test_data_that_fails_to_build_is_not_stored(cache_folder: Path) -> None:
    def broken() -> object:
        raise ValueError("bad faq.yaml")

    with pytest.raises(ValueError, match="bad faq"):
        buildcache.cached("faq", broken)
    assert not list(cache_folder.glob("faq-*"))
