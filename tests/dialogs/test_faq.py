"""FAQ: what users get back when they ask about the policy in their own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from dialogs.faq import (
    FAQ_PATH,
    FaqDataError,
    build_faq,
    format_answer,
    load_faq,
    looks_like_question,
)
from rules.loader import latest_rulebook, normalise

PARAPHRASES = yaml.safe_load((Path(__file__).parent / "faq_paraphrases.yaml").read_text(encoding="utf-8"))
POLICY = normalise(latest_rulebook().policy_text)
SHARED_POLICY = Path("/work/shared/policy/bda-green-lowcarbon-2025.txt")


def _good(row: dict) -> set[str]:
    """The entries that answer a paraphrase: its id, any the row lists under also, and its other parts."""
    return {row["id"], *row.get("also", []), *row.get("parts", [])}


@pytest.fixture(scope="module")
def faq():
    return load_faq()


# ---------------------------------------------------------------- accuracy on the paraphrase table


def test_paraphrase_table_is_large_and_points_at_real_entries(faq):
    assert len(PARAPHRASES) >= 100
    ids = {e.id for e in faq.entries}
    assert [r["id"] for r in PARAPHRASES if r["id"] not in ids] == []


def test_paraphrases_mostly_worded_unlike_the_stored_questions(faq):
    def plain(s: str) -> str:
        return re.sub(r"[\W_]+", "", s.lower())

    stored = [plain(q) for e in faq.entries for q in e.questions]
    unlike = [
        r["q"] for r in PARAPHRASES if process.extractOne(plain(r["q"]), stored, scorer=fuzz.ratio)[1] < 50
    ]
    assert len(unlike) >= 40


def test_top1_and_top3_accuracy(faq):
    top1 = top3 = 0
    misses = []
    for row in PARAPHRASES:
        ids = [e.id for e, _ in faq.ranked(row["q"], k=3)]
        good = _good(row)
        top1 += bool(ids[:1]) and ids[0] in good
        top3 += bool(good & set(ids))
        if not ids or ids[0] not in good:
            misses.append((row["q"], row["id"], ids))
    n = len(PARAPHRASES)
    # Issue 10's goals (docs/performance.md has the figures reached).
    assert top1 / n >= 0.97, misses
    assert top3 / n >= 0.995, misses


def test_confident_answers_are_right(faq):
    """When the bot answers outright (no "did you mean"), it answers the question asked."""
    wrong = []
    for row in PARAPHRASES:
        m = faq.match(row["q"])
        if m.outcome == "answer" and m.entry is not None and m.entry.id not in _good(row):
            wrong.append((row["q"], row["id"], m.entry.id))
    assert wrong == []


def test_most_questions_are_answered_outright(faq):
    """Issue 10: at least 85% of the paraphrases get the right answer without a "did you mean"."""
    right = 0
    for row in PARAPHRASES:
        m = faq.match(row["q"])
        right += m.outcome == "answer" and m.entry is not None and m.entry.id in _good(row)
    assert right / len(PARAPHRASES) >= 0.85


@pytest.mark.parametrize("row", [r for r in PARAPHRASES if r.get("parts")], ids=lambda r: r["q"])
def test_each_part_of_a_question_is_answered_or_offered(faq, row):
    m = faq.match(row["q"])
    shown = [e.id for e in (*((m.entry,) if m.entry else ()), *m.others, *m.suggestions)]
    assert [p for p in [row["id"], *row["parts"]] if p not in shown] == []


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("光伏怎么补贴？", "m27-what"),
        ("什么是三同时", "three-simultaneous"),
        ("叉车算不算", "machine-types"),
        ("ＰＶ补贴多少？", "m27-what"),  # full-width letters and punctuation
        ("请问一下你好，光伏补贴多少呢", "m27-what"),  # filler words
        ("绿色电力交易怎么奖励", "m29-what"),
        ("电动叉车补多少", "m21-what"),
        ("地源热泵有补贴吗", "m28-what"),
        ("零碳工厂有奖励吗", "m32-what"),
        ("ESG", "m36-what"),
    ],
)
def test_clear_questions_get_a_direct_answer(faq, question, entry_id):
    m = faq.match(question)
    assert m.outcome == "answer"
    assert m.entry is not None and m.entry.id == entry_id


@pytest.mark.parametrize(
    "question", ["第27条", "27条", "措施27", "measure 27", "m27", "第二十七条", "Measure 27?"]
)
def test_measure_numbers_in_any_form(faq, question):
    m = faq.match(question)
    assert m.outcome == "answer" and m.entry is not None and m.entry.id == "m27-what"


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [("第27条要准备什么材料", "m27-docs"), ("27条谁能申请", "m27-who"), ("第27条归哪个部门", "m27-bureau")],
)
def test_measure_number_with_what_is_asked(faq, question, entry_id):
    assert faq.ranked(question, k=1)[0][0].id == entry_id


def test_not_a_measure_number(faq):
    # 第二批 (second tranche) and 31号 (the 2023 document) are not measures 2 and 31.
    assert faq.ranked("第二批钱什么时候发", k=1)[0][0].id == "payout-tranches"
    assert faq.ranked("31号文废止了吗", k=1)[0][0].id == "repealed-2023"


def test_vague_question_offers_up_to_three_suggestions(faq):
    m = faq.match("认证")
    assert m.outcome == "suggest" and m.entry is None
    assert 1 <= len(m.suggestions) <= 3
    assert {e.id for e in m.suggestions} <= {
        "m32-what",
        "m34-what",
        "m35-what",
        "m32-docs",
        "m34-docs",
        "m35-docs",
    }


@pytest.mark.parametrize(
    "question",
    [
        "明天天气怎么样",
        "推荐个餐厅",
        "股票怎么买",
        "what's the weather tomorrow",
        "帮我写一首诗",
        "你好",
        "",
        "？？？",
    ],
)
def test_unrelated_questions_are_unknown(faq, question):
    m = faq.match(question)
    assert m.outcome == "unknown"
    assert m.entry is None and m.suggestions == ()


# ---------------------------------------------------------------- the knowledge base


def test_every_measure_has_its_four_entries(faq):
    book = latest_rulebook()
    for n, measure in book.measures.items():
        what = faq.get(f"m{n:02d}-what")
        assert measure.summary.zh in what.answer_zh
        assert what.measures == (n,)
        who = faq.get(f"m{n:02d}-who")
        assert book.chapter7.scopes[measure.scope].text.zh in who.answer_zh
        docs = faq.get(f"m{n:02d}-docs")
        assert book.chapter7.disclaimer.zh in docs.answer_zh
        for d in measure.documents:
            assert d.zh in docs.answer_zh
        bureau = faq.get(f"m{n:02d}-bureau")
        for b in measure.bureaus:
            assert b.zh in bureau.answer_zh


def test_every_cite_occurs_in_the_policy(faq):
    bad = [(e.id, c) for e in faq.entries for c in e.cite if normalise(c) not in POLICY]
    assert bad == []
    # The watermark line of the PDF extraction is not policy text.
    assert not [e.id for e in faq.entries for c in e.cite if "EESIA" in c]


def test_policy_copy_matches_the_shared_text():
    if not SHARED_POLICY.exists():
        pytest.skip(f"{SHARED_POLICY} not present on this machine")
    assert normalise(SHARED_POLICY.read_text(encoding="utf-8")) == POLICY


def test_general_entries_use_only_bold_markup(faq):
    for e in faq.entries:
        for text in (e.answer_zh, e.answer_en):
            assert text.count("**") % 2 == 0, e.id
            assert not re.search(r"<[a-z/]|\]\(|`", text), e.id


def test_get_unknown_id(faq):
    with pytest.raises(KeyError, match="no-such-entry"):
        faq.get("no-such-entry")


# ---------------------------------------------------------------- faq.yaml is staff-editable


def _write(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


GOOD = {
    "id": "green-loans",
    "questions": ["绿色企业库有什么用", "What is the green enterprise database for?"],
    "answer": {
        "zh": "纳入“北京绿色企业库”，促进金融机构与绿色企业、项目对接。",
        "en": "Matching with banks.",
    },
    "cite": ["纳入“北京绿色企业库”，促进金融机构与绿色企业、项目对接。"],
    "clause": "第14条",
    "measures": [14],
    "keywords": ["绿色金融", "贷款"],
}


def test_a_new_yaml_entry_is_answered_without_code(tmp_path):
    faq = build_faq(latest_rulebook(), _write(tmp_path, [GOOD]))
    m = faq.match("绿色企业库是干什么用的")
    assert m.outcome == "answer" and m.entry is not None and m.entry.id == "green-loans"
    assert faq.ranked("能帮忙对接绿色贷款吗", k=1)[0][0].id == "green-loans"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": {"zh": "只有中文"}}, "answer.en"),
        ({"cite": ["本措施对所有企业一律奖励100万元。"]}, "cite not found in the policy text"),
        ({"questions": []}, "questions"),
        ({"answer": {"zh": "**未闭合", "en": "x"}}, "unbalanced"),
        ({"answer": {"zh": "<b>粗体</b>", "en": "x"}}, "only \\*\\*bold\\*\\*"),
        ({"measures": [99]}, "no such measure"),
        ({"id": "m27-extra"}, "reserved"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_broken_entry_fails_at_load_naming_file_and_entry(tmp_path, change, message):
    broken = {**GOOD, **change}
    path = _write(tmp_path, [broken])
    with pytest.raises(FaqDataError, match=message) as err:
        build_faq(latest_rulebook(), path)
    assert str(path) in str(err.value)
    assert f"entry {broken['id']!r}" in str(err.value)


def test_duplicate_ids_fail(tmp_path):
    with pytest.raises(FaqDataError, match="id used twice"):
        build_faq(latest_rulebook(), _write(tmp_path, [GOOD, GOOD]))


def test_shipped_yaml_loads():
    assert FAQ_PATH.exists()
    build_faq(latest_rulebook(), FAQ_PATH)


# ---------------------------------------------------------------- rendering


def test_answer_carries_the_policy_quote(faq):
    text = format_answer(faq.get("m27-what"), "zh")
    assert "800" in text
    assert "原文：「分布式光伏发电项目，按照装机容量给予每千瓦800元的一次性奖励。」（第27条）" in text


def test_english_answer(faq):
    text = format_answer(faq.get("best-not-repeat"), "en")
    assert text.startswith("七(二)3: the **same project**")
    assert (
        "Policy text: 「同一企业的同一项目，按照“从优不重复”原则予以支持，另有规定的除外。」 (七(二)3)"
        in text
    )


def test_staff_block_quotes_the_clause_in_full(faq):
    text = format_answer(faq.get("m27-what"), "zh", staff=True)
    assert "**" not in text
    assert "【京技管发〔2025〕11号 · 第27条】" in text
    # The whole measure, from its number to its responsible bureau.
    assert "「27.分布式光伏发电。持续推进分布式光伏规模化发展" in text
    assert "项目投资方享受全额奖励资金。（责任单位：经济发展局）」" in text
    general = format_answer(faq.get("exclusions"), "zh", staff=True)
    for quote in faq.get("exclusions").cite:
        assert f"「{normalise(quote)}」" in general


# ---------------------------------------------------------------- questions typed mid-interview

QUESTIONS = [
    "光伏怎么补贴？",
    "什么是三同时",
    "叉车算不算",
    "这个要准备什么材料",
    "第27条是什么",
    "能不能申请",
    "补贴多少钱",
    "有没有补贴",
    "是不是要先拿市级奖励",
    "数据中心可以申请吗",
    "谁来申报",
    "哪个部门负责",
    "为什么不能申请",
    "请问截止时间",
    "How much is the solar subsidy?",
    "what is three simultaneities",
    "can I apply twice",
    "含税吗",
    "三同时是啥意思",
    "这两个有什么区别",
    "混动车行不行",
    "第二批钱几月到",
]
ANSWERS = [
    "500千瓦",
    "是",
    "不知道",
    "1.2亿",
    "否",
    "没有",
    "有",
    "300万元",
    "约50辆",
    "2台",
    "十几台",
    "不清楚",
    "不知道具体多少",
    "北京某某科技有限公司",
    "13800138000",
    "60%",
    "yes",
    "no",
    "跳过",
    "12.5万平方米",
    "0.8公顷",
    "2024年3月",
    "我们是数据中心",
    "光伏",
    "i don't know",
    "can't say",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_are_recognised(text):
    assert looks_like_question(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_answers_are_not_taken_for_questions(text):
    assert not looks_like_question(text)


def test_question_table_is_large_enough():
    assert len(QUESTIONS) + len(ANSWERS) >= 30


# ---------------------------------------------------------------- issue 10: right, or says it does not know


def test_leased_vehicle_question_is_not_answered_with_another_entry(faq):
    """Measure 20 in users' words: never the entry about vehicles registered after the policy."""
    m = faq.match("租的燃油车换成新能源的有奖励吗")
    assert not (m.outcome == "answer" and m.entry is not None and m.entry.id != "m20-what")
    offered = [m.entry] if m.entry else list(m.suggestions)
    assert "m20-what" in [e.id for e in offered if e is not None]


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("我们的车是长租的，换电动的有奖励吗", "m20-what"),
        ("补贴能不能先给一半", "payout-tranches"),
        ("外地企业能不能申请", "scope-zones"),
        ("原辅材料替代补贴多少", "m07-what"),
        ("屋頂光伏補貼", "m27-what"),
        ("分布式光伏奖励标准", "m27-what"),
        ("第三十二条", "m32-what"),
    ],
)
def test_users_words_reach_the_entry(faq, question, entry_id):
    assert faq.ranked(question, k=1)[0][0].id == entry_id


