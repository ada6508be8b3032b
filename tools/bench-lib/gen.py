# SPDX-License-Identifier: GPL-2.0-or-later
"""Deterministic generator of large benchmark captures for tools/bench.

    python3 tools/bench-lib/gen.py --kind mixed|nonmail|std --size 200M --out FILE [--seed N]

kind mixed    SMTP and POP3 sessions (about 85 % of the bytes) on standard
              ports (25, 587, 110), on 2525 (in esmtp.ports) and on ports
              only the heuristics find (8025, 1110), plus non-mail traffic
              (HTTP-like text, TLS-like binary records, FTP-, IMAP- and
              Redis-like line protocols) on their own and on unusual ports
kind nonmail  only the non-mail sessions
kind std      mail on standard ports only (25, 587, 110): both the built-in
              dissectors and mailscope see all of it without Decode As
kind short    short, command-heavy sessions on the standard ports (25, 110),
              SMTP and POP3 alternating; here --size is the number of
              sessions, not octets.  SMTP: greeting, EHLO (4-line reply),
              MAIL, 2 RCPT, DATA, a 20-octet body with its "." line, QUIT.
              POP3: greeting, USER, PASS, STAT, LIST (3 messages) and 3 RETRs
              of 120-octet messages, QUIT.  Every command and reply is one
              TCP segment (one PDU), except that the LIST and RETR replies
              carry their listing/message in the status line's segment.

Sessions are modelled on the real captures in test-captures/ (Exim and
Dovecot dialogues): multi-line greeting, EHLO with a 14-line reply,
AUTH PLAIN / AUTH LOGIN on 587, pipelined MAIL/RCPT/DATA, message bodies of
2 KB - 200 KB (log-uniform; MIME with text and base64 parts, dot-stuffed)
sent in MSS-sized (1460-octet) segments, RSET, QUIT; POP3 greeting with an
APOP timestamp, CAPA, USER/PASS, STAT, LIST, UIDL, RETR, DELE, QUIT.

Everything comes from random.Random(seed): the same seed and size give a
byte-identical file, and a capture of size 2S begins with the capture of
size S (sessions are generated one after another).  Packets are written as
they are made (pcapng, one Ethernet interface), so memory stays small.
"""

import argparse
import base64
import os
import random
import struct
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))           # tools/ -> synthetic package
from synthetic import wire                          # noqa: E402
from synthetic.session import Capture, Session      # noqa: E402

BASE_US = 1767225600 * 10**6   # 2026-01-01 00:00:00 UTC
APPLICATION = "mailscope tools/bench"

# Share of sessions by kind in the mixed capture (by session count; mail
# sessions are far larger, so mail is ~85 % of the bytes).
MIXED_WEIGHTS = [("smtp", 45), ("pop3", 20), ("nonmail", 35)]
SMTP_PORTS = [(25, 40), (587, 30), (2525, 15), (8025, 15)]
POP3_PORTS = [(110, 70), (1110, 30)]
STD_SMTP_PORTS = [(25, 55), (587, 45)]
STD_POP3_PORTS = [(110, 100)]
# Non-mail: (kind, port).  Ports with a built-in dissector (80, 443, 21, 143,
# 6379) and ports nothing is registered on, where TCP asks every heuristic
# dissector about every segment (the cost mailscope's heuristics add).
NONMAIL = [("http", 80), ("http", 8081), ("tls", 443), ("tls", 9443), ("ftp", 21),
           ("ftp", 2121), ("imap", 143), ("imap", 1143), ("redis", 6379), ("redis", 6380)]


def parse_size(text):
    t = text.strip().upper().rstrip("B")
    mult = 1
    for suffix, m in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if t.endswith(suffix):
            t, mult = t[:-1], m
            break
    return int(float(t) * mult)


def weighted(rng, table):
    total = sum(w for _, w in table)
    x = rng.randrange(total)
    for item, w in table:
        if x < w:
            return item
        x -= w
    return table[-1][0]


# ------------------------------------------------------------------ output

