"""Named policy cases (OpenFisca style), checked against ``rules.engine.evaluate``.

Every ``tests/policy/cases/*.yaml`` file holds either a plain list of cases or a mapping::

    defaults:                       # optional, merged under every case of the file
      on: 2026-01-01                # evaluation date (default 2026-01-01)
      enterprise: {zone: core60, major_penalty_3y: false}   # under each case's enterprise
      facts: {three_simultaneous: false, gov_funded: false}  # under each project's facts
    cases:
      - name: 27 光伏 自投 500千瓦 得40万
        on: 2026-01-01              # optional
        input:                      # a rules.facts.Profile
          enterprise: {zone: newtown225}
          projects:
            - {id: pv, measures: [27], facts: {pv_capacity_kw: 500, pv_role: self_invested}}
        output:
          total_yuan: 400000        # optional
          in_force: true            # optional
          rows:                     # only the listed keys are checked
            - {measure: 27, project: pv, status: eligible, amount_yuan: 400000, payout: [400000]}

Merging is shallow and per key: a case's own value wins, and an explicit ``null`` makes a
defaulted fact unknown again.  YAML anchors and merge keys (``<<: *base``) work as usual.

A row is matched by ``measure`` and ``project``; without ``project`` it is the single row of
that measure for the projects that name it (or the enterprise-level row when none does).
Row keys: measure, project, status, amount_yuan, upper_bound_yuan, counted, alternative_to,
payout (the tranche amounts, in order), missing_includes (fact refs that must be among the
row's missing facts), near_miss_contains (a substring of some near-miss text, zh or en),
pending_yuan (worth once the pending steps are taken), unlock_contains (a substring of a pending
step), reasons_contains / reasons_exclude (a substring of some / no reason), notes_contains (a
substring of a measure or condition note), documents_contains (a substring of a document).
Output keys besides rows: total_yuan, total_after_pending_yuan, in_force, message_contains (zh),
missing_excludes (fact refs the report must not ask).
Amounts are whole yuan, rounded down, derived from the policy text and its reading
conventions (../shared/policy/README.md), never copied from the rule data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.engine import evaluate
from rules.facts import Profile
from rules.report import MeasureResult, Report

CASES_DIR = Path(__file__).parent / "cases"


class _CaseLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only, so that the ``on:`` key stays a string."""


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CaseLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

DEFAULT_ON = dt.date(2026, 1, 1)
INFORMATIONAL = {5, 6, 8, 30, 33}
ROW_KEYS = {
    "measure",
    "project",
    "status",
    "amount_yuan",
    "upper_bound_yuan",
    "counted",
    "alternative_to",
    "payout",
    "missing_includes",
    "near_miss_contains",
    "pending_yuan",
    "unlock_contains",
    "reasons_contains",
    "reasons_exclude",
    "notes_contains",
    "documents_contains",
}
CASE_KEYS = {"name", "on", "input", "output", "note"}
OUTPUT_KEYS = {
    "total_yuan",
    "total_after_pending_yuan",
    "in_force",
    "message_contains",
    "rows",
    "missing_excludes",
}


@dataclass(frozen=True)
class Case:
    """One named case, with the defaults of its file already merged in."""

    file: str
    index: int
    name: str
    on: dt.date
    profile: dict[str, Any]
    output: dict[str, Any]

    @property
    def id(self) -> str:
        """Return a short ASCII test id."""
        measures = sorted({r.get("measure", 0) for r in self.output.get("rows", [])})
        tag = "m" + "-".join(str(m) for m in measures) if measures else "all"
        return f"{self.file}:{self.index:03d}:{tag}"


