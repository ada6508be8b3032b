# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture and Session: a tiny TCP conversation simulator.

    cap = Capture(start_us=..., snaplen=262144)
    s = cap.session(client_port=40001, server_port=25)
    s.open()                                  # SYN, SYN/ACK, ACK
    s.server_sends(b"220 mx ESMTP\\r\\n")
    s.client_sends(b"EHLO x\\r\\n", split=1)   # one byte per segment
    s.client_sends(data, split=[10, 5], order=[1, 0, 2], retransmit=[0])
    s.close(by="server")                      # FIN/ACK, FIN/ACK, ACK
    open(path, "wb").write(cap.pcapng(comment="..."))

Sequence and acknowledgement numbers are tracked per direction, every
segment carries ACK (except the initial SYN), the last segment of each
send carries PSH, the receiver acknowledges each send with a pure ACK, and
timestamps only ever increase by fixed amounts.
"""

from . import wire

MSS = 1460
WSCALE = 7
WINDOW = 2048           # advertised after the handshake; << WSCALE = 256 KiB
SYN_OPTIONS = bytes([2, 4, MSS >> 8, MSS & 0xFF,   # MSS
                     1,                            # NOP
                     3, 3, WSCALE])                # window scale

# Delays in microseconds, fixed so that output is reproducible.
CLIENT_THINK = 1500
SERVER_THINK = 800
SEGMENT_GAP = 20
ACK_DELAY = 300
RTO = 200000


class Capture:
    def __init__(self, start_us, snaplen=262144):
        self.now = start_us
        self.snaplen = snaplen
        self.packets = []          # (timestamp_us, frame, comment)

    def advance(self, us):
        self.now += us

    def add(self, frame, comment=None):
        self.packets.append((self.now, frame, comment))

    def session(self, **kw):
        return Session(self, **kw)

    def pcapng(self, comment=None, application=None):
        return wire.pcapng_bytes(self.packets, self.snaplen, comment, application)


class _Side:
    def __init__(self, mac, ip, port, isn):
        self.mac, self.ip, self.port = mac, ip, port
        self.isn = isn
        self.nxt = isn           # next sequence number this side will send
        self.ip_id = isn & 0xFFFF


class Session:
    def __init__(self, cap, client_port, server_port, ipv6=False,
                 client_isn=0x1A2B0000, server_isn=0x5C6D0000):
        self.cap = cap
        self.ipv6 = ipv6
        if ipv6:
            cip, sip = wire.addr("2001:db8::10"), wire.addr("2001:db8::25")
        else:
            cip, sip = wire.addr("192.0.2.10"), wire.addr("203.0.113.25")
        self.client = _Side(b"\x02\x00\x00\x00\x00\x0a", cip, client_port, client_isn)
        self.server = _Side(b"\x02\x00\x00\x00\x00\x25", sip, server_port, server_isn)
        self.scaled = False      # window scaling in effect (after handshake)

    # ------------------------------------------------------------ plumbing

    def _peer(self, side):
        return self.server if side is self.client else self.client

    def _frame(self, side, seq, flags, payload=b"", options=b"", window=None):
        peer = self._peer(side)
        if window is None:
            window = WINDOW if self.scaled else 65535
        ack = peer.nxt if flags & wire.ACK else 0
        seg = wire.tcp(side.ip, peer.ip, side.port, peer.port, seq, ack, flags,
                       window, payload, options)
        if self.ipv6:
            pkt, etype = wire.ipv6(side.ip, peer.ip, seg), wire.ETH_IPV6
        else:
            side.ip_id += 1
            pkt, etype = wire.ipv4(side.ip, peer.ip, side.ip_id, seg), wire.ETH_IPV4
        return wire.ethernet(peer.mac, side.mac, etype, pkt)

    def _emit(self, side, seq, flags, payload=b"", comment=None, **kw):
        self.cap.add(self._frame(side, seq, flags, payload, **kw), comment)

    # ------------------------------------------------------------ TCP life cycle

    def open(self):
        """Three-way handshake with MSS and window-scale options."""
        c, s = self.client, self.server
        self.cap.advance(1000)
        self._emit(c, c.nxt, wire.SYN, options=SYN_OPTIONS)
        c.nxt += 1
        self.cap.advance(250)
        self._emit(s, s.nxt, wire.SYN | wire.ACK, options=SYN_OPTIONS)
        s.nxt += 1
        self.cap.advance(250)
        self.scaled = True
        self._emit(c, c.nxt, wire.ACK)

    def close(self, by="client"):
        """Orderly teardown: FIN/ACK, FIN/ACK, ACK."""
        a = self.client if by == "client" else self.server
        b = self._peer(a)
        self.cap.advance(CLIENT_THINK if a is self.client else SERVER_THINK)
        self._emit(a, a.nxt, wire.FIN | wire.ACK)
        a.nxt += 1
        self.cap.advance(ACK_DELAY)
        self._emit(b, b.nxt, wire.FIN | wire.ACK)
        b.nxt += 1
        self.cap.advance(ACK_DELAY)
        self._emit(a, a.nxt, wire.ACK)

    def half_close(self, by, comment=None):
        """One side sends FIN; the other only acknowledges it."""
        a = self.client if by == "client" else self.server
        b = self._peer(a)
        self.cap.advance(CLIENT_THINK if a is self.client else SERVER_THINK)
        self._emit(a, a.nxt, wire.FIN | wire.ACK, comment=comment)
        a.nxt += 1
        self.cap.advance(ACK_DELAY)
        self._emit(b, b.nxt, wire.ACK)

    def send_and_close(self, by, data, comment=None):
        """The last data segment carries FIN (as many stacks send it); the
        peer answers FIN/ACK, then the final ACK."""
        a = self.client if by == "client" else self.server
        b = self._peer(a)
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.cap.advance(CLIENT_THINK if a is self.client else SERVER_THINK)
        self._emit(a, a.nxt, wire.FIN | wire.PSH | wire.ACK, data, comment=comment)
        a.nxt += len(data) + 1
        self.cap.advance(ACK_DELAY)
        self._emit(b, b.nxt, wire.FIN | wire.ACK)
        b.nxt += 1
        self.cap.advance(ACK_DELAY)
        self._emit(a, a.nxt, wire.ACK)

    # ------------------------------------------------------------ data

    def client_sends(self, data, **kw):
        self._send(self.client, data, CLIENT_THINK, **kw)

    def server_sends(self, data, **kw):
        self._send(self.server, data, SERVER_THINK, **kw)

    def _send(self, side, data, think, split=None, order=None, retransmit=(),
              comment=None, ack=True, mss=MSS, drop=()):
        """Send data as one or more segments.

        split      int: every segment that many bytes; list: the sizes of the
                   first segments (the rest goes out in MSS-sized segments)
        order      emission order as a list of segment indexes (reordering)
        retransmit segment indexes sent again after an RTO (exact duplicates)
        drop       segment indexes the capture lost (the receiver got them:
                   its ACKs cover them)
        comment    pcapng packet comment on the first emitted segment
        ack        whether the receiver acknowledges with a pure ACK
        """
        if isinstance(data, str):
            data = data.encode("latin-1")
        sizes = [split] * (-(-len(data) // split)) if isinstance(split, int) else list(split or [])
        chunks, pos = [], 0
        for n in sizes:
            if pos >= len(data):
                break
            chunks.append((side.nxt + pos, data[pos:pos + n]))
            pos += n
        while pos < len(data):
            chunks.append((side.nxt + pos, data[pos:pos + mss]))
            pos += mss
        last = len(chunks) - 1
        seq_order = list(order) if order is not None else list(range(len(chunks)))
        assert sorted(seq_order) == list(range(len(chunks))), "order must be a permutation"

        self.cap.advance(think)
        for n, i in enumerate(seq_order):
            if n:
                self.cap.advance(SEGMENT_GAP)
            if i in drop:
                continue
            seq, chunk = chunks[i]
            flags = wire.ACK | (wire.PSH if i == last else 0)
            self._emit(side, seq, flags, chunk, comment=comment if n == 0 else None)
        for i in retransmit:
            self.cap.advance(RTO)
            seq, chunk = chunks[i]
            flags = wire.ACK | (wire.PSH if i == last else 0)
            self._emit(side, seq, flags, chunk, comment="retransmission of an earlier segment")
        side.nxt += len(data)
        if ack:
            self.cap.advance(ACK_DELAY)
            peer = self._peer(side)
            self._emit(peer, peer.nxt, wire.ACK)
