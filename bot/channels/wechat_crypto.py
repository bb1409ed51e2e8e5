"""WeChat Official Account message security: signatures, safe-mode AES, XML in and out.

Kept apart from the channel so the protocol can be tested against WeChat's published
examples without a web server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time
from xml.etree.ElementTree import ParseError

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class BadMessage(ValueError):
    """A body that is not a WeChat message we can read (malformed, hostile, undecryptable)."""


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_ok(given: str | None, *parts: str) -> bool:
    # compare_digest: the time taken must not tell an attacker how much of a guess matched.
    return bool(given) and hmac.compare_digest(given.encode(), signature(*parts).encode())


def xml_fields(body: bytes | str) -> dict[str, str]:
    """The child elements of a WeChat `<xml>` message, by tag.

    defusedxml refuses DTDs and entities, so an XML bomb or an external entity is a
    BadMessage and costs nothing.
    """
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, TypeError) as error:
        raise BadMessage(f"unreadable XML: {type(error).__name__}") from None
    if root.tag != "xml":
        raise BadMessage("the root element is not <xml>")
    return {child.tag: (child.text or "") for child in root}


def cdata(text: str) -> str:
    # "]]>" would end the section early: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(to_user: str, from_user: str, content: str, now: int | None = None) -> str:
    """A passive reply carrying one text message."""
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
            f"<FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{int(now if now is not None else time.time())}</CreateTime>"
            f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(content)}</Content></xml>")


class SafeMode:
    """Safe-mode (AES-256-CBC) encryption with an Official Account's EncodingAESKey.

    Plaintext: 16 random bytes, the message length (4 bytes, big-endian), the message,
    the account's AppID; PKCS#7-padded to 32 bytes. IV: the key's first 16 bytes.
    """

    def __init__(self, encoding_aes_key: str, app_id: str, token: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(encoding_aes_key) != 43 or len(key) != 32:
            raise ValueError("WECHAT_ENCODING_AES_KEY must be the 43 characters shown by WeChat")
        self._key = key
        self.app_id = app_id
        self.token = token

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: str, random_prefix: bytes | None = None) -> str:
        data = message.encode("utf-8")
        plain = ((random_prefix or os.urandom(16)) + struct.pack(">I", len(data)) + data
                 + self.app_id.encode("utf-8"))
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        """(message, AppID it was sent to); BadMessage if it cannot be WeChat's."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise BadMessage("Encrypt is not base64") from None
        if not data or len(data) % 16:
            raise BadMessage("Encrypt has a wrong length")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or len(plain) < 20 + pad:
            raise BadMessage("wrong padding")
        plain = plain[:-pad]
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise BadMessage("wrong length field")
        try:
            message = plain[20:20 + length].decode("utf-8")
            app_id = plain[20 + length:].decode("utf-8")
        except UnicodeDecodeError:
            raise BadMessage("not UTF-8") from None
        return message, app_id

    def reply_xml(self, message: str, nonce: str, now: int | None = None) -> str:
        """A passive reply in safe mode: the encrypted message and its signature."""
        encrypted = self.encrypt(message)
        timestamp = str(int(now if now is not None else time.time()))
        signed = signature(self.token, timestamp, nonce, encrypted)
        return (f"<xml><Encrypt>{cdata(encrypted)}</Encrypt>"
                f"<MsgSignature>{cdata(signed)}</MsgSignature>"
                f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>")