def _merge_profile(raw: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    enterprise = {**(defaults.get("enterprise") or {}), **(raw.get("enterprise") or {})}
    projects = []
    for p in raw.get("projects") or []:
        facts = {**(defaults.get("facts") or {}), **(p.get("facts") or {})}
        projects.append({**p, "facts": facts})
    return {"enterprise": enterprise, "projects": projects}


def _check_shape(file: str, raw: Any) -> None:
    name = raw.get("name") if isinstance(raw, dict) else None
    where = f"{file}: case {name!r}"
    if not isinstance(raw, dict) or not isinstance(name, str):
        raise ValueError(f"{file}: every case needs a name: {raw!r}")
    if unknown := set(raw) - CASE_KEYS:
        raise ValueError(f"{where}: unknown case key(s) {sorted(unknown)}")
    output = raw.get("output") or {}
    if unknown := set(output) - OUTPUT_KEYS:
        raise ValueError(f"{where}: unknown output key(s) {sorted(unknown)}")
    for row in output.get("rows") or []:
        if unknown := set(row) - ROW_KEYS:
            raise ValueError(f"{where}: unknown row key(s) {sorted(unknown)}")
        if "measure" not in row:
            raise ValueError(f"{where}: a row needs a measure: {row!r}")


def load_cases(folder: Path = CASES_DIR) -> list[Case]:
    """Read every case file, merging each file's defaults into its cases."""
    cases: list[Case] = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CaseLoader)
        defaults: dict[str, Any] = {}
        if isinstance(data, dict):
            defaults = data.get("defaults") or {}
            data = data.get("cases") or []
        for i, raw in enumerate(data):
            _check_shape(path.name, raw)
            on = raw.get("on", defaults.get("on", DEFAULT_ON))
            cases.append(
                Case(
                    file=path.stem,
                    index=i,
                    name=raw["name"],
                    on=on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)),
                    profile=_merge_profile(raw.get("input") or {}, defaults),
                    output=raw.get("output") or {},
                )
            )
    return cases


CASES = load_cases()


def _find_row(report: Report, case: Case, spec: dict[str, Any]) -> MeasureResult | str:
    number = spec["measure"]
    rows = report.rows(number)
    if "project" in spec:
        rows = [r for r in rows if r.project_id == spec["project"]]
    else:
        claimed = [r for r in rows if r.project_id is not None]
        rows = claimed or rows
    if len(rows) != 1:
        found = [(r.number, r.project_id) for r in report.rows(number)]
        return f"expected exactly one row for {spec!r}, found {len(rows)} among {found}"
    return rows[0]


def _explain(row: MeasureResult) -> str:
    lines = [
        f"    actual: status={row.status} amount={row.amount_yuan} upper={row.upper_bound_yuan} "
        f"counted={row.counted} alternative_to={row.alternative_to} chosen={row.chosen_award}",
    ]
    for g in row.gates:
        if g.outcome != "met":
            lines.append(f"    gate {g.outcome}: {g.text.zh} [{g.clause}] missing={list(g.missing)}")
    for a in row.awards:
        formula = a.formula.zh if a.formula else "—"
        lines.append(
            f"    award {a.id} ({a.label.zh}): {a.status} amount={a.amount_yuan} "
            f"upper={a.upper_bound_yuan} payout={[p.amount_yuan for p in a.payout]}"
        )
        lines.append(f"      formula: {formula}")
        for c in a.conditions:
            if c.outcome != "met":
                lines.append(f"      condition {c.outcome}: {c.text.zh} [{c.clause}]")
    if row.reasons:
        lines.append("    reasons: " + "；".join(r.zh for r in row.reasons))
    if row.missing:
        lines.append(f"    missing: {list(row.missing)}")
    if row.near_miss:
        lines.append("    near miss: " + "；".join(n.zh for n in row.near_miss))
    return "\n".join(lines)


def _payout(row: MeasureResult) -> list[int | None]:
    award = next((a for a in row.awards if a.id == row.chosen_award), None)
    if award is None:
        eligible = [a for a in row.awards if a.status == "eligible"]
        if len(eligible) == 1:
            award = eligible[0]
        elif eligible:
            # combine: sum — several awards each paid on their own schedule.
            return [p.amount_yuan for a in eligible for p in a.payout]
        else:
            return []
    return [p.amount_yuan for p in award.payout]


