"""What a channel backend answers when a send does not go through (shared by email and SMS)."""

from __future__ import annotations


class DeliveryError(Exception):
    """The message did not go out. ``permanent`` errors (the server refused this recipient or this message for good)
    are not retried; the others (server away, busy, timeout, a login refused) are, with backoff."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChannelUnavailable(Exception):
    """The channel is not set up in this deployment (no SMTP server, say): the delivery is skipped, not failed."""
