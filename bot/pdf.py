"""The forwardable one-page PDF of a report: measures by money, total, documents, clauses, disclaimer.

Called lazily by ``bot.report_file`` as ``render_report_pdf(payload) -> bytes`` with the payload of
the dialogs' ``report_pdf`` attachment: ``{"report": report_to_json(...), "profile": {...}, "lang": ...}``.

The page is laid out by hand with fpdf2's text and drawing primitives. Every block is measured
before it is drawn (the same code path runs once "dry"), so the densest layout that still fits
on one A4 page can be chosen; the document and clause lists are shortened, with a pointer to
``/detail``, before a second page is used. Chinese needs a CJK font: Noto Sans SC from the
``pylopdf-fonts-zh-cn`` package (SIL OFL 1.1). Each PDF embeds only the characters it uses,
converted to TrueType outlines so every reader can extract and search the text.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from fontTools import subset as ftsubset  # type: ignore[import-untyped]
from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import TextMode
from pydantic import TypeAdapter

from dialogs.render import (
    after_pending_line,
    applied_awards,
    applied_quotes,
    documents_for,
    fact_label,
    plain,
    steps_text,
    summary_rows,
    tx,
    untouched_count,
)
from rules.engine import fmt_yuan
from rules.facts import Profile
from rules.loader import latest_rulebook, load_catalog
from rules.report import MeasureResult, Report

__all__ = ["FontUnavailableError", "render_report_pdf"]

FONT_PACKAGE = "pylopdf-fonts-zh-cn"
_FAMILY = "notosanssc"

# Page geometry, millimetres (A4 portrait).
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 12.0
CONTENT_W = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - 9.0
PT = 25.4 / 72  # one point in millimetres

RGB = tuple[int, int, int]
INK: RGB = (33, 37, 41)
MUTED: RGB = (108, 117, 125)
FAINT: RGB = (173, 181, 189)
RULE: RGB = (222, 226, 230)
ZEBRA: RGB = (242, 246, 243)
GREEN: RGB = (27, 94, 59)
GREEN_MID: RGB = (46, 139, 87)
GREEN_SOFT: RGB = (232, 243, 236)
GREEN_PALE: RGB = (190, 222, 203)
AMBER: RGB = (214, 137, 16)
AMBER_SOFT: RGB = (253, 243, 224)
GREY_MARK: RGB = (150, 156, 163)
WHITE: RGB = (255, 255, 255)

Kind = Literal["eligible", "alternative", "needs_info", "ineligible"]


class FontUnavailableError(RuntimeError):
    """The CJK font package is not installed, so a Chinese PDF cannot be written."""


def _font_path() -> Path:
    """Return the installed Noto Sans SC file, or raise a clear error naming the package."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as exc:
        raise FontUnavailableError(
            f"The CJK font package {FONT_PACKAGE!r} is not installed; run `make install` "
            f"(or `.venv/bin/pip install -e .`) to get Noto Sans SC for the PDF report."
        ) from exc
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FontUnavailableError(f"{FONT_PACKAGE} is installed but {path} is missing; reinstall it.")
    return path


@dataclass(frozen=True)
class _Metrics:
    """What layout needs from the font: which characters it has and how wide each is (in em)."""

    path: Path
    cmap: dict[int, str]
    advance: dict[str, float]


_METRICS: _Metrics | None = None
_METRICS_LOCK = threading.Lock()


def _metrics() -> _Metrics:
    """Read the font's character map and advance widths once per process."""
    global _METRICS
    with _METRICS_LOCK:
        if _METRICS is None:
            path = _font_path()
            font = TTFont(str(path), lazy=True)
            try:
                upem = float(font["head"].unitsPerEm)
                hmtx = font["hmtx"].metrics
                cmap = dict(font.getBestCmap())
                advance = {name: hmtx[name][0] / upem for name in set(cmap.values()) if name in hmtx}
            finally:
                font.close()
            _METRICS = _Metrics(path, cmap, advance)
        return _METRICS


def _truetype_subset(path: Path, chars: Iterable[str], out: Path) -> None:
    """Write a TrueType-outline font holding only ``chars`` of the OpenType (CFF) font at path.

    fpdf2 embeds a CID-keyed CFF font through an embedded encoding CMap, which text extraction
    (pypdf, some viewers' copy and search) misreads; TrueType outlines are embedded the common way,
    Identity-H with a ToUnicode map. Converting a few hundred glyphs takes a fraction of a second.
    """
    font = TTFont(str(path), lazy=True)
    try:
        options = ftsubset.Options()
        options.layout_features = []  # no shaping: CJK and Latin here need none
        options.notdef_outline = True
        options.recommended_glyphs = True
        options.hinting = False
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "meta"]
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes={ord(c) for c in chars})
        subsetter.subset(font)
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(None)
            glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in (
            "maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
            "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
            "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth",
        ):  # fmt: skip
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        del font["CFF "]
        font["head"].glyphDataFormat = 0
        font["post"].formatType = 3.0
        font.sfntVersion = "\x00\x01\x00\x00"
        font.save(str(out))
    finally:
        font.close()


# ---------------------------------------------------------------------------------------------
# Text safety: user text (project names) may hold emoji, controls or characters the font lacks.

_DROP = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f\U0001f3fb-\U0001f3ff]"
)
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
MISSING_GLYPH = "□"


def _safe(text: str, cmap: dict[int, str]) -> str:
    """Return text the font can draw: controls become spaces, joiners go, unknown glyphs become □."""
    text = unicodedata.normalize("NFC", _DROP.sub("", str(text)))
    text = _SPACE.sub(" ", text)
    out = []
    for ch in text:
        code = ord(ch)
        if code in cmap and not 0xD800 <= code <= 0xDFFF:
            out.append(ch)
        elif out and out[-1] == MISSING_GLYPH:
            continue  # one box for a run of emoji is enough
        else:
            out.append(MISSING_GLYPH)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Words of the page, per language.

_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "绿色发展政策测评报告",
        "area": "北京经济技术开发区（亦庄）",
        "on": "评估日",
        "made": "由「亦庄绿策」生成",
        "profile": "企业概况",
        "zone": "所在区域",
        "kinds": "主体类型",
        "projects": "申报项目",
        "none": "未填写",
        "total": "可同时获得合计",
        "dedup": "已按“从优不重复”去重",
        "measures": "措施与金额（按金额排序）",
        "h_no": "条款",
        "h_measure": "措施（项目）",
        "h_amount": "金额",
        "h_payout": "兑现方式",
        "h_bar": "金额对比",
        "once": "事后一次性兑现",
        "docs": "需准备的材料（已去重）",
        "common": "通用",
        "cites": "政策原文摘录",
        "more_docs": "另有{n}条措施的材料未列出，请在机器人中发送 /detail 条号 查看。",
        "more_cites": "更多原文请在机器人中发送 /detail 条号 查看。",
        "no_match": "根据目前的回答，还没有对应的措施。",
        "rest": "其余{n}条与您填写的情况无关。",
        "calc": "计算：",
        "outside": "所在区域不在亦庄新城225平方公里范围内：本政策的措施均不适用（七(一)）。您仍可在机器人中咨询政策问题，或留下联系方式由工作人员联系。",
        "ineligible_all": "不符合",
        "disclaimer": "本报告为依据企业自述信息的预评估，不构成审批结论；具体申报要求、材料和时间以各主责部门发布的办事指南为准。",
        "legend_ok": "符合",
        "legend_alt": "从优不重复，不计入",
        "legend_need": "还需信息",
        "legend_no": "不符合",
    },
    "en": {
        "title": "Green Policy Screening Report",
        "area": "Beijing Economic-Technological Development Area (E-Town)",
        "on": "Evaluated on",
        "made": "Made by 亦庄绿策 (E-Town green policy assistant)",
        "profile": "Enterprise profile",
        "zone": "Location",
        "kinds": "Kind of entity",
        "projects": "Projects",
        "none": "not given",
        "total": "Payable together",
        "dedup": "after 从优不重复 (best award per project)",
        "measures": "Measures and money (largest first)",
        "h_no": "No.",
        "h_measure": "Measure (project)",
        "h_amount": "Amount (yuan)",
        "h_payout": "Payout",
        "h_bar": "Compared",
        "once": "once, afterwards",
        "docs": "Documents to prepare (deduplicated)",
        "common": "Common",
        "cites": "Policy text cited (original Chinese)",
        "more_docs": "Documents for {n} more measure(s) are not listed: send /detail <number> to the bot.",
        "more_cites": "More of the policy text: send /detail <number> to the bot.",
        "no_match": "No measure matched what you described yet.",
        "rest": "The other {n} measures do not concern what you told us.",
        "calc": "Calculation: ",
        "outside": "The enterprise is outside the 225 km² Yizhuang New Town, so none of the measures apply (七(一)). You can still ask the bot about the policy or leave your contact for staff.",
        "ineligible_all": "Not eligible",
        "disclaimer": "A pre-assessment from what the enterprise said, not an approval; the application requirements, documents and deadlines are those of each bureau's published guideline (办事指南).",
        "legend_ok": "eligible",
        "legend_alt": "same project, not counted",
        "legend_need": "needs information",
        "legend_no": "not eligible",
    },
}