def test_material_in_raw_materials_is_not_a_documents_question(faq):
    assert faq.ranked("原辅材料替代补贴多少", k=1)[0][0].id != "m07-docs"
    # ... while 材料 after it still asks for documents.
    assert faq.ranked("原辅材料替代要交哪些申报材料", k=1)[0][0].id == "m07-docs"


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("租的车换成新能源车能补多少", "m20-what"),
        ("燃油货车是租赁的，换新能源奖励多少", "m20-what"),
        ("电动的货车能拿多少补贴", None),  # 电动的 read as 新能源: any vehicle measure, never unknown
        ("河北的企业能申请吗", "scope-zones"),
        ("剩下的一半什么时候给", "payout-tranches"),
        ("有税收优惠吗", "outside-tax"),
        ("第三十二条", "m32-what"),
    ],
)
def test_issue_cases_are_answered_outright(faq, question, entry_id):
    """Issue 10's cases in new words: answered outright, with the entry meant."""
    m = faq.match(question)
    if entry_id is None:
        assert m.outcome != "unknown"
        return
    assert m.outcome == "answer" and m.entry is not None and m.entry.id == entry_id


def test_a_rule_in_the_clause_is_not_answered_with_who_may_apply(faq):
    """The 50% roof share is in measure 27's clause, not among who may apply: offer both, never the who entry alone."""
    m = faq.match("新建厂房屋顶一半面积装光伏有要求吗")
    assert not (m.outcome == "answer" and m.entry is not None and m.entry.id == "m27-who")
    shown = [e.id for e in (*((m.entry,) if m.entry else ()), *m.suggestions)]
    assert "m27-what" in shown


