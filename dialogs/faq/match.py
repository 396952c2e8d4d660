"""Deciding what to say: answer outright, suggest, or say it is not known; questions in parts."""

from __future__ import annotations

import re

from dialogs.faq.entry import FaqEntry, FaqMatch
from dialogs.faq.index import MAX_CHARS, SUBJECT_RE, FaqIndex
from dialogs.faq.normalise import PUNCT_RE

_ANSWER_MIN = 0.22
_ANSWER_MARGIN = 0.05
_SUGGEST_MIN = 0.16
_CLOSE = 0.6  # a candidate scoring this share of the best one is a real alternative


class Faq(FaqIndex):
    """The knowledge base: its index, and the decision whether a question is answered."""

    def _on_topic(self, question: str, entry: FaqEntry, top: list[tuple[FaqEntry, float]]) -> bool:
        """Tell whether an answer may be given outright.

        It must speak of each rare word asked about (租赁 is not in the entry about vehicles
        registered after the policy), and when every such word also belongs to another subject
        scoring close to it, the user is asked which one is meant.
        """
        i = self._by_id[entry.id]
        anchors = self._anchors(question)
        said = self._says(i)
        # Only the subject words of measures (and of topics the policy does not cover) count here;
        # a general entry's keywords (政策, 谁来申请) are ways of asking, not subjects.
        subjects = [t for t in anchors if any(SUBJECT_RE.match(w) for w in self._word_subjects.get(t, ()))]
        best = top[0][1]
        # A general entry about a measure (its ``measures``) is on that measure's subject too.
        own = {self._subject[i], *(f"m{n}" for n in entry.measures)}
        others = {self._subject[self._by_id[e.id]] for e, sc in top if sc >= _CLOSE * best} - own
        # A rare word the answer does not speak of, whose subject is a close alternative, means
        # the question is about that other subject, or both: ask ("租金能减免吗" is still about rent,
        # though 减免 is a word of the tax entry, which does not come close).
        if any(t not in said and self._word_subjects.get(t, set()) & others for t in subjects):
            return False
        # Every rare word also a word of another close measure (or uncovered topic): ask which.
        rival = {o for o in others if SUBJECT_RE.match(o)}
        shared = [t for t in anchors if self._word_subjects.get(t, set()) & rival]
        return not shared or len(shared) < len(anchors)

    def match(self, question: str, lang: str = "zh") -> FaqMatch:
        """Answer when one entry is clearly best, suggest when some are plausible, else unknown.

        A question in several parts ("光伏补多少？要准备什么材料？") is matched part by part:
        the first part answered outright is the answer, the other parts' answers come in
        ``others``. ``lang`` is the user's language; matching itself is language-neutral
        (English words map onto the same canonical terms as Chinese ones).
        """
        del lang
        whole = self._match_one(question)
        parts = [p for p in _PARTS_RE.split(question[:MAX_CHARS]) if len(PUNCT_RE.sub("", p).strip()) >= 4]
        if len(parts) < 2:
            return whole
        answered: list[FaqEntry] = []
        offered: list[FaqEntry] = []
        for k, part in enumerate(parts):
            m = self._match_one(part)
            if m.outcome != "answer" and k > 0:
                # "光伏补多少？要准备什么材料？": the later part is about the earlier one's subject.
                m = self._match_one(f"{parts[k - 1]} {part}")
            if m.outcome == "answer" and m.entry is not None:
                if m.entry not in answered:
                    answered.append(m.entry)
            else:
                offered += [e for e in m.suggestions if e not in offered]
        if whole.outcome == "answer" and whole.entry is not None and whole.entry not in answered:
            answered.insert(0, whole.entry)
        if not answered:
            return whole
        offered = [e for e in offered if e not in answered][:3]
        return FaqMatch("answer", answered[0], tuple(offered), whole.score, tuple(answered[1:]))

    def _match_one(self, question: str) -> FaqMatch:
        """Match one question (one part of a longer message)."""
        top = self.ranked(question, k=6)
        if not top or top[0][1] < _SUGGEST_MIN:
            return FaqMatch("unknown", None, (), top[0][1] if top else 0.0)
        first, score = top[0]
        # Entries of the same measure (what / who / documents / bureau) are not rivals: the
        # answer must stand clear of the best entry about something else.
        rivals = [s for e, s in top[1:] if not (first.measures and e.measures == first.measures)]
        second = rivals[0] if rivals else 0.0
        plausible = tuple(e for e, s in top[:3] if s >= _SUGGEST_MIN)
        # "新建厂房屋顶一半面积装光伏有要求吗" asks for a condition, but the 50% roof share is in
        # measure 27's clause (its what entry), not among who may apply: when the entry of the
        # kind asked says less of the question than the measure's what entry, offer both.
        what = f"m{first.measures[0]:02d}-what" if first.measures else ""
        if (
            what != first.id
            and what in self._by_id
            and self._kind[self._by_id[first.id]]
            and self._says_more(question, self._by_id[what], self._by_id[first.id])
        ):
            sibling = self._entries[self._by_id[what]]
            offered = (first, sibling, *(e for e in plausible if e not in (first, sibling)))
            return FaqMatch("suggest", None, offered[:3], score)
        if score >= _ANSWER_MIN and score - second >= _ANSWER_MARGIN and self._on_topic(question, first, top):
            return FaqMatch("answer", first, (), score)
        return FaqMatch("suggest", None, plausible, score)


# Where a message splits into separate questions: sentence ends and "另外/还有/此外".
_PARTS_RE = re.compile(r"[?？。；;！!\n]+|[,，]\s*(?:另外|还有|此外|以及|再问一下|还想问)|另外|此外")