_KINDS = (
    "above_scale_industrial",
    "above_limit_nonindustrial",
    "general_contractor",
    "full_budget_unit",
    "consulting_firm",
    "urban_renewal_park",
    "key_energy_unit",
    "key_carbon_unit",
    "key_industry_15",
    "data_center",
    "key_vehicle_unit",
)


def _wan(amount: int) -> str:
    """Write yuan for Chinese readers in 万 when round (4,500,000 -> 450万元)."""
    if amount >= 10000 and amount % 100 == 0:
        shown = f"{amount / 10000:,.2f}".rstrip("0").rstrip(".")
        return f"{shown}万元"
    return f"{fmt_yuan(amount)}元"


def _amount(amount: int | None, lang: str) -> str:
    """Write an amount short enough for a table cell."""
    if amount is None:
        return "?"
    return fmt_yuan(amount) if lang == "en" else _wan(amount)


def _shorten(text: str, limit: int) -> str:
    """Cut a quote to about ``limit`` characters, at a punctuation mark when one is near."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    stop = max(cut.rfind(p) for p in "，；。、,;")
    if stop >= limit * 0.55:
        cut = cut[:stop]
    return cut.rstrip("，；。、,; ") + "…"


# ---------------------------------------------------------------------------------------------
# What the page says, before any layout.


@dataclass
class _Row:
    kind: Kind
    number: int
    title: str
    project: str
    amount: str
    value: int | None  # bar length (eligible amount or known upper bound)
    payout: str
    span: bool = False  # payout text runs over the bar column (no bar)
    reason: str = ""  # why not eligible, to group the ineligible measures
    calc: str = ""  # the calculation worked through, under the row


@dataclass
class _Item:
    label: str
    parts: list[str]
    note: str = ""  # muted suffix, e.g. the bureau that takes the application
    sep: str = "；"


@dataclass
class _Content:
    lang: str
    w: dict[str, str]
    doc_no: str
    on: str
    zone: str
    kinds: str  # empty: none declared, the line is left out
    projects: list[str]
    total: str
    total_exact: str
    stats: str
    pending: str
    rows: list[_Row]
    ineligible: list[_Row]
    notes: list[str]
    docs: list[_Item]
    cites: list[_Item]
    disclaimer: str
    message: str = ""


def _payout(row: MeasureResult, lang: str) -> str:
    """Describe when the counted award is paid, with the tranche amounts."""
    en = lang == "en"
    award = next((a for a in row.awards if a.id == row.chosen_award), None)
    award = award or next((a for a in row.awards if a.status == "eligible"), None)
    text = _WORDS[lang]["once"]
    if award is not None and award.payout_mode == "two_tranche" and len(award.payout) == 2:
        first, second = (_amount(s.amount_yuan, lang) for s in award.payout)
        text = f"{first} + {second} (2 tranches)" if en else f"开工后{first} · 完工后{second}"
    if row.missing:
        text += " (could be more)" if en else "（可能更多）"
    return text


def _row(r: MeasureResult, lang: str, shared: frozenset[str] = frozenset()) -> _Row:
    """Turn one measure result into a table row."""
    en = lang == "en"
    title = tx(r.title, lang)
    if r.status == "eligible" and not r.counted and r.alternative_to is not None:
        payout = (
            f"not counted: No. {r.alternative_to} pays more"
            if en
            else f"从优不重复：同一项目按第{r.alternative_to}条计"
        )
        if r.alternative_to == r.number:  # convention 14: counted in another entry
            payout = (
                "paid once per enterprise: counted in another entry"
                if en
                else "每家企业只奖励一次：已在另一项中计入"
            )
        return _Row(
            "alternative",
            r.number,
            title,
            r.project_name,
            _amount(r.amount_yuan, lang),
            r.amount_yuan,
            payout,
        )
    if r.status == "eligible":
        payout = _payout(r, lang)
        if r.pending_yuan is not None:  # a larger path waits for a step (convention 11)
            more = fmt_yuan(r.pending_yuan)
            payout += f"; {more} after the pending step" if en else f"；完成待办后可达{_wan(r.pending_yuan)}"
        return _Row(
            "eligible",
            r.number,
            title,
            r.project_name,
            _amount(r.amount_yuan, lang),
            r.amount_yuan,
            payout,
        )
    if r.status == "pending":  # drawn like an open row: nothing payable yet, an amount once a step is taken
        amount = f"{fmt_yuan(r.pending_yuan or 0)} pending" if en else f"待办 {_wan(r.pending_yuan or 0)}"
        payout = ("once done: " if en else "待完成：") + steps_text(r, lang)
        return _Row("needs_info", r.number, title, r.project_name, amount, r.pending_yuan, payout)
    if r.status == "needs_info":
        sep = ", " if en else "、"
        own = [m for m in r.missing if m not in shared]
        missing = sep.join(dict.fromkeys(fact_label(m, lang) for m in own))
        if not own and r.missing:
            missing = "the shared items below" if en else "下方共同事项"
        bound = r.upper_bound_yuan
        if bound is not None:
            amount = f"up to {fmt_yuan(bound)}" if en else f"最高{_wan(bound)}"
        else:
            amount = "open" if en else "待定"
        payout = (
            (f"still needed: {missing}" if en else f"还需：{missing}")
            if missing
            else ("needs review" if en else "待核实")
        )
        return _Row("needs_info", r.number, title, r.project_name, amount, bound, payout, span=bound is None)
    reason = tx(r.reasons[0], lang) if r.reasons else ""
    text = (
        (f"not eligible: {reason}" if en else f"不符合：{reason}")
        if reason
        else _WORDS[lang]["ineligible_all"]
    )
    if r.near_miss:
        text += ("; would qualify: " if en else "；如要符合：") + tx(r.near_miss[0], lang)
    return _Row("ineligible", r.number, title, r.project_name, "—", None, text, span=True, reason=reason)


def _profile_parts(profile: dict[str, Any], report: Report, lang: str) -> tuple[str, str, list[str]]:
    """Return the zone, the kinds of entity and the project names of the payload's profile."""
    w = _WORDS[lang]
    ent = profile.get("enterprise") if isinstance(profile.get("enterprise"), dict) else {}
    assert isinstance(ent, dict)
    zone = w["none"]
    info = load_catalog().get("enterprise.zone")
    value = ent.get("zone")
    if value and info is not None and info.options and str(value) in info.options:
        zone = tx(info.options[str(value)], lang)
    kinds = [fact_label(f"enterprise.{k}", lang) for k in _KINDS if ent.get(k) is True]
    projects: list[str] = []
    raw = profile.get("projects")
    if isinstance(raw, list):
        for p in raw:
            if isinstance(p, dict):
                name = str(p.get("name") or p.get("id") or "").strip()
                if name:
                    projects.append(name)
    if not projects:
        projects = list(dict.fromkeys(m.project_name for m in report.measures if m.project_name))
    return zone, ("、" if lang != "en" else ", ").join(kinds), projects