class StreamCapture(Capture):
    """synthetic.session.Capture that writes each packet as it is added."""

    def __init__(self, fh, start_us, comment):
        super().__init__(start_us, snaplen=262144)
        self.fh = fh
        self.bytes = 0
        self.frames = 0
        shb_opts = [(1, comment.encode()), (4, APPLICATION.encode())]
        self._write(wire._block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                                + wire._options(shb_opts)))
        self._write(wire._block(0x00000001, struct.pack("<HHI", 1, 0, 262144)
                                + wire._options([(2, b"bench0")])))

    def _write(self, b):
        self.fh.write(b)
        self.bytes += len(b)

    def add(self, frame, comment=None):
        ts = self.now
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        total = 12 + len(body) + len(frame) + (-len(frame) % 4)
        self._write(struct.pack("<II", 6, total) + body + frame + b"\0" * (-len(frame) % 4)
                    + struct.pack("<I", total))
        self.frames += 1


# ------------------------------------------------------------------ content pools

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there been one all we their has would when "
         "if so no will more can out up about into than them some could then other time its "
         "only new two may first also after any these like our over such how most even made "
         "report meeting invoice schedule quarter budget review draft attached please thanks "
         "regards project update server mailbox delivery customer account order shipping "
         "network capture protocol message header request response session").split()


class Pools:
    def __init__(self, rng):
        raw = bytes(rng.getrandbits(8) for _ in range(600 * 1024))
        b = base64.b64encode(raw)
        self.b64_lines = [b[i:i + 76] for i in range(0, len(b) - 76, 76)]
        lines = []
        for _ in range(4000):
            n = rng.randint(6, 14)
            line = " ".join(rng.choice(WORDS) for _ in range(n))
            r = rng.random()
            if r < 0.02:
                line = "." + line          # dot-stuffed on the wire
            elif r < 0.04:
                line = ""
            elif r < 0.05:
                line = "-- " + line
            lines.append(line.encode())
        self.text_lines = lines


