"""The ``etownbot`` command: rulebook tools, the console chat and the bot."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from pydantic import ValidationError


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def _cmd_measures(args: argparse.Namespace) -> int:
    from dialogs.render import measures_list

    print(measures_list(_lang(args.lang)))
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from dialogs.render import explain_measure

    print(explain_measure(args.number, _lang(args.lang)).replace("**", ""))
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from rules.facts import profile_json_schema
    from rules.report import report_json_schema

    print(
        json.dumps(
            report_json_schema() if args.report else profile_json_schema(), ensure_ascii=False, indent=2
        )
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from dialogs.render import report_text
    from rules.engine import evaluate
    from rules.facts import Profile
    from rules.report import report_to_json

    en = args.lang == "en"
    path = Path(args.profile)
    try:
        raw = sys.stdin.read() if args.profile == "-" else path.read_text(encoding="utf-8")
        profile = Profile.model_validate_json(raw)
    except FileNotFoundError:
        print(f"File not found: {path}" if en else f"找不到文件：{path}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        print(
            (f"{path} is not a valid profile: " if en else f"{path} 不是有效的企业档案：") + problems,
            file=sys.stderr,
        )
        print(
            "See `etownbot schema` for the format." if en else "格式见 `etownbot schema`。", file=sys.stderr
        )
        return 2
    try:
        on = dt.date.fromisoformat(args.on) if args.on else dt.date.today()
    except ValueError:
        print(
            f"Not a date (YYYY-MM-DD): {args.on}" if en else f"日期格式应为 YYYY-MM-DD：{args.on}",
            file=sys.stderr,
        )
        return 2
    from rules.engine import unknown_measures
    from rules.loader import rulebook_for

    book = rulebook_for(on)
    if book is not None and (bad := unknown_measures(profile, book)):
        print(
            (
                f"No such measure(s) in {book.meta.doc_no}: {bad}"
                if en
                else f"{book.meta.doc_no} 没有这些条目：{bad}"
            ),
            file=sys.stderr,
        )
        return 2
    report = evaluate(profile, on)
    if args.json:
        print(json.dumps(report_to_json(report), ensure_ascii=False, indent=2))
    else:
        print(report_text(report, _lang(args.lang)).replace("**", ""))
    return 0


def _preload() -> None:
    """Load and check all rule and FAQ data now, so a broken file stops start-up, not a chat."""
    from dialogs.faq import load_faq
    from rules.loader import DATA_DIR, load_catalog, load_rulebooks

    load_rulebooks(DATA_DIR)  # the cache entry rulebook_for uses (without the argument: parsed twice)
    load_catalog()
    load_faq()


def _cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_console
    from storage import default_database_url

    _preload()
    return run_console(args.db or default_database_url(), _lang(args.lang)) or 0


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run
    from bot.settings import load_settings_or_exit

    settings = load_settings_or_exit()
    _preload()
    if not settings.telegram_bot_token:
        print(
            "未设置 TELEGRAM_BOT_TOKEN：现在打开控制台对话（SQLite）。/ No TELEGRAM_BOT_TOKEN set: opening the console chat on SQLite.",
            file=sys.stderr,
        )
        from bot.console import run_console
        from storage import default_database_url

        return run_console(settings.database_url or default_database_url(), settings.bot_lang) or 0
    run(settings)
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    from storage import (
        default_database_url,
        make_engine,
        make_session_factory,
        migrate,
        months_before,
        purge_expired,
        session_scope,
    )

    url = args.db or default_database_url()
    migrate(url)
    # Consent promises 12 months (dialogs.engine consent text): calendar months, to the day.
    before = months_before(dt.datetime.now(dt.UTC), args.months)
    with session_scope(make_session_factory(make_engine(url))) as session:
        counts = purge_expired(before, session=session)
    print(", ".join(f"{name}: {n}" for name, n in counts.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(prog="etownbot", description="亦庄绿策 — 京技管发〔2025〕11号 assistant")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="output language")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS, help="output language")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("measures", parents=[common], help="list all 40 measures").set_defaults(func=_cmd_measures)
    p = sub.add_parser("explain", parents=[common], help="explain one measure")
    p.add_argument("number", type=int)
    p.set_defaults(func=_cmd_explain)
    p = sub.add_parser("evaluate", parents=[common], help="evaluate a profile JSON file ('-' for stdin)")
    p.add_argument("profile")
    p.add_argument("--on", help="evaluation date YYYY-MM-DD (default today)")
    p.add_argument("--json", action="store_true", help="print the Report as JSON")
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("schema", parents=[common], help="print the JSON Schema of a profile")
    p.add_argument("--report", action="store_true", help="print the Report's schema instead")
    p.set_defaults(func=_cmd_schema)
    p = sub.add_parser("chat", parents=[common], help="talk to the assistant in this terminal")
    p.add_argument("--db", help="database URL (default DATABASE_URL or ./etownbot.db)")
    p.set_defaults(func=_cmd_chat)
    p = sub.add_parser(
        "purge", parents=[common], help="erase data not touched for the retention period (run daily)"
    )
    p.add_argument(
        "--months", type=int, default=12, help="retention in months (default 12, as promised at consent)"
    )
    p.add_argument("--db", help="database URL (default DATABASE_URL or ./etownbot.db)")
    p.set_defaults(func=_cmd_purge)
    sub.add_parser("run", help="run the Telegram bot (console chat when no token is set)").set_defaults(
        func=_cmd_run
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a rule or FAQ data error: one clear line, no traceback
        from dialogs.faq import FaqDataError
        from rules.loader import RuleDataError

        if isinstance(exc, RuleDataError):
            print(f"规则数据有误 / Rule data error: {exc}", file=sys.stderr)
            return 3
        if isinstance(exc, FaqDataError):
            print(f"FAQ数据有误 / FAQ data error: {exc}", file=sys.stderr)
            return 3
        raise
    return code


if __name__ == "__main__":
    sys.exit(main())