def _documents(rows: Sequence[MeasureResult], lang: str, profile: Profile | None = None) -> list[_Item]:
    """List documents once each: those every listed measure needs first, then by measure in rank order."""
    en = lang == "en"
    sep = "; " if en else "；"
    per: list[tuple[MeasureResult, list[str]]] = []
    for r in rows:
        docs = [d.en if en else d.zh for d in documents_for(r, profile)]
        if docs:
            per.append((r, list(dict.fromkeys(docs))))
    if not per:
        return []
    several = len({r.number for r, _ in per}) > 1
    common = [d for d in per[0][1] if several and all(d in ds for _, ds in per)]
    seen = set(common)
    items = [_Item(_WORDS[lang]["common"], common, sep=sep)] if common else []
    by_number: dict[int, _Item] = {}
    for r, docs in per:
        fresh = [d for d in docs if d not in seen]
        seen.update(fresh)
        if not fresh:
            continue
        if r.number in by_number:  # the same measure for a second project: add to its line
            by_number[r.number].parts.extend(fresh)
            continue
        bureaus = ("、" if not en else ", ").join(tx(b, lang) for b in r.bureaus)
        note = (f" — apply to: {bureaus}" if en else f"（主责部门：{bureaus}）") if bureaus else ""
        item = by_number[r.number] = _Item(_no(r.number, lang), fresh, note, sep)
        items.append(item)
    return items


def _no(number: int, lang: str) -> str:
    """Name a measure by number."""
    return f"No. {number}" if lang == "en" else f"第{number}条"


def _cites(rows: Sequence[MeasureResult], lang: str) -> list[_Item]:
    """Quote the clauses behind the result: the shared scope and basic conditions, then what each row applied."""
    shared: dict[str, str] = {}
    for r in rows:
        for g in r.gates:
            # only the scope (七(一)) and the basic conditions (七(二)2) are shared by every measure
            shared_clause = g.clause.startswith("七(一)") or g.clause == "七(二)2"
            if g.outcome == "met" and g.cite and shared_clause and g.clause not in shared:
                shared[g.clause] = g.cite[0]
    items = [_Item(clause, [f"「{_shorten(quote, 58)}」"]) for clause, quote in sorted(shared.items())]
    seen: set[str] = set()
    for r in rows:
        quotes = [q for q in applied_quotes(r) if q not in seen]
        seen.update(quotes)
        if quotes:
            limit = 64 if len(quotes) == 1 else 40
            items.append(_Item(_no(r.number, lang), [f"「{_shorten(q, limit)}」" for q in quotes], sep=""))
    return items


def _scope_cites() -> list[_Item]:
    """Quote 七(一), the scope of the whole policy (for an enterprise outside it)."""
    scopes = latest_rulebook().chapter7.scopes
    by_clause = {scope.clause: scope.cite[0] for scope in scopes.values() if scope.cite}
    return [_Item(clause, [f"「{quote}」"]) for clause, quote in sorted(by_clause.items())]


def _calc(r: MeasureResult, lang: str) -> str:
    """Write the calculation of the paths a row applies, one after another."""
    texts = [
        tx(a.formula, lang) for a in applied_awards(r) if a.formula is not None and a.status == "eligible"
    ]
    # a fixed amount or a level ("定额 500,000 元") is the amount column again: only arithmetic is shown
    parts = [t for t in texts if "×" in t or "/" in t]
    if not parts:
        return ""
    return ("; " if lang == "en" else "；").join(parts)


def _content(report: Report, profile: dict[str, Any], lang: str) -> _Content:
    """Gather everything the page says, in one language."""
    w = _WORDS[lang]
    en = lang == "en"
    zone, kinds, projects = _profile_parts(profile, report, lang)
    rows = summary_rows(report)
    needs = [r for r in rows if r.status == "needs_info"]
    # enterprise facts every open measure still needs are said once under the table, not per row
    shared = frozenset(
        ref
        for ref in (needs[0].missing if len(needs) > 1 else ())
        if ref.startswith("enterprise.") and all(ref in r.missing for r in needs)
    )
    table = [replace(_row(r, lang, shared), calc=_calc(r, lang)) for r in rows if r.status != "ineligible"]
    ineligible = [_row(r, lang) for r in rows if r.status == "ineligible"]
    paying = [
        r for r in rows if (r.status == "eligible" and r.counted) or r.status in ("needs_info", "pending")
    ]
    n_ok = sum(1 for r in rows if r.status == "eligible")
    n_need = sum(1 for r in rows if r.status == "needs_info")
    n_wait = sum(1 for r in rows if r.status == "pending")
    n_no = len(ineligible)
    stats = (
        f"{n_ok} eligible · {n_wait} pending · {n_need} open · {n_no} not eligible"
        if en
        else f"符合{n_ok}条 · 待办{n_wait}条 · 还需信息{n_need}条 · 不符合{n_no}条"
    )
    for zero in (
        " · 0 pending",
        " · 待办0条",
        " · 0 open",
        " · 还需信息0条",
        " · 0 not eligible",
        " · 不符合0条",
    ):
        stats = stats.replace(zero, "")
    pending = ""
    if n_need:
        extra = report.pending_upper_yuan
        if extra:
            pending = (
                f"open items: up to {fmt_yuan(extra)} yuan more"
                if en
                else f"待确认事项最多还可增加{_wan(extra)}"
            )
        else:
            pending = "open items may add more" if en else "待确认事项可能增加金额"
    notes = []
    if line := after_pending_line(report, lang):
        notes.append(line + ("." if en else "。"))
    # The readings behind what is still open (pending or undecided rows), once each with its measures;
    # the detail in chat and the command line show every reading of every row.
    readings: dict[str, list[int]] = {}
    for r in rows:
        if r.status in ("pending", "needs_info"):
            for note in r.condition_notes:
                numbers = readings.setdefault(plain(tx(note, lang)), [])
                if r.number not in numbers:
                    numbers.append(r.number)
    for text, numbers in readings.items():
        where = "、".join(str(n) for n in numbers)
        notes.append(f"No. {where}: {text}" if en else f"第{where}条：{text}")
    if shared:
        labels = ("、" if not en else ", ").join(dict.fromkeys(fact_label(ref, lang) for ref in shared))
        notes.append(
            f"Every open measure also needs: {labels}." if en else f"以上待确认的各条均还需确认：{labels}。"
        )
    two = any(
        a.payout_mode == "two_tranche" and a.status == "eligible" for r in rows if r.counted for a in r.awards
    )
    if two:
        notes.append(
            "Engineering and retrofit projects are paid in two tranches: 50% once the project has started, the rest after "
            "completion once tax-inclusive payments reach 90% of the tax-inclusive investment; other awards are paid once."
            if en
            else "开工后/完工后：工程类、改造类项目分两批兑现——项目开始实施后兑现50%，完工且含税实际支付达含税总投资90%（含）以上后兑现其余50%；其他奖励事后一次性兑现。"
        )
    if any(r.kind == "alternative" for r in table):
        notes.append(
            "从优不重复: when one project qualifies under several measures, only the largest award is paid; the total counts it once."
            if en
            else "从优不重复：同一项目符合多条措施时，只取金额最高的一条，合计中不重复计算。"
        )
    try:
        facts: Profile | None = Profile.model_validate(profile)
    except ValueError:  # an older stored payload: every document is listed
        facts = None
    docs = _documents(paying, lang, facts)
    rest = untouched_count(report, rows)
    if rest and rows:
        notes.append(w["rest"].format(n=rest))
    ent = profile.get("enterprise") if isinstance(profile.get("enterprise"), dict) else {}
    outside = isinstance(ent, dict) and ent.get("zone") == "outside"
    return _Content(
        lang=lang,
        w=w,
        doc_no=report.doc_no or "",
        on=report.on.isoformat(),
        zone=zone,
        kinds=kinds,
        projects=projects,
        total=(f"{fmt_yuan(report.total_yuan)} yuan" if en else _wan(report.total_yuan)),
        total_exact=("" if en or report.total_yuan < 10000 else f"{fmt_yuan(report.total_yuan)}元"),
        stats=stats,
        pending=pending,
        rows=table,
        ineligible=ineligible,
        notes=notes,
        docs=docs,
        cites=_scope_cites() if outside else _cites(paying or rows, lang),
        disclaimer=tx(report.disclaimer, lang) or _WORDS[lang]["disclaimer"],
        message=tx(report.message, lang) if not report.in_force else (w["outside"] if outside else ""),
    )


