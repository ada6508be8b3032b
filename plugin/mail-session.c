/* mail-session.c — the first-pass state of a session.
 *
 * Owns: finding and creating a session (one per TCP conversation and
 * protocol), the direction of a PDU, expert notes recorded on a unit, phase
 * changes, the pending-request FIFO that pairs replies with requests, what
 * the next PDU of a direction is expected to be (message content, a
 * listing, a BDAT chunk) with the message it belongs to, and the
 * STARTTLS/STLS hand-over to TLS.
 *
 * Must not touch: the protocol tree (nothing here renders; notes become
 * expert infos in mail-render.c) and anything on a visited frame: these
 * functions run only on the first pass.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

dissector_handle_t tls_handle;

static guint32 ms_next_msg_id = 1;

/* ======================================================================
 * Notes and phases
 * ====================================================================== */

void
ms_note(ms_ctx_t *c, int ei, const char *fmt, ...)
{
    if (!c->first_pass || !c->u)
        return;
    ms_note_t *n = wmem_new0(wmem_file_scope(), ms_note_t);
    n->ei = (guint16)ei;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        n->text = wmem_strdup_vprintf(wmem_file_scope(), fmt, ap);
        va_end(ap);
    }
    /* Keep notes in the order they were raised. */
    ms_note_t **tail = &c->u->notes;
    while (*tail)
        tail = &(*tail)->next;
    *tail = n;
}

/* Is this the greeting of a session the capture saw from its start?  Such
 * a session was never in the Unknown phase (which stands for "the capture
 * started mid-session"), so entering Connection is not a phase change. */
static bool
session_opens_here(const ms_ctx_t *c, guint8 phase)
{
    const ms_proto_t *p = c->proto;
    return phase == p->phase_connection && c->s->phase == p->phase_unknown &&
           !c->s->any_request;
}

/* The protocol's state (RFC 1939's for POP3), from now on. */
void
ms_set_state(ms_ctx_t *c, guint8 state)
{
    c->s->state = state;
}

/* The protocol recognised the unit as something else than the line it was
 * framed as (e.g. message content in a capture that starts inside it). */
void
ms_set_unit_kind(ms_ctx_t *c, ms_unit_kind_t kind)
{
    c->u->kind = (guint8)kind;
}

void
ms_set_phase(ms_ctx_t *c, guint8 phase)
{
    if (!c->first_pass)
        return;
    if (c->s->phase != phase) {
        if (!session_opens_here(c, phase))
            c->u->prev_phase = c->s->phase;
        c->s->phase = phase;
    }
    c->u->phase = phase;
}

/* The greeting belongs to the Connection phase.  The session enters it only
 * from Unknown: commands sent before the greeting already moved it on. */
void
ms_set_greeting_phase(ms_ctx_t *c)
{
    if (!c->first_pass)
        return;
    if (c->s->phase == c->proto->phase_unknown)
        ms_set_phase(c, c->proto->phase_connection);
    else
        c->u->phase = c->proto->phase_connection;
}

/* ======================================================================
 * Pending requests
 * ====================================================================== */

void
pending_push(ms_pending_queue_t *q, ms_unit_t *u, packet_info *pinfo)
{
    if (q->overflow || q->len >= MS_MAX_PENDING) {
        q->overflow++;
        return;
    }
    if (q->len == q->cap) {
        /* Grow the ring, unrolling it so the head is at 0 again. */
        guint16 cap = q->cap ? (guint16)(q->cap * 2) : 8;
        ms_pending_t *ring = wmem_alloc_array(wmem_file_scope(), ms_pending_t, cap);
        for (guint16 i = 0; i < q->len; i++)
            ring[i] = q->ring[(q->head + i) % q->cap];
        if (q->ring)
            wmem_free(wmem_file_scope(), q->ring);
        q->ring = ring;
        q->cap = cap;
        q->head = 0;
    }
    ms_pending_t *slot = &q->ring[(q->head + q->len) % q->cap];
    slot->unit = u;
    slot->frame = pinfo->num;
    slot->ts = pinfo->abs_ts;
    q->len++;
}

/* Takes the oldest outstanding request.  Returns false when none is known;
 * *overflowed tells that one existed but was past the matching depth. */
