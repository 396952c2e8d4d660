"""`etownbot chat`: the same dialogs in a terminal, stored in the same database.

Choices are numbered; typing a number presses that button. In a multi-select, "1,3" sets the
selection to exactly those and finishes; a single number toggles one (the done number finishes).
Works with piped stdin; Ctrl-D or /quit leaves.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.markup import runs
from bot.report_file import render_report, report_text_version
from bot.service import Outcome, Service
from dialogs import Event, QuestionReply, Reply
from dialogs.live import ButtonPress
from dialogs.messages import t
from dialogs.protocol import Command, Done, unpack

log = logging.getLogger(__name__)

CHAT_KEY = "console:local"
_NUMBERS = re.compile(r"^\s*\d{1,3}(?:\s*[,，、;；\s]\s*\d{1,3})*\s*$")
_QUIT = {"/quit", "/exit", "/q", "退出"}


def _command_of(choice_id: str) -> str | None:
    """Return the command a button runs (back, skip…), None for an option."""
    action = unpack(choice_id)
    return action.name if isinstance(action, Command) else None


def _is_done(choice_id: str) -> bool:
    """Tell whether a button finishes a multi-select."""
    return isinstance(unpack(choice_id), Done)


def _numbered(question: QuestionReply) -> bool:
    """Tell whether typed numbers press this question's buttons (it offers real options)."""
    return any(_command_of(choice.id) is None for choice in question.choices)