# ---------------------------------------------------------------------------------------------
# Layout.


@dataclass(frozen=True)
class _Density:
    """How tightly the page is set; the first density whose content fits is used."""

    body: float  # pt, profile and lists
    row: float  # pt, table rows
    row_lead: float  # row height / font height
    lead: float  # line height / font height for flowing text
    gap: float  # mm between blocks
    title_lines: int  # lines a measure title may take in the table
    fold_ineligible: bool  # list the ineligible measures on one line instead of rows
    project_lines: int
    bullets: bool = False  # one line per document instead of a run-on paragraph
    calc_rows: bool = True  # each calculation under its row instead of one run-on paragraph


_SETTINGS = (
    _Density(9.5, 9.0, 2.0, 1.55, 6.0, 2, False, 3),
    _Density(8.8, 8.4, 1.9, 1.5, 5.0, 2, False, 3),
    _Density(8.2, 7.8, 1.8, 1.48, 4.5, 2, False, 2),
    _Density(7.6, 7.2, 1.7, 1.45, 4.0, 1, False, 2),
    _Density(7.0, 6.8, 1.62, 1.42, 3.5, 1, True, 2),
    _Density(7.0, 6.8, 1.62, 1.42, 3.5, 1, True, 2, calc_rows=False),
    _Density(6.6, 6.5, 1.55, 1.38, 3.0, 1, True, 1, calc_rows=False),
)
# A document list with one line per document reads best, so it is tried at the three roomier
# settings before any run-on list; the last (tightest) setting is the fallback.
DENSITIES = (*(replace(d, bullets=True) for d in _SETTINGS[:3]), *_SETTINGS)
MIN_FLOW = 30.0  # mm the document and clause lists need at the least before a 2nd page is used

Run = tuple[str, str]  # (text, style) with style in body/strong/muted/accent
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%/'’&+\-_:~@#*=]*\s*|\s+|.", re.S)
_NO_START = set("，。、；：？！）》」』”’％…,.;:?!)]%·")
_NO_END = set("（《「『“‘([")


@dataclass
class _Pen:
    """Draws on (or, when dry, only measures for) an FPDF page; y runs down the page."""

    metrics: _Metrics
    pdf: FPDF | None = None
    dry: bool = True
    used: set[str] = field(default_factory=set)
    y: float = MARGIN
    allow_break: bool = False
    on_break: Callable[[], None] | None = None
    _unit: dict[str, float] = field(default_factory=dict)

    # -- text ------------------------------------------------------------------------------

    def width(self, text: str, size: float) -> float:
        """Return the width in mm of text at a size in pt."""
        total = 0.0
        unit = self._unit
        for ch in text:
            u = unit.get(ch)
            if u is None:
                name = self.metrics.cmap.get(ord(ch))
                u = unit[ch] = self.metrics.advance.get(name, 0.0) if name else 0.0
            total += u
        return total * size * PT

    def clean(self, text: str) -> str:
        """Make text drawable by the font."""
        return _safe(text, self.metrics.cmap)

    def text(
        self, x: float, baseline: float, text: str, size: float, color: RGB = INK, style: str = "body"
    ) -> None:
        """Draw text on a baseline."""
        if not text:
            return
        self.used.update(text)
        pdf = self.pdf
        if self.dry or pdf is None:
            return
        pdf.set_font(_FAMILY, size=size)
        pdf.set_text_color(*color)
        if style == "strong":
            # Noto Sans SC ships one weight: a thin outline in the text colour stands in for bold.
            pdf.text_mode = TextMode.FILL_STROKE
            pdf.set_draw_color(*color)
            pdf.set_line_width(size * 0.028 * PT)
        pdf.text(x, baseline, text)
        if style == "strong":
            pdf.text_mode = TextMode.FILL

    def fit(self, text: str, width: float, size: float) -> str:
        """Cut text with an ellipsis so it fits a width."""
        if self.width(text, size) <= width:
            return text
        room = width - self.width("…", size)
        used = 0.0
        for i, ch in enumerate(text):
            used += self.width(ch, size)
            if used > room:
                return text[:i].rstrip(" ，、,;；") + "…"
        return text

    def wrap(
        self, runs: Sequence[Run], width: float, size: float, max_lines: int | None = None
    ) -> list[list[Run]]:
        """Break styled runs into lines of at most width mm; CJK breaks anywhere, Latin at spaces."""
        tokens: list[Run] = []
        for text, style in runs:
            tokens.extend((t, style) for t in _TOKEN.findall(self.clean(text)))
        lines: list[list[Run]] = [[]]
        used = 0.0
        for tok, style in tokens:
            tw = self.width(tok.rstrip(), size)
            hang = tok[0] in _NO_START and len(lines[-1]) < 2
            if used + tw > width and lines[-1] and not hang:
                if tok.isspace():
                    continue
                carry: list[Run] = []
                if tok[0] in _NO_START:  # no closing mark at a line start: take the word before along
                    while len(lines[-1]) > 1 and lines[-1][-1][0][:1] in _NO_START:
                        carry.insert(0, lines[-1].pop())
                    if len(lines[-1]) > 1:
                        carry.insert(0, lines[-1].pop())
                while lines[-1] and lines[-1][-1][0] in _NO_END:
                    carry.insert(0, lines[-1].pop())
                lines.append(carry)
                used = sum(self.width(t, size) for t, _ in carry)
                while tw > width:  # a single word wider than the line: split it
                    cut = len(tok)
                    while cut > 1 and self.width(tok[:cut], size) > width - used:
                        cut -= 1
                    lines[-1].append((tok[:cut], style))
                    lines.append([])
                    used = 0.0
                    tok = tok[cut:]
                    tw = self.width(tok, size)
            if not lines[-1] and tok.isspace():
                continue
            lines[-1].append((tok, style))
            used += self.width(tok, size)
        merged: list[list[Run]] = []
        for line in lines:
            out: list[Run] = []
            for tok, style in line:
                if out and out[-1][1] == style:
                    out[-1] = (out[-1][0] + tok, style)
                else:
                    out.append((tok, style))
            if out:
                out[-1] = (out[-1][0].rstrip(), out[-1][1])
                merged.append(out)
        merged = merged or [[("", "body")]]
        if max_lines is not None and len(merged) > max_lines:
            merged = merged[:max_lines]
            last = merged[-1]
            head = sum(self.width(t, size) for t, _ in last[:-1])
            text, style = last[-1]
            last[-1] = (self.fit(text, width - head - self.width("…", size), size).rstrip("…") + "…", style)
        return merged

    def draw_line(
        self, x: float, baseline: float, line: Sequence[Run], size: float, colors: dict[str, RGB]
    ) -> None:
        """Draw one wrapped line of styled runs."""
        for text, style in line:
            self.text(
                x,
                baseline,
                text,
                size,
                colors.get(style, INK),
                "strong" if style in ("strong", "accent") else "body",
            )
            x += self.width(text, size)

    # -- shapes ----------------------------------------------------------------------------

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: RGB | None = None,
        line: RGB | None = None,
        radius: float = 0,
        lw: float = 0.2,
    ) -> None:
        """Draw a rectangle, filled and/or outlined, optionally rounded."""
        pdf = self.pdf
        if self.dry or pdf is None or w <= 0 or h <= 0:
            return
        style = ("F" if fill else "") + ("D" if line else "")
        if not style:
            return
        if fill:
            pdf.set_fill_color(*fill)
        if line:
            pdf.set_draw_color(*line)
            pdf.set_line_width(lw)
        pdf.rect(x, y, w, h, style=style, round_corners=radius > 0, corner_radius=radius)

    def line(self, x1: float, y1: float, x2: float, y2: float, color: RGB = RULE, lw: float = 0.2) -> None:
        """Draw a straight line."""
        pdf = self.pdf
        if self.dry or pdf is None:
            return
        pdf.set_draw_color(*color)
        pdf.set_line_width(lw)
        pdf.line(x1, y1, x2, y2)

    def mark(self, cx: float, cy: float, r: float, kind: Kind) -> None:
        """Draw the status mark: a green tick, a hollow tick, an amber question mark or a grey cross."""
        pdf = self.pdf
        if kind == "needs_info":
            self.used.add("?")
        if self.dry or pdf is None:
            return
        fill = {"eligible": GREEN_MID, "alternative": WHITE, "needs_info": AMBER, "ineligible": GREY_MARK}[
            kind
        ]
        pdf.set_fill_color(*fill)
        pdf.set_draw_color(*(GREEN_MID if kind == "alternative" else fill))
        pdf.set_line_width(0.25)
        pdf.circle(cx, cy, r, style="DF")
        ink = GREEN_MID if kind == "alternative" else WHITE
        pdf.set_draw_color(*ink)
        pdf.set_line_width(max(0.22, r * 0.22))
        if kind in ("eligible", "alternative"):
            pdf.polyline(
                [(cx - 0.5 * r, cy + 0.02 * r), (cx - 0.12 * r, cy + 0.42 * r), (cx + 0.52 * r, cy - 0.4 * r)]
            )
        elif kind == "ineligible":
            d = 0.38 * r
            pdf.line(cx - d, cy - d, cx + d, cy + d)
            pdf.line(cx - d, cy + d, cx + d, cy - d)
        else:
            size = r * 2.1 / PT
            self.text(cx - self.width("?", size) / 2, cy + 0.36 * size * PT, "?", size, WHITE)

    # -- flow ------------------------------------------------------------------------------

    def room(self, h: float, limit: float = BOTTOM) -> None:
        """Start a new page when h more mm would run past the limit and breaking is allowed."""
        if self.allow_break and self.y + h > limit:
            if not self.dry and self.pdf is not None:
                self.pdf.add_page()
            self.y = MARGIN
            if self.on_break is not None:
                self.on_break()


