"""Every command in one table: its typed aliases, its help line and its place in the menus.

The dialogs read aliases and help from here; the Telegram channel builds its command menus
(`bot/tg_app.py`) from `menu_names()`; the console and the help text list the same commands. Staff
commands may be listed here too (audience "staff"): the dialogs never run them, the channel does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dialogs.messages import t


@dataclass(frozen=True)
class CommandSpec:
    """One command: the name after "/", what the user may type instead, and how it is described."""

    name: str
    aliases: tuple[str, ...] = ()
    # Listed in /help, with the line interview.help.<name> from the catalogue.
    help: bool = False
    # Named in /help by a word (interview.help_as.<name>, "“不知道”") rather than "/name".
    help_as: bool = False
    # The place in Telegram's command menu (its line is bot.menu.<name> in the catalogue); 0: not there.
    menu_rank: int = 0
    audience: Literal["user", "staff"] = "user"


# Listed in the order /help shows them.
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "start",
        help=True,
        menu_rank=1,
    ),
    CommandSpec(
        "back",
        ("返回", "上一步", "上一题", "back"),
        help=True,
        menu_rank=4,
    ),
    CommandSpec(
        "skip",
        ("跳过", "skip"),
        help=True,
        menu_rank=5,
    ),
    CommandSpec(
        "unknown",
        help=True,
        help_as=True,
    ),
    CommandSpec(
        "summary",
        ("结果", "总结", "查看结果", "汇总", "summary"),
        help=True,
        menu_rank=2,
    ),
    CommandSpec(
        "change",
        ("修改", "修改答案", "改答案", "change"),
        help=True,
        menu_rank=3,
    ),
    CommandSpec(
        "restart",
        ("重新开始", "重来", "restart"),
        help=True,
        menu_rank=9,
    ),
    CommandSpec(
        "lang",
        help=True,
        menu_rank=8,
    ),
    CommandSpec("lang_en", ("english", "英文")),
    CommandSpec("lang_zh", ("中文", "chinese")),
    CommandSpec(
        "contact",
        ("留下联系方式", "联系工作人员", "联系方式", "contact"),
        help=True,
        menu_rank=6,
    ),
    CommandSpec(
        "delete",
        ("删除我的数据", "删除数据"),
        help=True,
        menu_rank=10,
    ),
    CommandSpec(
        "cancel",
        ("取消", "cancel"),
        help=True,
        menu_rank=11,
    ),
    CommandSpec("help", ("帮助", "help"), menu_rank=12),
    CommandSpec("menu", ("菜单", "menu")),
    CommandSpec("pdf", ("报告", "pdf", "下载报告"), menu_rank=7),
    CommandSpec("detail"),
    CommandSpec("screen", ("开始", "开始测评", "测评", "测一测", "测一测能拿多少奖励")),
    CommandSpec("ask", ("问问题", "问一个政策问题", "提问")),
    # Staff commands: run by the channel (bot/staff.py, bot/desk.py), never by the dialogs.
    *(
        CommandSpec(name, menu_rank=rank, audience="staff")
        for rank, name in enumerate(
            ("leads", "export", "stats", "misses", "questions", "reply", "lead", "faq"), start=1
        )
    ),
)

COMMAND_BY_NAME: dict[str, CommandSpec] = {c.name: c for c in COMMANDS}
# Names the user may send with a slash; lang_en/lang_zh are reached by their words only.
SLASH_COMMANDS = frozenset(
    c.name for c in COMMANDS if c.audience == "user" and not c.name.startswith("lang_")
)
ALIASES: dict[str, str] = {alias: c.name for c in COMMANDS for alias in c.aliases}


def alias_of(text: str) -> str | None:
    """Return the command a typed word stands for ("返回" → back), None for other text."""
    return ALIASES.get(text.strip().lower())


def menu_names(audience: Literal["user", "staff"] = "user") -> list[str]:
    """Return the commands of a channel's command menu, in menu order."""
    listed = sorted(
        (c for c in COMMANDS if c.menu_rank and c.audience == audience), key=lambda c: c.menu_rank
    )
    return [c.name for c in listed]


def help_lines(lang: str) -> list[str]:
    """Return the /help line of each command, in table order."""
    lines = []
    for c in COMMANDS:
        if not c.help:
            continue
        head = t(f"interview.help_as.{c.name}", lang) if c.help_as else f"/{c.name}"
        lines.append(f"{head} {t(f'interview.help.{c.name}', lang)}")
    return lines
