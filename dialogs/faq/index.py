"""The search index over the entries and how it ranks them for a question."""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from dialogs.faq.authored import FAQ_PATH, GENERATED_ID
from dialogs.faq.entry import FaqDataError, FaqEntry, Source
from dialogs.faq.normalise import MARK, REF_TOKEN, alternation, normalised, tokens
from dialogs.faq.words import FUNCTION_WORDS, GENERIC_WORDS, SYNONYMS
from rules.loader import normalise as squeeze

# ---------------------------------------------------------------- the matcher

# Score weights and outcome thresholds, tuned on tests/dialogs/faq_paraphrases.yaml.
_W_QUESTION = 0.50  # best stored question (topic and intent words together)
_W_BAG = 0.30  # the entry's keywords, title and body (topic only)
_W_FUZZ = 0.10  # character-level similarity, for typos
_FUZZ_FLOOR = 0.5  # partial_ratio below this is what any two Chinese strings share
_W_INTENT = 0.08  # a measure entry whose kind (what/who/docs/bureau) is what the user asks for
_TOPIC_FULL = 0.4  # bag share at which the intent bonus is given in full
_BETA2 = 2.0  # F-beta² of the share of the user's words found (weighted more) and of the stored words matched
_BODY_IDF_CAP = 0.6  # a word seen only in a body text counts at most like this share of the top idf
_MEASURE_BONUS = 0.30  # the question names this entry's measure (half for general entries)
_MIN_IDF = 0.3  # words in nearly every entry (奖励 after synonyms) are left out of question matching
_CANDIDATES = 24  # entries that get the character-level comparison
MAX_CHARS = 300  # a pasted document is not a question; keep lookups bounded
_COMMON_UNIGRAM = 0.2  # drop single characters found in more than this share of entries
# A keyword of at most this many subjects is rare enough that an answer not mentioning it is
# probably about something else.
_ANCHOR_SUBJECTS = 2
_ANCHOR_ENTRIES = 8
_GENERAL_ANCHOR = 0.5  # ... rare words only general entries use count for this share
_W_ANCHOR = 0.12  # the entry's subject owns the rare words of the question (租赁 → measure 20), by weight
SUBJECT_RE = re.compile(r"m\d+$|outside-")  # ... and that this few entries' questions and keywords contain
Intent = Literal["what", "who", "docs", "bureau"]
# What a question asks about a measure, read from the normalised text; the first that matches wins.
_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("bureau", re.compile(r"部门|局")),
    ("docs", re.compile(r"(?<![原辅])材料|准备|怎么申请|怎么参与|哪里申请|申请流程|流程|提交")),
    (
        "who",
        re.compile(
            r"谁|条件|范围|算不算|哪些企业|什么企业|能否申请|能申请|能参加|能否参加|适用|符合|满足|哪里|发给|给到"
        ),
    ),
    ("what", re.compile(r"多少|奖励|是什么|什么是|比例|最高|上限|几")),
)


def intent_of(norm: str) -> Intent:
    """Say what a question asks about a measure; plain topic questions ask what it is and pays."""
    for name, pattern in _INTENTS:
        if pattern.search(norm):
            return name
    return "what"


@dataclass(frozen=True)
class _Scored:
    """One entry's score with its parts, for tuning."""

    entry: int
    total: float
    question: float
    bag: float
    fuzzy: float