bool
pending_pop(ms_pending_queue_t *q, ms_pending_t *out, bool *overflowed)
{
    *overflowed = false;
    if (q->len) {
        *out = q->ring[q->head];
        q->head = (guint16)((q->head + 1) % q->cap);
        q->len--;
        return true;
    }
    if (q->overflow) {
        q->overflow--;
        *overflowed = true;
    }
    return false;
}

void
ms_request_expects_reply(ms_ctx_t *c)
{
    if (c->first_pass)
        pending_push(&c->s->pending, c->u, c->pinfo);
}

/* ======================================================================
 * What comes next: message content, listings, chunks
 * ====================================================================== */

static void
open_message(ms_direction_t *d, bool reassemble)
{
    d->msg_id = reassemble ? ms_next_msg_id++ : 0;
    d->msg_len = 0;
    d->msg_pieces = 0;
    d->msg_open = 1;
    d->msg_tail = NULL;
    d->scan = MS_SCAN_LINE_START;   /* content starts at the beginning of a line */
    d->line_len = 0;
    d->body_flags = 0;
}

/* The latest piece of the open message: after the first pass, the flag is
 * left only on the last piece of a message whose end never came. */
void
message_tail_moves(ms_direction_t *d, ms_unit_t *u)
{
    if (d->msg_tail)
        d->msg_tail->flags &= (guint16)~MS_UF_OPEN_TAIL;
    d->msg_tail = u;
    if (u)
        u->flags |= MS_UF_OPEN_TAIL;
}

/* The open message is over without an end of its own (the transaction was
 * reset, the connection closed): nothing of it is reassembled. */
void
drop_message(ms_ctx_t *c, ms_direction_t *d)
{
    if (d->msg_id) {
        tvbuff_t *held = fragment_delete(&ms_reassembly, c->pinfo, d->msg_id, NULL);
        if (held)
            tvb_free(held);
    }
    message_tail_moves(d, NULL);
    d->msg_id = 0;
    d->msg_open = 0;
}

void
ms_expect_content(ms_ctx_t *c, int direction, bool reassemble_as_message)
{
    ms_direction_t *d = &c->s->dir[direction];
    /* BDAT chunks still open (DATA after BDAT, RFC 3030 3): that message is
     * abandoned, not left to look cut off by the end of the capture. */
    if (d->msg_open)
        drop_message(c, d);
    d->mode = MS_MODE_CONTENT;
    open_message(d, reassemble_as_message && c->proto->pref_reassemble);
}

void
ms_expect_listing(ms_ctx_t *c, int direction, guint16 listing_kind)
{
    ms_direction_t *d = &c->s->dir[direction];
    d->mode = MS_MODE_LISTING;
    d->listing = listing_kind;
    open_message(d, false);
    d->msg_open = 0;        /* a listing is no message */
}

void
ms_expect_chunk(ms_ctx_t *c, guint64 octets, bool last)
{
    ms_direction_t *d = &c->s->dir[MS_FROM_CLIENT];
    if (!d->msg_open)
        open_message(d, c->proto->pref_reassemble);
    d->chunk_left = octets;
    d->chunk_last = last;
    d->chunk_owner = c->u;
    if (octets) {
        d->mode = MS_MODE_CHUNK;
    } else if (last && c->first_pass) {
        /* "BDAT 0 LAST": the message ends with this command. */
        c->u->msg_id = d->msg_id;
        c->u->msg_len = d->msg_len;
        add_message_fragment(c, d, NULL, true);
        c->u->flags |= MS_UF_ENDS_BODY;
        message_tail_moves(d, NULL);
        d->msg_id = 0;
        d->msg_open = 0;
        if (c->proto->content_ended)
            c->proto->content_ended(c);
    }
}

void
ms_cancel_content(ms_ctx_t *c, int direction)
{
    ms_direction_t *d = &c->s->dir[direction];
    if (d->mode == MS_MODE_CONTENT || d->mode == MS_MODE_LISTING) {
        d->mode = MS_MODE_LINES;
        drop_message(c, d);
    }
}

/* A BDAT transaction reset (RSET, MAIL, HELO/EHLO) before its LAST chunk:
 * its chunks are no message, and the next BDAT starts a new one. */
void
ms_abandon_message(ms_ctx_t *c, int direction)
{
    ms_direction_t *d = &c->s->dir[direction];
    if (c->first_pass && d->msg_open && d->mode != MS_MODE_CONTENT)
        drop_message(c, d);
}

