"""A small real SMTP server for the tests (RFC 5321 subset: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
QUIT) on 127.0.0.1 and a free port, one thread per connection.

It keeps a message only when it has answered 250 to its DATA, as a mail server commits a message before it says so:
a client that vanishes before that answer leaves nothing behind. Tests steer it: ``refuse_connections`` (421 at the
greeting), ``queue_reply("rcpt"|"data", "451 …", times)``, ``stall_data`` (after the final "." wait for
``release`` before answering), ``credentials`` (require AUTH PLAIN).
"""

from __future__ import annotations

import base64
import contextlib
import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: SMTPTestServer = self.server.owner
        server.connections += 1
        if server.refuse_connections:
            self.reply("421 4.3.2 Service not available, try later")
            return
        self.reply("220 test.smtp ESMTP ready")
        mail_from, rcpt_to, authenticated = None, [], server.credentials is None
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            server.commands.append(command if verb != "AUTH" else "AUTH …")
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    extensions = ["250-test.smtp", "250-8BITMIME", "250-SMTPUTF8"]
                    if server.credentials is not None:
                        extensions.append("250-AUTH PLAIN")
                    self.reply("\r\n".join([*extensions, "250 HELP"]))
                else:
                    self.reply("250 test.smtp")
            elif verb == "AUTH":
                parts = command.split(" ")
                try:
                    _zid, user, password = base64.b64decode(parts[2]).decode().split("\0")
                except (IndexError, ValueError):
                    self.reply("501 5.5.2 Cannot decode")
                    continue
                if (user, password) == server.credentials:
                    authenticated = True
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                if not authenticated:
                    self.reply("530 5.7.0 Authentication required")
                    continue
                mail_from, rcpt_to = command[10:].split(">")[0].lstrip("<"), []
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                forced = server.take_reply("rcpt")
                if forced:
                    self.reply(forced)
                    continue
                rcpt_to.append(command[8:].split(">")[0].lstrip("<"))
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if mail_from is None or not rcpt_to:
                    self.reply("503 5.5.1 Bad sequence of commands")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                if data is None:
                    return
                if server.data_delay:
                    time.sleep(server.data_delay)
                if server.stall_data:
                    server.data_received.set()
                    server.release.wait(server.stall_timeout)
                    if self.peer_gone():
                        server.abandoned += 1
                        return  # the client vanished before our answer: nothing was accepted
                forced = server.take_reply("data")
                if forced:
                    self.reply(forced)
                else:
                    with server.lock:
                        server.messages.append(Received(mail_from, rcpt_to, data))
                        number = len(server.messages)
                    self.reply(f"250 2.0.0 Ok: queued as Q{number:05d}")
                    server.accepted.set()
                mail_from, rcpt_to = None, []
            elif verb == "RSET":
                mail_from, rcpt_to = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not recognized")

    def read_data(self) -> bytes | None:
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)

    def peer_gone(self) -> bool:
        """True when the client closed its end (a killed process's socket is closed by the kernel)."""
        sock = self.connection
        sock.setblocking(False)
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True
        finally:
            sock.setblocking(True)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPTestServer:
    def __init__(self, *, port: int = 0, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.messages: list[Received] = []
        self.commands: list[str] = []
        self.lock = threading.Lock()
        self.connections = 0
        self.abandoned = 0
        self.refuse_connections = False
        self.stall_data = False
        self.data_delay = 0.0  # seconds before answering each DATA (a slow server, so concurrent senders overlap)
        self.stall_timeout = 60.0
        self.data_received = threading.Event()
        self.release = threading.Event()
        self.accepted = threading.Event()
        self._replies: dict[str, list[str]] = {"rcpt": [], "data": []}
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.owner = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def queue_reply(self, stage: str, reply: str, times: int = 1) -> None:
        with self.lock:
            self._replies[stage].extend([reply] * times)

    def take_reply(self, stage: str) -> str | None:
        with self.lock:
            return self._replies[stage].pop(0) if self._replies[stage] else None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)

    def start(self) -> SMTPTestServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-smtp", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        with contextlib.suppress(OSError):
            self._server.shutdown()
        self._server.server_close()
