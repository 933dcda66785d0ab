"""Real alert receivers for tests: an HTTP server that records webhook POSTs, and an SMTP server
(aiosmtpd) that records messages. Both listen on 127.0.0.1 on a free port."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class Webhook:
    url: str
    posts: list[dict] = field(default_factory=list)
    # Answers to give before the next 200s, e.g. [503, 503]: a receiver that blinks.
    failures: list[int] = field(default_factory=list)
    attempts: int = 0


def webhook_receiver() -> Iterator[Webhook]:
    state = Webhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state.attempts += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.failures:
                self.send_response(state.failures.pop(0))
                self.end_headers()
                return
            state.posts.append(
                {"content_type": self.headers.get("Content-Type"), **json.loads(body)}
            )
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)


def smtp_receiver() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", 0)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.original_content)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            box.messages.append(message)
            return "250 Message accepted"

    with socket.socket() as probe:  # aiosmtpd checks it is up by connecting to the given port
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