def _baseline(top: float, height: float, size: float) -> float:
    """Return the baseline that centres a line of text of size pt in a box."""
    return top + height / 2 + 0.34 * size * PT


@dataclass
class _Plan:
    """Heights of the blocks for one density, and how much of the lists to show."""

    fixed: float = 0.0
    docs: float = 0.0
    cites: float = 0.0
    docs_budget: float | None = None
    cites_budget: float | None = None


class _Layout:
    """Place the content on the page at one density."""

    def __init__(self, pen: _Pen, c: _Content, d: _Density) -> None:
        self.pen, self.c, self.d = pen, c, d
        self.w = c.w

    # -- blocks ----------------------------------------------------------------------------

    def header(self) -> None:
        """Draw the green title band with the document number and the evaluation date."""
        pen, c = self.pen, self.c
        h = 25.0
        pen.rect(0, 0, PAGE_W, h, fill=GREEN)
        pen.rect(0, h, PAGE_W, 1.1, fill=GREEN_MID)
        title = 17.0 if c.lang != "en" else 16.0
        pen.text(MARGIN, 11.8, c.w["title"], title, WHITE, "strong")
        sub = f"{c.w['area']} · {c.doc_no}" if c.doc_no else c.w["area"]
        pen.text(MARGIN, 19.0, pen.fit(pen.clean(sub), CONTENT_W - 52, 8.5), 8.5, GREEN_PALE)
        right = PAGE_W - MARGIN
        on = f"{c.w['on']} {c.on}"
        pen.text(right - pen.width(on, 9.5), 11.8, on, 9.5, WHITE, "strong")
        made = c.w["made"]
        pen.text(right - pen.width(made, 7.5), 19.0, made, 7.5, GREEN_PALE)
        pen.y = h + 1.1 + self.d.gap

    def summary(self) -> None:
        """Draw the profile (left) and the total (right) side by side."""
        pen, c, d = self.pen, self.c, self.d
        top = pen.y
        right_w = 66.0
        left_w = CONTENT_W - right_w - 4.0
        pad = 3.2
        size = d.body
        lead = size * PT * d.lead
        label_w = max(pen.width(c.w[k], size) for k in ("zone", "kinds", "projects")) + 2.5
        text_w = left_w - 2 * pad - label_w
        head = d.body + 1.2
        y = top + pad
        names = [pen.clean(n).strip() for n in c.projects]
        count = f"（{len(names)}个）" if c.lang != "en" else f"({len(names)}) "
        sep = "、" if c.lang != "en" else ", "
        project_runs: list[Run] = (
            [(count, "muted"), (sep.join(names), "body")] if names else [(c.w["none"], "body")]
        )
        zone = pen.wrap([(c.zone, "body")], text_w, size, 2)
        kinds = pen.wrap([(c.kinds, "body")], text_w, size, None) if c.kinds else []
        projects = pen.wrap(project_runs, text_w, size, None)
        big = 21.0 if c.lang != "en" else 17.0
        small = max(6.6, d.body - 0.8)
        total_lines = [x for x in (c.total_exact, c.w["dedup"], c.stats, c.pending) if x]
        right_h = pad + head * PT * 1.5 + big * PT * 1.15 + len(total_lines) * small * PT * 1.45 + pad
        # the profile may use the height the total box needs anyway, beyond its own line allowance
        spare = int((right_h - 2 * pad - head * PT * 1.5) // lead) - len(zone)
        n_kinds = min(len(kinds), max(2, spare - min(len(projects), d.project_lines)))
        n_projects = min(len(projects), max(d.project_lines, spare - n_kinds))
        if 0 < n_kinds < len(kinds):
            kinds = pen.wrap([(c.kinds, "body")], text_w, size, n_kinds)
        if n_projects < len(projects):
            projects = pen.wrap(project_runs, text_w, size, n_projects)
        blocks = [(c.w["zone"], zone), (c.w["kinds"], kinds), (c.w["projects"], projects)]
        blocks = [(label, lines) for label, lines in blocks if label != c.w["kinds"] or c.kinds]
        left_h = pad + head * PT * 1.5 + sum(len(lines) for _, lines in blocks) * lead + pad
        box_h = max(left_h, right_h)
        pen.rect(MARGIN, top, left_w, box_h, fill=None, line=RULE, radius=1.6, lw=0.3)
        pen.text(MARGIN + pad, y + head * PT, c.w["profile"], head, GREEN, "strong")
        y += head * PT * 1.5
        colors = {"body": INK, "muted": MUTED}
        for label, lines in blocks:
            for i, line in enumerate(lines):
                base = y + size * PT * 1.02
                if i == 0:
                    pen.text(MARGIN + pad, base, label, size, MUTED)
                pen.draw_line(MARGIN + pad + label_w, base, line, size, colors)
                y += lead
        rx = MARGIN + left_w + 4.0
        pen.rect(rx, top, right_w, box_h, fill=GREEN_SOFT, radius=1.6)
        pen.rect(rx, top, 1.4, box_h, fill=GREEN_MID)
        ty = top + pad
        pen.text(rx + pad + 1.4, ty + head * PT, c.w["total"], head, GREEN, "strong")
        ty += head * PT * 1.5
        total = pen.fit(c.total, right_w - 2 * pad - 1.4, big)
        pen.text(rx + pad + 1.4, ty + big * PT * 0.92, total, big, GREEN, "strong")
        ty += big * PT * 1.15
        for i, note in enumerate(total_lines):
            shown = pen.fit(note, right_w - 2 * pad - 1.4, small)
            pen.text(
                rx + pad + 1.4,
                ty + small * PT * 1.05,
                shown,
                small,
                INK if i == 0 and c.total_exact else MUTED,
            )
            ty += small * PT * 1.45
        pen.y = top + box_h + d.gap

    def _columns(self) -> tuple[float, float, float, float, float, float]:
        """Return the column widths: mark, number, measure, amount, payout, bar."""
        pen, d, c = self.pen, self.d, self.c
        mark = d.row * PT * 1.25
        number = pen.width("No. 40" if c.lang == "en" else "第40条", d.row) + 2.0
        amount = max(pen.width(r.amount, d.row) for r in c.rows) + 3.0 if c.rows else 20.0
        amount = max(amount, pen.width(c.w["h_amount"], d.row - 0.8) + 2.0, 18.0)
        bar = 28.0
        payout = 47.0 if c.lang != "en" else 50.0
        measure = CONTENT_W - mark - number - amount - payout - bar
        return mark, number, measure, amount, payout, bar

    def section_title(self, text: str) -> None:
        """Draw a section heading with a short green rule before it."""
        pen, d = self.pen, self.d
        size = d.body + 1.4
        h = size * PT * 1.7
        pen.room(h + d.row * PT * d.row_lead)
        pen.rect(MARGIN, pen.y + h * 0.22, 1.2, h * 0.56, fill=GREEN_MID)
        pen.text(MARGIN + 2.8, _baseline(pen.y, h, size), text, size, GREEN, "strong")
        pen.y += h

    def table_head(self) -> None:
        """Draw the column headings of the measures table."""
        pen, d, c = self.pen, self.d, self.c
        mark, number, measure, amount, payout, _bar = self._columns()
        size = d.row - 0.8
        h = size * PT * 1.9
        top = pen.y
        pen.rect(MARGIN, top, CONTENT_W, h, fill=GREEN_SOFT)
        base = _baseline(top, h, size)
        x = MARGIN + mark
        pen.text(x + 0.8, base, c.w["h_no"], size, GREEN)
        x += number
        pen.text(x, base, c.w["h_measure"], size, GREEN)
        x += measure
        pen.text(x + amount - 2.0 - pen.width(c.w["h_amount"], size), base, c.w["h_amount"], size, GREEN)
        x += amount
        pen.text(x + 2.0, base, c.w["h_payout"], size, GREEN)
        x += payout
        pen.text(x + 1.0, base, c.w["h_bar"], size, GREEN)
        pen.y += h

    def _title(self, r: _Row, width: float, size: float) -> list[list[Run]]:
        """Wrap a measure title and its project name; the project name is cut before the title is."""
        pen, c = self.pen, self.c
        project = (f"（{r.project}）" if c.lang != "en" else f"  ({r.project})") if r.project else ""
        runs: list[Run] = [(r.title, "body"), (project, "muted")] if project else [(r.title, "body")]
        whole = pen.wrap(runs, width, size, None)
        if len(whole) <= self.d.title_lines:
            return whole
        lines = pen.wrap([(r.title, "body")], width, size, None)
        if len(lines) > self.d.title_lines:
            return pen.wrap(runs, width, size, self.d.title_lines)
        if len(lines) < self.d.title_lines:  # the name gets the next line, cut to fit
            return [*lines, [(pen.fit(pen.clean(project).strip(), width, size), "muted")]]
        free = width - sum(pen.width(t, size) for t, _ in lines[-1])
        short = pen.fit(pen.clean(project).rstrip("）)"), free, size)
        if short.endswith("…") and c.lang != "en":
            short += "）"
            short = pen.fit(short[:-2], free - pen.width("…）", size), size).rstrip("…") + "…）"
        elif short.endswith("…"):
            short += ")"
            short = pen.fit(short[:-2], free - pen.width("…)", size), size).rstrip("…") + "…)"
        if pen.width(short, size) > free or len(short.strip()) < 4:
            return lines
        return [*lines[:-1], [*lines[-1], (short, "muted")]]

    def table(self) -> None:
        """Draw the measures ranked by money, with a status mark, the payout and a bar per measure."""
        pen, d, c = self.pen, self.d, self.c
        self.section_title(c.w["measures"])
        singles, groups = self._ineligible_groups()
        rows = [*c.rows, *singles]
        if not rows and not c.ineligible:
            size = d.body
            pen.text(MARGIN, pen.y + size * PT * 1.2, c.w["no_match"], size, MUTED)
            pen.y += size * PT * d.lead + d.gap
            return
        if rows:
            self.table_head()
            pen.on_break = self.table_head
        mark, number, measure, amount, payout, bar = self._columns()
        size = d.row
        line_h = size * PT * 1.32
        top_pad = (size * PT * d.row_lead - line_h) / 2
        scale = max([r.value or 0 for r in rows], default=0) or 1
        for i, r in enumerate(rows):
            lines = self._title(r, measure - 2.0, size)
            small = size - 0.6
            span = payout + (bar if r.span else 0) - 3.0
            payout_lines = pen.wrap([(r.payout, "body")], span, small, max(len(lines), d.title_lines))
            calc_w = measure + amount + payout + bar - 3.0
            calc = c.w["calc"] + r.calc
            calc_lines = pen.wrap([(calc, "muted")], calc_w, small, 2) if r.calc and d.calc_rows else []
            body_lines = max(len(lines), len(payout_lines))
            h = top_pad * 2 + line_h * (body_lines + len(calc_lines))
            pen.room(h)
            top = pen.y
            if i % 2 == 1:
                pen.rect(MARGIN, top, CONTENT_W, h, fill=ZEBRA)
            faded = r.kind in ("alternative", "ineligible")
            ink = MUTED if faded else INK
            first = top + top_pad
            base = _baseline(first, line_h, size)
            pen.mark(MARGIN + mark / 2, first + line_h / 2, size * PT * 0.42, r.kind)
            x = MARGIN + mark
            pen.text(
                x + 0.8,
                base,
                _no(r.number, c.lang),
                size,
                GREEN if not faded else MUTED,
                "strong" if not faded else "body",
            )
            x += number
            for j, line in enumerate(lines):
                pen.draw_line(x, base + j * line_h, line, size, {"body": ink, "muted": MUTED})
            x += measure
            amount_color = {"eligible": INK, "alternative": MUTED, "needs_info": AMBER, "ineligible": FAINT}[
                r.kind
            ]
            pen.text(
                x + amount - 2.0 - pen.width(r.amount, size),
                base,
                r.amount,
                size,
                amount_color,
                "strong" if r.kind == "eligible" else "body",
            )
            x += amount
            for j, line in enumerate(payout_lines):
                pen.draw_line(
                    x + 2.0,
                    base + j * line_h,
                    line,
                    small,
                    {"body": ink if r.kind != "needs_info" else MUTED},
                )
            for j, line in enumerate(calc_lines):
                pen.draw_line(
                    MARGIN + mark + number, base + (body_lines + j) * line_h, line, small, {"muted": MUTED}
                )
            x += payout
            if not r.span and r.value:
                bh = line_h * 0.62
                by = first + (line_h - bh) / 2
                length = max(0.8, (bar - 2.0) * r.value / scale)
                if r.kind == "eligible":
                    pen.rect(x + 1.0, by, length, bh, fill=GREEN_MID)
                elif r.kind == "alternative":
                    pen.rect(x + 1.0, by, length, bh, fill=None, line=GREEN_PALE, lw=0.3)
                else:
                    pen.rect(x + 1.0, by, length, bh, fill=AMBER_SOFT, line=AMBER, lw=0.25)
            pen.y = top + h
        pen.on_break = None
        pen.line(MARGIN, pen.y, MARGIN + CONTENT_W, pen.y, RULE, 0.3)
        for group in groups:
            self._fold(group, size - 0.4)
        self.legend()
        # not the rows 从优不重复 leaves uncounted: their amount is not paid
        calcs = [
            (f"{_no(r.number, c.lang)} {r.calc}", "muted") for r in rows if r.calc and r.kind == "eligible"
        ]
        if calcs and not d.calc_rows:  # the tightest settings: every calculation in one paragraph
            sep = ("; " if c.lang == "en" else "；", "muted")
            runs: list[Run] = [(c.w["calc"], "muted")]
            for k, item in enumerate(calcs):
                runs.extend([sep, item] if k else [item])
            self._paragraph(runs, max(6.0, d.body - 1.4), MARGIN, CONTENT_W, None, top_gap=0.6)
        for note in c.notes:
            self._paragraph([(note, "muted")], max(6.2, d.body - 1.2), MARGIN, CONTENT_W, 3, top_gap=0.6)
        pen.y += d.gap

    def _ineligible_groups(self) -> tuple[list[_Row], list[list[_Row]]]:
        """Split the ineligible measures into table rows and one-line groups sharing a reason."""
        c, d = self.c, self.d
        by_reason: dict[str, list[_Row]] = {}
        for r in c.ineligible:
            by_reason.setdefault(r.reason, []).append(r)
        singles: list[_Row] = []
        groups: list[list[_Row]] = []
        for rows in by_reason.values():
            if d.fold_ineligible or len(rows) >= 3:
                groups.append(rows)
            else:
                singles.extend(rows)
        return singles, groups

    def _fold(self, rows: Sequence[_Row], size: float) -> None:
        """Write ineligible measures that share a reason on one line, after a grey cross."""
        pen, c = self.pen, self.c
        en = c.lang == "en"
        reason = rows[0].reason or c.w["ineligible_all"]
        if len(rows) == 1:
            text = f"{_no(rows[0].number, c.lang)} {rows[0].title}" + (f": {reason}" if en else f"：{reason}")
        elif en:
            text = f"{reason}: Nos. " + ", ".join(str(r.number) for r in rows)
        else:
            text = f"{reason}：第" + "、".join(str(r.number) for r in rows) + "条"
        text = ("Not eligible — " if en else "不符合 — ") + text
        lead = size * PT * self.d.lead
        r = size * PT * 0.4
        lines = pen.wrap([(text, "muted")], CONTENT_W - 2 * r - 1.5, size, 2)
        pen.y += 0.8
        for j, line in enumerate(lines):
            pen.room(lead)
            if j == 0:
                pen.mark(MARGIN + r + 0.6, pen.y + lead / 2, r, "ineligible")
            pen.draw_line(MARGIN + 2 * r + 2.1, pen.y + size * PT * 1.0, line, size, {"muted": MUTED})
            pen.y += lead

    def legend(self) -> None:
        """Explain the four status marks on one line."""
        pen, d, c = self.pen, self.d, self.c
        size = max(6.2, d.body - 1.2)
        h = size * PT * 1.8
        pen.room(h)
        x = MARGIN
        cy = pen.y + h / 2
        kinds: list[tuple[Kind, str]] = [
            ("eligible", c.w["legend_ok"]),
            ("alternative", c.w["legend_alt"]),
            ("needs_info", c.w["legend_need"]),
            ("ineligible", c.w["legend_no"]),
        ]
        present = {r.kind for r in c.rows} | ({"ineligible"} if c.ineligible else set())
        kinds = [(k, label) for k, label in kinds if k in present]
        r = size * PT * 0.4
        for kind, label in kinds:
            pen.mark(x + r, cy, r, kind)
            pen.text(x + 2 * r + 1.0, _baseline(pen.y, h, size), label, size, MUTED)
            x += 2 * r + 1.0 + pen.width(label, size) + 4.0
        pen.y += h

    def _paragraph(
        self,
        runs: Sequence[Run],
        size: float,
        x: float,
        width: float,
        max_lines: int | None,
        top_gap: float = 0.0,
    ) -> None:
        """Draw a wrapped paragraph at the pen."""
        pen = self.pen
        lines = pen.wrap(runs, width, size, max_lines)
        lead = size * PT * self.d.lead
        pen.y += top_gap
        for line in lines:
            pen.room(lead)
            pen.draw_line(
                x,
                pen.y + size * PT * 1.0,
                line,
                size,
                {"body": INK, "muted": MUTED, "strong": INK, "accent": GREEN},
            )
            pen.y += lead

    def items(
        self, title: str, items: Sequence[_Item], budget: float | None, more: str, bullets: bool = False
    ) -> float:
        """Draw a labelled list (documents or clauses) within a height budget; return the height used."""
        pen, d = self.pen, self.d
        if not items:
            return 0.0
        start = pen.y
        self.section_title(title)
        size = d.body
        lead = size * PT * d.lead
        label_w = max(pen.width(it.label, size) for it in items) + 3.0
        text_w = CONTENT_W - label_w - 1.0
        limit = None if budget is None else start + budget
        for n, it in enumerate(items):
            lines = self._item_lines(it, text_w, size, bullets and self.d.bullets)
            need = len(lines) * lead
            rest = len(items) - n - 1
            if limit is not None:
                # keep one line free for the pointer to /detail when more items follow
                reserve = lead if rest else 0.0
                free = limit - pen.y - reserve
                if need > free:
                    fit = int(free // lead)
                    if fit < 1:
                        self._more(more.format(n=len(items) - n), size, lead)
                        return pen.y - start
                    lines = lines[:fit]
                    indent, last = lines[-1]
                    text = "".join(t for t, _ in last)
                    lines[-1] = (indent, [(pen.fit(text + "……", text_w - indent, size), last[0][1])])
            for j, (indent, line) in enumerate(lines):
                pen.room(lead)
                base = pen.y + size * PT * 1.0
                if j == 0:
                    pen.text(MARGIN + 0.6, base, it.label, size, GREEN, "strong")
                if line and line[0][1] == "bullet":
                    pen.text(MARGIN + label_w, base, "•", size, GREEN_MID)
                    line = line[1:]
                pen.draw_line(MARGIN + label_w + indent, base, line, size, {"body": INK, "muted": MUTED})
                pen.y += lead
            if limit is not None and rest and len(lines) and pen.y + lead * 2 > limit:
                self._more(more.format(n=rest), size, lead)
                return pen.y - start
        return pen.y - start

    def _item_lines(
        self, it: _Item, width: float, size: float, bullets: bool
    ) -> list[tuple[float, list[Run]]]:
        """Wrap one list entry: one bullet per document when the page has room, else a run-on line."""
        pen = self.pen
        if not bullets:
            runs: list[Run] = [(it.sep.join(it.parts), "body")]
            if it.note:
                runs.append((it.note, "muted"))
            return [(0.0, line) for line in pen.wrap(runs, width, size, None)]
        indent = pen.width("• ", size) + 0.4
        out: list[tuple[float, list[Run]]] = []
        for part in it.parts:
            for j, line in enumerate(pen.wrap([(part, "body")], width - indent, size, None)):
                out.append((indent, [("", "bullet"), *line] if j == 0 else line))
        if it.note:
            out.extend(
                (indent, line)
                for line in pen.wrap([(it.note.strip(" —（）()"), "muted")], width - indent, size, None)
            )
        return out

    def _more(self, text: str, size: float, lead: float) -> None:
        """Say that the list goes on in the bot."""
        pen = self.pen
        pen.text(MARGIN + 0.6, pen.y + size * PT, pen.fit(text, CONTENT_W, size - 0.4), size - 0.4, MUTED)
        pen.y += lead

    def footer_height(self) -> float:
        """Return the height of the disclaimer box."""
        return self.footer(measure_only=True)

    def footer(self, measure_only: bool = False, top: float | None = None) -> float:
        """Draw the disclaimer (the bureaus' 办事指南 are final) in a box at the bottom of the page."""
        pen, c, d = self.pen, self.c, self.d
        size = max(6.8, d.body - 0.6)
        pad = 2.4
        icon = size * PT * 1.6
        lines = pen.wrap([(c.disclaimer, "body")], CONTENT_W - 2 * pad - icon - 1.5, size, None)
        lead = size * PT * 1.45
        h = 2 * pad + len(lines) * lead
        if measure_only:
            return h
        y = top if top is not None else pen.y
        pen.rect(MARGIN, y, CONTENT_W, h, fill=AMBER_SOFT, radius=1.4)
        isize = icon / 2.3 * 1.6 / PT
        if not pen.dry and pen.pdf is not None:
            pen.pdf.set_fill_color(*AMBER)
            pen.pdf.circle(MARGIN + pad + icon / 2, y + pad + lead / 2, icon / 2.3, style="F")
        pen.text(
            MARGIN + pad + icon / 2 - pen.width("i", isize) / 2,
            y + pad + lead / 2 + 0.36 * isize * PT,
            "i",
            isize,
            WHITE,
            "strong",
        )
        for j, line in enumerate(lines):
            pen.draw_line(
                MARGIN + pad + icon + 1.5, y + pad + lead * j + size * PT * 1.0, line, size, {"body": INK}
            )
        return h


def _draw(pen: _Pen, c: _Content, d: _Density, plan: _Plan | None) -> _Plan:
    """Lay the page out at one density; dry runs only measure. Return the heights found."""
    lay = _Layout(pen, c, d)
    out = _Plan()
    pen.y = MARGIN
    lay.header()
    if c.message:
        lay._paragraph([(c.message, "body")], d.body + 1, MARGIN, CONTENT_W, None)
        pen.y += d.gap
        if c.cites:  # outside the scope: the clause that says so
            lay.items(c.w["cites"], c.cites, None, c.w["more_cites"])
        lay.footer(top=max(pen.y, BOTTOM - lay.footer_height()))
        return out
    lay.summary()
    lay.table()
    out.fixed = pen.y - MARGIN
    footer_h = lay.footer_height()
    docs_budget = plan.docs_budget if plan else None
    cites_budget = plan.cites_budget if plan else None
    y0 = pen.y
    lay.items(c.w["docs"], c.docs, docs_budget, c.w["more_docs"], bullets=True)
    out.docs = pen.y - y0
    if c.docs:
        pen.y += d.gap * 0.6
        out.docs += d.gap * 0.6
    y0 = pen.y
    lay.items(c.w["cites"], c.cites, cites_budget, c.w["more_cites"])
    out.cites = pen.y - y0
    out.fixed += footer_h + d.gap
    pen.room(footer_h + d.gap)  # on a page of its own only when a second page is allowed
    lay.footer(top=max(BOTTOM - footer_h, pen.y + d.gap * 0.5))
    return out


def _choose(pen: _Pen, c: _Content) -> tuple[_Density, _Plan, bool]:
    """Pick the roomiest density whose page fits; shorten the lists, then allow a 2nd page, if none does."""
    avail = BOTTOM - MARGIN
    last = _Plan()
    for d in DENSITIES:
        pen.dry, pen.allow_break = True, False
        last = _draw(pen, c, d, None)
        if last.fixed + last.docs + last.cites <= avail:
            return d, _Plan(), False
    d = DENSITIES[-1]
    room = avail - last.fixed
    if room < MIN_FLOW:
        return d, _Plan(), True
    # Give the clause quotes at least 40% of the room when they need it, the documents the rest.
    cites = min(last.cites, max(room * 0.4, room - last.docs))
    docs = room - cites
    return d, _Plan(docs_budget=docs, cites_budget=cites), False


def render_report_pdf(payload: dict[str, Any]) -> bytes:
    """Render the attachment payload of the ``report_pdf`` reply as a PDF (one A4 page when it fits)."""
    lang = "en" if payload.get("lang") == "en" else "zh"
    report = TypeAdapter(Report).validate_python(payload.get("report") or {})
    profile = payload.get("profile") if isinstance(payload.get("profile"), dict) else {}
    assert isinstance(profile, dict)
    content = _content(report, profile, lang)

    pen = _Pen(_metrics())
    density, plan, overflow = _choose(pen, content)
    # One more dry run at the chosen density collects the characters the font subset must hold.
    pen.used.clear()
    pen.dry, pen.allow_break = True, overflow
    _draw(pen, content, density, plan)
    with tempfile.TemporaryDirectory(prefix="etownbot-pdf-") as tmp:
        font_file = Path(tmp) / "NotoSansSC-subset.ttf"
        _truetype_subset(pen.metrics.path, pen.used | set(" ?…"), font_file)
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.add_font(_FAMILY, "", str(font_file))
        pdf.set_title(f"{_WORDS[lang]['title']} {report.doc_no or ''} {report.on.isoformat()}".strip())
        pdf.set_author("亦庄绿策")
        pdf.set_creator("亦庄绿策 (etownbot)")
        pdf.set_subject(content.w["title"])
        pdf.set_lang("en" if lang == "en" else "zh-CN")
        pdf.add_page()
        pen.pdf = pdf
        pen.dry, pen.allow_break = False, overflow
        _draw(pen, content, density, plan)
        return bytes(pdf.output())


def _debug_main(argv: Iterable[str] | None = None) -> None:  # pragma: no cover - a developer's helper
    """Write the PDF of a profile file: python -m bot.pdf PROFILE.json OUT.pdf [en] [YYYY-MM-DD]."""
    import json
    import sys

    from rules.engine import evaluate
    from rules.facts import Profile
    from rules.report import report_to_json

    args = list(argv if argv is not None else sys.argv[1:])
    raw = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    lang = args[2] if len(args) > 2 else "zh"
    on = dt.date.fromisoformat(args[3]) if len(args) > 3 else dt.date.today()
    report = evaluate(Profile.model_validate(raw), on)
    data = render_report_pdf({"report": report_to_json(report), "profile": raw, "lang": lang})
    Path(args[1]).write_bytes(data)
    print(f"{args[1]}: {len(data)} bytes")


if __name__ == "__main__":  # pragma: no cover
    _debug_main()