/* The server refused a BDAT while its chunk had not (fully) arrived: a
 * server that reads a chunk answers after its last octet, so what follows
 * is not chunk data but commands.  Returns the octets no longer awaited
 * (0: the request's chunk is not the one being read). */
guint64
ms_cancel_chunk(ms_ctx_t *c, const ms_unit_t *request)
{
    ms_direction_t *d = &c->s->dir[MS_FROM_CLIENT];
    if (!c->first_pass || d->mode != MS_MODE_CHUNK || d->chunk_owner != request)
        return 0;
    guint64 left = d->chunk_left;
    d->mode = MS_MODE_LINES;
    d->chunk_left = 0;
    d->chunk_last = 0;
    d->chunk_owner = NULL;
    return left;
}

/* ======================================================================
 * STARTTLS / STLS
 * ====================================================================== */

void
ms_tls_requested(ms_ctx_t *c)
{
    if (!c->first_pass)
        return;
    c->s->tls_pending = 1;
    /* Until the server answers, anything more from the client is plaintext
     * a vulnerable server would run after the handshake (CVE-2011-0411). */
    c->s->dir[MS_FROM_CLIENT].mode = MS_MODE_TLS;
}

void
ms_tls_answer(ms_ctx_t *c, bool accepted)
{
    if (!c->first_pass)
        return;
    ms_session_t *s = c->s;
    s->tls_pending = 0;
    if (!accepted) {
        s->dir[MS_FROM_CLIENT].mode = MS_MODE_LINES;
        ms_note(c, MS_EI_TLS_REFUSED, "%s refused by the server: the session stays in cleartext",
                c->proto->tls_command);
        return;
    }
    /* A TLS handshake must follow.  Whether it does, the first bytes after
     * this answer's segment tell (see tls_expected_next()); until then
     * plaintext -- the rest of this segment, like what the client sent
     * before the answer -- is injected. */
    s->tls_active = MS_TLS_EXPECTED;
    c->u->flags |= MS_UF_TLS_START;
    s->tls_answer_frame = c->pinfo->num;
    s->dir[MS_FROM_CLIENT].mode = MS_MODE_TLS;
    s->dir[MS_FROM_SERVER].mode = MS_MODE_TLS;
}

/* Do these bytes start a TLS record (content type 20-24, version 3.x)? */
static bool
looks_like_tls_record(tvbuff_t *tvb, int offset, int avail)
{
    guint8 type = tvb_get_uint8(tvb, offset);
    if (type < 20 || type > 24)
        return false;
    return avail < 2 || tvb_get_uint8(tvb, offset + 1) == 3;
}

/* After an accepted STARTTLS/STLS: the first data in a later segment is
 * either the TLS handshake -- TLS takes the conversation from this frame
 * on, and hands decrypted records back to us -- or the session goes on in
 * cleartext (a capture taken after TLS was stripped, a broken peer).  That
 * is no injection: those bytes came after the answer, and are the dialogue
 * itself, decoded as such, with one expert info.  Returns true when TLS
 * takes over. */
bool
tls_expected_next(ms_ctx_t *c, int offset, int avail)
{
    ms_session_t *s = c->s;
    if (tls_handle && looks_like_tls_record(c->tvb, offset, avail))
        return true;
    s->tls_active = MS_TLS_NOT_STARTED;   /* the next unit gets the expert info */
    s->dir[MS_FROM_CLIENT].mode = MS_MODE_LINES;
    s->dir[MS_FROM_SERVER].mode = MS_MODE_LINES;
    return false;
}

void
hand_over_to_tls(ms_ctx_t *c, int offset, proto_tree *tree)
{
    c->s->tls_active = MS_TLS_NONE;
    c->s->dir[MS_FROM_CLIENT].mode = MS_MODE_LINES;
    c->s->dir[MS_FROM_SERVER].mode = MS_MODE_LINES;
    /* This frame is the first TLS one (post_ack: TLS starts with it). */
    ssl_starttls_post_ack(tls_handle, c->pinfo, c->proto->handle);
    call_dissector(tls_handle, tvb_new_subset_remaining(c->tvb, offset), c->pinfo, tree);
}

/* ======================================================================
 * Sessions
 * ====================================================================== */