class Console:
    """One terminal conversation."""

    def __init__(
        self, service: Service, stdin: TextIO, stdout: TextIO, *, chat_key: str = CHAT_KEY, lang: str = "zh"
    ) -> None:
        """Bind the conversation to its streams."""
        self.service = service
        self.stdin = stdin
        self.stdout = stdout
        self.chat_key = chat_key
        self.lang = lang
        self.question: QuestionReply | None = None
        self.bold = bool(getattr(stdout, "isatty", lambda: False)())

    # --- output ----------------------------------------------------------------------------------

    def write(self, text: str = "") -> None:
        """Print a line and flush (so a piped reader sees it at once)."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def styled(self, text: str) -> str:
        """Render **bold** as ANSI bold on a terminal, else drop the markers."""
        if not self.bold:
            return "".join(piece for piece, _ in runs(text))
        return "".join(f"\033[1m{piece}\033[0m" if bold else piece for piece, bold in runs(text))

    def show(self, reply: Reply) -> None:
        """Print one reply."""
        if reply.kind == "text":
            self.write(self.styled(reply.text))
            self.write()
        elif reply.kind == "question":
            if reply.text:
                self.write(self.styled(reply.text))
            if not _numbered(reply):
                # A typed-answer question: numbers are the answer, so its buttons are shown as commands.
                shown = "  ".join(f"{c.label} (/{_command_of(c.id)})" for c in reply.choices)
                if shown:
                    self.write(t("channel.console.show.3", self.lang, shown=shown))
                self.write()
                return
            for number, choice in enumerate(reply.choices, start=1):
                if reply.multi and not _is_done(choice.id) and _command_of(choice.id) is None:
                    mark = "[x] " if choice.id in reply.selected else "[ ] "
                else:
                    mark = ""
                self.write(f"  {number}. {mark}{choice.label}")
            hint = (
                t("channel.console.show.1", self.lang)
                if reply.multi
                else t("channel.console.show.2", self.lang)
            )
            self.write(hint)
            self.write()
        elif reply.kind == "attachment":
            self.write(self.styled(report_text_version(reply.payload)))
            self.write()
            report = render_report(reply.payload)
            if report.mime_type == "application/pdf":
                path = Path.cwd() / report.filename
                path.write_bytes(report.data)
                self.write(t("channel.console.show.4", self.lang, path=path))
                self.write()

    def show_outcome(self, outcome: Outcome) -> None:
        """Print every visible reply and remember the last question."""
        self.lang = outcome.lang
        for reply in outcome.visible:
            self.show(reply)
        if outcome.question is not None:
            self.question = outcome.question
        elif outcome.deleted:
            self.question = None

    # --- input -----------------------------------------------------------------------------------

    def send(self, event: Event) -> Outcome:
        """Take one step through the service."""
        return self.service.process(self.chat_key, self.chat_key, event)

    def press(self, question: QuestionReply, index: int) -> Outcome:
        """Press one button of a question through the service (checked like a Telegram press)."""
        outcome = self.service.process(
            self.chat_key, self.chat_key, Event(kind="button"), press=ButtonPress.on(question, index)
        )
        if outcome.question is not None:
            self.question = outcome.question
        return outcome

    def press_numbers(self, line: str) -> Outcome | str:
        """Turn typed numbers into button presses; return the final outcome or a complaint."""
        question = self.question
        assert question is not None
        numbers = [int(n) for n in re.findall(r"\d+", line)]
        count = len(question.choices)
        if any(not 1 <= n <= count for n in numbers):
            return t("channel.console.press_numbers.1", self.lang, count=count)
        if len(numbers) == 1:
            return self.press(question, numbers[0] - 1)
        if not question.multi:
            return t("channel.console.press_numbers.2", self.lang)
        options = [
            i for i, c in enumerate(question.choices) if not _is_done(c.id) and _command_of(c.id) is None
        ]
        done = [i for i, c in enumerate(question.choices) if _is_done(c.id)]
        if any(n - 1 not in options and n - 1 not in done for n in numbers):
            return t("channel.console.press_numbers.3", self.lang)
        wanted = {n - 1 for n in numbers if n - 1 in options}
        outcome: Outcome | None = None
        for index in options:
            # Each toggle is a press of the question as it now stands (its ticks changed).
            current = self.question or question
            ticked = current.choices[index].id in current.selected
            if (index in wanted) != ticked:
                outcome = self.press(current, index)
                if outcome.stale:
                    return outcome
        if done:
            outcome = self.press(self.question or question, done[0])
        assert outcome is not None
        return outcome

    def run(self) -> int:
        """Talk until end of input or /quit."""
        current = self.service.current(self.chat_key)
        self.lang = current.lang
        self.write(t("channel.console.run.1", self.lang))
        if current.exists and current.question is not None:
            self.write(t("channel.console.run.2", self.lang))
            self.write()
            self.question = current.question
            self.show(current.question)
        else:
            self.show_outcome(self.send(Event.from_text("/start")))
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                self.write()
                self.write(t("channel.console.run.3", self.lang))
                return 0
            text = line.strip()
            if not text:
                continue
            if text.lower() in _QUIT:
                self.write(t("channel.console.run.4", self.lang))
                return 0
            try:
                if self.question is not None and _numbered(self.question) and _NUMBERS.match(text):
                    result = self.press_numbers(text)
                    if isinstance(result, str):
                        self.write(result)
                        self.write()
                        continue
                    self.show_outcome(result)
                else:
                    self.show_outcome(self.send(Event.from_text(text)))
            except Exception as error:
                # One line on the terminal; the traceback only at debug level.
                log.error("console step failed: %s", type(error).__name__)
                log.debug("console step failed", exc_info=True)
                self.write(t("channel.console.run.5", self.lang))


def run_console(
    database_url: str,
    lang: str = "zh",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    chat_key: str = CHAT_KEY,
) -> int:
    """Open the console chat on a database; return the exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if not logging.getLogger().handlers:
        from bot.logs import setup_logging

        setup_logging("WARNING")
    try:
        service = Service(database_url, default_lang=lang)
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(t("channel.console.no_database", "zh", error=first), file=sys.stderr)
        return 1
    try:
        return Console(service, stdin, stdout, chat_key=chat_key, lang=lang).run()
    except KeyboardInterrupt:
        stdout.write("\n")
        return 130
    finally:
        service.close()