class FaqIndex:
    """The entries with their prepared search index, ranked for a question."""

    def __init__(self, sources: Sequence[Source], policy_text: str, known_measures: int) -> None:
        """Prepare normalised strings, token weights and inverted indexes."""
        self._entries = [s.entry for s in sources]
        self._by_id: dict[str, int] = {}
        for i, e in enumerate(self._entries):
            if e.id in self._by_id:
                raise FaqDataError(FAQ_PATH, e.id, "id used twice")
            self._by_id[e.id] = i
        self._policy = squeeze(policy_text)
        self._known = known_measures
        self._refs = [frozenset(e.measures) for e in self._entries]
        self._kind: list[str | None] = [
            e.id.partition("-")[2] if GENERATED_ID.match(e.id) else None for e in self._entries
        ]
        # Memoised: a rebuild with staff entries normalises the same texts again (bot/faq_live.py).
        norm_q = [[normalised(q, known_measures) for q in s.entry.questions] for s in sources]
        q_tokens = [[tokens(q) for q in qs] for qs in norm_q]
        kw_tokens = [[tokens(normalised(k, known_measures)) for k in s.keywords] for s in sources]
        # Document frequency over what people ask (questions and keywords), not over long bodies
        # where 支持/奖励 is everywhere and would lose all weight.
        df: dict[str, int] = {}
        for qs, ks in zip(q_tokens, kw_tokens, strict=True):
            for tok in set().union(*qs, *ks):
                df[tok] = df.get(tok, 0) + 1
        n = len(sources)
        top_idf = math.log((n + 1) / 0.5)
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._unseen_idf = _BODY_IDF_CAP * top_idf
        # Topic words: what entries' keywords are made of (租赁, 挖掘), not chance pairs (车换).
        # Which subjects (a measure's four entries, or one general entry) name each keyword:
        # a keyword of one or two subjects (租赁, 挖掘机) is a rare word worth checking answers by.
        self._subject = [
            f"m{e.measures[0]}" if self._kind[i] and e.measures else e.id for i, e in enumerate(self._entries)
        ]
        self._word_subjects: dict[str, set[str]] = {}
        for i, src in enumerate(sources):
            for k in src.keywords:
                word = normalised(k, known_measures).replace(" ", "")
                if len(word) >= 2 and not word.startswith(MARK):
                    self._word_subjects.setdefault(word, set()).add(self._subject[i])
        generic = set(GENERIC_WORDS) | set(FUNCTION_WORDS)
        # Words the synonym table names (原辅材料, 租赁) that only one or two measures' own clauses
        # use are subject words of those measures, as if they were keywords.
        clauses: dict[str, str] = {}
        for i, src in enumerate(sources):
            if self._kind[i] and src.body and self._subject[i] not in clauses:
                clauses[self._subject[i]] = "".join(
                    normalised(t, known_measures).replace(" ", "") for t, _ in src.body
                )
        for canon in SYNONYMS:
            word = normalised(canon, known_measures).replace(" ", "")
            if len(word) < 2 or word in generic or word in self._word_subjects:
                continue
            owners = {subject for subject, text in clauses.items() if word in text}
            if 0 < len(owners) <= _ANCHOR_SUBJECTS:
                self._word_subjects[word] = owners
        asked = [
            " ".join([*(q.replace(" ", "") for q in qs), *self._word_subjects_of(src, known_measures)])
            for qs, src in zip(norm_q, sources, strict=True)
        ]
        # A rare word weighs by how few entries' questions and keywords use it (政策 less than 租赁).
        self._anchor_weight: dict[str, float] = {}
        for word, who in self._word_subjects.items():
            used = sum(word in text for text in asked)
            if len(who) <= _ANCHOR_SUBJECTS and word not in generic and used <= _ANCHOR_ENTRIES:
                self._anchor_weight[word] = math.log((n + 1) / (used + 0.5))
        rare = sorted(self._anchor_weight, key=len)
        self._rare_re = alternation(reversed(rare)) if rare else None
        # Who a rare word speaks for in ranking: the subjects of measures and of topics the policy
        # does not cover (a general entry's keywords, like 施行, are ways of asking), widened to the
        # subjects of keywords inside it or around it (锅炉改造, measure 23, holds 锅炉, measure 10),
        # so that a word two measures share in part favours neither.
        self._anchor_owners: dict[str, frozenset[str]] = {}
        for word in rare:
            owners = {
                subject
                for other, subjects in self._word_subjects.items()
                if len(other) >= 2 and (other in word or word in other)
                for subject in subjects
            }
            owners = {subject for subject in owners if SUBJECT_RE.match(subject)}
            if owners:
                self._anchor_owners[word] = frozenset(owners)
        common = {t for t, c in df.items() if t.startswith("~") and c > _COMMON_UNIGRAM * n}
        self._generic = frozenset(t for w in GENERIC_WORDS for t in tokens(w)) | common
        # Questions: token -> [(question index, weight)], and each question's total weight.
        self._q_entry: list[int] = []
        self._q_weight: list[float] = []
        self._q_text: list[str] = []
        self._q_post: dict[str, list[tuple[int, float]]] = {}
        # What each entry says (questions, keywords, answer, topic text), normalised: a general
        # entry owns a rare word it speaks of, and an answer is only given outright if it speaks of
        # the rare words asked about. Built here so no lookup pays for it.
        self._said = [
            " ".join(
                normalised(t, known_measures).replace(" ", "")
                for t in (
                    *src.entry.questions,
                    *src.keywords,
                    src.entry.answer_zh,
                    src.entry.answer_en,
                    *(b for b, _ in src.body),
                )
            )
            for src in sources
        ]
        for ei, (texts, toks_list) in enumerate(zip(norm_q, q_tokens, strict=True)):
            for q, toks in zip(texts, toks_list, strict=True):
                qi = len(self._q_entry)
                weights = {
                    t: self._idf[t] * f
                    for t, f in toks.items()
                    if t not in common and self._idf[t] >= _MIN_IDF
                }
                self._q_entry.append(ei)
                self._q_weight.append(sum(weights.values()) or 1.0)
                self._q_text.append(q.replace(" ", ""))
                for t, w in weights.items():
                    self._q_post.setdefault(t, []).append((qi, w))
        # Bags: keywords (full weight) and body texts (their own factor). The four entries of a
        # measure share one bag, so it is stored once: bag id -> entries.
        self._b_post: dict[str, list[tuple[int, float]]] = {}
        self._bag_entries: list[tuple[int, ...]] = []
        bag_ids: dict[tuple[object, ...], int] = {}
        for ei, (src, ks) in enumerate(zip(sources, kw_tokens, strict=True)):
            measure_bag = self._kind[ei] is not None
            key = (src.keywords, src.body) if measure_bag else (ei,)
            if key in bag_ids:
                bi = bag_ids[key]
                self._bag_entries[bi] = (*self._bag_entries[bi], ei)
                continue
            bi = bag_ids[key] = len(self._bag_entries)
            self._bag_entries.append((ei,))
            bag: dict[str, float] = {}
            parts = [(k, 1.0) for k in ks] + [(tokens(normalised(t, known_measures)), f) for t, f in src.body]
            for toks, factor in parts:
                for t, f in toks.items():
                    # A measure's bag is its topic; a general entry's keywords are curated whole.
                    if measure_bag and t in self._generic:
                        continue
                    w = self._idf.get(t, self._unseen_idf) * f * factor
                    bag[t] = max(bag.get(t, 0.0), w)
            for t, w in bag.items():
                self._b_post.setdefault(t, []).append((bi, w))

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        """Every entry, general ones first."""
        return tuple(self._entries)

    @property
    def policy_text(self) -> str:
        """The policy text with whitespace removed, for quoting."""
        return self._policy

    def get(self, entry_id: str) -> FaqEntry:
        """Return the entry with this id."""
        try:
            return self._entries[self._by_id[entry_id]]
        except KeyError:
            raise KeyError(f"no FAQ entry {entry_id!r}") from None

    def _score(self, question: str) -> list[_Scored]:
        """Score every entry that shares a word or a measure number with the question, best first."""
        norm = normalised(question[:MAX_CHARS], self._known)
        toks = tokens(norm)
        refs = {int(n) for n in REF_TOKEN.findall(norm)}
        qw = {t: f * self._idf.get(t, self._unseen_idf) for t, f in toks.items()}
        total = sum(qw.values())
        if not total and not refs:
            return []
        total = total or 1.0
        inter: dict[int, float] = {}
        get = inter.get
        q_post = self._q_post
        for t in qw:
            for qi, w in q_post.get(t, ()):
                inter[qi] = get(qi, 0.0) + w
        best_q: dict[int, float] = {}
        best_qi: dict[int, int] = {}
        q_weight, q_entry = self._q_weight, self._q_entry
        for qi, x in inter.items():
            cov, prec = min(1.0, x / total), x / q_weight[qi]
            s = (1 + _BETA2) * cov * prec / (_BETA2 * prec + cov)
            ei = q_entry[qi]
            if s > best_q.get(ei, 0.0):
                best_q[ei] = s
                best_qi[ei] = qi
        # Bag shares: of all the user's words, and of the topic words only (measure bags hold
        # topic words only; general entries may also match on question words like 什么时候).
        bag: dict[int, float] = {}
        bag_topic: dict[int, float] = {}
        topic_total = sum(w for t, w in qw.items() if t not in self._generic) or 1.0
        for t in qw:
            generic = t in self._generic
            # A bag weight never exceeds the query's own weight for the word (factors are <= 1).
            for bi, w in self._b_post.get(t, ()):
                bag[bi] = bag.get(bi, 0.0) + w
                if not generic:
                    bag_topic[bi] = bag_topic.get(bi, 0.0) + w
        share: dict[int, float] = {}
        for bi, b in bag.items():
            value = min(1.0, max(b / total, bag_topic.get(bi, 0.0) / topic_total))
            for ei in self._bag_entries[bi]:
                share[ei] = value
        intent = intent_of(norm)
        candidates = best_q.keys() | share.keys()
        # Rare words of measures and uncovered topics count in full; those only general entries
        # use (施行, 工程类, 外地) are often ways of asking, and count for less.
        anchors = {
            a: self._anchor_weight[a] * (1.0 if a in self._anchor_owners else _GENERAL_ANCHOR)
            for a in self._anchors_in(norm)
        }
        anchor_total = sum(anchors.values())
        if refs:
            candidates |= {ei for ei, r in enumerate(self._refs) if r & refs}
        rough: dict[int, float] = {}
        for ei in candidates:
            kind = self._kind[ei]
            topic = share.get(ei, 0.0)
            r = _W_QUESTION * best_q.get(ei, 0.0) + _W_BAG * topic
            named = bool(refs & self._refs[ei])
            if named:
                r += _MEASURE_BONUS if kind else _MEASURE_BONUS / 2
            if kind == intent:
                # Only about the right measure does the kind of question matter.
                r += _W_INTENT * (1.0 if named else min(1.0, topic / _TOPIC_FULL))
            if anchor_total:
                # A measure's entries own a rare word through the measure's keywords; a general
                # entry (machine types for 铲车) when it speaks of the word itself.
                if kind:
                    subject = self._subject[ei]
                    owned = sum(w for a, w in anchors.items() if subject in self._anchor_owners.get(a, ()))
                else:
                    said = self._says(ei)
                    owned = sum(w for a, w in anchors.items() if a in said)
                r += _W_ANCHOR * owned / anchor_total
            rough[ei] = r
        # Character-level similarity on the best candidates' closest questions catches typos.
        top = heapq.nsmallest(_CANDIDATES, rough, key=lambda ei: (-rough[ei], ei))
        flat = norm.replace(" ", "")
        choices = {ei: self._q_text[best_qi[ei]] for ei in top if ei in best_qi}
        # Any two Chinese strings share some characters: count only similarity above the floor.
        fuzzy = {
            ei: max(0.0, (score / 100.0 - _FUZZ_FLOOR) / (1.0 - _FUZZ_FLOOR))
            for _, score, ei in process.extract(
                flat, choices, scorer=fuzz.partial_ratio, processor=None, limit=None
            )
        }
        out = [
            _Scored(
                ei,
                rough[ei] + _W_FUZZ * fuzzy.get(ei, 0.0),
                best_q.get(ei, 0.0),
                share.get(ei, 0.0),
                fuzzy.get(ei, 0.0),
            )
            for ei in top
        ]
        out.sort(key=lambda sc: (-sc.total, sc.entry))
        return out

    def ranked(self, question: str, k: int = 3) -> list[tuple[FaqEntry, float]]:
        """Return the k best entries with their scores, best first.

        When the best is one of a measure's four entries and the question asks who, which
        documents or which bureau, that measure's entry of the kind asked comes first.
        """
        scored = [(self._entries[sc.entry], round(sc.total, 4)) for sc in self._score(question)]
        if scored and self._kind[self._by_id[scored[0][0].id]]:
            intent = intent_of(normalised(question[:MAX_CHARS], self._known))
            first = scored[0][0]
            want = f"m{first.measures[0]:02d}-{intent}" if first.measures else ""
            if intent != "what" and want in self._by_id and want != first.id:
                sibling = self._entries[self._by_id[want]]
                rest = [(e, s) for e, s in scored if e.id != want]
                scored = [(sibling, scored[0][1]), *rest]
        return scored[:k]

    def explain(self, question: str, k: int = 5) -> list[tuple[str, float, float, float, float]]:
        """Return (id, total, question, bag, fuzzy) for the k best entries, for staff and tuning."""
        return [
            (
                self._entries[sc.entry].id,
                round(sc.total, 3),
                round(sc.question, 3),
                round(sc.bag, 3),
                round(sc.fuzzy, 3),
            )
            for sc in self._score(question)[:k]
        ]

    def _says(self, i: int) -> str:
        """Return everything entry ``i`` says, normalised and without spaces."""
        return self._said[i]

    def _anchors_in(self, norm: str) -> set[str]:
        """Return the rare keywords a normalised question uses, longest at each place."""
        if self._rare_re is None:
            return set()
        return set(self._rare_re.findall(norm.replace(" ", "")))

    def _anchors(self, question: str) -> set[str]:
        """Return the rare keywords the question uses (租赁 in 租的燃油车…), longest at each place."""
        return self._anchors_in(normalised(question[:MAX_CHARS], self._known))

    def _says_more(self, question: str, first: int, other: int) -> bool:
        """Tell whether entry ``first`` speaks of more of the question's topic words than ``other``."""
        norm = normalised(question[:MAX_CHARS], self._known)
        words = {t for t in tokens(norm) if not t.startswith("~") and t not in self._generic and len(t) == 2}
        if not words:
            return False
        said_first, said_other = self._says(first), self._says(other)
        return sum(w in said_first for w in words) > sum(w in said_other for w in words)

    @staticmethod
    def _word_subjects_of(src: Source, known: int) -> list[str]:
        """Return an entry's keywords normalised, without spaces."""
        return [normalised(k, known).replace(" ", "") for k in src.keywords]