/* The first pass looks a session up for every segment, and a conversation
 * lookup (hashing both addresses and ports) costs about as much as the rest
 * of a short PDU's analysis.  The first pass reads frames in order, so the
 * session of a 4-tuple stays the same until TCP starts a new conversation
 * with the same addresses and ports (a reused port: conversation_new() links
 * it after ours, conv->next), and a small cache keyed by the 4-tuple can
 * answer instead.  A hit is checked against the session's own endpoints, so
 * a collision only costs a lookup.  Cleared for every capture file. */
#define MS_SESSION_CACHE_SLOTS 64

typedef struct {
    const ms_proto_t *proto;
    conversation_t *conv;
    ms_session_t *s;
} ms_session_slot_t;

static ms_session_slot_t session_cache[MS_SESSION_CACHE_SLOTS];

void
session_cache_clear(void)
{
    memset(session_cache, 0, sizeof session_cache);
}

static ms_session_slot_t *
session_slot(const ms_proto_t *p, const packet_info *pinfo)
{
    /* Symmetric in the ports: both directions share a slot. */
    guint32 h = (pinfo->srcport ^ pinfo->destport) * 2654435761u;
    return &session_cache[((h >> 16) ^ (guint32)p->proto_id) % MS_SESSION_CACHE_SLOTS];
}

/* Is the packet one of the session's two directions? */
static bool
session_has_endpoints(const ms_session_t *s, const packet_info *pinfo)
{
    if (pinfo->srcport == s->server_port && pinfo->destport == s->client_port)
        return addresses_equal(&pinfo->src, &s->server_addr) &&
               addresses_equal(&pinfo->dst, &s->client_addr);
    if (pinfo->destport == s->server_port && pinfo->srcport == s->client_port)
        return addresses_equal(&pinfo->dst, &s->server_addr) &&
               addresses_equal(&pinfo->src, &s->client_addr);
    return false;
}

/* Only where find_conversation_pinfo() would key the lookup by the
 * packet's own addresses and TCP ports, on the first pass. */
static bool
session_cacheable(const packet_info *pinfo)
{
    return !PINFO_FD_VISITED(pinfo) && pinfo->ptype == PT_TCP &&
           !pinfo->use_conv_addr_port_endpoints && !pinfo->conv_elements;
}

static ms_session_t *
session_cached(const ms_proto_t *p, packet_info *pinfo)
{
    if (!session_cacheable(pinfo))
        return NULL;
    ms_session_slot_t *slot = session_slot(p, pinfo);
    if (slot->proto != p || slot->conv->next || !session_has_endpoints(slot->s, pinfo))
        return NULL;   /* another session, or a newer conversation may own the 4-tuple */
    if (pinfo->num > slot->conv->last_frame)
        slot->conv->last_frame = pinfo->num;   /* as the lookup does */
    return slot->s;
}

static void
session_remember(const ms_proto_t *p, packet_info *pinfo, conversation_t *conv, ms_session_t *s)
{
    if (!session_cacheable(pinfo))
        return;
    ms_session_slot_t *slot = session_slot(p, pinfo);
    slot->proto = p;
    slot->conv = conv;
    slot->s = s;
}

ms_session_t *
session_find(const ms_proto_t *p, packet_info *pinfo)
{
    ms_session_t *s = session_cached(p, pinfo);
    if (s)
        return s;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    s = conv ? (ms_session_t *)conversation_get_proto_data(conv, p->proto_id) : NULL;
    if (s)
        session_remember(p, pinfo, conv, s);
    return s;
}

ms_session_t *
session_create(const ms_proto_t *p, packet_info *pinfo, bool server_is_source)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    ms_session_t *s = wmem_new0(wmem_file_scope(), ms_session_t);
    s->proto = p;
    s->phase = p->phase_unknown;
    const address *server = server_is_source ? &pinfo->src : &pinfo->dst;
    const address *client = server_is_source ? &pinfo->dst : &pinfo->src;
    copy_address_wmem(wmem_file_scope(), &s->server_addr, server);
    copy_address_wmem(wmem_file_scope(), &s->client_addr, client);
    s->server_port = server_is_source ? pinfo->srcport : pinfo->destport;
    s->client_port = server_is_source ? pinfo->destport : pinfo->srcport;
    if (p->init_session)
        p->init_session(s);
    conversation_add_proto_data(conv, p->proto_id, s);
    session_remember(p, pinfo, conv, s);
    return s;
}

bool
from_server(const ms_session_t *s, const packet_info *pinfo)
{
    return pinfo->srcport == s->server_port && addresses_equal(&pinfo->src, &s->server_addr);
}