def test_a_word_two_measures_share_is_not_answered_for_one(faq):
    """锅炉改造 is measure 10 (gas boilers) and measure 23 (锅炉（窑炉）改造): the user is asked which."""
    m = faq.match("锅炉改造奖多少")
    assert m.outcome == "suggest"
    assert {"m10-what", "m23-what"} <= {e.id for e in m.suggestions}


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("有税收优惠吗", "outside-tax"),
        ("人才补贴怎么拿", "outside-talent"),
        ("高新技术企业认定有奖励吗", "outside-high-tech"),
        ("充电桩建设有补贴吗", "outside-charging"),
        ("储能电站有奖励吗", "outside-storage"),
        ("租金补贴有吗", "outside-rent"),
    ],
)
def test_questions_outside_the_policy_say_so_and_where_to_ask(faq, question, entry_id):
    m = faq.match(question)
    assert m.outcome == "answer" and m.entry is not None and m.entry.id == entry_id
    assert not m.entry.covered
    text = format_answer(m.entry, "zh")
    assert "本政策" in text and ("不涉及" in text or "没有" in text)
    assert "请咨询" in text
    assert "Policy text" not in format_answer(m.entry, "en") or m.entry.cite


def test_a_question_in_two_parts_answers_both(faq):
    m = faq.match("光伏补多少？要准备什么材料？")
    assert m.outcome == "answer" and m.entry is not None
    assert m.entry.id == "m27-what"
    assert [e.id for e in m.others] == ["m27-docs"]


