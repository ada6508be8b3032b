# SPDX-License-Identifier: GPL-2.0-or-later
"""Byte-level building blocks: checksums, Ethernet/IPv4/IPv6/TCP headers and
a minimal pcapng writer.  Standard library only; everything is
deterministic (no clocks, no randomness)."""

import ipaddress
import struct

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
IPPROTO_TCP = 6

# TCP flag bits
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def inet_checksum(data):
    """RFC 1071 one's-complement checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet(dst_mac, src_mac, ethertype, payload):
    return dst_mac + src_mac + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, ident, payload, ttl=64):
    """IPv4 header (no options, DF set) + payload, with a valid checksum."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF,
                      0x4000, ttl, IPPROTO_TCP, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, payload, hop_limit=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), IPPROTO_TCP,
                       hop_limit, src, dst) + payload


def tcp(src, dst, sport, dport, seq, ack, flags, window, payload=b"", options=b""):
    """TCP header + payload with a valid checksum over the IPv4 or IPv6
    pseudo-header (chosen by the address length)."""
    assert len(options) % 4 == 0
    offset = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      offset << 4, flags, window, 0, 0) + options
    seg = hdr + payload
    if len(src) == 4:
        pseudo = struct.pack("!4s4sBBH", src, dst, 0, IPPROTO_TCP, len(seg))
    else:
        pseudo = struct.pack("!16s16sIxxxB", src, dst, len(seg), IPPROTO_TCP)
    csum = inet_checksum(pseudo + seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def addr(text):
    return ipaddress.ip_address(text).packed


# ---------------------------------------------------------------- pcapng

def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _options(opts):
    """opts: list of (code, bytes).  Returns encoded options incl. opt_endofopt."""
    if not opts:
        return b""
    out = b""
    for code, value in opts:
        out += struct.pack("<HH", code, len(value)) + _pad4(value)
    return out + struct.pack("<HH", 0, 0)


def _block(btype, body):
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def pcapng_bytes(packets, snaplen, comment=None, application=None):
    """packets: iterable of (timestamp_us, frame_bytes, comment_or_None).
    Frames longer than snaplen are truncated (original length kept), as a
    capture with that snaplen would have recorded them.  One Ethernet
    interface, microsecond timestamps."""
    shb_opts = []
    if comment:
        shb_opts.append((1, comment.encode("utf-8")))        # opt_comment
    if application:
        shb_opts.append((4, application.encode("utf-8")))    # shb_userappl
    out = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + _options(shb_opts))
    idb_opts = [(2, b"synthetic0")]                          # if_name
    out += _block(0x00000001, struct.pack("<HHI", 1, 0, snaplen) + _options(idb_opts))
    for ts, frame, pkt_comment in packets:
        cap = frame[:snaplen]
        opts = [(1, pkt_comment.encode("utf-8"))] if pkt_comment else []
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(cap), len(frame))
        out += _block(0x00000006, body + _pad4(cap) + _options(opts))
    return out
