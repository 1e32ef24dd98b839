"""Personal data of complainants: phone numbers checked, encrypted, masked and hashed; never logged."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ecobrain.core.crypto import decrypt_text, encrypt_text
from ecobrain.notifications.sms import mask_phone

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")
_STRIP = re.compile(r"[\s\-()（）]")


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """A mainland mobile (11 digits) or landline (area code + number) in digits only; ValidationError otherwise.

    The error never repeats the number (messages can end up in logs).
    """
    text = _STRIP.sub("", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise ValidationError({field: _("联系电话格式不正确：请填写 11 位手机号，或带区号的固定电话（如 029-33221100）。")})


def phone_digest(phone: str) -> str:
    """A keyed hash of the normalised number: finds the same complainant again without decrypting anything."""
    key = hashlib.sha256(("ecobrain-complaint-phone:" + settings.FIELD_ENCRYPTION_KEY).encode()).digest()
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def protect_phone(raw: str) -> tuple[str, str, str]:
    """(encrypted, masked, digest) of a phone number as typed."""
    phone = normalise_phone(raw)
    return encrypt_text(phone), mask_phone(phone), phone_digest(phone)


def reveal(token: str) -> str:
    """The plain text of an encrypted field ('' when empty or not readable under the current key)."""
    return (decrypt_text(token) or "") if token else ""
