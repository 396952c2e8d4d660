"""Load and validate the rule data shipped in ``rules/data``."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from rules.facts import Enterprise, ProjectFacts
from rules.schema import Chapter7, Measure, Rulebook, Text
from rules.texts import fill

# Staff can try edited rule data without touching the installed package.
DATA_DIR = Path(os.environ.get("ETOWNBOT_RULES_DIR") or Path(__file__).parent / "data")

Unit = Literal["yuan", "kw", "kwh", "m2", "ha", "ratio", "count", "months", "bool", "choice"]


class RuleDataError(Exception):
    """A rule file is missing, malformed or inconsistent."""

    def __init__(self, path: Path | str, message: str, measure: int | None = None) -> None:
        where = str(path)
        if measure is not None:
            zh, en = fill("loader.measure", measure=measure)
            where += f" ({zh} / {en})"
        super().__init__(f"{where}: {message}")


class FactInfo(BaseModel):
    """How a fact is named, asked and measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Text
    ask: Text
    unit: Unit
    help: Text | None = None
    options: dict[str, Text] | None = None


@dataclass(frozen=True)
class LoadedRulebook:
    """One policy version with everything that belongs to it."""

    meta: Rulebook
    chapter7: Chapter7
    measures: dict[int, Measure]
    policy_text: str
    folder: Path

    def in_force(self, on: dt.date) -> bool:
        """Say whether this version applies on a date."""
        end = self.meta.effective_to
        return self.meta.effective_from <= on and (end is None or on < end)


def _format_validation(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


# libyaml's safe loader: the same documents (checked on every rule file) at a sixth of the pure
# Python parser's CPU, which was most of `etownbot evaluate`'s run (docs/performance.md, Start-up).
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise RuleDataError(path, "file not found") from exc
    except yaml.YAMLError as exc:
        raise RuleDataError(path, f"not valid YAML: {exc}") from exc


def load_measure(path: Path) -> Measure:
    """Load one measure file, naming the file, measure and field on any error."""
    raw = _read_yaml(path)
    number = raw.get("number") if isinstance(raw, dict) else None
    try:
        return Measure.model_validate(raw)
    except ValidationError as exc:
        raise RuleDataError(
            path, _format_validation(exc), number if isinstance(number, int) else None
        ) from exc


def load_rulebook_dir(folder: Path) -> LoadedRulebook:
    """Load one policy version from its folder."""
    meta_path = folder / "rulebook.yaml"
    try:
        meta = Rulebook.model_validate(_read_yaml(meta_path))
    except ValidationError as exc:
        raise RuleDataError(meta_path, _format_validation(exc)) from exc
    ch7_path = folder / "chapter7.yaml"
    try:
        chapter7 = Chapter7.model_validate(_read_yaml(ch7_path))
    except ValidationError as exc:
        raise RuleDataError(ch7_path, _format_validation(exc)) from exc
    measures: dict[int, Measure] = {}
    for path in sorted((folder / "measures").glob("*.yaml")):
        measure = load_measure(path)
        expected_name = f"m{measure.number:02d}.yaml"
        if path.name != expected_name:
            raise RuleDataError(path, f"file of measure {measure.number} must be named {expected_name}")
        if measure.number in measures:
            raise RuleDataError(path, "measure defined twice", measure.number)
        unknown = set(measure.exclusions) - {e.id for e in chapter7.exclusions}
        if unknown:
            raise RuleDataError(path, f"exclusions: unknown id(s) {sorted(unknown)}", measure.number)
        if measure.scope not in chapter7.scopes:
            raise RuleDataError(path, f"scope: unknown {measure.scope!r}", measure.number)
        measures[measure.number] = measure
    missing = set(range(1, meta.expected_measures + 1)) - set(measures)
    if missing:
        raise RuleDataError(folder / "measures", f"measures missing: {sorted(missing)}")
    policy_path = folder / meta.source_file
    try:
        policy_text = policy_path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RuleDataError(policy_path, "policy text not found") from exc
    return LoadedRulebook(meta, chapter7, dict(sorted(measures.items())), policy_text, folder)


@functools.cache
def load_rulebooks(root: Path = DATA_DIR) -> tuple[LoadedRulebook, ...]:
    """Load every policy version, oldest first."""
    books = [load_rulebook_dir(p.parent) for p in sorted(root.glob("*/rulebook.yaml"))]
    if not books:
        raise RuleDataError(root, "no rulebook found")
    return tuple(sorted(books, key=lambda b: b.meta.effective_from))


def rulebook_for(on: dt.date, root: Path = DATA_DIR) -> LoadedRulebook | None:
    """Return the version in force on a date: the latest that has started and not ended."""
    candidates = [b for b in load_rulebooks(root) if b.in_force(on)]
    return candidates[-1] if candidates else None


def latest_rulebook(root: Path = DATA_DIR) -> LoadedRulebook:
    """Return the most recent version."""
    return load_rulebooks(root)[-1]


def _literal_options(annotation: Any) -> set[str] | None:
    for arg in typing.get_args(annotation) or (annotation,):
        if typing.get_origin(arg) is Literal:
            return {str(v) for v in typing.get_args(arg)}
        if isinstance(arg, type) and issubclass(arg, str) and hasattr(arg, "__members__"):
            return {str(m.value) for m in arg.__members__.values()}
    return None


@functools.cache
def load_catalog(path: Path = DATA_DIR / "facts.yaml") -> dict[str, FactInfo]:
    """Load the fact catalog and check it covers exactly the fact model."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise RuleDataError(path, "expected a mapping of fact references")
    catalog: dict[str, FactInfo] = {}
    for ref, body in raw.items():
        try:
            catalog[ref] = FactInfo.model_validate(body)
        except ValidationError as exc:
            raise RuleDataError(path, f"{ref}: {_format_validation(exc)}") from exc
    fields = {f"enterprise.{n}": f for n, f in Enterprise.model_fields.items()}
    fields |= {f"project.{n}": f for n, f in ProjectFacts.model_fields.items()}
    if missing := sorted(set(fields) - set(catalog)):
        raise RuleDataError(path, f"facts without an entry: {missing}")
    if extra := sorted(set(catalog) - set(fields)):
        raise RuleDataError(path, f"entries for unknown facts: {extra}")
    for ref, info in catalog.items():
        options = _literal_options(fields[ref].annotation)
        if options is not None and set(info.options or {}) != options:
            raise RuleDataError(path, f"{ref}: options must be exactly {sorted(options)}")
    return catalog


_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Remove all whitespace, as the policy file breaks lines mid-sentence."""
    return _WS.sub("", text)
