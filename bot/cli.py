"""The ``etownbot`` command: rulebook tools, the console chat and the bot."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from dialogs.messages import t

# `etownbot run` without a token and without a terminal: a configuration error (as bad settings).
EXIT_NO_TOKEN = 2


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def _operator(key: str, **params: object) -> str:
    """Return a note for the operator (one line in both languages, the same in each catalogue)."""
    return t(key, "zh", **params)


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

    lang = _lang(args.lang)
    path = Path(args.profile)
    try:
        raw = sys.stdin.read() if args.profile == "-" else path.read_text(encoding="utf-8")
        profile = Profile.model_validate_json(raw)
    except FileNotFoundError:
        print(t("cli.file_not_found", lang, path=path), file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        print(t("cli.bad_profile", lang, path=path, problems=problems), file=sys.stderr)
        print(t("cli.see_schema", lang), file=sys.stderr)
        return 2
    try:
        on = dt.date.fromisoformat(args.on) if args.on else dt.date.today()
    except ValueError:
        print(t("cli.bad_date", lang, value=args.on), file=sys.stderr)
        return 2
    from rules.engine import unknown_measures
    from rules.loader import rulebook_for

    book = rulebook_for(on)
    if book is not None and (bad := unknown_measures(profile, book)):
        print(t("cli.no_such_measures", lang, doc_no=book.meta.doc_no, numbers=bad), file=sys.stderr)
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
    from bot.process import run
    from bot.settings import load_settings_or_exit

    settings = load_settings_or_exit()
    _preload()
    if not settings.telegram_bot_token:
        if not sys.stdin.isatty():
            # Under systemd or in a pipe nobody can type: a console there would just end at once.
            print(_operator("cli.no_token_no_terminal"), file=sys.stderr)
            return EXIT_NO_TOKEN
        where = settings.describe_database()
        print(_operator("cli.no_token_console", where=where), file=sys.stderr)
        from bot.console import run_console

        return run_console(settings.effective_database_url(), settings.bot_lang) or 0
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


def _letter_line(letter: object) -> str:
    """Describe one dead letter on one line: id, update, chat, error, attempts, when, what was sent."""
    payload = getattr(letter, "payload", {}) or {}
    body: object = next(
        (payload[k] for k in ("message", "edited_message", "callback_query") if k in payload), {}
    )
    said = (
        (body.get("text") or body.get("data") or body.get("caption") or "") if isinstance(body, dict) else ""
    )
    when = getattr(letter, "at", None)
    stamp = when.strftime("%Y-%m-%d %H:%M UTC") if isinstance(when, dt.datetime) else "?"
    return (
        f"#{getattr(letter, 'id', '?')}  update {getattr(letter, 'update_id', '?')}  "
        f"{getattr(letter, 'chat_key', None) or '-'}  {getattr(letter, 'error', '')} x{getattr(letter, 'attempts', 0)}"
        f"  {stamp}  {str(said)[:60]!r}"
    )


def _cmd_dead_letters(args: argparse.Namespace) -> int:
    """List dead letters, or replay some through the bot's handlers (needs the bot token)."""
    from storage import list_dead_letters, make_engine, make_session_factory, migrate, session_scope

    url = args.db or _settings_database_url()
    engine = make_engine(url)
    try:
        migrate(engine)
        with session_scope(make_session_factory(engine)) as session:
            letters = list_dead_letters(session=session, include_replayed=args.all_kept, limit=1000)
    finally:
        engine.dispose()
    if args.replay is None:
        if not letters:
            print(_operator("cli.no_dead_letters"))
        for letter in letters:
            print(_letter_line(letter) + ("  (replayed)" if letter.replayed_at else ""))
        return 0
    chosen = [letter for letter in letters if not letter.replayed_at]
    if args.replay != ["all"]:
        wanted = {int(item.lstrip("#")) for item in args.replay if item.lstrip("#").isdigit()}
        chosen = [letter for letter in chosen if letter.id in wanted]
        missing = wanted - {letter.id for letter in chosen}
        if missing:
            print(_operator("cli.no_such_dead_letters", ids=sorted(missing)), file=sys.stderr)
            return 2
    import asyncio

    from bot.process import replay_dead_letters
    from bot.settings import load_settings_or_exit

    settings = load_settings_or_exit()
    if not settings.telegram_bot_token:
        print(_operator("cli.replay_needs_token"), file=sys.stderr)
        return 2
    results = asyncio.run(
        replay_dead_letters(settings, url, [(letter.id, letter.payload) for letter in chosen])
    )
    for letter in chosen:
        print(("OK    " if results.get(letter.id) else "FAILED ") + _letter_line(letter))
    return 0 if all(results.values()) else 1


def _settings_database_url() -> str:
    """Return DATABASE_URL (from the environment or .env), else the default SQLite file."""
    from bot.settings import load_settings_or_exit

    return load_settings_or_exit().effective_database_url()


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(prog="etownbot", description=_operator("cli.description"))
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
    p = sub.add_parser(
        "dead-letters", parents=[common], help="list updates that kept failing, or replay them (--replay)"
    )
    p.add_argument("--db", help="database URL (default DATABASE_URL or ./etownbot.db)")
    p.add_argument("--all", dest="all_kept", action="store_true", help="list replayed ones too")
    p.add_argument(
        "--replay", nargs="+", metavar="ID", help="replay these dead letters (or 'all') through the bot"
    )
    p.set_defaults(func=_cmd_dead_letters)
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
            print(_operator("cli.rule_data_error", error=exc), file=sys.stderr)
            return 3
        if isinstance(exc, FaqDataError):
            print(_operator("cli.faq_data_error", error=exc), file=sys.stderr)
            return 3
        raise
    return code


if __name__ == "__main__":
    sys.exit(main())
