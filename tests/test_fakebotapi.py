"""The fake Bot API behaves like Telegram for what python-telegram-bot 22 and the bot use."""

from __future__ import annotations

import asyncio
import contextlib
import html
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.helpers import escape_markdown

from tests.fakebotapi import (
    TINY_PNG,
    FakeTelegram,
    FakeTelegramError,
    SentMessage,
    parse_html,
    parse_markdown_v2,
    utf16_len,
)

CHAT = 4242
App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A running fake server with one user chat already opened."""
    async with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    """A real telegram.Bot talking to the fake server."""
    async with tg.make_bot() as real_bot:
        yield real_bot


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """Return a one-row inline keyboard of (label, callback_data) buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in pairs]])


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_app(tg: FakeTelegram, seen: list[Update] | None = None) -> App:
    """Build a minimal bot: /start shows two buttons, a press answers and edits, text is echoed."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.message is not None
        payload = " ".join(context.args or [])
        await context.bot.send_message(
            update.effective_chat.id,
            f"<b>欢迎</b> {payload}".strip(),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(("是", "answer:yes"), ("否", "answer:no")),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer(f"收到 {query.data}")
        await query.edit_message_text(f"你选了 {query.data.split(':')[1]}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if seen is not None:
            seen.append(update)

    app: App = tg.application_builder().build()
    app.add_handler(TypeHandler(Update, record), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


# --- identity and authentication -----------------------------------------------------------------


async def test_get_me_identifies_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot is True
    assert me.id == tg.bot_id
    assert me.username == tg.bot_username
    assert bot.username == tg.bot_username  # Bot.initialize() called getMe successfully


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    stranger = Bot("999:not-a-valid-token", base_url=tg.base_url, base_file_url=tg.base_file_url)
    with pytest.raises(InvalidToken, match="rejected by the server"):
        await stranger.initialize()  # what Application.initialize() does first
    await stranger.shutdown()
    assert tg.calls[-1].status == 401
    assert tg.calls[-1].response == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_every_configured_token_is_accepted() -> None:
    async with FakeTelegram(["1:first", "2:second"]) as fake:
        for token in fake.tokens:
            async with fake.make_bot(token) as real_bot:
                assert (await real_bot.get_me()).is_bot


async def test_close_and_log_out_succeed(bot: Bot) -> None:
    assert await bot.close() is True
    assert await bot.log_out() is True


# --- sending, editing, deleting ------------------------------------------------------------------


async def test_send_message_returns_the_message_and_records_markup(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "第一条", reply_markup=keyboard(("下一步", "next")))
    assert sent.text == "第一条"
    assert sent.chat.id == CHAT
    assert abs(sent.date.timestamp() - time.time()) < 60  # UNIX seconds, decoded to a datetime
    assert sent.reply_markup == keyboard(("下一步", "next"))
    recorded = tg.last_bot_message(CHAT)
    assert recorded.message_id == sent.message_id
    assert recorded.callback_data == ["next"]
    assert recorded.button("下一步")["callback_data"] == "next"


async def test_message_ids_increase_per_chat(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_chat(777)
    first = await bot.send_message(CHAT, "a")
    tg.user_sends_text(CHAT, "hello")
    second = await bot.send_message(CHAT, "b")
    other = await bot.send_message(777, "c")
    assert second.message_id == first.message_id + 2  # the user's message took the id in between
    assert other.message_id == 1


async def test_unknown_chat_and_blocked_user_are_refused(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(31337, "hi")
    tg.user_blocks_bot(CHAT)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(CHAT, "hi")
    tg.user_sends_text(CHAT, "/start")  # writing again unblocks, like pressing "Restart"
    assert (await bot.send_message(CHAT, "hi")).text == "hi"


async def test_reply_to_a_message(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_text(CHAT, "问题")
    question = tg.messages(CHAT)[-1]
    answer = await bot.send_message(CHAT, "回答", reply_to_message_id=question.message_id)
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "问题"
    assert tg.last_bot_message(CHAT).reply_to_message_id == question.message_id
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(CHAT, "x", reply_to_message_id=999)


async def test_reply_keyboard_is_recorded_but_not_echoed(tg: FakeTelegram, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup([[KeyboardButton("企业信息"), KeyboardButton("帮助")]], resize_keyboard=True)
    sent = await bot.send_message(CHAT, "请选择", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram returns only inline keyboards
    assert tg.last_bot_message(CHAT).reply_keyboard == [["企业信息", "帮助"]]


async def test_edit_message_text_returns_edited_message(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "旧", reply_markup=keyboard(("a", "a")))
    edited = await bot.edit_message_text("新", CHAT, sent.message_id, reply_markup=keyboard(("b", "b")))
    assert not isinstance(edited, bool)
    assert edited.text == "新"
    assert edited.edit_date is not None
    current = tg.message(CHAT, sent.message_id)
    assert (current.text, current.callback_data, current.history) == ("新", ["b"], ["旧"])
    # Omitting reply_markup in an edit removes the inline keyboard, as in Telegram.
    await bot.edit_message_text("新新", CHAT, sent.message_id)
    assert tg.message(CHAT, sent.message_id).inline_keyboard == []


async def test_edit_to_same_content_is_not_modified(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "<b>同</b>", parse_mode="HTML", reply_markup=keyboard(("a", "a")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>同</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard(("a", "a"))
        )
    assert tg.calls[-1].description is not None
    assert tg.calls[-1].description.startswith("Bad Request: message is not modified")
    # Same text but different formatting is a real change.
    await bot.edit_message_text("同", CHAT, sent.message_id, reply_markup=keyboard(("a", "a")))


async def test_edit_missing_message_is_not_found(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    tg.user_sends_text(CHAT, "用户消息")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", CHAT, tg.messages(CHAT)[-1].message_id)


async def test_edit_reply_markup_and_inline_message(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "x", reply_markup=keyboard(("a", "a")))
    edited = await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard(("b", "b")))
    assert not isinstance(edited, bool) and edited.reply_markup == keyboard(("b", "b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard(("b", "b")))
    assert await bot.edit_message_text("inline", inline_message_id="AAAA") is True


async def test_delete_message(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "bye")
    assert await bot.delete_message(CHAT, sent.message_id) is True
    assert tg.bot_messages(CHAT) == []
    assert tg.bot_messages(CHAT, include_deleted=True)[0].deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_chat_action_is_recorded_and_checked(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.send_chat_action(CHAT, ChatAction.TYPING) is True
    assert tg.chat_actions == [(CHAT, "typing")]
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")


async def test_json_and_get_requests_are_accepted(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{tg.base_url}{tg.token}"
        async with session.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["is_bot"] is True
        body = {
            "chat_id": CHAT,
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]},
        }
        async with session.post(f"{url}/sendMessage", json=body) as response:
            result = (await response.json())["result"]
        async with session.post(f"{url}/noSuchMethod") as response:
            assert response.status == 404
    assert result["text"] == "json"
    assert tg.last_bot_message(CHAT).callback_data == ["x"]


# --- text validation -----------------------------------------------------------------------------


async def test_text_limit_is_4096_characters_after_parsing(tg: FakeTelegram, bot: Bot) -> None:
    assert (await bot.send_message(CHAT, "政" * 4096)).text == "政" * 4096
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, "政" * 4097)
    assert tg.calls[-1].response["description"] == "Bad Request: message is too long"
    # Tags and entities do not count: 4096 visible characters pass, one more does not.
    html_text = "<b>" + "&amp;" * 4000 + "</b>" + "x" * 96
    assert len((await bot.send_message(CHAT, html_text, parse_mode="HTML")).text or "") == 4096
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, html_text + "x", parse_mode="HTML")


async def test_empty_text_is_refused(bot: Bot) -> None:
    for text in ("   ", "<b></b>"):
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(CHAT, text, parse_mode="HTML")


async def test_caption_limit(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(CHAT, b"data", filename="a.txt", caption="x" * 1025)


async def test_valid_html_becomes_entities(bot: Bot) -> None:
    text = (
        '<b>粗</b> <i>斜</i> <u>下</u> <s>删</s> <span class="tg-spoiler">隐</span> <tg-spoiler>藏</tg-spoiler> '
        '<a href="https://example.com/?a=1&amp;b=2">链接</a> <code>x&lt;1</code> '
        '<pre><code class="language-python">print(1)</code></pre> <blockquote>引用</blockquote> 😀<b>末</b>'
    )
    sent = await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert sent.text == "粗 斜 下 删 隐 藏 链接 x<1 print(1) 引用 😀末"
    kinds = [entity.type for entity in sent.entities]
    assert kinds == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "blockquote",
        "bold",
    ]
    assert sent.entities[6].url == "https://example.com/?a=1&b=2"
    assert sent.entities[8].language == "python"
    # Offsets are UTF-16: python-telegram-bot can cut the last bold word out after the emoji.
    assert sent.parse_entity(sent.entities[-1]) == "末"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_html_escaped_text_parses_back_to_itself(text: str) -> None:
    # A bot that escapes user data with html.escape never trips the fake's stricter HTML rules.
    parsed = parse_html(f"<b>{html.escape(text)}</b>")
    assert parsed.text == text
    assert parsed.entities == ([{"type": "bold", "offset": 0, "length": utf16_len(text)}] if text else [])


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_markdown_v2_escaped_text_parses_back_to_itself(text: str) -> None:
    parsed = parse_markdown_v2("*" + escape_markdown(text, version=2) + "*")
    assert parsed.text == text


@pytest.mark.parametrize(
    ("markup", "detail"),
    [
        ("<b>未闭合", "Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("1 < 2", "Unsupported start tag"),
        ("1 > 2", 'Unescaped ">"'),
        ("A & B", 'Unescaped "&"'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("a<br>b", 'Unsupported start tag "br"'),
        ('<span class="x">y</span>', 'must have class "tg-spoiler"'),
        ('<a href="x">y', "Can't find end tag"),
    ],
)
async def test_bad_html_is_refused_like_telegram(
    tg: FakeTelegram, bot: Bot, markup: str, detail: str
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(CHAT, markup, parse_mode="HTML")
    description = tg.calls[-1].description or ""
    assert description.startswith("Bad Request: can't parse entities: ")
    assert detail in description
    # The same text without parse_mode is plain text and goes through.
    assert (await bot.send_message(CHAT, markup)).text == markup.strip()


async def test_markdown_v2_reserved_characters(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await bot.send_message(CHAT, "补贴 100 万元.", parse_mode=ParseMode.MARKDOWN_V2)
    sent = await bot.send_message(CHAT, r"*补贴* 100 万元\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert sent.text == "补贴 100 万元."
    assert [entity.type for entity in sent.entities] == ["bold"]


async def test_callback_data_over_64_bytes_is_refused(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.send_message(CHAT, "ok", reply_markup=keyboard(("x", "a" * 64)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "too long", reply_markup=keyboard(("x", "汉" * 22)))  # 66 bytes
    assert tg.calls[-1].description == "Bad Request: BUTTON_DATA_INVALID"


# --- callback queries ----------------------------------------------------------------------------


async def test_answer_callback_query_once(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "选", reply_markup=keyboard(("是", "yes")))
    query_id = tg.user_presses_button(CHAT, sent.message_id, "yes")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.id == query_id
    assert update.callback_query.chat_instance
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id, "好的", show_alert=True) is True
    assert tg.callback_answers[-1].text == "好的" and tg.callback_answers[-1].show_alert
    for stale in (query_id, "no-such-query"):
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(stale)


async def test_pressing_a_button_that_is_not_there_fails_the_test(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "选", reply_markup=keyboard(("是", "yes")))
    with pytest.raises(FakeTelegramError, match="no button with callback_data 'no'"):
        tg.user_presses_button(CHAT, sent.message_id, "no")
    with pytest.raises(FakeTelegramError, match="has no message"):
        tg.user_presses_button(CHAT, sent.message_id + 5, "yes")


async def test_callback_query_expires_when_configured() -> None:
    async with FakeTelegram(callback_query_ttl=0.0) as fake, fake.make_bot() as real_bot:
        fake.add_chat(CHAT)
        sent = await real_bot.send_message(CHAT, "选", reply_markup=keyboard(("是", "yes")))
        query_id = fake.user_presses_button(CHAT, sent.message_id, "yes")
        await asyncio.sleep(0.01)
        with pytest.raises(BadRequest, match="Query is too old"):
            await real_bot.answer_callback_query(query_id)


# --- files ---------------------------------------------------------------------------------------


async def test_document_round_trip(tg: FakeTelegram, bot: Bot) -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    sent = await bot.send_document(
        CHAT, pdf, filename="申报清单.pdf", caption="<b>清单</b>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "申报清单.pdf"
    recorded = tg.last_bot_message(CHAT)
    assert recorded.document is not None
    assert (recorded.document.filename, recorded.document.data, recorded.document.mime_type) == (
        "申报清单.pdf",
        pdf,
        "application/pdf",
    )
    assert recorded.caption == "清单"
    # The bot can fetch its own file back through getFile and base_file_url.
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == pdf
    # Re-sending by file_id reuses the stored file.
    again = await bot.send_document(CHAT, sent.document.file_id)
    assert again.document is not None and again.document.file_unique_id == sent.document.file_unique_id
    with pytest.raises(BadRequest, match="File must be non-empty"):
        await bot.send_document(CHAT, b"", filename="empty.txt")


async def test_user_document_and_photo_are_downloadable(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_document(CHAT, b"a,b\n1,2\n", "企业.csv")
    tg.user_sends_photo(CHAT, caption="营业执照")
    doc_update, photo_update = await bot.get_updates()
    assert doc_update.message is not None and doc_update.message.document is not None
    assert doc_update.message.document.mime_type == "text/csv"
    doc_file = await doc_update.message.document.get_file()
    assert bytes(await doc_file.download_as_bytearray()) == b"a,b\n1,2\n"
    assert photo_update.message is not None and photo_update.message.caption == "营业执照"
    photo_file = await photo_update.message.photo[-1].get_file()
    assert bytes(await photo_file.download_as_bytearray()) == TINY_PNG


async def test_send_photo_checks_the_image(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_photo(CHAT, TINY_PNG, caption="图")
    assert [(size.width, size.height) for size in sent.photo][-1] == (1, 1)
    recorded = tg.last_bot_message(CHAT)
    assert recorded.photo is not None and recorded.photo.data == TINY_PNG
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(CHAT, b"not an image")


# --- getUpdates ----------------------------------------------------------------------------------


async def test_long_poll_returns_as_soon_as_an_update_arrives(tg: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()  # it is really waiting
    tg.user_sends_text(CHAT, "来了")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 5  # far less than the 10 s timeout
    assert [u.message.text for u in updates if u.message] == ["来了"]


async def test_long_poll_waits_for_the_timeout_when_idle(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_offset_confirms_and_limit_caps(tg: FakeTelegram, bot: Bot) -> None:
    ids = [tg.user_sends_text(CHAT, f"m{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1] + 1)] == ids[2:]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2] + 1)] == []
    assert tg.pending_updates == []
    newer = tg.user_sends_text(CHAT, "m3")
    assert [u.update_id for u in await bot.get_updates(offset=ids[0])] == [newer]


async def test_second_poller_terminates_the_first(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with tg.make_bot() as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 3)


async def test_abandoned_poll_does_not_swallow_a_redelivery(tg: FakeTelegram, bot: Bot) -> None:
    update_id = tg.user_sends_text(CHAT, "一")
    await bot.get_updates(offset=update_id + 1)  # confirmed
    abandoned = asyncio.create_task(bot.get_updates(offset=update_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    abandoned.cancel()  # what Updater.stop() does to the running long poll
    with contextlib.suppress(asyncio.CancelledError):
        await abandoned
    await asyncio.sleep(0.05)
    tg.inject_raw_update({"update_id": update_id, "message": tg.messages(CHAT)[0].to_api()})
    await asyncio.sleep(0.05)
    assert [u.update_id for u in await bot.get_updates(offset=update_id + 1)] == [update_id]


async def test_allowed_updates_filters_update_types(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "x", reply_markup=keyboard(("a", "a")))
    tg.user_sends_text(CHAT, "text")
    tg.user_presses_button(CHAT, sent.message_id, "a")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_error_reaches_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    tg.inject_error("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "x")
    assert (await bot.send_message(CHAT, "x")).text == "x"


# --- a real Application --------------------------------------------------------------------------


async def test_application_conversation_with_buttons(tg: FakeTelegram) -> None:
    async with tg.running(demo_app(tg)):
        tg.user_sends_command(CHAT, "/start 京技管发")
        welcome = await tg.wait_for_bot_message(CHAT)
        assert welcome.text == "欢迎 京技管发"
        assert welcome.raw_text == "<b>欢迎</b> 京技管发"
        assert welcome.parse_mode == "HTML"
        assert welcome.button_texts == ["是", "否"]

        query_id = tg.user_presses_button_with_text(CHAT, welcome.message_id, "否")
        answer = await tg.wait_for_callback_answer(query_id)
        assert answer.text == "收到 answer:no"
        edited = await tg.wait_for_bot_message(CHAT, lambda m: m.edit_date is not None)
        assert edited.message_id == welcome.message_id
        assert edited.text == "你选了 no"
        assert edited.inline_keyboard == []

        tg.user_sends_text(CHAT, "你好")
        reply = await tg.wait_for_bot_message(CHAT)
        assert reply.text == "echo: 你好"


async def test_application_never_sees_an_update_twice(tg: FakeTelegram) -> None:
    seen: list[Update] = []
    async with tg.running(demo_app(tg, seen)):
        sent_ids = [tg.user_sends_text(CHAT, f"第{i}条") for i in range(5)]
        await tg.wait_for_bot_messages(CHAT, 5, since=0)
    # Stopping confirmed everything: a second run of the bot gets nothing old.
    async with tg.running(demo_app(tg, seen)):
        extra = tg.user_sends_text(CHAT, "新的")
        await tg.wait_for_bot_message(CHAT, lambda m: m.text == "echo: 新的")
    assert [u.update_id for u in seen] == [*sent_ids, extra]
    assert tg.pending_updates == []


async def test_redelivered_update_reaches_the_bot_again(tg: FakeTelegram) -> None:
    seen: list[Update] = []
    async with tg.running(demo_app(tg, seen)):
        update_id = tg.user_sends_text(CHAT, "一次")
        await tg.wait_for_bot_message(CHAT)
        duplicate = seen[0].to_dict()
        assert tg.inject_raw_update(duplicate) == update_id
        await tg.wait_for_bot_messages(CHAT, 2, lambda m: m.text == "echo: 一次", since=0)
    assert [u.update_id for u in seen] == [update_id, update_id]


async def test_raw_oddities_reach_the_application(tg: FakeTelegram) -> None:
    seen: list[Update] = []
    async with tg.running(demo_app(tg, seen)):
        odd_type = tg.inject_raw_update({"brand_new_update_type": {"x": 1}})
        textless = tg.inject_raw_update(
            {
                "message": {
                    "message_id": 50,
                    "date": 1,
                    "chat": {"id": CHAT, "type": "private"},
                    "new_field": 1,
                }
            }
        )
        await tg.wait_until_delivered(textless)
        tg.user_sends_text(CHAT, "之后")
        await tg.wait_for_bot_message(CHAT)  # the bot survived both and still answers
    assert [u.update_id for u in seen][:2] == [odd_type, textless]
    assert seen[0].api_kwargs == {"brand_new_update_type": {"x": 1}}


async def test_user_edits_and_stickers_arrive_as_updates(tg: FakeTelegram, bot: Bot) -> None:
    update_id = tg.user_sends_text(CHAT, "原文")
    message_id = tg.messages(CHAT)[-1].message_id
    tg.user_edits_message(CHAT, message_id, "改过")
    tg.user_sends_sticker(CHAT, "🎉")
    first, edit, sticker = await bot.get_updates()
    assert first.update_id == update_id
    assert edit.edited_message is not None and edit.edited_message.text == "改过"
    assert edit.edited_message.edit_date is not None
    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.sticker.emoji == "🎉"


async def test_commands_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("admin", "管理")], scope=BotCommandScopeChat(CHAT))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert tg.commands[("chat:4242", "")] == [{"command": "admin", "description": "管理"}]
    assert tg.commands_for(language_code="en") == [{"command": "start", "description": "Start"}]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh-hans")
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start-Now", "开始")])


# --- webhook -------------------------------------------------------------------------------------


async def test_webhook_mode_checks_the_secret_header(tg: FakeTelegram) -> None:
    port = free_port()
    app = demo_app(tg)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret-token_1",
    )
    try:
        assert tg.webhook.url == f"http://127.0.0.1:{port}/hook"
        assert tg.webhook.secret_token == "s3cret-token_1"
        async with tg.make_bot() as real_bot:
            info = await real_bot.get_webhook_info()
            assert info.url == tg.webhook.url
            with pytest.raises(Conflict, match="webhook is active"):
                await real_bot.get_updates()

        # Updates from users are pushed to the webhook with the secret header.
        tg.user_sends_text(CHAT, "经由 webhook")
        assert (await tg.wait_for_bot_message(CHAT)).text == "echo: 经由 webhook"
        assert tg.webhook_deliveries[-1].status == 200
        assert tg.webhook_deliveries[-1].secret_sent == "s3cret-token_1"

        message = tg.messages(CHAT)[-1].to_api()
        assert await tg.deliver_via_webhook({"message": message}, secret_token=None) == 403
        assert await tg.deliver_via_webhook({"message": message}, secret_token="wrong") == 403
        assert await tg.deliver_via_webhook({"message": message}) == 200
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_secret_token_is_validated(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="has space")
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="ok") is True
    assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""


# --- standalone HTTP endpoints -------------------------------------------------------------------


async def test_command_line_server_answers_the_bot() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakebotapi",
        "--port",
        str(port),
        "--token",
        "42:cli",
        "--no-repl",
        cwd=Path(__file__).resolve().parent.parent,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with session.get(f"{root}/bot42:cli/getMe") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the command-line server did not come up")
            async with session.post(f"{root}/_test/send", json={"chat_id": 7, "text": "hi"}) as sent:
                assert sent.status == 200
        async with Bot("42:cli", base_url=f"{root}/bot") as real_bot:
            assert real_bot.username == "etown_policy_test_bot"
            (update,) = await real_bot.get_updates()
        assert update.message is not None and update.message.text == "hi"
    finally:
        process.terminate()
        await process.wait()


async def test_test_endpoints_drive_the_bot(tg: FakeTelegram) -> None:
    async with tg.running(demo_app(tg)), aiohttp.ClientSession() as session:
        async with session.post(f"{tg.url}/_test/send", json={"chat_id": CHAT, "text": "/start"}) as response:
            assert "update_id" in await response.json()
        welcome: SentMessage = await tg.wait_for_bot_message(CHAT)
        press = {"chat_id": CHAT, "message_id": welcome.message_id, "callback_data": "answer:yes"}
        async with session.post(f"{tg.url}/_test/press", json=press) as response:
            assert "callback_query_id" in await response.json()
        await tg.wait_for_bot_message(CHAT, lambda m: m.text == "你选了 yes")
        async with session.get(f"{tg.url}/_test/messages", params={"chat_id": str(CHAT)}) as response:
            rows = await response.json()
    assert [row["text"] for row in rows] == ["/start", "你选了 yes"]
    assert [row["_from_bot"] for row in rows] == [False, True]
