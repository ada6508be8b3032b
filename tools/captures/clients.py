#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Scripted mail/negative-protocol clients used by tools/make-captures.

Each scenario talks only to loopback (127.0.0.1 / ::1).  The real servers
(exim, dovecot, redis, ngircd) are started by tools/make-captures.

usage: clients.py SCENARIO [ARGS...]
Environment: MS_CA   path of the self-signed server certificate (PEM)
             MS_KEYS path of the TLS key log to write (TLS scenarios)
"""

import base64
import hashlib
import hmac
import imaplib
import os
import poplib
import smtplib
import socket
import ssl
import sys
import time

TIMEOUT = 20
V4 = "127.0.0.1"
V6 = "::1"
USER = "alice"
PASSWORD = "secret"
CLIENT_NAME = "client.example.org"


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def tls_context():
    ctx = ssl.create_default_context(cafile=os.environ["MS_CA"])
    keys = os.environ.get("MS_KEYS")
    if keys:
        ctx.keylog_filename = keys
    return ctx


def simple_message(subject, body, sender="alice@example.org",
                   to="bob@example.org"):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
            "Message-ID: <%s.%d@client.example.org>\r\n"
            "Date: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\n" % (
                sender, to, subject, subject.replace(" ", "-").lower(),
                os.getpid(),
                time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                body))


# ---------------------------------------------------------------- SMTP

def smtp_starttls_auth():
    """EHLO, STARTTLS, EHLO again, AUTH PLAIN inside TLS, one message."""
    s = smtplib.SMTP(V4, 587, local_hostname=CLIENT_NAME, timeout=TIMEOUT)
    s.ehlo()
    s.starttls(context=tls_context())
    s.ehlo()
    s.user, s.password = USER, PASSWORD
    s.auth("PLAIN", s.auth_plain, initial_response_ok=True)
    s.sendmail("alice@example.org", ["bob@example.org"],
               simple_message("starttls test",
                              "Sent after STARTTLS and AUTH PLAIN."))
    s.quit()


def smtp_port_reuse():
    """Two sessions, one after the other, from the same client port: the
    second connection has the first one's addresses and ports (the server
    closed first after QUIT, so its TIME_WAIT takes the new SYN)."""
    port = None
    for n in (1, 2):
        for attempt in range(50):
            try:
                s = smtplib.SMTP(V4, 25, local_hostname=CLIENT_NAME, timeout=TIMEOUT,
                                 source_address=(V4, port or 0))
                break
            except OSError:
                time.sleep(0.2)   # the old connection is still closing
        else:
            raise SystemExit("could not reuse client port %s" % port)
        port = s.sock.getsockname()[1]
        s.ehlo()
        s.sendmail("alice@example.org", ["bob@example.org"],
                   simple_message("port reuse %d" % n, "Session %d of 2 from port %d." % (n, port)))
        s.quit()
        time.sleep(0.5)


def smtp_rcpt_reject_rset():
    """Rejected recipient (550), RSET, then a second complete transaction."""
    s = smtplib.SMTP(V4, 25, local_hostname=CLIENT_NAME, timeout=TIMEOUT)
    s.ehlo()
    print(s.mail("alice@example.org"))
    print(s.rcpt("bob@example.org"))
    print(s.rcpt("nosuchuser@example.org"))     # 550 unrouteable
    print(s.rcpt("someone@elsewhere.invalid"))  # 550 relaying denied
    print(s.rset())
    print(s.mail("carol@example.org"))
    print(s.rcpt("nobody-here@example.org"))    # 550 again
    print(s.rcpt("dave@example.org"))
    print(s.data(simple_message("second transaction",
                                "Only dave should get this.",
                                sender="carol@example.org",
                                to="dave@example.org")))
    s.quit()


def smtp_vrfy_expn_help():
    """VRFY / EXPN / NOOP / HELP / ETRN."""
    s = smtplib.SMTP(V4, 25, local_hostname=CLIENT_NAME, timeout=TIMEOUT)
    s.ehlo()
    print(s.verify("alice@example.org"))
    print(s.verify("alice"))
    print(s.verify("nosuchuser@example.org"))
    print(s.expn("staff"))
    print(s.noop())
    print(s.help())
    print(s.docmd("HELP", "MAIL"))
    print(s.docmd("ETRN", "example.org"))
    s.quit()


def smtp_smtputf8_dsn():
    """MAIL ... BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=..., RCPT NOTIFY/ORCPT."""
    s = smtplib.SMTP(V4, 25, local_hostname=CLIENT_NAME, timeout=TIMEOUT)
    s.ehlo()
    sender = "jos\u00e9@example.org"
    msg = ("From: Jos\u00e9 Garc\u00eda <%s>\r\n"
           "To: Bob <bob@example.org>\r\n"
           "Subject: Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c\u8a9e\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n"
           "8-bit body: \u00e4\u00f6\u00fc \u00df \u20ac \u65e5\u672c\u8a9e "
           "\u0420\u0443\u0441\u0441\u043a\u0438\u0439\r\n" % sender)
    print(s.mail(sender, ["BODY=8BITMIME", "SMTPUTF8", "RET=HDRS",
                          "ENVID=mailscope-envid-0001"]))
    print(s.rcpt("bob@example.org", ["NOTIFY=SUCCESS,FAILURE,DELAY",
                                     "ORCPT=rfc822;bob@example.org"]))
    print(s.rcpt("carol@example.org", ["NOTIFY=NEVER",
                                       "ORCPT=utf-8;carol@example.org"]))
    print(s.data(msg.encode("utf-8")))
    s.quit()


def smtp_pipelining_raw():
    """A minimal client that pipelines MAIL/RCPT/RCPT/DATA in one send()."""
    c = socket.create_connection((V4, 25), timeout=TIMEOUT)
    f = c.makefile("rb")

    def reply():
        lines = []
        while True:
            line = f.readline()
            if not line:
                raise SystemExit("connection closed")
            lines.append(line)
            if line[3:4] != b"-":
                return lines

    reply()
    c.sendall(b"EHLO " + CLIENT_NAME.encode() + b"\r\n")
    ehlo = b"".join(reply())
    if b"PIPELINING" not in ehlo:
        raise SystemExit("server does not offer PIPELINING")
    c.sendall(b"MAIL FROM:<alice@example.org>\r\n"
              b"RCPT TO:<bob@example.org>\r\n"
              b"RCPT TO:<carol@example.org>\r\n"
              b"DATA\r\n")
    for _ in range(4):
        print(reply())
    body = simple_message("pipelined", "MAIL, RCPT, RCPT and DATA were sent "
                          "in a single segment.").encode()
    # end of data and QUIT pipelined too (RFC 2920 allows it)
    c.sendall(body + b".\r\nQUIT\r\n")
    print(reply())
    print(reply())
    c.close()


# ---------------------------------------------------------------- POP3

def pop_connect(host=V4, port=110):
    p = poplib.POP3(host, port, timeout=TIMEOUT)
    print(p.getwelcome())
    return p


def pop3_capa():
    p = pop_connect()
    print(p.capa())
    p.quit()


def pop3_user_pass():
    p = pop_connect()
    print(p.user(USER))
    print(p.pass_(PASSWORD))
    print(p.stat())
    print(p.list())
    print(p.list(2))
    print(p.uidl())
    print(p.uidl(1))
    print(p.retr(1)[0])
    print(p.top(2, 3))
    print(p.dele(1))
    print(p.rset())
    print(p.noop())
    print(p.dele(3))
    print(p.quit())


def pop3_apop():
    p = pop_connect()
    print(p.apop(USER, PASSWORD))
    print(p.stat())
    print(p.retr(1)[0])
    print(p.quit())


def pop3_auth_plain_ir():
    p = pop_connect()
    print(p._shortcmd("AUTH PLAIN " + b64("\0%s\0%s" % (USER, PASSWORD))))
    print(p.stat())
    print(p.list())
    print(p.quit())


def pop3_auth_plain():
    p = pop_connect()
    print(p._shortcmd("AUTH PLAIN"))            # "+ " continuation
    print(p._shortcmd(b64("\0%s\0%s" % (USER, PASSWORD))))
    print(p.stat())
    print(p.quit())


def pop3_auth_login():
    p = pop_connect()
    print(p._shortcmd("AUTH LOGIN"))            # "+ VXNlcm5hbWU6"
    print(p._shortcmd(b64(USER)))               # "+ UGFzc3dvcmQ6"
    print(p._shortcmd(b64(PASSWORD)))
    print(p.stat())
    print(p.quit())


def pop3_auth_cram_md5():
    p = pop_connect()
    resp = p._shortcmd("AUTH CRAM-MD5")          # "+ <base64 challenge>"
    challenge = base64.b64decode(resp.split(b" ", 1)[1])
    digest = hmac.new(PASSWORD.encode(), challenge, hashlib.md5).hexdigest()
    print(p._shortcmd(b64("%s %s" % (USER, digest))))
    print(p.stat())
    print(p.quit())


def pop3_stls():
    p = pop_connect()
    print(p.capa())
    print(p.stls(context=tls_context()))
    print(p.capa())
    print(p.user(USER))
    print(p.pass_(PASSWORD))
    print(p.stat())
    print(p.retr(1)[0])
    print(p.quit())


def pop3_auth_fail():
    p = pop_connect()
    print(p.user(USER))
    try:
        p.pass_("wrong-password")
    except poplib.error_proto as e:
        print("expected failure:", e)
    try:
        p._shortcmd("AUTH PLAIN " + b64("\0%s\0%s" % (USER, "nope")))
    except poplib.error_proto as e:
        print("expected failure:", e)
    print(p.quit())


def pop3_retr_large():
    p = pop_connect()
    print(p.user(USER))
    print(p.pass_(PASSWORD))
    print(p.stat())
    print(p.list())
    resp, lines, octets = p.retr(1)
    print(resp, len(lines), octets)
    print(p.quit())


def pop3_ipv6():
    p = pop_connect(V6, 110)
    print(p.capa())
    print(p.user(USER))
    print(p.pass_(PASSWORD))
    print(p.stat())
    print(p.uidl())
    print(p.retr(1)[0])
    print(p.quit())


# ---------------------------------------------------------------- negatives

def neg_imap():
    m = imaplib.IMAP4(V4, 143, timeout=TIMEOUT)
    print(m.capability())
    print(m.login(USER, PASSWORD))
    print(m.select("INBOX"))
    print(m.search(None, "ALL"))
    print(m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])"))
    print(m.fetch("2", "(BODY.PEEK[])"))
    print(m.noop())
    print(m.close())
    print(m.logout())


def line_session(host, port, lines, pause=0.1, quiet=0.4):
    """Send lines one by one on a fresh connection; print what comes back."""
    c = socket.create_connection((host, port), timeout=TIMEOUT)
    c.settimeout(quiet)
    out = b""

    def drain():
        nonlocal out
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    return False
                out += d
        except socket.timeout:
            return True

    drain()
    for line in lines:
        c.sendall(line.encode() + b"\r\n")
        time.sleep(pause)
        if not drain():
            break
    c.close()
    sys.stdout.write(out.decode("utf-8", "replace"))


def neg_redis_inline():
    # A POP3/SMTP-looking conversation against redis' inline protocol:
    # replies are "+PONG", "+OK", "-ERR ...", "$..." bulk strings.
    line_session(V4, 6379, ["PING", "USER alice", "PASS secret",
                            "SET greeting hello", "GET greeting",
                            "HELO example.org", "QUIT"])


def neg_nntp():
    # NNTP: 200 banner, 3-digit replies, dot-terminated multi-line replies,
    # and commands that also exist in POP3/SMTP (LIST, STAT, HELP, QUIT).
    line_session(V4, 119, [
        "MODE READER", "HELP", "LIST", "GROUP local.test", "POST",
        "From: Alice <alice@example.org>\r\nNewsgroups: local.test\r\n"
        "Subject: hello news\r\n\r\nNot a mail.\r\n..leading dot\r\n.",
        "AUTHINFO USER alice", "AUTHINFO PASS secret", "GROUP local.test",
        "STAT 1", "ARTICLE 1", "XOVER 1-10", "QUIT"])


def neg_irc():
    line_session(V4, 6667, ["NICK mailtest", "USER mailtest 0 * :Mail Test",
                            "JOIN #mailscope", "PRIVMSG #mailscope :hello +OK 250",
                            "PART #mailscope", "QUIT :bye"], quiet=1.0)


SCENARIOS = {name: fn for name, fn in globals().items()
             if callable(fn) and name.startswith(("smtp_", "pop3_", "neg_"))}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        sys.exit("usage: clients.py {%s}" % ",".join(sorted(SCENARIOS)))
    SCENARIOS[sys.argv[1]]()


if __name__ == "__main__":
    main()