def _check_row(row: MeasureResult, spec: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("status", "amount_yuan", "upper_bound_yuan", "counted", "alternative_to", "pending_yuan"):
        if key in spec and getattr(row, key) != spec[key]:
            problems.append(f"{key}: expected {spec[key]!r}, got {getattr(row, key)!r}")
    if "payout" in spec and _payout(row) != spec["payout"]:
        problems.append(f"payout: expected {spec['payout']!r}, got {_payout(row)!r}")
    if "missing_includes" in spec:
        absent = [ref for ref in spec["missing_includes"] if ref not in row.missing]
        if absent:
            problems.append(f"missing: expected to include {absent}, got {list(row.missing)}")
    texts = {
        "unlock_contains": [u.step for u in row.unlock],
        "reasons_contains": list(row.reasons),
        "notes_contains": [*row.notes, *row.condition_notes],
        "documents_contains": list(row.documents),
    }
    for key, shown in texts.items():
        if key in spec:
            needle = spec[key]
            if not any(needle in t.zh or needle in t.en for t in shown):
                problems.append(
                    f"{key}: expected some text containing {needle!r}, got {[t.zh for t in shown]}"
                )
    if "reasons_exclude" in spec:
        needle = spec["reasons_exclude"]
        if any(needle in t.zh or needle in t.en for t in row.reasons):
            problems.append(
                f"reasons: expected none containing {needle!r}, got {[t.zh for t in row.reasons]}"
            )
    if "near_miss_contains" in spec:
        needle = spec["near_miss_contains"]
        if not any(needle in n.zh or needle in n.en for n in row.near_miss):
            shown = [n.zh for n in row.near_miss]
            problems.append(f"near_miss: expected some text containing {needle!r}, got {shown}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    """The engine gives the status and amounts the policy text gives."""
    report = evaluate(Profile.model_validate(case.profile), on=case.on)
    problems: list[str] = []
    out = case.output
    if "in_force" in out and report.in_force != out["in_force"]:
        problems.append(f"  in_force: expected {out['in_force']!r}, got {report.in_force!r}")
    if "message_contains" in out and (
        report.message is None or out["message_contains"] not in report.message.zh
    ):
        problems.append(
            f"  message: expected it to contain {out['message_contains']!r}, got {report.message!r}"
        )
    if (
        "total_after_pending_yuan" in out
        and report.total_after_pending_yuan != out["total_after_pending_yuan"]
    ):
        problems.append(
            f"  total_after_pending_yuan: expected {out['total_after_pending_yuan']!r}, got {report.total_after_pending_yuan!r}"
        )
    if "missing_excludes" in out:
        asked = [(m.ref, m.project_id) for m in report.missing]
        bad = [ref for ref in out["missing_excludes"] if any(ref == a for a, _ in asked)]
        if bad:
            problems.append(f"  missing: expected {bad} not to be asked, asked {asked}")
    if "total_yuan" in out and report.total_yuan != out["total_yuan"]:
        counted = [(r.number, r.project_id, r.amount_yuan) for r in report.counted()]
        problems.append(
            f"  total_yuan: expected {out['total_yuan']!r}, got {report.total_yuan!r} (counted rows: {counted})"
        )
    for spec in out.get("rows") or []:
        row = _find_row(report, case, spec)
        if isinstance(row, str):
            problems.append(f"  row {spec!r}: {row}")
            continue
        row_problems = _check_row(row, spec)
        if row_problems:
            problems.append(f"  row measure {spec['measure']} project {row.project_id}:")
            problems.extend(f"    {p}" for p in row_problems)
            problems.append(_explain(row))
    if problems:
        pytest.fail(
            f"case {case.name!r} ({case.file}.yaml, on {case.on}):\n" + "\n".join(problems), pytrace=False
        )


def test_case_names_are_unique() -> None:
    """Every case can be found by its name."""
    counts = Counter(c.name for c in CASES)
    assert not [n for n, k in counts.items() if k > 1], "repeated case names"


def test_suite_covers_every_money_measure() -> None:
    """At least three cases per money measure and 110 in all, so a wrong amount cannot hide."""
    per_measure: Counter[int] = Counter()
    for case in CASES:
        for m in {r["measure"] for r in case.output.get("rows") or []}:
            per_measure[m] += 1
    thin = {m: per_measure[m] for m in range(1, 41) if m not in INFORMATIONAL and per_measure[m] < 3}
    assert not thin, f"money measures with fewer than three cases: {thin}"
    assert len(CASES) >= 110
