"""A fake Telegram Bot API server (aiohttp) plus the "user side" API that tests drive it with."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import mimetypes
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp import web

from .entities import EntityParseError, Parsed, detect_user_entities, parse_formatted, strip_text
from .models import (
    ApiError,
    BotCall,
    CallbackAnswer,
    CallbackQueryRecord,
    FakeTelegramError,
    JSONDict,
    PendingUpdate,
    SentFile,
    SentMessage,
    WebhookConfig,
    WebhookDelivery,
    bad_request,
)

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application, ApplicationBuilder

_T = TypeVar("_T")

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
DEFAULT_USER_NAME = "测试用户"
DEFAULT_LANGUAGE = "zh-hans"
DEFAULT_GROUP_USER_ID = 10_001

# Limits from the Bot API documentation.
MAX_TEXT_LENGTH = 4096  # counted in characters after entity parsing (measured: scalars, not UTF-16 units)
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_INLINE_BUTTONS = 100

# Update types delivered when allowed_updates was never set (or set to []), per the Bot API docs.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_URL_RE = re.compile(r"^(https?|tg)://[^\s]+$", re.IGNORECASE)
_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2}$")
_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
# A 1x1 white PNG, the default picture for user_sends_photo.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8ffff3f00"
    "05fe02fe0def46b80000000049454e44ae426082"
)


class _Default:
    """Marker type for "use the configured value" arguments."""


DEFAULT = _Default()


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Bot API call parameters from a JSON body, a form, a multipart body or the query string."""

    def __init__(
        self, values: JSONDict, uploads: dict[str, Upload], client_alive: Callable[[], bool] = lambda: True
    ) -> None:
        """Wrap decoded values and uploaded file parts; client_alive tells if the caller still listens."""
        self.values = values
        self.uploads = uploads
        self.client_alive = client_alive

    def raw(self, name: str) -> Any:
        """Return the value as sent, or None."""
        return self.values.get(name)

    def has(self, name: str) -> bool:
        """Return whether a non-empty value was sent."""
        return self.values.get(name) not in (None, "") or name in self.uploads

    def get_str(self, name: str) -> str | None:
        """Return the value as a string, or None."""
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def get_int(self, name: str) -> int | None:
        """Return the value as an integer, or None; a non-integer is a Bad Request."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        """Return the value as a number, or None."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        """Return the value as a boolean (absent is False)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str, what: str | None = None) -> Any:
        """Return a JSON-serialized value decoded (forms carry JSON as strings)."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value


@dataclass
class ChatState:
    """Everything the server knows about one chat."""

    chat: JSONDict
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)
    blocked: bool = False
    mark: int = 0

    @property
    def id(self) -> int:
        """Return the chat id."""
        return int(self.chat["id"])


Handler = Callable[[Params], Awaitable[Any]]


def _now() -> int:
    """Return the current time as Telegram sends it: UNIX seconds."""
    return int(time.time())


def _update_type(payload: JSONDict) -> str | None:
    """Return the kind of an update (its one field besides update_id), if any."""
    for key in payload:
        if key != "update_id":
            return key
    return None


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of an image Telegram could process, or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return int(image.width), int(image.height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


class FakeTelegram:
    """A fake Bot API on 127.0.0.1 and the test-side handle to act as users and inspect the bot."""

    def __init__(
        self,
        tokens: str | Sequence[str] = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "亦庄绿策",
        bot_username: str = "etown_policy_test_bot",
        first_update_id: int = 1,
        callback_query_ttl: float | None = None,
        require_https_webhook: bool = False,
        webhook_retry_delay: float = 0.2,
    ) -> None:
        """Configure the server; every token in tokens is accepted and addresses the same bot."""
        self.tokens: list[str] = [tokens] if isinstance(tokens, str) else list(tokens)
        if not self.tokens:
            raise ValueError("at least one token is required")
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        bot_id = (
            int(self.tokens[0].split(":", 1)[0]) if self.tokens[0].split(":", 1)[0].isdigit() else 123456789
        )
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.callback_query_ttl = callback_query_ttl
        self.require_https_webhook = require_https_webhook
        self.webhook_retry_delay = webhook_retry_delay

        self.calls: list[BotCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.files: dict[str, SentFile] = {}
        self.webhook = WebhookConfig()
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.bot_settings: dict[str, JSONDict] = {}

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, JSONDict] = {}
        self._updates: list[PendingUpdate] = []
        self._next_update_id = first_update_id
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._callback_queries: dict[str, CallbackQueryRecord] = {}
        self._injected_errors: dict[str, list[ApiError]] = {}
        self._ids = itertools.count(1)
        self._seq = 0
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._methods: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._send_chat_action,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "deleteMessages": self._delete_messages,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getFile": self._get_file,
                "getChat": self._get_chat,
                "setMyDescription": self._record_setting("setMyDescription"),
                "setMyShortDescription": self._record_setting("setMyShortDescription"),
                "setMyName": self._record_setting("setMyName"),
                "setChatMenuButton": self._record_setting("setChatMenuButton"),
                "setMyDefaultAdministratorRights": self._record_setting("setMyDefaultAdministratorRights"),
            }.items()
        }

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving on host:port (port 0 picks a free one)."""
        self._closing = False
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_test/send", self._handle_test_send)
        app.router.add_post("/_test/press", self._handle_test_press)
        app.router.add_get("/_test/messages", self._handle_test_messages)
        app.router.add_get("/_test/calls", self._handle_test_calls)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        address = self._runner.addresses[0]
        self._port = int(address[1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self._closing = True
        self._notify()
        await self._stop_pusher()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        """Start the server for an `async with` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server at the end of an `async with` block."""
        await self.stop()

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        if self._port is None:
            raise FakeTelegramError("FakeTelegram is not started")
        return self._port

    @property
    def url(self) -> str:
        """Return the server root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the value for ApplicationBuilder().base_url(...)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ApplicationBuilder().base_file_url(...)."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        """Return the first valid token."""
        return self.tokens[0]

    @property
    def bot_id(self) -> int:
        """Return the bot's user id."""
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        """Return the bot's username."""
        return str(self.bot_user["username"])

    # --- python-telegram-bot helpers -------------------------------------------------------------

    def application_builder(
        self, token: str | None = None
    ) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """Return an ApplicationBuilder pointed at this server (token defaults to the first one)."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(token or self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    def make_bot(self, token: str | None = None) -> Bot:
        """Return a telegram.Bot pointed at this server (use it with `async with`)."""
        from telegram import Bot

        return Bot(token or self.token, base_url=self.base_url, base_file_url=self.base_file_url)

    @contextlib.asynccontextmanager
    async def running(
        self, application: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 1
    ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
        """Run application with long polling against this server for the block, then shut it down."""
        from telegram import Update

        await application.initialize()
        await application.start()
        assert application.updater is not None, "build the Application with an Updater"
        await application.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        try:
            yield application
        finally:
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()

    # --- user side: acting as Telegram users -----------------------------------------------------

    def set_user(
        self,
        user_id: int,
        *,
        first_name: str = DEFAULT_USER_NAME,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = DEFAULT_LANGUAGE,
    ) -> JSONDict:
        """Define (or redefine) a user's profile; later actions by user_id use it."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def add_chat(self, chat_id: int, *, title: str | None = None, first_name: str | None = None) -> None:
        """Make a chat known before any user writes in it (a private chat, group or supergroup)."""
        if chat_id in self._chats:
            return
        if chat_id > 0:
            user = self._user(chat_id, first_name, None)
            self._chat_for_user(chat_id, user)
        else:
            chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
            self._chats[chat_id] = ChatState(
                {"id": chat_id, "type": chat_type, "title": title or f"测试群 {chat_id}"}
            )

    def user_sends_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Deliver a user's text message (with bot_command entities, as Telegram adds); return update_id."""
        if not text.strip():
            raise FakeTelegramError("Telegram clients cannot send an empty message")
        entities = detect_user_entities(text)
        return self._user_message(
            chat_id,
            user_id,
            first_name,
            language_code,
            text=text,
            entities=entities,
            reply_to_message_id=reply_to_message_id,
        )

    def user_sends_command(
        self,
        chat_id: int,
        command: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Deliver a command such as "/start payload" (bot_command entity at offset 0); return update_id."""
        if not command.startswith("/"):
            command = "/" + command
        entities = detect_user_entities(command)
        if not entities or entities[0]["offset"] != 0:
            raise FakeTelegramError(f"{command!r} is not a valid bot command")
        return self.user_sends_text(
            chat_id, command, user_id=user_id, first_name=first_name, language_code=language_code
        )

    def user_sends_sticker(
        self,
        chat_id: int,
        emoji: str = "👍",
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Deliver a sticker message; return update_id."""
        n = next(self._ids)
        sticker: JSONDict = {
            "file_id": f"CAACAgIAAxkBfake{n:06d}",
            "file_unique_id": f"AgADsticker{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "FakeStickers",
        }
        return self._user_message(chat_id, user_id, first_name, language_code, sticker=sticker)

    def user_sends_photo(
        self,
        chat_id: int,
        data: bytes = TINY_PNG,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Deliver a photo (downloadable by the bot via getFile); return update_id."""
        size = _image_size(data)
        if size is None:
            raise FakeTelegramError("user_sends_photo needs image bytes (PNG, JPEG, ...)")
        photo = self._store_file(data, "photos", None, "image/jpeg", size)
        return self._user_message(chat_id, user_id, first_name, language_code, photo=photo, caption=caption)

    def user_sends_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Deliver a document (downloadable by the bot via getFile); return update_id."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        document = self._store_file(data, "documents", filename, mime, None)
        return self._user_message(
            chat_id, user_id, first_name, language_code, document=document, caption=caption
        )

    def user_sends_message(
        self,
        chat_id: int,
        fields: JSONDict,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Deliver a message with arbitrary extra Message fields (contact, location, ...); return update_id."""
        return self._user_message(chat_id, user_id, first_name, language_code, extra=dict(fields))

    def user_edits_message(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        user_id: int | None = None,
    ) -> int:
        """Edit one of the user's own text messages (an edited_message update); return update_id."""
        message = self._existing_message(chat_id, message_id)
        if message.from_bot:
            raise FakeTelegramError(f"message {message_id} in chat {chat_id} was sent by the bot, not a user")
        if user_id is not None and message.sender["id"] != user_id:
            raise FakeTelegramError(f"message {message_id} was sent by user {message.sender['id']}")
        if message.text is None:
            raise FakeTelegramError(f"message {message_id} has no text to edit")
        message.history.append(message.text)
        message.text = text
        message.raw_text = text
        message.entities = detect_user_entities(text)
        message.edit_date = _now()
        chat = self._chats[chat_id]
        chat.mark = self._seq
        return self._enqueue({"edited_message": message.to_api()})

    def user_presses_button(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> str:
        """Press an inline button of a bot message (it must exist there); return callback_query_id."""
        message = self._existing_message(chat_id, message_id)
        if not message.from_bot:
            raise FakeTelegramError(f"message {message_id} in chat {chat_id} was not sent by the bot")
        if callback_data not in message.callback_data:
            raise FakeTelegramError(
                f"message {message_id} in chat {chat_id} has no button with callback_data {callback_data!r}; "
                f"it has {message.callback_data} (labels {message.button_texts})"
            )
        chat = self._chats[chat_id]
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID)
        user = self._user(uid, first_name, language_code)
        query_id = f"{uid % 10**6:06d}{next(self._ids):012d}"
        self._callback_queries[query_id] = CallbackQueryRecord(
            id=query_id,
            chat_id=chat_id,
            message_id=message_id,
            data=callback_data,
            user_id=uid,
            created=time.monotonic(),
        )
        chat.blocked = False
        chat.mark = self._seq
        self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": self._message_api(message),
                    "chat_instance": f"{abs(chat_id) * 7919 % 10**18 + 10**17}",
                    "data": callback_data,
                }
            }
        )
        return query_id

    def user_presses_button_with_text(
        self,
        chat_id: int,
        message_id: int,
        label: str,
        *,
        user_id: int | None = None,
    ) -> str:
        """Press the inline callback button labelled label; return callback_query_id."""
        button = self._existing_message(chat_id, message_id).button(label)
        if "callback_data" not in button:
            raise FakeTelegramError(f"button {label!r} has no callback_data: {button}")
        return self.user_presses_button(chat_id, message_id, str(button["callback_data"]), user_id=user_id)

    def user_blocks_bot(self, chat_id: int) -> int:
        """Block the bot in a private chat (later sends get 403); return the my_chat_member update_id."""
        return self._set_blocked(chat_id, blocked=True)

    def user_unblocks_bot(self, chat_id: int) -> int:
        """Unblock the bot in a private chat; return the my_chat_member update_id."""
        return self._set_blocked(chat_id, blocked=False)

    def inject_raw_update(self, update: JSONDict) -> int:
        """Queue an update exactly as given (a missing update_id is assigned); an old id is re-delivered.

        Raw updates skip the allowed_updates filter. One that python-telegram-bot cannot parse
        (e.g. a message without chat or date) makes its Updater re-fetch it in a tight loop and
        Updater.stop() raise, exactly as it would with Telegram: use parseable oddities instead.
        """
        payload = dict(update)
        if "update_id" not in payload:
            payload = {"update_id": self._next_update_id, **payload}
        update_id = int(payload["update_id"])
        forced = update_id < self._next_update_id
        if not forced:
            self._next_update_id = update_id + 1
        self._updates.append(PendingUpdate(update_id, payload, forced=forced, raw=True))
        self._notify()
        return update_id

    def inject_error(
        self,
        method: str,
        error_code: int = 400,
        description: str = "Bad Request: injected error",
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of method fail (429 with retry_after, 403, 500, ...)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        errors = self._injected_errors.setdefault(method.lower(), [])
        errors.extend(ApiError(error_code, description, parameters) for _ in range(times))

    # --- user side: inspecting what the bot did --------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Return every message in the chat (user's and bot's) in message_id order."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m for _, m in sorted(chat.messages.items()) if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Return the bot's messages in the chat as they are now (after edits), oldest first."""
        return [m for m in self.messages(chat_id, include_deleted=include_deleted) if m.from_bot]

    def last_bot_message(self, chat_id: int) -> SentMessage:
        """Return the bot's newest (not deleted) message in the chat."""
        sent = self.bot_messages(chat_id)
        if not sent:
            raise FakeTelegramError(f"the bot has sent nothing (left) in chat {chat_id}")
        return sent[-1]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Return one message (deleted ones too)."""
        return self._existing_message(chat_id, message_id, allow_deleted=True)

    def mark(self) -> int:
        """Return the current point in time, to pass as `since=` to the wait_for_bot_message* methods."""
        return self._seq

    def calls_to(self, method: str) -> list[BotCall]:
        """Return the logged calls of one Bot API method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands_for(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Return the commands set for a BotCommandScope dict (default scope) and language."""
        return list(self.commands.get((_scope_key(scope or {"type": "default"}), language_code), []))

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Return the updates not yet confirmed by the bot."""
        return [u.payload for u in self._updates]

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int | None = None,
    ) -> SentMessage:
        """Wait for a bot message in the chat sent or edited after `since` (default: the last user action)."""
        messages = await self.wait_for_bot_messages(chat_id, 1, predicate, timeout, since=since)
        return messages[0]

    async def wait_for_bot_messages(
        self,
        chat_id: int,
        count: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int | None = None,
    ) -> list[SentMessage]:
        """Wait until `count` bot messages in the chat were sent or edited after `since`."""

        def ready() -> list[SentMessage] | None:
            chat = self._chats.get(chat_id)
            start = since if since is not None else (chat.mark if chat else 0)
            fresh = sorted((m for m in self.bot_messages(chat_id) if m.seq > start), key=lambda m: m.seq)
            matching = [m for m in fresh if predicate is None or predicate(m)]
            return matching[:count] if len(matching) >= count else None

        def describe() -> str:
            shown = [
                f"#{m.message_id}: {m.content[:200]!r} buttons={m.button_texts}"
                for m in self.bot_messages(chat_id)
            ]
            errors = [f"{c.method}: {c.description}" for c in self.calls if not c.ok][-5:]
            return f"bot messages in chat {chat_id}: {shown}; recent failed calls: {errors}"

        return await self._wait(ready, timeout, f"{count} bot message(s) in chat {chat_id}", describe)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[BotCall], bool] | None = None,
        timeout: float = 5.0,
        *,
        start: int = 0,
    ) -> BotCall:
        """Wait for a logged call of method (from index `start` of `calls`) matching predicate."""

        def ready() -> BotCall | None:
            for call in self.calls[start:]:
                if call.method.lower() == method.lower() and (predicate is None or predicate(call)):
                    return call
            return None

        return await self._wait(
            ready, timeout, f"a {method} call", lambda: f"calls: {[c.method for c in self.calls]}"
        )

    async def wait_for_callback_answer(self, callback_query_id: str, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answers the callback query."""

        def ready() -> CallbackAnswer | None:
            for answer in self.callback_answers:
                if answer.callback_query_id == callback_query_id:
                    return answer
            return None

        return await self._wait(
            ready, timeout, f"an answer to callback query {callback_query_id}", lambda: ""
        )

    async def wait_until_delivered(self, update_id: int, timeout: float = 5.0) -> None:
        """Wait until the bot has confirmed (or been handed via webhook) the update."""

        def ready() -> bool | None:
            return True if all(u.update_id != update_id for u in self._updates) else None

        await self._wait(
            ready, timeout, f"delivery of update {update_id}", lambda: f"pending: {self.pending_updates}"
        )

    async def deliver_via_webhook(
        self,
        update: JSONDict,
        *,
        secret_token: str | _Default | None = DEFAULT,
        url: str | None = None,
    ) -> int:
        """POST an update to the webhook now; secret_token None omits the header, a str falsifies it."""
        payload = dict(update)
        if "update_id" not in payload:
            payload["update_id"] = self._next_update_id
            self._next_update_id += 1
        target = url or self.webhook.url
        if not target:
            raise FakeTelegramError("no webhook is set (the bot has not called setWebhook)")
        secret = self.webhook.secret_token if isinstance(secret_token, _Default) else secret_token
        return await self._post_webhook(target, payload, secret)

    # --- internals: state helpers ----------------------------------------------------------------

    def _notify(self) -> None:
        """Wake every waiter (long polls, wait_for_*); they re-check state."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _touch(self, message: SentMessage) -> None:
        """Record that message changed now."""
        self._seq += 1
        message.seq = self._seq
        self._notify()

    async def _wait(
        self, ready: Callable[[], _T | None], timeout: float, what: str, describe: Callable[[], str]
    ) -> _T:
        """Wait until ready() returns non-None; raise FakeTelegramError after timeout seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = ready()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise FakeTelegramError(f"timed out after {timeout}s waiting for {what}; {describe()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _user(self, user_id: int, first_name: str | None, language_code: str | None) -> JSONDict:
        """Return the profile of user_id, creating or updating it."""
        user = self._users.get(user_id)
        if user is None:
            user = self.set_user(user_id, first_name=first_name or DEFAULT_USER_NAME)
        if first_name is not None:
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _chat_for_user(self, chat_id: int, user: JSONDict) -> ChatState:
        """Return the chat, creating a private chat or group on first contact."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                info: JSONDict = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                for key in ("last_name", "username"):
                    if key in user:
                        info[key] = user[key]
                chat = ChatState(info)
                self._chats[chat_id] = chat
            else:
                self.add_chat(chat_id)
                chat = self._chats[chat_id]
        return chat

    def _existing_message(self, chat_id: int, message_id: int, *, allow_deleted: bool = False) -> SentMessage:
        """Return a stored message or raise FakeTelegramError."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise FakeTelegramError(f"chat {chat_id} is unknown")
        message = chat.messages.get(message_id)
        if message is None or (message.deleted and not allow_deleted):
            raise FakeTelegramError(f"chat {chat_id} has no message {message_id}")
        return message

    def _user_message(
        self,
        chat_id: int,
        user_id: int | None,
        first_name: str | None,
        language_code: str | None,
        *,
        text: str | None = None,
        entities: list[JSONDict] | None = None,
        caption: str | None = None,
        document: SentFile | None = None,
        photo: SentFile | None = None,
        sticker: JSONDict | None = None,
        extra: JSONDict | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Store a user's message and queue the update carrying it; return update_id."""
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID)
        user = self._user(uid, first_name, language_code)
        chat = self._chat_for_user(chat_id, user)
        chat.blocked = False  # writing to a bot unblocks it, as pressing "Restart" does
        if reply_to_message_id is not None:
            self._existing_message(chat_id, reply_to_message_id)
        message = SentMessage(
            chat_id=chat_id,
            message_id=chat.next_message_id,
            from_bot=False,
            date=_now(),
            sender=user,
            chat=chat.chat,
            text=text,
            raw_text=text,
            caption=caption,
            raw_caption=caption,
            entities=list(entities or []),
            document=document,
            photo=photo,
            sticker=sticker,
            extra=extra or {},
            reply_to_message_id=reply_to_message_id,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        chat.mark = self._seq
        return self._enqueue({"message": self._message_api(message)})

    def _message_api(self, message: SentMessage) -> JSONDict:
        """Return the Bot API Message dict, including the message it replies to."""
        replied = None
        if message.reply_to_message_id is not None:
            replied = self._chats[message.chat_id].messages.get(message.reply_to_message_id)
        return message.to_api(replied=replied)

    def _enqueue(self, payload: JSONDict) -> int:
        """Queue an update with the next update_id; return that id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append(PendingUpdate(update_id, {"update_id": update_id, **payload}))
        self._notify()
        return update_id

    def _set_blocked(self, chat_id: int, *, blocked: bool) -> int:
        """Flip the block state of a private chat and queue my_chat_member."""
        if chat_id <= 0:
            raise FakeTelegramError("only private chats can block a bot")
        user = self._user(chat_id, None, None)
        chat = self._chat_for_user(chat_id, user)
        chat.blocked = blocked
        bot_member = {"user": self.bot_user, "status": "member"}
        banned = {"user": self.bot_user, "status": "kicked", "until_date": 0}
        old, new = (bot_member, banned) if blocked else (banned, bot_member)
        return self._enqueue(
            {
                "my_chat_member": {
                    "chat": chat.chat,
                    "from": user,
                    "date": _now(),
                    "old_chat_member": old,
                    "new_chat_member": new,
                }
            }
        )

    def _store_file(
        self,
        data: bytes,
        folder: str,
        filename: str | None,
        mime_type: str | None,
        size: tuple[int, int] | None,
    ) -> SentFile:
        """Keep file bytes under a new file_id and file_path."""
        n = next(self._ids)
        suffix = ""
        if filename and "." in filename:
            suffix = filename[filename.rindex(".") :]
        elif folder == "photos":
            suffix = ".jpg"
        stored = SentFile(
            file_id=f"{'AgAC' if folder == 'photos' else 'BQAC'}AgUAAxkBfake{n:08d}",
            file_unique_id=f"AgADfake{n:08d}",
            file_path=f"{folder}/file_{n}{suffix}",
            data=data,
            filename=filename,
            mime_type=mime_type,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )
        self.files[stored.file_id] = stored
        return stored

    # --- internals: HTTP -------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> Params:
        """Decode query string plus a JSON, urlencoded or multipart body."""
        values: JSONDict = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON request body") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON request body must be an object")
                values.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = Upload(value.filename, value.content_type, value.file.read())
                    elif isinstance(value, bytes | bytearray):
                        values[key] = bytes(value).decode("utf-8", "replace")
                    else:
                        values[key] = value

        def client_alive() -> bool:
            transport = request.transport
            return transport is not None and not transport.is_closing()

        return Params(values, uploads, client_alive)

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Serve /bot<token>/<method>."""
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = Params({}, {})
        try:
            if token not in self.tokens:
                raise ApiError(401, "Unauthorized")
            params = await self._read_params(request)
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, f"Not Found: method {method} is not implemented by the fake Bot API")
            injected = self._injected_errors.get(method.lower())
            if injected:
                raise injected.pop(0)
            result = await handler(params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.error_code, error.payload()
        self.calls.append(
            BotCall(
                method=method,
                params={k: v for k, v in params.values.items()},
                files={k: u.filename or "" for k, u in params.uploads.items()},
                status=status,
                response=body,
                at=time.time(),
            )
        )
        self._notify()
        return web.json_response(body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve /file/bot<token>/<file_path> (what File.download_* fetches)."""
        if request.match_info["token"] not in self.tokens:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle_test_send(self, request: web.Request) -> web.Response:
        """POST /_test/send {chat_id, text, user_id?, first_name?}: a user sends text."""
        try:
            body = await request.json()
            update_id = self.user_sends_text(
                int(body["chat_id"]),
                str(body["text"]),
                user_id=body.get("user_id"),
                first_name=body.get("first_name"),
            )
        except (ValueError, KeyError, TypeError, FakeTelegramError) as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"update_id": update_id})

    async def _handle_test_press(self, request: web.Request) -> web.Response:
        """POST /_test/press {chat_id, message_id, callback_data}: a user presses a button."""
        try:
            body = await request.json()
            query_id = self.user_presses_button(
                int(body["chat_id"]), int(body["message_id"]), str(body["callback_data"])
            )
        except (ValueError, KeyError, TypeError, FakeTelegramError) as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"callback_query_id": query_id})

    async def _handle_test_messages(self, request: web.Request) -> web.Response:
        """GET /_test/messages?chat_id=: the chat's messages, Bot API shaped, plus what the bot sent."""
        try:
            chat_id = int(request.query["chat_id"])
        except (KeyError, ValueError):
            return web.json_response({"error": "chat_id query parameter required"}, status=400)
        rows = [
            {
                **self._message_api(m),
                "_from_bot": m.from_bot,
                "_raw_text": m.raw_text if m.raw_text is not None else m.raw_caption,
                "_parse_mode": m.parse_mode,
                "_reply_markup": m.reply_markup,
            }
            for m in self.messages(chat_id)
        ]
        return web.json_response(rows, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

    async def _handle_test_calls(self, request: web.Request) -> web.Response:
        """GET /_test/calls[?method=]: the call log."""
        method = request.query.get("method")
        rows = [
            {
                "method": c.method,
                "params": c.params,
                "files": c.files,
                "status": c.status,
                "response": c.response,
            }
            for c in self.calls
            if method is None or c.method.lower() == method.lower()
        ]
        return web.json_response(rows, dumps=lambda obj: json.dumps(obj, ensure_ascii=False, default=str))

    # --- internals: webhook ----------------------------------------------------------------------

    async def _post_webhook(self, url: str, payload: JSONDict, secret: str | None) -> int:
        """POST one update to url as Telegram does; return the HTTP status (0 if unreachable)."""
        if self._session is None:
            raise FakeTelegramError("FakeTelegram is not started")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            async with self._session.post(
                url, data=json.dumps(payload, ensure_ascii=False).encode(), headers=headers
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            status = 0
            self.webhook.last_error_message = f"Connection failed: {error}"
            self.webhook.last_error_date = _now()
        else:
            if not 200 <= status < 300:
                self.webhook.last_error_message = f"Wrong response from the webhook: {status}"
                self.webhook.last_error_date = _now()
        self.webhook_deliveries.append(
            WebhookDelivery(int(payload.get("update_id", 0)), status, secret, time.time())
        )
        self._notify()
        return status

    async def _push_webhook_updates(self) -> None:
        """Deliver queued updates to the webhook one by one, retrying failures (as Telegram does)."""
        while self.webhook.url and not self._closing:
            changed = self._changed
            batch = self._take_batch(1)
            if not batch:
                await changed.wait()
                continue
            payload = batch[0]
            status = await self._post_webhook(self.webhook.url, payload, self.webhook.secret_token)
            if 200 <= status < 300:
                self._updates = [u for u in self._updates if u.payload is not payload]
                self._notify()
            else:
                await asyncio.sleep(self.webhook_retry_delay)

    async def _stop_pusher(self) -> None:
        """Stop webhook delivery."""
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None

    # --- internals: update queue -----------------------------------------------------------------

    def _allowed(self) -> frozenset[str] | None:
        """Return the allowed update types (None: the default set)."""
        chosen = self.webhook.allowed_updates if self.webhook.url else self._allowed_updates
        return frozenset(chosen) if chosen else None

    def _take_batch(self, limit: int) -> list[JSONDict]:
        """Drop updates of types the bot does not want and return up to limit to deliver."""
        allowed = self._allowed()
        kept: list[PendingUpdate] = []
        for pending in self._updates:
            kind = _update_type(pending.payload)
            unwanted = kind not in allowed if allowed else kind in _NOT_DEFAULT_UPDATES
            if kind is not None and unwanted and not pending.raw:
                continue
            kept.append(pending)
        self._updates = kept
        # Re-deliveries go first so the bot's next offset confirms everything in the batch.
        ordered = [u for u in kept if u.forced] + [u for u in kept if not u.forced]
        batch = ordered[:limit]
        for pending in batch:
            pending.forced = False
        return [pending.payload for pending in batch]

    def _confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by offset (ids below it; a negative offset keeps the last -offset)."""
        if not offset:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u.update_id >= offset or u.forced]
        self._notify()

    # --- internals: shared validation ------------------------------------------------------------

    def _chat_for_bot(self, params: Params) -> ChatState:
        """Return the chat a bot call addresses, or raise Telegram's error."""
        raw = params.raw("chat_id")
        if raw in (None, ""):
            raise bad_request("chat_id is empty")
        chat: ChatState | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self._chats.values() if c.chat.get("username") == raw[1:]), None)
        else:
            try:
                chat = self._chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _bot_message(self, params: Params, *, action: str) -> SentMessage:
        """Return the bot's message addressed by chat_id + message_id for an edit."""
        chat = self._chat_for_bot(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(f"message to {action} not found")
        if not message.from_bot:
            raise bad_request(f"message can't be {action}ed")
        return message

    def _format(self, params: Params, text_key: str, entities_key: str) -> Parsed | None:
        """Parse text or caption with parse_mode (or explicit entities) and trim it, as Telegram does."""
        raw = params.get_str(text_key)
        if raw is None:
            return None
        explicit = params.get_json(entities_key)
        parse_mode = params.get_str("parse_mode")
        if explicit is not None:
            if not isinstance(explicit, list) or not all(
                isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in explicit
            ):
                raise bad_request("can't parse entities JSON object")
            parsed = Parsed(raw, [dict(e) for e in explicit])
        else:
            try:
                parsed = parse_formatted(raw, parse_mode)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
            except ValueError:
                raise bad_request("unsupported parse_mode") from None
        return strip_text(parsed)

    def _text(self, params: Params) -> tuple[str, Parsed]:
        """Return (raw text, parsed text) for sendMessage/editMessageText."""
        parsed = self._format(params, "text", "entities")
        if parsed is None or not parsed.text:
            raise bad_request("message text is empty")
        if len(parsed.text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return params.get_str("text") or "", parsed

    def _caption(self, params: Params) -> Parsed | None:
        """Return the parsed caption, or None."""
        parsed = self._format(params, "caption", "caption_entities")
        if parsed is not None and len(parsed.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return parsed if parsed is not None and parsed.text else None

    def _reply_markup(self, params: Params, *, inline_only: bool = False) -> JSONDict | None:
        """Validate reply_markup as Telegram does and return it decoded."""
        markup = params.get_json("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _validate_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request("can't parse reply keyboard markup JSON object")
            for row in rows:
                for button in row:
                    label = (
                        button
                        if isinstance(button, str)
                        else button.get("text")
                        if isinstance(button, dict)
                        else None
                    )
                    if not isinstance(label, str) or not label:
                        raise bad_request("can't parse keyboard button: Text must be non-empty")
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _reply_to(self, params: Params, chat: ChatState) -> int | None:
        """Return the message id the bot replies to, checking that it exists."""
        reply_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
        reply_parameters = params.get_json("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_id = int(reply_parameters.get("message_id", 0)) or None
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply", allow_missing))
        if reply_id is None:
            return None
        target = chat.messages.get(reply_id)
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return reply_id

    def _input_file(self, params: Params, name: str) -> tuple[SentFile | None, Upload | None]:
        """Resolve a file parameter: an upload, attach://, or a known file_id."""
        upload = params.uploads.get(name)
        if upload is not None:
            return None, upload
        value = params.get_str(name)
        if not value:
            raise bad_request(f"there is no {name} in the request")
        if value.startswith("attach://"):
            upload = params.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"there is no {name} in the request")
            return None, upload
        if value in self.files:
            return self.files[value], None
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _new_bot_message(self, chat: ChatState, params: Params, **fields: Any) -> SentMessage:
        """Store a message the bot sent and return it."""
        message = SentMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=True,
            date=_now(),
            sender=self.bot_user,
            chat=chat.chat,
            params=dict(params.values),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self._touch(message)
        return message

    # --- Bot API methods -------------------------------------------------------------------------

    async def _true(self, params: Params) -> bool:
        """Methods that just succeed (logOut, close)."""
        return True

    def _record_setting(self, method: str) -> Handler:
        """Return a handler that stores the call's parameters and succeeds."""

        async def handler(params: Params) -> bool:
            self.bot_settings[method] = dict(params.values)
            return True

        return handler

    async def _get_me(self, params: Params) -> JSONDict:
        """getMe."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[JSONDict]:
        """getUpdates with offset confirmation, limit and long polling."""
        if self.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_float("timeout") or 0.0, 0.0)
        if params.has("allowed_updates"):
            allowed = params.get_json("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed] or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._confirm(offset)
        self._notify()  # an older long poll still waiting must now end with 409, as Telegram does
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            if not params.client_alive():
                return []  # the bot gave up on this poll (e.g. Updater.stop): hand nothing to nobody
            batch = self._take_batch(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def _set_webhook(self, params: Params) -> bool:
        """setWebhook: record url and secret token, start pushing updates."""
        url = params.get_str("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: invalid webhook URL specified")
        if self.require_https_webhook and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.match(secret):
            raise bad_request("bad webhook: Secret token contains unallowed characters")
        allowed = params.get_json("allowed_updates")
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        self.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=params.get_int("max_connections") or 40,
            ip_address=params.get_str("ip_address"),
            allowed_updates=[str(kind) for kind in allowed] if isinstance(allowed, list) else None,
        )
        await self._stop_pusher()
        self._pusher = asyncio.create_task(self._push_webhook_updates(), name="fakebotapi-webhook-pusher")
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        """deleteWebhook: switch back to getUpdates."""
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        self.webhook = WebhookConfig()
        await self._stop_pusher()
        return True

    async def _get_webhook_info(self, params: Params) -> JSONDict:
        """getWebhookInfo."""
        info: JSONDict = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def _send_message(self, params: Params) -> JSONDict:
        """sendMessage."""
        chat = self._chat_for_bot(params)
        raw, parsed = self._text(params)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        message = self._new_bot_message(
            chat,
            params,
            text=parsed.text,
            raw_text=raw,
            parse_mode=params.get_str("parse_mode"),
            entities=parsed.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self._message_api(message)

    async def _send_media(self, params: Params, kind: str) -> JSONDict:
        """sendDocument / sendPhoto."""
        chat = self._chat_for_bot(params)
        stored, upload = self._input_file(params, kind)
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            if len(upload.data) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            size = None
            mime = upload.content_type
            if kind == "photo":
                size = _image_size(upload.data)
                if size is None:
                    raise bad_request("IMAGE_PROCESS_FAILED")
                mime = "image/jpeg"
            elif not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename or "")[0] or "application/octet-stream"
            stored = self._store_file(
                upload.data, "photos" if kind == "photo" else "documents", upload.filename, mime, size
            )
        assert stored is not None
        caption = self._caption(params)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        message = self._new_bot_message(
            chat,
            params,
            caption=caption.text if caption else None,
            raw_caption=params.get_str("caption"),
            parse_mode=params.get_str("parse_mode"),
            entities=caption.entities if caption else [],
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **({"photo": stored} if kind == "photo" else {"document": stored}),
        )
        return self._message_api(message)

    async def _send_document(self, params: Params) -> JSONDict:
        """sendDocument."""
        return await self._send_media(params, "document")

    async def _send_photo(self, params: Params) -> JSONDict:
        """sendPhoto."""
        return await self._send_media(params, "photo")

    async def _send_chat_action(self, params: Params) -> bool:
        """sendChatAction."""
        chat = self._chat_for_bot(params)
        action = params.get_str("action") or ""
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.id, action))
        return True

    async def _edit_message_text(self, params: Params) -> JSONDict | bool:
        """editMessageText: the edited Message, or True for inline messages."""
        if params.has("inline_message_id"):
            self._text(params)
            self._reply_markup(params, inline_only=True)
            return True
        message = self._bot_message(params, action="edit")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        raw, parsed = self._text(params)
        markup = self._edited_markup(message, self._reply_markup(params, inline_only=True))
        if (
            parsed.text == message.text
            and parsed.entities == message.entities
            and markup == message.reply_markup
        ):
            raise bad_request(_NOT_MODIFIED)
        message.history.append(message.raw_text)
        message.text, message.raw_text, message.entities = parsed.text, raw, parsed.entities
        message.parse_mode = params.get_str("parse_mode")
        message.reply_markup = markup
        message.edit_date = _now()
        self._touch(message)
        return self._message_api(message)

    async def _edit_message_caption(self, params: Params) -> JSONDict | bool:
        """editMessageCaption."""
        if params.has("inline_message_id"):
            self._caption(params)
            return True
        message = self._bot_message(params, action="edit")
        if message.document is None and message.photo is None:
            raise bad_request("there is no caption in the message to edit")
        caption = self._caption(params)
        markup = self._edited_markup(message, self._reply_markup(params, inline_only=True))
        new_text = caption.text if caption else None
        new_entities = caption.entities if caption else []
        if (
            new_text == message.caption
            and new_entities == message.entities
            and markup == message.reply_markup
        ):
            raise bad_request(_NOT_MODIFIED)
        message.history.append(message.raw_caption)
        message.caption, message.raw_caption, message.entities = (
            new_text,
            params.get_str("caption"),
            new_entities,
        )
        message.parse_mode = params.get_str("parse_mode")
        message.reply_markup = markup
        message.edit_date = _now()
        self._touch(message)
        return self._message_api(message)

    async def _edit_message_reply_markup(self, params: Params) -> JSONDict | bool:
        """editMessageReplyMarkup (no reply_markup removes the inline keyboard)."""
        if params.has("inline_message_id"):
            self._reply_markup(params, inline_only=True)
            return True
        message = self._bot_message(params, action="edit")
        markup = self._edited_markup(message, self._reply_markup(params, inline_only=True))
        if markup == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        message.edit_date = _now()
        self._touch(message)
        return self._message_api(message)

    @staticmethod
    def _edited_markup(message: SentMessage, new: JSONDict | None) -> JSONDict | None:
        """Return the markup after an edit: an omitted inline keyboard is removed (Telegram behaviour)."""
        if new is not None:
            return new
        if message.reply_markup is not None and "inline_keyboard" not in message.reply_markup:
            return message.reply_markup  # a reply keyboard lives on the client; edits do not touch it
        return None

    async def _delete_message(self, params: Params) -> bool:
        """deleteMessage."""
        chat = self._chat_for_bot(params)
        message_id = params.get_int("message_id")
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._touch(message)
        return True

    async def _delete_messages(self, params: Params) -> bool:
        """deleteMessages (missing ones are skipped, as Telegram does)."""
        chat = self._chat_for_bot(params)
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not ids or len(ids) > 100:
            raise bad_request("message_ids must be a list of 1-100 message identifiers")
        for message_id in ids:
            message = chat.messages.get(int(message_id))
            if message is not None and not message.deleted:
                message.deleted = True
                self._touch(message)
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        """answerCallbackQuery: each query can be answered once, in time."""
        query_id = params.get_str("callback_query_id") or ""
        record = self._callback_queries.get(query_id)
        expired = (
            record is not None
            and self.callback_query_ttl is not None
            and time.monotonic() - record.created > self.callback_query_ttl
        )
        if record is None or record.answered or expired:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=params.get_bool("show_alert"),
                url=params.get_str("url"),
                cache_time=params.get_int("cache_time"),
            )
        )
        return True

    def _commands_key(self, params: Params) -> tuple[str, str]:
        """Return the (scope, language_code) key of a *MyCommands call."""
        scope = params.get_json("scope", "BotCommandScope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        language = params.get_str("language_code") or ""
        if language and not _LANGUAGE_CODE_RE.match(language):
            # Only two-letter ISO 639-1 codes are accepted here, unlike User.language_code ("zh-hans").
            raise bad_request("invalid language code specified")
        return _scope_key(scope), language

    async def _set_my_commands(self, params: Params) -> bool:
        """setMyCommands."""
        commands = params.get_json("commands", "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        checked: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse commands JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_NAME_RE.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": name, "description": description})
        key = self._commands_key(params)
        if checked:
            self.commands[key] = checked
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> list[JSONDict]:
        """getMyCommands (exact scope and language, no fallback)."""
        return list(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: Params) -> bool:
        """deleteMyCommands."""
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_file(self, params: Params) -> JSONDict:
        """getFile."""
        stored = self.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def _get_chat(self, params: Params) -> JSONDict:
        """getChat (ChatFullInfo with the fields python-telegram-bot requires)."""
        chat = self._chat_for_bot(params)
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


def _scope_key(scope: JSONDict) -> str:
    """Return a readable key for a BotCommandScope: "default", "chat:42", "chat_member:42:7"."""
    kind = str(scope.get("type", "default"))
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"{kind}:{scope.get('chat_id')}:{scope.get('user_id')}"
    if kind not in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        raise bad_request("can't parse BotCommandScope JSON object")
    return kind


def _validate_inline_keyboard(rows: Any) -> None:
    """Check an inline keyboard the way Telegram does."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
        )
    count = 0
    for row in rows:
        for button in row:
            count += 1
            if not isinstance(button, dict):
                raise bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if len(actions) > 1:
                raise bad_request(
                    f"can't parse inline keyboard button: more than one action field: {actions}"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not (
                isinstance(button["url"], str) and _BUTTON_URL_RE.match(button["url"])
            ):
                raise bad_request("BUTTON_URL_INVALID")
    if count > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
