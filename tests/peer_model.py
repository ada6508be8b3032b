# SPDX-License-Identifier: GPL-2.0-or-later
"""peer_model -- what mailscope says about a capture, read from tshark's PDML.

tests/peer-conformance compares this with what Zeek and Suricata expect.  The
model holds only what mailscope's own fields express, PDU by PDU (one "unit"
per mailscope PDU subtree), plus the IMF fields of every reassembled message.
Mail transactions and POP3 exchanges are then derived from those units by the
rules of RFC 5321 and RFC 1939 (not by mailscope's code):

  SMTP  a transaction starts with MAIL (or with RCPT, DATA or a well-formed
        BDAT sent without one), collects the RCPT forward-paths, and ends with the end of its
        message data (the "." line or the last BDAT chunk, whose reply is the
        transaction's final reply), RSET, an accepted HELO/EHLO/LHLO, the next
        MAIL, QUIT, or the end of the connection (RFC 5321 3.3, 4.1.1.4-5,
        4.1.4; RFC 3030 2); a MAIL refused while a transaction was open
        (503 nested MAIL) opens nothing.
  POP3  each command with the response that answers it (mailscope's
        response_to link), the listing lines that follow it, and the SASL
        continuation lines as "<SASL DATA>" commands.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter

SEVERITY_WARN = 0x00600000          # PI_WARN
# mailscope's PDU labels (mail-render.c unit_label()): "Request: EHLO ...", or
# the summary alone when it starts with the kind ("Chunk data (10 octets)").
UNIT_KIND = re.compile(r"(Request|SASL response|Reply|Message content|Listing|Chunk data|"
                       r"Line fragment|Injected plaintext)(?=: | \(|$)")
# Warnings about the session's security posture, not about the protocol being
# spoken wrongly: they are no "anomaly" in the peers' sense.
NOT_ANOMALIES = {"auth.cleartext"}


class Unit:
    __slots__ = ("proto", "kind", "frame", "from_server", "fields", "experts", "index")

    def __init__(self, proto, kind, frame, from_server):
        self.proto, self.kind, self.frame, self.from_server = proto, kind, frame, from_server
        self.fields = {}
        self.experts = []       # (name without protocol prefix, severity, message)
        self.index = 0          # position among the units of its frame

    def get(self, name, default=None):
        v = self.fields.get(name)
        return v[0] if v else default

    def all(self, name):
        return self.fields.get(name, [])

    def anomalies(self):
        return [e for e in self.experts if e[1] >= SEVERITY_WARN and e[0] not in NOT_ANOMALIES]


class Stream:
    def __init__(self, sid):
        self.id = sid
        self.endpoints = None           # ((ip, port), (ip, port)) of the first packet
        self.server = None              # (ip, port) the side that sends replies
        self.units = []
        self.imf = {}                   # frame -> [message dict]
        self.packets = []               # (frame, src, dst)
        self.ip_version = 4

    @property
    def proto(self):
        return self.units[0].proto if self.units else None

    @property
    def client(self):
        if not self.server:
            return None
        a, b = self.endpoints
        return b if a == self.server else a

    def anomalies(self):
        return [(u.frame, e) for u in self.units for e in u.anomalies()]


class Capture:
    def __init__(self):
        self.streams = {}
        self.malformed_ours = []        # (frame, text): an exception in our dissector
        self.malformed_expert = []      # (frame, expert): our Malformed-group expert infos
        self.frames = 0

    def stream_by_ports(self, a, b):
        """The stream between endpoints a and b ((ip, port) each), either way round."""
        for s in self.streams.values():
            if s.endpoints and set(s.endpoints) == {a, b}:
                return s
        return None

    def mail_streams(self, proto=None):
        return [s for s in sorted(self.streams.values(), key=lambda s: s.id)
                if s.units and (proto is None or s.proto == proto)]


def _fields_of(el, unit, proto):
    for child in el:
        name = child.get("name", "")
        if name == "_ws.expert":
            ename, sev, msg = None, 0, ""
            for f in child:
                n = f.get("name", "")
                if n == "_ws.expert.severity":
                    sev = int(f.get("show", "0"))
                elif n == "_ws.expert.message":
                    msg = f.get("show", "")
                elif n.startswith(proto + ".") and ename is None:
                    ename = n[len(proto) + 1:]
            unit.experts.append((ename or "?", sev, msg))
            continue
        if name and not name.startswith("_ws."):
            unit.fields.setdefault(name, []).append(child.get("show", ""))
        if len(child):
            _fields_of(child, unit, proto)


def _imf_message(el):
    m = {"from": None, "from_addrs": [], "to_addrs": [], "cc_addrs": [], "subject": None,
         "message_id": None, "date": None}

    def addresses(field):
        out = []
        for f in field.iter("field"):
            if f.get("name") in ("imf.mailbox_list.item", "imf.address_list.item"):
                out.append(f.get("show", ""))
        if not out:
            out = [field.get("show", "")]
        return out

    for f in el:
        n = f.get("name", "")
        if n == "imf.from":
            m["from"] = f.get("show", "")
            m["from_addrs"] = addresses(f)
        elif n == "imf.to":
            m["to_addrs"] += addresses(f)
        elif n == "imf.cc":
            m["cc_addrs"] += addresses(f)
        elif n == "imf.subject":
            m["subject"] = f.get("show", "")
        elif n == "imf.message_id":
            m["message_id"] = f.get("show", "")
        elif n == "imf.date":
            m["date"] = f.get("show", "")
    return m


def read_pdml(stream_of_bytes):
    """Builds a Capture from tshark -T pdml output (a file object)."""
    cap = Capture()
    for _, pkt in ET.iterparse(stream_of_bytes, events=("end",)):
        if pkt.tag != "packet":
            continue
        cap.frames += 1
        frame, sid, src, dst, ipv = None, None, [None, None], [None, None], 4
        top = list(pkt)
        for proto in top:
            pname = proto.get("name")
            if pname == "geninfo":
                for f in proto:
                    if f.get("name") == "num":
                        frame = int(f.get("show"))
            elif pname in ("ip", "ipv6"):
                ipv = 4 if pname == "ip" else 6
                for f in proto:
                    n = f.get("name")
                    if n in ("ip.src", "ipv6.src"):
                        src[0] = f.get("show")
                    elif n in ("ip.dst", "ipv6.dst"):
                        dst[0] = f.get("show")
            elif pname == "tcp":
                for f in proto:
                    n = f.get("name")
                    if n == "tcp.stream":
                        sid = int(f.get("show"))
                    elif n == "tcp.srcport":
                        src[1] = int(f.get("show"))
                    elif n == "tcp.dstport":
                        dst[1] = int(f.get("show"))
        if sid is None:
            pkt.clear()
            continue
        s = cap.streams.get(sid)
        if s is None:
            s = cap.streams[sid] = Stream(sid)
            s.endpoints = (tuple(src), tuple(dst))
            s.ip_version = ipv
        s.packets.append((frame, tuple(src), tuple(dst)))
        prev = None
        index = 0
        for proto in top:
            pname = proto.get("name")
            if pname in ("esmtp", "pop3"):
                for ufield in proto:
                    # esmtp.pdu / pop3.pdu, labelled "Request: EHLO ..."
                    # (showname); Wireshark marks a label longer than it
                    # keeps ("[truncated]" before it in 4.0, an ellipsis in
                    # later releases).
                    label = ufield.get("showname") or ufield.get("show", "")
                    m = UNIT_KIND.search(label)
                    kind = m.group(1) if m else label.split(":", 1)[0]
                    u = Unit(pname, kind, frame, None)
                    u.index = index
                    index += 1
                    u.fields["_src"] = [src]
                    _fields_of(ufield, u, pname)
                    s.units.append(u)
                for hidden in proto.iter("proto"):
                    if hidden.get("name") == "_ws.malformed":
                        cap.malformed_expert.append((frame, pname))
            elif pname == "imf":
                s.imf.setdefault(frame, []).append(_imf_message(proto))
            elif pname == "_ws.malformed" and prev in ("esmtp", "pop3"):
                cap.malformed_ours.append((frame, proto.get("showname", "")))
            if pname not in ("_ws.malformed", "_ws.expert"):
                prev = pname
        pkt.clear()
    for s in cap.streams.values():
        replies = [u for u in s.units if u.kind == "Reply"]
        if replies:
            s.server = tuple(replies[0].fields["_src"][0])
        elif s.units:
            src = tuple(s.units[0].fields["_src"][0])
            a, b = s.endpoints
            s.server = b if src == a else a
        for u in s.units:
            u.from_server = tuple(u.fields["_src"][0]) == s.server
    return cap


# ---------------------------------------------------------------- SMTP transactions

class Transaction:
    def __init__(self, helo, start_frame):
        self.helo = helo
        self.mail_from = None
        self.rcpt_to = []
        self.last_reply = None      # code of the last reply in it
        self.final_reply = None     # code of the reply to the end of its data
        self.message = None         # IMF dict of its message
        self.start_frame = start_frame
        self.ended_by = None
        self.data_end_frame = None  # frame of the unit that ends its data

    def __repr__(self):
        return (f"<tx {self.mail_from!r} {self.rcpt_to!r} last={self.last_reply} "
                f"end={self.ended_by}>")


def _link_replies(stream, proto):
    """{id(reply unit): the unit it answers}.  mailscope links each reply to
    the frame of its request (response_to) and each request to its reply's
    frame (response_in, two-pass): the k-th reply of frame G that answers
    frame F goes with the k-th unit of F whose response_in is G."""
    waiting = {}
    for u in stream.units:
        rin = u.get(proto + ".response_in")
        if rin and rin.isdigit():
            waiting.setdefault((u.frame, int(rin)), []).append(u)
    out = {}
    for u in stream.units:
        if u.kind != "Reply":
            continue
        rto = u.get(proto + ".response_to")
        if rto and rto.isdigit():
            q = waiting.get((int(rto), u.frame))
            if q:
                out[id(u)] = q.pop(0)
    return out


def _ends_message(u):
    """Does this client unit end a message (its reply is the final one)?
    The "." line is the content unit that waits for a reply; a BDAT ... LAST
    command is the request whose chunk is the last."""
    if u.kind == "Message content":
        return bool(u.get("esmtp.response_in"))
    if u.kind == "Request" and (u.get("esmtp.command") or "").upper() == "BDAT":
        return u.get("esmtp.bdat.last") in ("1", "True", "true")
    return False


class SmtpSession:
    """The SMTP facts of one stream, derived from its units."""

    def __init__(self, stream):
        self.stream = stream
        self.transactions = []
        self.helos = []             # HELO/EHLO/LHLO domains, in order
        self.starttls = False       # a STARTTLS was accepted (220)
        self.replies = []           # reply codes in order
        self.commands = []          # command words in order
        self._derive()

    def _derive(self):
        s = self.stream
        answers = _link_replies(s, "esmtp")
        tx_of = {}                  # id(client unit) -> its transaction
        nested_in = {}              # id(MAIL unit) -> the transaction open when it was sent
        cur = None
        helo = None

        def close(how):
            nonlocal cur
            if cur is not None:
                cur.ended_by = how
                self.transactions.append(cur)
            cur = None

        def open_tx(u):
            nonlocal cur
            if cur is None:
                cur = Transaction(helo, u.frame)
            return cur

        for u in s.units:
            if u.proto != "esmtp":
                continue
            if u.kind == "Request":
                cmd = (u.get("esmtp.command") or "").upper()
                self.commands.append(cmd)
                if cmd in ("HELO", "EHLO", "LHLO"):
                    helo = u.get("esmtp.helo.domain", "")
                    self.helos.append(helo)
                elif cmd == "MAIL":
                    nested_in[id(u)] = cur
                    close("MAIL")
                    open_tx(u).mail_from = u.get("esmtp.mail.from", "")
                elif cmd == "RCPT":
                    open_tx(u).rcpt_to += u.all("esmtp.rcpt.to") or [""]
                elif cmd == "DATA" or (cmd == "BDAT" and u.get("esmtp.bdat.size")):
                    # (a malformed BDAT carries no chunk size: no data follows)
                    open_tx(u)
                elif cmd == "RSET":
                    close("RSET")
                elif cmd == "QUIT":
                    close("QUIT")
                tx_of[id(u)] = cur
            elif u.kind in ("Message content", "Chunk data", "SASL response"):
                tx_of[id(u)] = cur
                # The unit that completes a reassembled message carries its
                # length; IMF's fields are in the same frame.
                if u.get("esmtp.message.length") and cur is not None:
                    cur.data_end_frame = u.frame
            elif u.kind == "Reply":
                code = u.get("esmtp.reply.code")
                code = int(code) if code and code.isdigit() else None
                self.replies.append(code)
                req = answers.get(id(u))
                tx = tx_of.get(id(req), cur) if req is not None else cur
                if tx is not None:
                    tx.last_reply = code
                if req is None:
                    continue
                rcmd = (req.get("esmtp.command") or "").upper() if req.kind == "Request" else ""
                ok = code is not None and 200 <= code < 400
                if rcmd in ("HELO", "EHLO", "LHLO") and ok:
                    close(rcmd)
                elif rcmd == "MAIL" and not ok and nested_in.get(id(req)) is not None \
                        and tx is cur:
                    # A MAIL refused while a transaction was open (503 nested
                    # MAIL) opened nothing: the open one goes on, with the
                    # RCPTs sent since.
                    prev = nested_in[id(req)]
                    self.transactions.remove(prev)
                    prev.rcpt_to += cur.rcpt_to
                    for k, v in tx_of.items():
                        if v is cur:
                            tx_of[k] = prev
                    cur = prev
                    cur.last_reply = code
                elif rcmd == "STARTTLS" and code == 220:
                    self.starttls = True
                elif _ends_message(req) and tx is not None:
                    tx.final_reply = code
                    if tx is cur:
                        close("end of data")
        close("end of connection")
        taken = Counter()
        for tx in self.transactions:
            if tx.data_end_frame is not None:
                msgs = s.imf.get(tx.data_end_frame, [])
                k = taken[tx.data_end_frame]
                if k < len(msgs):
                    tx.message = msgs[k]
                    taken[tx.data_end_frame] += 1


# ---------------------------------------------------------------- POP3 exchanges

class Pop3Exchange:
    def __init__(self, command, args, request_frame):
        self.command = command
        self.args = args
        self.request_frame = request_frame
        self.status = None          # "+OK", "-ERR", "+" or None (no answer)
        self.header = None          # the response's text after the status
        self.data = []              # listing lines that follow the response

    def __repr__(self):
        return f"<{self.command} {self.args} -> {self.status} {self.header!r} {len(self.data)}>"


def pop3_exchanges(stream):
    """Commands (and SASL lines) in order, each with its answer; a response
    that answers nothing (the greeting) is an exchange without command."""
    answers = _link_replies(stream, "pop3")
    out, ex_of, last = [], {}, None
    for u in stream.units:
        if u.proto != "pop3":
            continue
        if u.kind in ("Request", "SASL response"):
            if u.kind == "Request":
                cmd = (u.get("pop3.command") or "").upper()
                arg = u.get("pop3.request.arg", "")
                ex = Pop3Exchange(cmd, arg.split() if arg else [], u.frame)
            else:
                ex = Pop3Exchange("<SASL DATA>", [], u.frame)
            ex_of[id(u)] = ex
            out.append(ex)
        elif u.kind == "Reply":
            req = answers.get(id(u))
            target = ex_of.get(id(req)) if req is not None else None
            if target is None:
                target = Pop3Exchange(None, [], None)
                out.append(target)
            code = u.get("pop3.response.code")
            target.status = u.get("pop3.status")
            target.header = (f"[{code}] " if code else "") + u.get("pop3.response.text", "")
            last = target
        elif u.kind == "Listing" and last is not None:
            last.data += u.all("pop3.listing.line")
    return out