def test_a_part_that_cannot_be_answered_outright_is_offered(faq):
    m = faq.match("锅炉改造奖励多少？另外储能有补贴吗")
    assert m.outcome == "answer" and m.entry is not None and m.entry.id == "outside-storage"
    assert "m10-what" in [e.id for e in m.suggestions]


@pytest.mark.parametrize("text", ["分布式光伏奖励标准", "第三十二条", "锅炉改造申报材料", "绿电交易补贴标准"])
def test_questions_without_a_question_mark_are_questions(text):
    assert looks_like_question(text)


def test_each_answered_part_is_a_message_of_its_own(faq):
    """The flow shows a question in several parts as one message per part answered."""
    from dialogs.faq import answer_texts, part_offer_prompt

    m = faq.match("光伏补多少？要准备什么材料？另外储能有补贴吗")
    texts = answer_texts(m, "zh")
    assert len(texts) == 1 + len(m.others) >= 2
    assert texts[0] == format_answer(m.entry, "zh")
    assert all(text.startswith("关于您问的另一点") for text in texts[1:])
    assert "本政策" in texts[-1] and "储能" in texts[-1]  # the storage part: not covered, where to ask
    assert answer_texts(faq.match("锅炉改造奖多少"), "zh") == []  # asked back, not answered
    assert part_offer_prompt("en").startswith("Another part")
