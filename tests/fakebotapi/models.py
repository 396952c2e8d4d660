"""Records the fake server keeps: messages, files, bot calls, callback answers, webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error response: HTTP status, Telegram's description, optional parameters."""

    def __init__(self, error_code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """Return the JSON body Telegram sends for this error."""
        body: JSONDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


class FakeTelegramError(AssertionError):
    """A test-side misuse or an expectation that failed (bad button press, wait timed out)."""


@dataclass
class SentFile:
    """A file known to the server: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        """Return the file size in bytes."""
        return len(self.data)


@dataclass
class SentMessage:
    """One message in a chat as it is now (after edits), sent by the bot or by a user."""

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    sender: JSONDict
    chat: JSONDict
    text: str | None = None
    raw_text: str | None = None
    caption: str | None = None
    raw_caption: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    document: SentFile | None = None
    photo: SentFile | None = None
    sticker: JSONDict | None = None
    extra: JSONDict = field(default_factory=dict)
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    history: list[str | None] = field(default_factory=list)
    params: JSONDict = field(default_factory=dict)
    deleted: bool = False
    seq: int = 0

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        """Return the inline keyboard rows, or [] when the message has none."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            rows: list[list[JSONDict]] = self.reply_markup["inline_keyboard"]
            return rows
        return []

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Return the reply keyboard button texts, or [] when the message has none."""
        if self.reply_markup and "keyboard" in self.reply_markup:
            return [
                [button if isinstance(button, str) else str(button.get("text", "")) for button in row]
                for row in self.reply_markup["keyboard"]
            ]
        return []

    @property
    def buttons(self) -> list[JSONDict]:
        """Return every inline button, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        """Return the labels of every inline button."""
        return [str(button.get("text", "")) for button in self.buttons]

    @property
    def callback_data(self) -> list[str]:
        """Return the callback_data of every inline button that has one."""
        return [str(button["callback_data"]) for button in self.buttons if "callback_data" in button]

    def button(self, label: str) -> JSONDict:
        """Return the inline button whose text equals label (or contains it, if none equals)."""
        exact = [button for button in self.buttons if button.get("text") == label]
        loose = [button for button in self.buttons if label in str(button.get("text", ""))]
        found = exact or loose
        if not found:
            raise FakeTelegramError(
                f"message {self.message_id} has no button {label!r}; buttons: {self.button_texts}"
            )
        return found[0]

    @property
    def content(self) -> str:
        """Return the text, or the caption for media messages, or ''."""
        return self.text if self.text is not None else (self.caption or "")

    def to_api(self, *, with_reply: bool = True, replied: SentMessage | None = None) -> JSONDict:
        """Return the Bot API Message object for this message."""
        message: JSONDict = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if with_reply and replied is not None:
            message["reply_to_message"] = replied.to_api(with_reply=False)
        if self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.document is not None:
            message["document"] = _document_api(self.document)
        if self.photo is not None:
            message["photo"] = _photo_sizes_api(self.photo)
        if self.sticker is not None:
            message["sticker"] = self.sticker
        if self.caption is not None:
            message["caption"] = self.caption
            if self.entities:
                message["caption_entities"] = self.entities
        message.update(self.extra)
        # Telegram echoes only inline keyboards in Message.reply_markup; reply keyboards live client-side.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        return message


def _document_api(file: SentFile) -> JSONDict:
    """Return the Bot API Document object for file."""
    document: JSONDict = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
    }
    if file.filename is not None:
        document["file_name"] = file.filename
    if file.mime_type is not None:
        document["mime_type"] = file.mime_type
    return document


def _photo_sizes_api(file: SentFile) -> list[JSONDict]:
    """Return the PhotoSize list Telegram gives for a photo: a thumbnail and the full size."""
    width, height = file.width or 1, file.height or 1
    scale = min(1.0, 90 / max(width, height))
    thumb = {
        "file_id": f"{file.file_id}_s",
        "file_unique_id": f"{file.file_unique_id}_s",
        "width": max(1, round(width * scale)),
        "height": max(1, round(height * scale)),
        "file_size": min(file.size, 2048),
    }
    full = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "width": width,
        "height": height,
        "file_size": file.size,
    }
    return [thumb, full]


@dataclass
class BotCall:
    """One HTTP call the bot made, with its decoded parameters and the answer it got."""

    method: str
    params: JSONDict
    files: dict[str, str]
    status: int
    response: JSONDict
    at: float

    @property
    def ok(self) -> bool:
        """Return whether Telegram answered ok."""
        return bool(self.response.get("ok"))

    @property
    def description(self) -> str | None:
        """Return the error description, if the call failed."""
        value = self.response.get("description")
        return str(value) if value is not None else None


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery the bot made."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass
class CallbackQueryRecord:
    """A button press the user made and whether the bot has answered it."""

    id: str
    chat_id: int
    message_id: int
    data: str
    user_id: int
    created: float
    answered: bool = False


@dataclass
class WebhookDelivery:
    """One POST of an update to the bot's webhook and the HTTP status it got (0: no connection)."""

    update_id: int
    status: int
    secret_sent: str | None
    at: float


@dataclass
class WebhookConfig:
    """What setWebhook recorded (url "" means no webhook)."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class PendingUpdate:
    """An update waiting in the queue; forced ones are re-deliveries that ignore the offset once."""

    update_id: int
    payload: JSONDict
    forced: bool = False
    raw: bool = False  # injected as is: never dropped by the allowed_updates filter
