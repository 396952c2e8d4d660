"""The bot's Bot API client: calls without files go as JSON and arrive exactly as sent; files still upload."""

from __future__ import annotations

import asyncio
import re
import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.tg_conn import socket_readable
from bot.tg_http import BotRequest, is_default_timeout
from tests.fakebotapi import FakeTelegram

TEXT = "<b>测评结果</b>\n第27条 分布式光伏发电：按装机容量 0.2元/瓦 &amp; “附件” <i>共 3 项</i> 😀"


async def test_messages_keyboards_and_documents_arrive_as_sent() -> None:
    async with FakeTelegram() as fake:
        fake.add_chat(4242)
        bot = Bot(fake.token, base_url=fake.base_url, request=BotRequest(connection_pool_size=4))
        async with bot:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton("光伏 ✓", callback_data="a1b2c3d4:0")],
                    [InlineKeyboardButton("完成", callback_data="a1b2c3d4:9")],
                ]
            )
            sent = await bot.send_message(4242, TEXT, parse_mode="HTML", reply_markup=markup)
            (arrived,) = fake.bot_messages(4242)
            assert arrived.raw_text == TEXT and arrived.parse_mode == "HTML"
            assert arrived.text == "测评结果\n第27条 分布式光伏发电：按装机容量 0.2元/瓦 & “附件” 共 3 项 😀"
            assert arrived.reply_markup == markup.to_dict()
            await bot.edit_message_text("已选：光伏", chat_id=4242, message_id=sent.message_id)
            await bot.send_document(
                4242, InputFile(b"%PDF-1.4 report", filename="报告.pdf"), caption="你的报告"
            )
        first, document = fake.bot_messages(4242)
        assert first.content == "已选：光伏"
        assert document.document is not None and document.document.data == b"%PDF-1.4 report"
        assert document.document.filename == "报告.pdf" and document.caption == "你的报告"
        sent_markup = next(c for c in fake.calls if c.method == "sendMessage").params
        assert sent_markup["reply_markup"]["inline_keyboard"][0][0] == {
            "text": "光伏 ✓",
            "callback_data": "a1b2c3d4:0",
        }


def test_the_pool_gets_the_cheap_backend_on_the_installed_httpx() -> None:
    # Fails on the httpx/httpcore version where the one adapter into their internals stops working.
    assert BotRequest(connection_pool_size=2).tuned is True


def test_a_pooled_socket_counts_as_readable_with_data_or_a_closed_peer_only() -> None:
    mine, peer = socket.socketpair()
    try:
        assert not socket_readable(mine)
        peer.send(b"x")
        assert socket_readable(mine)
        mine.recv(1)
        assert not socket_readable(mine)
        peer.close()
        assert socket_readable(mine)
    finally:
        mine.close()
    assert socket_readable(None)


def test_ptb_default_timeouts_are_told_from_seconds_and_none() -> None:
    assert is_default_timeout(BaseRequest.DEFAULT_NONE)
    assert not is_default_timeout(None) and not is_default_timeout(5) and not is_default_timeout(2.5)


async def test_an_unreachable_bot_api_is_a_network_error_and_a_silent_one_a_timeout() -> None:
    data = RequestData()  # no parameters: still a JSON call, built through the public API only
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    request = BotRequest(connection_pool_size=1, read_timeout=0.3)
    await request.initialize()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        with pytest.raises(NetworkError) as unreachable:
            await request.post(f"http://127.0.0.1:{port}/bot1:x/sendMessage", request_data=data)
        assert not isinstance(unreachable.value, TimedOut)
        with pytest.raises(TimedOut):
            await request.post(
                f"http://127.0.0.1:{silent.getsockname()[1]}/bot1:x/sendMessage", request_data=data
            )
    finally:
        silent.close()
        await request.shutdown()


async def _raw_server(answers: list[bytes], connections: list[int], done: asyncio.Event) -> asyncio.Server:
    """Serve one canned HTTP answer per request read, in order; count the connections opened."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            answer = answers.pop(0)
            for piece in (answer[:7], answer[7:30], answer[30:]):  # an answer may arrive in pieces
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.01)
            if b"Connection: close" in answer or (
                b"Content-Length" not in answer and b"chunked" not in answer
            ):
                break
        writer.close()
        if not answers:
            done.set()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_answers_by_length_in_chunks_or_to_the_close_read_alike_over_kept_connections() -> None:
    body = '{"ok":true,"result":{"message_id":7,"text":"记下了"}}'.encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n"
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body),
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + body,
        b'HTTP/1.1 400 Bad Request\r\nContent-Length: 61\r\n\r\n{"ok":false,"error_code":400,"description":"Bad Request: no"}',
    ]
    connections: list[int] = []
    done = asyncio.Event()
    server = await _raw_server(answers, connections, done)
    port = server.sockets[0].getsockname()[1]
    request = BotRequest(connection_pool_size=1)
    await request.initialize()
    try:
        url = f"http://127.0.0.1:{port}/bot1:x/sendMessage"
        results = [await request.post(url, request_data=RequestData()) for _ in range(4)]
        assert results == [{"message_id": 7, "text": "记下了"}] * 4
        with pytest.raises(BadRequest, match=r"^No$"):
            await request.post(url, request_data=RequestData())
        # Kept alive until the server said close, and after an answer read to the end of the stream.
        assert len(connections) == 3
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await request.shutdown()
        server.close()


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    body = b'{"ok":true,"result":true}'
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Keep-alive promised, then the connection closed right after one answer (an idle timeout).
        connections.append(1)
        head = await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(int(re.search(rb"Content-Length: (\d+)", head).group(1)))  # type: ignore[union-attr]
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = BotRequest(connection_pool_size=1)
    await request.initialize()
    try:
        url = f"http://127.0.0.1:{port}/bot1:x/answerCallbackQuery"
        for _ in range(3):
            assert await request.post(url, request_data=RequestData()) is True
            await asyncio.sleep(0.05)
        assert len(connections) == 3
    finally:
        await request.shutdown()
        server.close()
