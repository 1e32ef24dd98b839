"""Email over SMTP: one connection per batch of deliveries, a time limit per message, errors sorted into
"try again later" and "this will never go through"."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses, parseaddr

from ecobrain.notifications.channels import DeliveryError
from ecobrain.notifications.config import SMTPConfig


def _reply(message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return " ".join(text.split())


class SMTPMailer:
    """Hands messages to one SMTP server. Not thread-safe: one per sender thread.

    A message either returns the provider id (its Message-ID and the server's queue reply) or raises
    :class:`DeliveryError`. ``timeout`` bounds each message: every step gets the time that is left, so one message
    costs at most about twice ``timeout`` even against a server that answers each line slowly (the sender's lease is
    longer than that).
    """

    def __init__(self, config: SMTPConfig, *, timeout: float) -> None:
        self.config = config
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        self._local_hostname = socket.gethostname() or "localhost"  # not getfqdn(): that may wait on DNS

    # -- connection -------------------------------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.cafile or None)

    def _connect(self, deadline: float) -> smtplib.SMTP:
        config = self.config
        remaining = max(0.1, deadline - time.monotonic())
        if config.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=self._local_hostname,
                timeout=remaining,
                context=self._tls_context(),
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, local_hostname=self._local_hostname, timeout=remaining)
        try:
            self._step(smtp, deadline)
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if config.username:
                self._step(smtp, deadline)
                smtp.login(config.username, config.password)
        except BaseException:
            self._close(smtp)
            raise
        return smtp

    @staticmethod
    def _step(smtp: smtplib.SMTP, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("time limit for this message reached")
        if smtp.sock is not None:
            smtp.sock.settimeout(remaining)

    @staticmethod
    def _close(smtp: smtplib.SMTP) -> None:
        with contextlib.suppress(OSError):
            smtp.close()

    def close(self) -> None:
        """Say QUIT and close (after a batch); harmless when no connection is open."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.sock is not None:
                smtp.sock.settimeout(min(5.0, self.timeout))
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._close(smtp)

    # -- one message ------------------------------------------------------------------------------------------

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` to its To address; returns ``"<Message-ID> <server reply>"``."""
        deadline = time.monotonic() + self.timeout
        reused = self._smtp is not None
        try:
            return self._transaction(message, deadline)
        except _StaleConnection:
            # A kept connection the server had closed meanwhile; nothing of this message was sent: start afresh once.
            if reused:
                try:
                    return self._transaction(message, deadline)
                except _StaleConnection:
                    pass
            raise DeliveryError(f"SMTP 服务器 {self.config.describe()} 断开了连接") from None

    def _transaction(self, message: EmailMessage, deadline: float) -> str:
        sender = parseaddr(str(message["From"]))[1]
        recipients = [address for _name, address in getaddresses([str(message["To"])]) if address]
        if not recipients:
            raise DeliveryError(f"收件地址无效：{message['To']}", permanent=True)
        payload = message.as_bytes(policy=SMTP_POLICY)
        data_started = False
        try:
            if self._smtp is None:
                self._smtp = self._connect(deadline)
            smtp = self._smtp
            options: list[str] = []
            if not (sender + "".join(recipients)).isascii():
                if not smtp.has_extn("smtputf8"):
                    raise DeliveryError("收件地址含非 ASCII 字符，而 SMTP 服务器不支持 SMTPUTF8", permanent=True)
                options.append("SMTPUTF8")
            if smtp.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
            self._step(smtp, deadline)
            code, reply = smtp.mail(sender, options)
            if code != 250:
                self._reset(smtp)
                # The sender address refused: a configuration matter (ECOBRAIN_EMAIL_FROM), worth retrying once fixed.
                raise DeliveryError(f"SMTP 服务器拒绝发件地址 {sender}：{code} {_reply(reply)}")
            for recipient in recipients:
                self._step(smtp, deadline)
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    self._reset(smtp)
                    raise DeliveryError(
                        f"SMTP 服务器拒绝收件地址 {recipient}：{code} {_reply(reply)}", permanent=500 <= code < 600
                    )
            self._step(smtp, deadline)
            data_started = True
            code, reply = smtp.data(payload)
            if code != 250:
                self._reset(smtp)
                raise DeliveryError(f"SMTP 服务器拒收邮件：{code} {_reply(reply)}", permanent=500 <= code < 600)
            return f"{message['Message-ID']} {_reply(reply)}"[:128]
        except DeliveryError:
            raise
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            if not data_started:
                raise _StaleConnection from exc
            raise DeliveryError(f"SMTP 服务器在发送中断开了连接：{exc}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            raise DeliveryError(f"SMTP 登录失败（检查 ECOBRAIN_SMTP_URL 的用户名和密码）：{exc.smtp_code}") from exc
        except smtplib.SMTPDataError as exc:  # DATA itself refused
            self._drop()
            raise DeliveryError(
                f"SMTP 服务器拒收邮件：{exc.smtp_code} {_reply(exc.smtp_error)}", permanent=500 <= exc.smtp_code < 600
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(f"SMTP 错误：{exc.smtp_code} {_reply(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out, TLS failed
            self._drop()
            if isinstance(exc, ConnectionRefusedError) or not data_started:
                raise DeliveryError(f"无法连接 SMTP 服务器 {self.config.describe()}：{exc}") from exc
            raise DeliveryError(f"SMTP 发送中断：{exc}") from exc

    def _reset(self, smtp: smtplib.SMTP) -> None:
        """RSET after a refused transaction, so the connection serves the next message; drop it if that fails."""
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            self._close(smtp)


class _StaleConnection(Exception):
    pass
