#!/usr/bin/env python3
"""Writes the East-Asian corpus mails (14_*.eml to 23_*.eml) with Python's
own codecs, so their bytes are genuine encodings. Run from this folder;
the files are committed, this script only says how they were made."""
import base64
import quopri

# (file, charset label in the subject, label in the body, Python codec,
#  subject, body, transfer encoding of the body, subject encoding)
MAILS = [
    ("14_iso2022jp.eml", "ISO-2022-JP", "iso-2022-jp", "iso2022_jp",
     "請求書 について", "電気料金の 請求書 が届きません。\n確認 をお願いします。\n", "7bit", "B"),
    ("15_eucjp.eml", "EUC-JP", "euc-jp", "euc_jp",
     "検針票 の件", "先月の 検針票 が見つかりません。\nよろしくお願いします。\n", "8bit", "B"),
    ("16_shiftjis.eml", "Shift_JIS", "shift_jis", "shift_jis",
     "引越し 手続き", "来月 引越し します。\n解約の 手続き を教えてください。\n", "base64", "B"),
    ("17_cp932.eml", "cp932", "Windows-31J", "cp932",
     "髙橋 様 ① 契約", "契約番号 ① について、髙橋 より連絡します。\n", "quoted-printable", "B"),
    ("18_gb2312.eml", "gb2312", "GB2312", "gb2312",
     "关于 电费 账单", "您好，我的 账单 有问题。\n谢谢。\n", "base64", "B"),
    ("19_gbk.eml", "GBK", "gbk", "gbk",
     "朱镕基 电表", "您好，我的 电表 坏了。用户 朱镕基\n", "8bit", "B"),
    ("20_gb18030.eml", "GB18030", "gb18030", "gb18030",
     "燃气 䶮 问题", "请检查 燃气 表。字 䶮 不在 GBK 里。\n", "base64", "B"),
    ("21_big5.eml", "Big5", "big5", "big5",
     "關於 電費 帳單", "您好，我的 帳單 有問題。\n", "quoted-printable", "B"),
    ("22_euckr.eml", "EUC-KR", "euc-kr", "euc_kr",
     "전기 요금 청구서 문의", "안녕하세요.\n청구서 가 도착하지 않았습니다.\n", "base64", "Q"),
    ("23_ks_c_5601.eml", "ks_c_5601-1987", "ks_c_5601-1987", "cp949",
     "요금 문의 똠방각하", "안녕하세요 똠방각하 청구서 확인 부탁드립니다.\n", "8bit", "B"),
]


def encoded_word(label, codec, text, how):
    data = text.encode(codec)
    if how == "B":
        return b"=?" + label.encode() + b"?B?" + base64.b64encode(data) + b"?="
    q = quopri.encodestring(data, header=True).replace(b"=\n", b"")
    return b"=?" + label.encode() + b"?Q?" + q + b"?="


for name, subject_label, body_label, codec, subject, body, cte, how in MAILS:
    tag = name.split("_", 1)[1].rsplit(".", 1)[0]
    payload = body.replace("\n", "\r\n").encode(codec)
    if cte == "base64":
        payload = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    elif cte == "quoted-printable":
        payload = quopri.encodestring(payload).replace(b"\n", b"\r\n")
    raw = (
        b"From: Kunde <kunde-" + tag.encode() + b"@kunde.example>\r\n"
        b"To: support@acme-energie.example\r\n"
        b"Subject: " + encoded_word(subject_label, codec, subject, how) + b"\r\n"
        b"Message-ID: <cjk-" + tag.encode() + b"@kunde.example>\r\n"
        b"Date: Tue, 01 Dec 2026 10:00:00 +0900\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + body_label.encode() + b"\r\n"
        b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n"
        b"\r\n" + payload
    )
    with open(name, "wb") as f:
        f.write(raw)
