"""WeChat's signatures, safe-mode AES and XML parsing, against WeChat's published examples."""

from __future__ import annotations

import pytest

from bot.channels.wechat_crypto import (BadMessage, SafeMode, cdata, signature, signature_ok,
                                        text_reply_xml, xml_fields)
from tests.channels.fake_wechat import aes_decrypt, aes_encrypt, fields, sign

# From WeChat's sample code (WXBizMsgCrypt) for Official Accounts.
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8"
    "PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jis"
    "a+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8"
    "tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJ"
    "vnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=")


def test_signature_test_vector():
    assert signature("AAAAA", "1714037059", "486452656") == \
        "899cf89e464efb63f54ddac96b0a0a235f53aa78"
    assert signature_ok("899cf89e464efb63f54ddac96b0a0a235f53aa78",
                        "AAAAA", "1714037059", "486452656")


@pytest.mark.parametrize("given", ["899cf89e464efb63f54ddac96b0a0a235f53aa79", "", None,
                                   "899CF89E464EFB63F54DDAC96B0A0A235F53AA78"])
def test_wrong_or_missing_signatures_fail(given):
    assert not signature_ok(given, "AAAAA", "1714037059", "486452656")


def test_msg_signature_and_decryption_of_wechats_sample():
    assert signature("spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT) == \
        "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    message, app_id = SafeMode(SAMPLE_KEY, "wx2c2769f8efd9abc2", "spamtest").decrypt(
        SAMPLE_ENCRYPT)
    assert app_id == "wx2c2769f8efd9abc2"
    assert xml_fields(message)["Content"] == "abcdteT"


def test_encryption_matches_wechats_sample():
    cipher = SafeMode(SAMPLE_KEY, "wxb11529c136998cb6", "pamtest")
    assert cipher.encrypt("我是中文abcd123", random_prefix=b"aaaabbbbccccdddd") == (
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==")


@pytest.mark.parametrize("length", [0, 1, 11, 12, 43, 44, 500])
def test_round_trips_with_an_independent_implementation(length):
    text = ("发烧" * length)[:length]
    cipher = SafeMode(SAMPLE_KEY, "wx-app", "token")
    assert aes_decrypt(cipher.encrypt(text), SAMPLE_KEY) == (text, "wx-app")
    assert cipher.decrypt(aes_encrypt(text, SAMPLE_KEY, "wx-app")) == (text, "wx-app")


def test_an_encrypted_reply_is_signed():
    cipher = SafeMode(SAMPLE_KEY, "wx-app", "token")
    reply = fields(cipher.reply_xml("<xml><Content>hi</Content></xml>", "nonce1", now=1700000000))
    assert reply["TimeStamp"] == "1700000000" and reply["Nonce"] == "nonce1"
    assert reply["MsgSignature"] == sign("token", "1700000000", "nonce1", reply["Encrypt"])
    assert aes_decrypt(reply["Encrypt"], SAMPLE_KEY)[0] == "<xml><Content>hi</Content></xml>"


@pytest.mark.parametrize("key", ["", "short", SAMPLE_KEY + "A", SAMPLE_KEY[:-1] + "!"])
def test_a_wrong_encoding_aes_key_is_refused(key):
    with pytest.raises(ValueError):
        SafeMode(key, "wx-app", "token")


@pytest.mark.parametrize("encrypted", ["", "not base64!", "AAAA", "A" * 43 + "=",
                                       aes_encrypt("x", "B" * 43)])
def test_garbage_does_not_decrypt(encrypted):
    with pytest.raises(BadMessage):
        SafeMode(SAMPLE_KEY, "wx-app", "token").decrypt(encrypted)


def test_xml_fields_reads_a_message():
    message = xml_fields(b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName>"
                         b"<FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime>"
                         b"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a < b]]></Content>"
                         b"<MsgId>42</MsgId></xml>")
    assert message == {"ToUserName": "gh_1", "FromUserName": "o1", "CreateTime": "1",
                       "MsgType": "text", "Content": "a < b", "MsgId": "42"}


@pytest.mark.parametrize("body", [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><xml><C>&b;</C></xml>',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><C>&e;</C></xml>',
    b'<!DOCTYPE xml><xml><C>x</C></xml>',
    b"<xml><C>x</C>", b"", b"\xff\xfe", b"<notxml/>", "<xml>\ud800</xml>",
])
def test_hostile_or_broken_xml_is_a_bad_message(body):
    with pytest.raises(BadMessage):
        xml_fields(body)


def test_reply_text_survives_cdata_terminators():
    content = "odd ]]> text <b>&amp;"
    reply = text_reply_xml("o1", "gh_1", content, now=5)
    assert fields(reply) == {"ToUserName": "o1", "FromUserName": "gh_1", "CreateTime": "5",
                             "MsgType": "text", "Content": content}
    assert cdata("]]>") == "<![CDATA[]]]]><![CDATA[>]]>"
