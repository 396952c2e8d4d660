"""The words a choice answer is read with (全部, 都没有, 第…项, 除了…以外, fillers); its Chinese is only matched."""

from __future__ import annotations

import re
from typing import Final

_ALL_ANSWERS: Final = frozenset(
    {
        "全部",
        "都有",
        "全选",
        "以上都是",
        "以上都有",
        "全都有",
        "都是",
        "所有",
        "全部都有",
        "全部都是",
        "都选",
        "all",
        "allofthem",
        "allofthe above",
        "alloftheabove",
        "全都是",
        "都要",
    }
)
_NONE_ANSWERS: Final = frozenset(
    {
        "都没有",
        "没有",
        "无",
        "都不是",
        "一个都没有",
        "一个也没有",
        "均无",
        "都无",
        "以上都没有",
        "以上都不是",
        "none",
        "nothing",
        "noneofthem",
        "noneoftheabove",
        "都不",
        "没",
        "暂无",
    }
)
_CHOICE_NUMBER_RE: Final = re.compile(
    r"^(?:我们?|就)?(?:选择?|选的是|是|答案是|应该是)?(?:第|选项|option|no\.?|#)?"
    r"(\d+|[零一二两三四五六七八九十]+)(?:个选项|个|项|号|条|种|类|选项)?$"
)
_CHOICE_SEPARATORS_RE: Final = re.compile(
    r"[,、;/\s|&+]+|以及|和|与|及|跟|还有|加上|并且|或者|或|\band\b|\bor\b"
)
_CHOICE_RANGE_RE: Final = re.compile(r"(\d+)\s*(?:-|~|到|至)\s*(\d+)")
_CHOICE_FILLERS: Final = sorted(
    [
        "我们",
        "我司",
        "我",
        "公司",
        "企业",
        "单位",
        "都有",
        "都是",
        "都",
        "也",
        "还",
        "有",
        "是",
        "的",
        "吧",
        "啊",
        "呢",
        "了",
        "等等",
        "等",
        "选择",
        "选",
        "第",
        "个",
        "项",
        "号",
        "这些",
        "这几个",
        "这两个",
        "方面",
        "主要",
        "包括",
        "其中",
        "目前",
        "已经",
        "正在",
        "在",
        "做了",
        "做",
        "装了",
        "装",
        "安装",
        "建了",
        "建",
        "用了",
        "用",
        "计划",
        "打算",
        "项目",
        "不是",
        "不要",
        "没有",
        "不",
        "非",
        "除了",
        "除",
        "无",
        "以外",
        "之外",
        "其他",
        "其余",
        "都要",
        "要",
        "答案",
        "选项",
        "嗯",
        "对",
        "就",
        "the",
        "we",
        "have",
        "both",
        "all",
        "of",
        "them",
    ],
    key=len,
    reverse=True,
)
_CHOICE_FILLER_RE: Final = re.compile("|".join(re.escape(w) for w in _CHOICE_FILLERS))
# Negation right before an option's words: 不在亦庄新城, 不是小型企业, 没有光伏, 非工业.
_NEGATED_BEFORE_RE: Final = re.compile(r"(?:不|没有?|未|无|非|并非)(?:在|是|属于|位于|处于|要|选)?\s*$")
# Negation right after them: 亦庄新城以外, 经开区外面 (not after 除了: 除了光伏以外还有车辆).
_NEGATED_AFTER_RE: Final = re.compile(r"^\s*(?:以外|之外|外面|外边|外头|外)")
_CLAUSE_BREAK_RE: Final = re.compile(r"[,，;；。!！?？\n]")
# Where an option label splits into words a user may type alone: 认证与称号（绿色工厂、碳足迹）.
_LABEL_PARTS_RE: Final = re.compile(r"[（）()、，,；;/：:]|以及|或者|或|与|和|及|等")
_CJK_RUN_RE: Final = re.compile(r"[\u3400-\u9fff]+")
_NEGATION_CHARS_RE: Final = re.compile(r"[不没未无非外]")
# Pieces of a label made only of these say nothing about which option is meant (我们是, 的其他).
_FUNCTION_CHARS_RE: Final = re.compile(r"[我们你您他她它是的在了有和与及或这那个其]")
_MIN_SUBSTRING: Final = 3  # shorter pieces of a label are too often shared by chance
_MAX_SUBSTRING: Final = 16
