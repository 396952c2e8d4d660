"""Run the fake Bot API standalone: `python -m tests.fakebotapi --port 8081 --token TOKEN`.

Point the bot at it with base_url http://127.0.0.1:8081/bot and base_file_url
http://127.0.0.1:8081/file/bot, then type lines to send them as a user (see HELP).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .models import FakeTelegramError, SentMessage
from .server import DEFAULT_TOKEN, FakeTelegram

HELP = """Type text to send it as the user (a line starting with / is a command).
  :chat ID               switch the chat (and user) you talk as (default 1001)
  :press MSG_ID DATA     press the inline button with callback_data DATA on message MSG_ID
  :click MSG_ID LABEL    press the inline button labelled LABEL
  :sticker               send a sticker
  :messages              show the chat so far
  :calls                 show the bot's API calls
  :quit                  stop
HTTP: POST /_test/send {chat_id, text}; POST /_test/press {chat_id, message_id, callback_data};
      GET /_test/messages?chat_id=ID; GET /_test/calls[?method=NAME]"""


def _show(message: SentMessage) -> str:
    """Render a message as one readable block."""
    who = "bot" if message.from_bot else "you"
    edited = " (edited)" if message.edit_date else ""
    deleted = " (deleted)" if message.deleted else ""
    lines = [f"[chat {message.chat_id} #{message.message_id} {who}{edited}{deleted}] {message.content}"]
    if message.document is not None:
        lines.append(f"  document: {message.document.filename} ({message.document.size} bytes)")
    if message.photo is not None:
        lines.append(f"  photo: {message.photo.width}x{message.photo.height}")
    for row in message.inline_keyboard:
        lines.append(
            "  " + " | ".join(f"[{b.get('text')}] -> {b.get('callback_data', b.get('url'))}" for b in row)
        )
    if message.reply_keyboard:
        lines.append("  keyboard: " + " / ".join(" | ".join(row) for row in message.reply_keyboard))
    return "\n".join(lines)


async def _echo_bot_messages(fake: FakeTelegram) -> None:
    """Print every bot message as it is sent or edited."""
    seen = fake.mark()
    while True:

        def moved(last: int = seen) -> bool | None:
            return True if fake.mark() > last else None

        with contextlib.suppress(FakeTelegramError):
            await fake._wait(moved, 3600, "a bot message", lambda: "")
        changed = [
            m
            for chat_id in list(fake._chats)
            for m in fake.messages(chat_id, include_deleted=True)
            if m.from_bot and m.seq > seen
        ]
        seen = fake.mark()
        for message in sorted(changed, key=lambda m: m.seq):
            print(_show(message), flush=True)


async def _repl(fake: FakeTelegram, chat_id: int, stop: asyncio.Event) -> None:
    """Read stdin lines and act as the user."""
    loop = asyncio.get_running_loop()
    print(HELP, flush=True)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return  # stdin closed: keep serving over HTTP
        line = line.strip()
        if not line:
            continue
        try:
            if line.startswith(":"):
                command, _, rest = line[1:].partition(" ")
                if command == "quit":
                    stop.set()
                    return
                if command == "chat":
                    chat_id = int(rest)
                elif command == "press":
                    message_id, _, data = rest.partition(" ")
                    fake.user_presses_button(chat_id, int(message_id), data)
                elif command == "click":
                    message_id, _, label = rest.partition(" ")
                    fake.user_presses_button_with_text(chat_id, int(message_id), label)
                elif command == "sticker":
                    fake.user_sends_sticker(chat_id)
                elif command == "messages":
                    for message in fake.messages(chat_id):
                        print(_show(message))
                elif command == "calls":
                    for call in fake.calls[-30:]:
                        print(f"{call.method} -> {call.status} {call.description or ''}")
                else:
                    print(HELP)
            else:
                fake.user_sends_text(chat_id, line)
        except (FakeTelegramError, ValueError) as error:
            print(f"! {error}", flush=True)


async def _main(args: argparse.Namespace) -> None:
    """Serve until interrupted."""
    fake = FakeTelegram(args.token or [DEFAULT_TOKEN], host=args.host, port=args.port)
    await fake.start()
    print(
        f"fake Bot API on {fake.base_url}<token>/<method>; files on {fake.base_file_url}<token>/<path>",
        flush=True,
    )
    print(f"tokens: {', '.join(fake.tokens)}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(_echo_bot_messages(fake))]
    if not args.no_repl:
        tasks.append(asyncio.create_task(_repl(fake, args.chat_id, stop)))
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the server."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakebotapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", help="a valid bot token (repeatable)")
    parser.add_argument("--chat-id", type=int, default=1001, help="the chat the REPL talks in")
    parser.add_argument("--no-repl", action="store_true", help="serve HTTP only, ignore stdin")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