def message(rng, pools, n, size, sender, rcpts):
    """An RFC 5322 message of about size octets (wire form: CRLF,
    dot-stuffed), ending with CRLF (the "." terminator is added by the
    caller)."""
    boundary = b"=_bench_%08x" % rng.getrandbits(32)
    hdr = [
        b"Received: from client%d.example.net (client%d.example.net [10.%d.%d.%d])"
        % (n % 997, n % 997, n % 250, n % 199, n % 251 + 1),
        b"\tby mx.example.org with esmtp (Exim 4.96) id 1xWt69-%06d-1e" % (n % 1000000),
        b"Date: Thu, 01 Jan 2026 %02d:%02d:%02d +0000" % (n // 3600 % 24, n // 60 % 60, n % 60),
        b"From: " + sender,
        b"To: " + b", ".join(rcpts),
        b"Subject: " + b" ".join(rng.choice(WORDS).encode() for _ in range(rng.randint(3, 8))),
        b"Message-ID: <%d.%08x@client.example.net>" % (n, rng.getrandbits(32)),
        b"MIME-Version: 1.0",
        b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"",
        b"",
        b"--" + boundary,
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
        b"",
    ]
    out = b"\r\n".join(hdr) + b"\r\n"
    text_share = size if size < 6000 else int(size * rng.uniform(0.15, 0.5))
    parts = []
    got = len(out)
    tl = pools.text_lines
    i = rng.randrange(len(tl))
    while got < text_share:
        line = tl[i % len(tl)]
        i += 1
        if line.startswith(b"."):
            line = b"." + line
        parts.append(line)
        got += len(line) + 2
    out += b"\r\n".join(parts) + b"\r\n"
    if size >= 6000:
        att = [b"", b"--" + boundary, b"Content-Type: application/octet-stream",
               b"Content-Transfer-Encoding: base64",
               b"Content-Disposition: attachment; filename=\"file%d.bin\"" % n, b""]
        out += b"\r\n".join(att) + b"\r\n"
        need = max(0, size - len(out) - 40) // 78
        bl = pools.b64_lines
        j = rng.randrange(len(bl))
        chunk = [bl[(j + k) % len(bl)] for k in range(need)]
        out += b"\r\n".join(chunk) + b"\r\n"
    out += b"--" + boundary + b"--\r\n"
    return out


def body_size(rng):
    """2 KB - 200 KB, log-uniform (median ~20 KB)."""
    lo, hi = 2048, 200 * 1024
    return int(lo * (hi / lo) ** rng.random())


# ------------------------------------------------------------------ sessions

EHLO_EXTS = [b"SIZE 52428800", b"8BITMIME", b"DSN", b"ETRN", b"VRFY", b"EXPN", b"PIPELINING",
             b"PIPECONNECT", b"AUTH PLAIN LOGIN CRAM-MD5", b"CHUNKING", b"STARTTLS", b"PRDR",
             b"SMTPUTF8"]


def b64(s):
    return base64.b64encode(s)


def smtp_session(s, rng, pools, n, port):
    host = b"mx%d.example.org" % (n % 50)
    s.server_sends(b"220-" + host + b" ESMTP Exim 4.96 Thu, 01 Jan 2026 00:00:00 +0000\r\n"
                   b"220-mailscope benchmark server - synthetic traffic\r\n"
                   b"220 unsolicited bulk mail is not accepted here\r\n")
    client = b"client%d.example.net" % (n % 997)
    s.client_sends(b"EHLO " + client + b"\r\n")
    lines = [b"250-" + host + b" Hello " + client + b" [10.0.0.1]"]
    lines += [b"250-" + e for e in EHLO_EXTS] + [b"250 HELP"]
    s.server_sends(b"\r\n".join(lines) + b"\r\n")
    user = b"user%d" % (n % 500)
    if port in (587, 2525) or rng.random() < 0.1:
        if rng.random() < 0.5:
            s.client_sends(b"AUTH PLAIN " + b64(b"\0" + user + b"\0secret%d" % n) + b"\r\n")
        else:
            s.client_sends(b"AUTH LOGIN\r\n")
            s.server_sends(b"334 VXNlcm5hbWU6\r\n")
            s.client_sends(b64(user) + b"\r\n")
            s.server_sends(b"334 UGFzc3dvcmQ6\r\n")
            s.client_sends(b64(b"secret%d" % n) + b"\r\n")
        s.server_sends(b"235 Authentication succeeded\r\n")
    pipelined = port != 8025 and rng.random() < 0.8
    for m in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        sender = b"<sender%d@example.net>" % (n % 997)
        rcpts = [b"<rcpt%d@example.org>" % rng.randrange(5000) for _ in range(rng.choice([1, 1, 2, 3]))]
        cmds = [b"MAIL FROM:" + sender + b" SIZE=%d" % rng.randrange(2000, 200000)]
        cmds += [b"RCPT TO:" + r for r in rcpts] + [b"DATA"]
        replies = [b"250 OK"] + [b"250 Accepted"] * len(rcpts) + \
                  [b"354 Enter message, ending with \".\" on a line by itself"]
        if pipelined:
            s.client_sends(b"\r\n".join(cmds) + b"\r\n")
            s.server_sends(b"\r\n".join(replies) + b"\r\n")
        else:
            for c, r in zip(cmds, replies):
                s.client_sends(c + b"\r\n")
                s.server_sends(r + b"\r\n")
        msg = message(rng, pools, n * 8 + m, body_size(rng), sender[1:-1], [r[1:-1] for r in rcpts])
        s.client_sends(msg + b".\r\n")
        s.server_sends(b"250 OK id=1xWt%02d-%06d-%02d\r\n" % (m, n % 1000000, n % 100))
        if rng.random() < 0.2:
            s.client_sends(b"RSET\r\n")
            s.server_sends(b"250 Reset OK\r\n")
    s.client_sends(b"QUIT\r\n")
    s.server_sends(b"221 " + host + b" closing connection\r\n")


def pop3_session(s, rng, pools, n, port):
    s.server_sends(b"+OK mailscope benchmark server ready. <%x.%d.%08x@pop.example.org>\r\n"
                   % (n, n % 7, rng.getrandbits(32)))
    s.client_sends(b"CAPA\r\n")
    s.server_sends(b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n"
                   b"USER\r\nSASL PLAIN LOGIN\r\nSTLS\r\n.\r\n")
    user = b"user%d" % (n % 500)
    s.client_sends(b"USER " + user + b"\r\n")
    s.server_sends(b"+OK\r\n")
    s.client_sends(b"PASS secret%d\r\n" % n)
    s.server_sends(b"+OK Logged in.\r\n")
    k = rng.choice([1, 1, 2, 2, 3, 4, 5])
    msgs = [message(rng, pools, n * 8 + i, body_size(rng), b"sender@example.net",
                    [user + b"@example.org"]) for i in range(k)]
    sizes = [len(m) for m in msgs]
    s.client_sends(b"STAT\r\n")
    s.server_sends(b"+OK %d %d\r\n" % (k, sum(sizes)))
    s.client_sends(b"LIST\r\n")
    s.server_sends(b"+OK %d messages:\r\n" % k
                   + b"".join(b"%d %d\r\n" % (i + 1, z) for i, z in enumerate(sizes)) + b".\r\n")
    s.client_sends(b"UIDL\r\n")
    s.server_sends(b"+OK\r\n" + b"".join(b"%d %08x%08x\r\n" % (i + 1, n, i) for i in range(k))
                   + b".\r\n")
    for i, m in enumerate(msgs):
        s.client_sends(b"RETR %d\r\n" % (i + 1))
        s.server_sends(b"+OK %d octets\r\n" % len(m) + m + b".\r\n")
        s.client_sends(b"DELE %d\r\n" % (i + 1))
        s.server_sends(b"+OK Marked to be deleted.\r\n")
    s.client_sends(b"QUIT\r\n")
    s.server_sends(b"+OK Logging out, messages deleted.\r\n")


def nonmail_session(s, rng, pools, n, kind):
    if kind == "http":
        for _ in range(rng.randint(1, 4)):
            path = b"/static/%s/%d.html" % (rng.choice(WORDS).encode(), rng.randrange(10000))
            s.client_sends(b"GET " + path + b" HTTP/1.1\r\nHost: www.example.com\r\n"
                           b"User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\n"
                           b"Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n")
            size = body_size(rng) // 2
            text = b"\n".join(pools.text_lines[rng.randrange(3000):][:size // 60 + 1])[:size]
            body = b"<html><body><pre>\n" + text + b"\n</pre></body></html>\n"
            s.server_sends(b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(body) + body)
    elif kind == "tls":
        def record(ctype, body):
            return bytes([ctype, 3, 3]) + struct.pack("!H", len(body)) + body
        hello = b"\x01" + struct.pack("!I", 300)[1:] + bytes(rng.getrandbits(8) for _ in range(300))
        s.client_sends(record(22, hello))
        s.server_sends(record(22, b"\x02" + bytes(rng.getrandbits(8) for _ in range(1200))))
        s.client_sends(record(20, b"\x01") + record(23, bytes(rng.getrandbits(8) for _ in range(300))))
        for _ in range(rng.randint(1, 3)):
            blob = base64.b64decode(b"".join(pools.b64_lines[rng.randrange(5000):][:200]))
            size = body_size(rng) // 2
            data = b"".join(record(23, blob[:16384]) for _ in range(size // 15000 + 1))[:size]
            s.client_sends(record(23, blob[:200]))
            s.server_sends(data)
    elif kind == "ftp":
        s.server_sends(b"220 (vsFTPd 3.0.3)\r\n")
        for c, r in [(b"USER anonymous", b"331 Please specify the password."),
                     (b"PASS guest@", b"230 Login successful."), (b"SYST", b"215 UNIX Type: L8"),
                     (b"PWD", b"257 \"/\" is the current directory"),
                     (b"TYPE I", b"200 Switching to Binary mode."),
                     (b"PASV", b"227 Entering Passive Mode (127,0,0,1,117,48).")]:
            s.client_sends(c + b"\r\n")
            s.server_sends(r + b"\r\n")
        for _ in range(rng.randint(2, 10)):
            s.client_sends(b"RETR file%d.txt\r\n" % rng.randrange(100))
            s.server_sends(b"150 Opening BINARY mode data connection.\r\n")
            s.server_sends(b"226 Transfer complete.\r\n")
        s.client_sends(b"QUIT\r\n")
        s.server_sends(b"221 Goodbye.\r\n")
    elif kind == "imap":
        s.server_sends(b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                       b"LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.\r\n")
        s.client_sends(b"a1 LOGIN user%d secret\r\n" % n)
        s.server_sends(b"a1 OK Logged in\r\n")
        s.client_sends(b"a2 SELECT INBOX\r\n")
        s.server_sends(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 3 EXISTS\r\n"
                       b"* 0 RECENT\r\na2 OK [READ-WRITE] Select completed.\r\n")
        for i in range(rng.randint(1, 3)):
            m = message(rng, pools, n * 8 + i, body_size(rng) // 2, b"a@example.net", [b"b@example.org"])
            s.client_sends(b"a%d FETCH %d BODY[]\r\n" % (i + 3, i + 1))
            s.server_sends(b"* %d FETCH (BODY[] {%d}\r\n" % (i + 1, len(m)) + m
                           + b")\r\na%d OK Fetch completed.\r\n" % (i + 3))
        s.client_sends(b"a9 LOGOUT\r\n")
        s.server_sends(b"* BYE Logging out\r\na9 OK Logout completed.\r\n")
    else:  # redis
        for _ in range(rng.randint(20, 120)):
            key = b"key:%d" % rng.randrange(100000)
            if rng.random() < 0.5:
                val = b"v" * rng.randrange(10, 400)
                s.client_sends(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(val), val))
                s.server_sends(b"+OK\r\n")
            else:
                s.client_sends(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
                val = b"x" * rng.randrange(10, 400)
                s.server_sends(b"$%d\r\n%s\r\n" % (len(val), val))


# ------------------------------------------------------------------ short sessions

# 20 octets of message (header, empty line, text), as a probe or a tiny
# submission carries; 120 octets for the POP3 messages.
SHORT_SMTP_BODY = b"Subject: t\r\n\r\nhi 1\r\n"
assert len(SHORT_SMTP_BODY) == 20


def short_pop3_message(n, i):
    head = b"Subject: poll %06d/%d\r\nFrom: <a@example.net>\r\n\r\n" % (n % 1000000, i)
    text = b"x" * (120 - len(head) - 2) + b"\r\n"
    return head + text


def short_smtp_session(s, n):
    """Returns the number of data segments (PDUs) it sent."""
    host = b"mx%d.example.org" % (n % 50)
    s.server_sends(b"220 " + host + b" ESMTP Exim 4.96\r\n")
    s.client_sends(b"EHLO client%d.example.net\r\n" % (n % 997))
    s.server_sends(b"250-" + host + b" Hello\r\n250-SIZE 52428800\r\n250-PIPELINING\r\n"
                   b"250 HELP\r\n")
    s.client_sends(b"MAIL FROM:<sender%d@example.net>\r\n" % (n % 997))
    s.server_sends(b"250 OK\r\n")
    for r in range(2):
        s.client_sends(b"RCPT TO:<rcpt%d@example.org>\r\n" % ((n * 2 + r) % 5000))
        s.server_sends(b"250 Accepted\r\n")
    s.client_sends(b"DATA\r\n")
    s.server_sends(b"354 Enter message, ending with \".\" on a line by itself\r\n")
    s.client_sends(SHORT_SMTP_BODY + b".\r\n")
    s.server_sends(b"250 OK id=1xWt69-%06d-1e\r\n" % (n % 1000000))
    s.client_sends(b"QUIT\r\n")
    s.server_sends(b"221 " + host + b" closing connection\r\n")
    return 15


def short_pop3_session(s, n):
    s.server_sends(b"+OK Dovecot ready.\r\n")
    s.client_sends(b"USER user%d\r\n" % (n % 500))
    s.server_sends(b"+OK\r\n")
    s.client_sends(b"PASS secret%d\r\n" % n)
    s.server_sends(b"+OK Logged in.\r\n")
    msgs = [short_pop3_message(n, i) for i in range(3)]
    s.client_sends(b"STAT\r\n")
    s.server_sends(b"+OK 3 %d\r\n" % sum(len(m) for m in msgs))
    s.client_sends(b"LIST\r\n")
    s.server_sends(b"+OK 3 messages:\r\n" + b"".join(b"%d %d\r\n" % (i + 1, len(m))
                                                     for i, m in enumerate(msgs)) + b".\r\n")
    for i, m in enumerate(msgs):
        s.client_sends(b"RETR %d\r\n" % (i + 1))
        s.server_sends(b"+OK %d octets\r\n" % len(m) + m + b".\r\n")
    s.client_sends(b"QUIT\r\n")
    s.server_sends(b"+OK Logging out.\r\n")
    return 17


def generate_short(out_path, sessions, seed=1):
    """kind short: `sessions` sessions, SMTP (port 25) and POP3 (port 110)
    alternating; the seed only varies the TCP initial sequence numbers."""
    rng = random.Random("short:%d" % seed)
    comment = ("SYNTHETIC benchmark capture (not real traffic) from mailscope tools/bench: "
               "kind=short seed=%d sessions=%d" % (seed, sessions))
    counts = {}
    segments = 0
    with open(out_path + ".tmp", "wb", buffering=1 << 20) as fh:
        cap = StreamCapture(fh, BASE_US, comment)
        for n in range(1, sessions + 1):
            port = 25 if n % 2 else 110
            s = Session(cap, client_port=32768 + (n * 7919) % 28000, server_port=port,
                        client_isn=rng.getrandbits(32), server_isn=rng.getrandbits(32))
            s.client.ip = bytes([10, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])
            s.server.ip = bytes([198, 51, 100, 1 + port % 200])
            s.open()
            if port == 25:
                segments += short_smtp_session(s, n)
                key = "smtp:25"
            else:
                segments += short_pop3_session(s, n)
                key = "pop3:110"
            s.close(by="client")
            counts[key] = counts.get(key, 0) + 1
    os.replace(out_path + ".tmp", out_path)
    return {"sessions": sessions, "frames": cap.frames, "bytes": cap.bytes, "by_kind": counts,
            "mail_sessions": sessions, "mail_segments": segments}


def generate(out_path, kind, size, seed=1):
    if kind == "short":
        return generate_short(out_path, size, seed)
    rng = random.Random("%s:%d" % (kind if kind != "nonmail" else "nonmail", seed))
    pools = Pools(random.Random(seed))
    comment = ("SYNTHETIC benchmark capture (not real traffic) from mailscope tools/bench: "
               "kind=%s seed=%d target=%d octets" % (kind, seed, size))
    counts = {}
    with open(out_path + ".tmp", "wb", buffering=1 << 20) as fh:
        cap = StreamCapture(fh, BASE_US, comment)
        n = 0
        while cap.bytes < size:
            n += 1
            if kind == "nonmail":
                what = "nonmail"
            else:
                what = weighted(rng, MIXED_WEIGHTS)
            if what == "smtp":
                port = weighted(rng, STD_SMTP_PORTS if kind == "std" else SMTP_PORTS)
            elif what == "pop3":
                port = weighted(rng, STD_POP3_PORTS if kind == "std" else POP3_PORTS)
            else:
                if kind == "std":
                    continue
                nk, port = NONMAIL[rng.randrange(len(NONMAIL))]
            # Distinct conversations: client address and port from n.
            s = Session(cap, client_port=32768 + (n * 7919) % 28000, server_port=port,
                        client_isn=rng.getrandbits(32), server_isn=rng.getrandbits(32))
            s.client.ip = bytes([10, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])
            s.server.ip = bytes([198, 51, 100, 1 + port % 200])
            s.open()
            if what == "smtp":
                smtp_session(s, rng, pools, n, port)
                key = "smtp:%d" % port
            elif what == "pop3":
                pop3_session(s, rng, pools, n, port)
                key = "pop3:%d" % port
            else:
                nonmail_session(s, rng, pools, n, nk)
                key = "%s:%d" % (nk, port)
            s.close(by="client")
            counts[key] = counts.get(key, 0) + 1
    os.replace(out_path + ".tmp", out_path)
    return {"sessions": sum(counts.values()), "frames": cap.frames, "bytes": cap.bytes,
            "by_kind": counts,
            "mail_sessions": sum(v for k, v in counts.items() if k.startswith(("smtp", "pop3")))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=["mixed", "nonmail", "std", "short"], default="mixed")
    ap.add_argument("--size", default="200M", help="octets; for --kind short: sessions")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    import json
    size = int(a.size) if a.kind == "short" else parse_size(a.size)
    print(json.dumps(generate(a.out, a.kind, size, a.seed), sort_keys=True))


if __name__ == "__main__":
    main()
