"""The button protocol: each kind of press is a small typed class with one pack and one unpack.

A button's id (`Choice.id`) is what comes back when it is pressed. It is built here and read
here only — nowhere else slices prefixes by hand. Like aiogram's ``CallbackData``: a prefix,
then the fields in order, joined by ``:``; packing checks Telegram's 64-byte limit.
The wire forms are the ones stored in conversations since the first release ("a:yes",
"t:pv", "cmd:back", "d:27:pv:more"…), so stored questions keep working.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar, Literal

# Telegram's limit for callback data; dialogs ids must fit even though channels may re-encode.
MAX_BYTES = 64


class Action:
    """A button press the dialogs understand; subclasses are frozen dataclasses of str/int fields."""

    prefix: ClassVar[str]

    def fields(self) -> list[str]:
        """Return the field values in wire order."""
        return [str(getattr(self, name)) for name in _names(type(self))]

    def pack(self) -> str:
        """Return the button id, checking the 64-byte limit."""
        values = self.fields()
        data = ":".join([self.prefix, *values]) if values else self.prefix
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def from_parts(cls, parts: list[str]) -> Action | None:
        """Build the action from the wire fields after the prefix; None when they do not fit."""
        names = [f for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        if len(parts) != len(names):
            return None
        values: list[object] = []
        for f, raw in zip(names, parts, strict=True):
            if f.type in ("int", int):
                if not raw.isdigit() or len(raw) > 4:
                    return None
                values.append(int(raw))
            else:
                values.append(raw)
        return cls(*values)


_NAMES: dict[type[Action], tuple[str, ...]] = {}


def _names(cls: type[Action]) -> tuple[str, ...]:
    """Return the field names of an action class, in wire order (looked up once per class)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    return names


@dataclass(frozen=True)
class Answer(Action):
    """An option of the current question ("a:yes", "a:core60", "a:none")."""

    prefix: ClassVar[str] = "a"
    value: str


@dataclass(frozen=True)
class PickTopic(Action):
    """Tick or untick a topic of the topics question."""

    prefix: ClassVar[str] = "t"
    topic: str


@dataclass(frozen=True)
class PickProject(Action):
    """Tick or untick a kind of project of one topic ("@sub:" questions)."""

    prefix: ClassVar[str] = "s"
    project: str


@dataclass(frozen=True)
class PickKind(Action):
    """Tick or untick a kind of entity (数据中心, 全额预算拨款单位…)."""

    prefix: ClassVar[str] = "k"
    kind: str


@dataclass(frozen=True)
class Done(Action):
    """Finish a multi-select."""

    prefix: ClassVar[str] = "done"


@dataclass(frozen=True)
class Command(Action):
    """Run a command as if typed (/back, /skip, /summary…)."""

    prefix: ClassVar[str] = "cmd"
    name: str


@dataclass(frozen=True)
class MenuItem(Action):
    """One of the start menu's buttons."""

    prefix: ClassVar[str] = "menu"
    key: Literal["screen", "ask", "contact", "lang"]


@dataclass(frozen=True)
class FaqPick(Action):
    """A suggested FAQ entry, or the answer to the offer of passing a question to staff."""

    prefix: ClassVar[str] = "faq"
    key: str

    STAFF: ClassVar[str] = "staff"
    NO: ClassVar[str] = "no"

    @property
    def is_entry(self) -> bool:
        """Tell whether the press opens a FAQ entry (not the staff offer)."""
        return self.key not in (self.STAFF, self.NO)


@dataclass(frozen=True)
class IntakeReply(Action):
    """Confirm or reject what the first message was read as."""

    prefix: ClassVar[str] = "intake"
    answer: Literal["ok", "no"]


@dataclass(frozen=True)
class OutsideZone(Action):
    """Choose the zone again after the outside-the-zone stop."""

    prefix: ClassVar[str] = "out"
    what: Literal["zone"] = "zone"


@dataclass(frozen=True)
class Detail(Action):
    """Open a measure's detail ("d:27:pv"), or the rest of it ("d:27:pv:more")."""

    prefix: ClassVar[str] = "d"
    number: int
    project: str = ""
    more: bool = False

    def fields(self) -> list[str]:
        """Return the wire fields: the number, the project, and "more" only when set."""
        return [str(self.number), self.project, *(["more"] if self.more else [])]

    @classmethod
    def from_parts(cls, parts: list[str]) -> Action | None:
        """Read "27", "27:pv" and "27:pv:more" (the project may be empty)."""
        if not 1 <= len(parts) <= 3 or not parts[0].isdigit() or len(parts[0]) > 3:
            return None
        project = parts[1] if len(parts) > 1 else ""
        return cls(int(parts[0]), project, len(parts) > 2 and parts[2] == "more")


@dataclass(frozen=True)
class ChangePick(Action):
    """Pick an answer to change, by its position in the change list."""

    prefix: ClassVar[str] = "chg"
    index: int


@dataclass(frozen=True)
class LeadStep(Action):
    """A button of the contact-details steps: consent, submit, start again."""

    prefix: ClassVar[str] = "lead"
    key: Literal["yes", "no", "ok", "edit"]


@dataclass(frozen=True)
class DeleteReply(Action):
    """Confirm or cancel deleting the user's data."""

    prefix: ClassVar[str] = "del"
    answer: Literal["yes", "no"]


_LITERALS: dict[type[Action], tuple[str, ...]] = {
    MenuItem: ("screen", "ask", "contact", "lang"),
    IntakeReply: ("ok", "no"),
    OutsideZone: ("zone",),
    LeadStep: ("yes", "no", "ok", "edit"),
    DeleteReply: ("yes", "no"),
}

ACTIONS: dict[str, type[Action]] = {
    cls.prefix: cls
    for cls in (
        Answer,
        PickTopic,
        PickProject,
        PickKind,
        Done,
        Command,
        MenuItem,
        FaqPick,
        IntakeReply,
        OutsideZone,
        Detail,
        ChangePick,
        LeadStep,
        DeleteReply,
    )
}


def unpack(data: str) -> Action | None:
    """Read a button id back into its action; None for anything the dialogs never built."""
    prefix, sep, rest = data.partition(":")
    cls = ACTIONS.get(prefix)
    if cls is None or (not sep and cls is not Done) or (sep and cls is Done):
        return None
    if cls is Done:
        return Done()
    # The last field takes the rest: FAQ ids and batch ids never contain ":" but stay safe.
    count = len(dataclasses.fields(cls))  # type: ignore[arg-type]
    parts = rest.split(":") if cls is Detail else rest.split(":", max(count - 1, 0))
    action = cls.from_parts(parts)
    if action is None:
        return None
    allowed = _LITERALS.get(cls)
    if allowed is not None and action.fields()[0] not in allowed:
        return None
    return action


def pack(action: Action) -> str:
    """Return an action's button id."""
    return action.pack()
