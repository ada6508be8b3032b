/* mail-dissect.c — the engine's entry points: the heuristic, the first
 * pass and the replay of records.
 *
 * The central idea: every PDU the engine frames becomes an ms_unit_t,
 * created on the first pass from the session state and stored per frame.
 * Later passes (tshark -2, the GUI clicking around) replay those records
 * instead of re-running the state machine, so every pass shows the same
 * phases, links and expert infos.
 *
 * Owns: ms_dissect_heur() and ms_dissect(); per call, the loop over the
 * segment: on the first pass analyze_next() (framing mode, then the
 * protocol's analysis and reply matching for a line) and the frame's unit
 * list; on later passes the replay cursor; for every unit render_unit().
 * Also what is checked per segment: TCP data that never reached the
 * dissector, a FIN while a message is open, commands before the greeting.
 *
 * Must not touch: how a PDU is cut (mail-framing.c) or shown
 * (mail-render.c).  The engine's other files are listed in
 * mail-engine-private.h; mail-engine.h is what the protocol files see.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

/* Bytes of the proto-data keys we use. */
#define MS_KEY_CURSOR  1   /* packet scope: next unit to replay */

/* TCP FIN flag (from the tcpinfo TCP hands its subdissectors). */
#define MS_TCP_FIN 0x0001
/* struct tcp_analysis.conversation_completeness bit for "the SYN was seen"
 * (packet-tcp.c's TCP_COMPLETENESS_SYNSENT, the same in 4.0, 4.4 and 4.6,
 * but not in an installed header). */
#define MS_TCP_SAW_SYN 0x01

typedef struct {
    guint32 n, cap;            /* units, and room in more[] */
    ms_unit_t *first;          /* most frames hold a single unit: no array */
    ms_unit_t **more;          /* units 2..n */
} ms_frame_units_t;

static inline ms_unit_t *
frame_unit_at(const ms_frame_units_t *f, guint32 i)
{
    return i == 0 ? f->first : f->more[i - 1];
}

/* ======================================================================
 * Small helpers
 * ====================================================================== */

/* ======================================================================
 * Commands
 * ====================================================================== */

/* ======================================================================
 * Credentials and SASL
 * ====================================================================== */

/* ======================================================================
 * Sessions
 * ====================================================================== */

/* ======================================================================
 * Framing (first pass)
 * ====================================================================== */

/* Did the capture see this TCP connection open (its SYN)?  Only then is it
 * known that nothing came before the first data.  (Asked of TCP once per
 * session: the SYN comes before any data.) */
bool
ms_connection_start_captured(ms_ctx_t *c)
{
    if (!c->from_tcp)
        return false;
    if (!c->s->start_captured) {
        conversation_t *conv = find_conversation_pinfo(c->pinfo, 0);
        struct tcp_analysis *tcpd = conv ? get_tcp_conversation_data(conv, c->pinfo) : NULL;
        c->s->start_captured = tcpd && (tcpd->conversation_completeness & MS_TCP_SAW_SYN) ? 2 : 1;
    }
    return c->s->start_captured == 2;
}

/* A client that speaks before the server's greeting (an "early talker",
 * which MTAs such as Postfix's postscreen reject): the capture saw the
 * connection open and the server has said nothing yet. */
static void
note_if_before_greeting(ms_ctx_t *c)
{
    ms_session_t *s = c->s;
    if (s->server_spoke || c->u->kind != MS_UNIT_REQUEST)
        return;
    if (!s->early && !ms_connection_start_captured(c))
        return;
    s->early = 1;
    ms_note(c, MS_EI_BEFORE_GREETING, "%s sent before the server's greeting",
            tvb_format_text(c->pinfo->pool, c->tvb, c->offset,
                            MIN(ms_token_len(c->tvb, c->offset, c->line_len), 32)));
}

/* The server's first words are its greeting (RFC 5321 3.1, RFC 1939 4),
 * also when the client spoke first: then the commands sent before it are
 * answered by the replies after it. */
static bool
reply_is_greeting_after_early_commands(ms_ctx_t *c, bool first_server_unit)
{
    return first_server_unit && c->s->early && c->proto->is_greeting &&
           c->proto->is_greeting(c->tvb, c->offset, c->line_len);
}

/* TCP data before this call's never reached us: a segment the capture
 * lost, or one Wireshark's TCP did not hand over (a retransmission that
 * carries new octets after a path-MTU change).  What it held is unknown, so
 * the framing must not go on as if nothing happened: the octets of a BDAT
 * chunk run on through the gap (and what followed the chunk is lost too);
 * a line cut by the gap is over.  The next unit says so.  (A message with a
 * hole is still handed over as it is.) */
static void
data_missing(ms_direction_t *d, guint32 gap)
{
    d->missing = gap;
    d->mid_line = 0;
    d->wait_segments = 0;
    if (d->mode != MS_MODE_CHUNK)
        return;
    if (gap >= d->chunk_left) {
        d->chunk_left = 0;
        d->chunk_owner = NULL;
        d->mode = MS_MODE_LINES;
    } else {
        d->chunk_left -= gap;
    }
}

/* TCP sequence bookkeeping (first pass, data straight from TCP): notices
 * data the capture lacks before this call's. */
static void
check_sequence(ms_direction_t *d, guint32 seq)
{
    guint32 gap = seq - d->next_seq;
    if (d->seq_known && gap != 0 && gap < 0x80000000u)
        data_missing(d, gap);
}

static void
note_missing(ms_ctx_t *c, ms_direction_t *d, bool from_srv)
{
    if (!d->missing)
        return;
    ms_note(c, MS_EI_DATA_MISSING,
            "%u octets from the %s that come before this in the TCP stream have not reached "
            "the dissector (lost, reordered, or not handed over by TCP): what they held is "
            "unknown here", d->missing, from_srv ? "server" : "client");
    d->missing = 0;
}

/* A direction waiting for TLS after an accepted STARTTLS/STLS: the
 * handshake (*to_tls), plaintext where only a handshake may come (an
 * injected unit), cleartext instead of a handshake or decrypted data (back
 * to lines: NULL). */
static ms_unit_t *
tls_wait_unit(ms_ctx_t *c, int offset, int avail, bool from_srv, bool *to_tls)
{
    ms_session_t *s = c->s;
    if (c->from_tcp && s->tls_active == MS_TLS_EXPECTED &&
        c->pinfo->num > s->tls_answer_frame && tls_expected_next(c, offset, avail)) {
        *to_tls = true;
        return NULL;
    }
    if (s->dir[from_srv].mode != MS_MODE_TLS)
        return NULL;   /* no handshake came: tls_expected_next() went back to lines */
    if (c->from_tcp) {
        /* Plaintext sent with or before the answer, where only a TLS
         * handshake may follow. */
        ms_unit_t *u = new_unit(c, MS_UNIT_INJECTED);
        u->len = (guint32)avail;
        ms_note(c, MS_EI_TLS_INJECTION,
                "%u octets of plaintext from the %s after %s, before the TLS handshake "
                "(command injection, CVE-2011-0411)", u->len,
                from_srv ? "server" : "client", c->proto->tls_command);
        return u;
    }
    /* Decrypted data: the tunnel is up, back to lines. */
    s->dir[MS_FROM_CLIENT].mode = MS_MODE_LINES;
    s->dir[MS_FROM_SERVER].mode = MS_MODE_LINES;
    return NULL;
}

/* What every complete line is checked for: cleartext after an accepted
 * STARTTLS/STLS, NUL octets, its line end and length. */
static void
check_line(ms_ctx_t *c, ms_unit_t *u, int offset, bool from_srv, bool was_mid_line)
{
    ms_proto_t *p = c->proto;
    ms_session_t *s = c->s;
    if (s->tls_active == MS_TLS_NOT_STARTED) {
        s->tls_active = MS_TLS_NONE;
        ms_note(c, MS_EI_TLS_NOT_STARTED,
                "The server accepted %s, but no TLS handshake followed: the session goes on "
                "in cleartext", p->tls_command);
    }
    note_nul_octets(c, offset, (int)u->len, from_srv);
    if (was_mid_line)
        return;
    note_line_end(c, (ms_eol_t)u->eol);
    int limit = from_srv ? p->max_reply_line : p->max_request_line;
    int line_total = c->line_len + (u->eol == MS_EOL_CRLF ? 2 : 1);
    if (limit && line_total > limit && u->kind != MS_UNIT_FRAGMENT)
        ms_note(c, MS_EI_LINE_TOO_LONG, "%s line of %d octets exceeds the %d-octet limit",
                from_srv ? "Reply" : "Command", line_total, limit);
}

/* A client line: a SASL answer or a request for the protocol to analyse;
 * either waits for its reply. */
static void
client_line(ms_ctx_t *c, ms_unit_t *u, int offset)
{
    ms_session_t *s = c->s;
    const char *user_before = s->user;
    if (s->sasl_awaiting) {
        u->kind = MS_UNIT_SASL;
        s->sasl_awaiting = 0;
        u->phase = s->phase;
        sasl_client_message(c, offset, c->line_len);
    } else {
        if (s->quit_sent)
            ms_note(c, MS_EI_AFTER_QUIT, "Command sent after QUIT");
        s->any_request = 1;
        c->proto->analyze_request(c);
        note_if_before_greeting(c);
    }
    note_user_frame(c, user_before);
    /* The protocol may have recognised message content instead. */
    if (u->kind == MS_UNIT_REQUEST || u->kind == MS_UNIT_SASL)
        pending_push(&s->pending, u, c->pinfo);
}

/* A reply: matched with the oldest outstanding request, then analysed by
 * the protocol. */
static void
server_reply(ms_ctx_t *c, ms_unit_t *u, bool first_server_unit)
{
    ms_session_t *s = c->s;
    if (reply_is_greeting_after_early_commands(c, first_server_unit)) {
        u->flags |= MS_UF_NO_MATCH;
        c->proto->analyze_reply(c, NULL);
        s->early = 0;
        return;
    }
    s->early = 0;
    ms_pending_t req;
    bool overflowed = false;
    ms_unit_t *request = NULL;
    if (pending_pop(&s->pending, &req, &overflowed)) {
        request = req.unit;
        request->link = c->pinfo->num;
        u->link = req.frame;
        nstime_delta(&u->delta, &c->pinfo->abs_ts, &req.ts);
        u->phase = request->phase;
        u->cmd = request->cmd;
    } else if (overflowed) {
        ms_note(c, MS_EI_PIPELINE_OVERFLOW,
                "More than %d outstanding requests: this reply is not matched",
                MS_MAX_PENDING);
    } else {
        u->flags |= MS_UF_NO_MATCH;
    }
    c->proto->analyze_reply(c, request);
}

/* Frames and analyses the next unit of the first pass.  Returns NULL with
 * *need_more set when the rest must wait for more TCP data, or with
 * *to_tls set when TLS takes over from offset on. */
static ms_unit_t *
analyze_next(ms_ctx_t *c, int offset, bool from_srv, bool *need_more, bool *to_tls)
{
    ms_session_t *s = c->s;
    ms_direction_t *d = &s->dir[from_srv];
    int avail = tvb_captured_length_remaining(c->tvb, offset);
    if (d->mode == MS_MODE_TLS) {
        ms_unit_t *u = tls_wait_unit(c, offset, avail, from_srv, to_tls);
        if (u || *to_tls)
            return u;
    }
    switch (d->mode) {
    case MS_MODE_CONTENT:
        return frame_content(c, d, offset, avail);
    case MS_MODE_CHUNK:
        return frame_chunk(c, d, offset, avail);
    case MS_MODE_LISTING:
        return frame_listing(c, d, offset, avail, need_more);
    default:
        break;
    }

    bool was_mid_line = d->mid_line;
    ms_unit_t *u = frame_lines(c, d, offset, avail, from_srv, need_more);
    if (!u)
        return u;
    bool first_server_unit = from_srv && !s->server_spoke;
    if (from_srv)
        s->server_spoke = 1;
    check_line(c, u, offset, from_srv, was_mid_line);
    if (was_mid_line)
        return u;
    if (!from_srv)
        client_line(c, u, offset);
    else if (!(u->flags & MS_UF_CONTINUED))   /* later parts: matched with the first */
        server_reply(c, u, first_server_unit);
    return u;
}

/* ======================================================================
 * Rendering (every pass)
 * ====================================================================== */

/* ======================================================================
 * Dissection entry points
 * ====================================================================== */

/* The frames' unit lists, for each protocol: one entry per frame that
 * reached the protocol, appended in frame order by the first pass (which
 * reads frames in order) to chunks of MS_UNITS_CHUNK entries that never
 * move; later passes find a frame's entry by binary search.  Every mail
 * segment stores and later finds its list here: p_add_proto_data() (a
 * sorted list per frame, an allocation per entry) cost a quarter of a short
 * PDU's analysis.  32 octets per mail frame, however sparse the mail is
 * among other traffic.  File scope; forgotten for every capture file. */
#define MS_UNITS_CHUNK 1024

typedef struct {
    guint32 frame;
    ms_frame_units_t units;
} ms_frame_entry_t;

typedef struct {
    ms_frame_entry_t **chunks; /* full but the last, frame numbers ascending */
    guint32 n_chunks, cap_chunks;
    guint32 n_last;            /* entries in the last chunk */
} ms_units_index_t;

static ms_units_index_t units_index[G_N_ELEMENTS(ms_protos)];

void
frame_units_forget(void)
{
    memset(units_index, 0, sizeof units_index);
}

static ms_frame_entry_t *
units_find(const ms_units_index_t *ix, guint32 frame)
{
    if (!ix->n_chunks)
        return NULL;
    /* The last chunk whose first frame is not after this one... */
    guint32 lo = 0, hi = ix->n_chunks;
    while (hi - lo > 1) {
        guint32 mid = lo + (hi - lo) / 2;
        if (ix->chunks[mid][0].frame <= frame)
            lo = mid;
        else
            hi = mid;
    }
    /* ...and the frame in it. */
    const ms_frame_entry_t *ch = ix->chunks[lo];
    guint32 n = lo + 1 == ix->n_chunks ? ix->n_last : MS_UNITS_CHUNK, a = 0, b = n;
    while (a < b) {
        guint32 mid = a + (b - a) / 2;
        if (ch[mid].frame < frame)
            a = mid + 1;
        else
            b = mid;
    }
    return a < n && ch[a].frame == frame ? (ms_frame_entry_t *)&ch[a] : NULL;
}

static ms_frame_entry_t *
units_append(ms_units_index_t *ix, guint32 frame)
{
    if (!ix->n_chunks || ix->n_last == MS_UNITS_CHUNK) {
        if (ix->n_chunks == ix->cap_chunks) {
            ix->cap_chunks = ix->cap_chunks ? ix->cap_chunks * 2 : 16;
            ix->chunks = wmem_realloc(wmem_file_scope(), ix->chunks,
                                      ix->cap_chunks * sizeof(*ix->chunks));
        }
        ix->chunks[ix->n_chunks++] = wmem_alloc_array(wmem_file_scope(), ms_frame_entry_t,
                                                      MS_UNITS_CHUNK);
        ix->n_last = 0;
    }
    ms_frame_entry_t *e = &ix->chunks[ix->n_chunks - 1][ix->n_last++];
    e->frame = frame;
    memset(&e->units, 0, sizeof e->units);
    return e;
}

static ms_frame_units_t *
frame_units(const ms_proto_t *p, packet_info *pinfo, bool create)
{
    ms_units_index_t *ix = &units_index[p == ms_protos[0] ? 0 : 1];
    if (!create) {
        ms_frame_entry_t *e = units_find(ix, pinfo->num);
        return e && e->units.n ? &e->units : NULL;
    }
    /* First pass: this frame is the last one seen, or a new one after it. */
    ms_frame_entry_t *last = ix->n_chunks ? &ix->chunks[ix->n_chunks - 1][ix->n_last - 1] : NULL;
    if (last && last->frame == pinfo->num)
        return &last->units;
    if (!last || last->frame < pinfo->num)
        return &units_append(ix, pinfo->num)->units;
    /* A first pass out of frame order (never seen): keep the order the
     * search needs; this frame's units are shown now, not replayed. */
    ms_frame_entry_t *e = units_find(ix, pinfo->num);
    return e ? &e->units : wmem_new0(pinfo->pool, ms_frame_units_t);
}

static void
frame_units_append(ms_frame_units_t *f, ms_unit_t *u)
{
    if (f->n == 0) {
        f->first = u;
        f->n = 1;
        return;
    }
    if (f->n - 1 == f->cap) {
        guint32 cap = f->cap ? f->cap * 2 : 4;
        f->more = wmem_realloc(wmem_file_scope(), f->more, cap * sizeof(ms_unit_t *));
        f->cap = cap;
    }
    f->more[f->n++ - 1] = u;
}

/* Packet-scoped replay cursor: counts the units of this frame dissected so
 * far in this pass, across the several calls TCP may make for one frame. */
static guint32 *
replay_cursor(const ms_proto_t *p, packet_info *pinfo)
{
    guint32 *cur = (guint32 *)p_get_proto_data(pinfo->pool, pinfo, p->proto_id, MS_KEY_CURSOR);
    if (!cur) {
        cur = wmem_new0(pinfo->pool, guint32);
        p_add_proto_data(pinfo->pool, pinfo, p->proto_id, MS_KEY_CURSOR, cur);
    }
    return cur;
}

static ms_session_t *
session_for_packet(const ms_proto_t *p, tvbuff_t *tvb, packet_info *pinfo)
{
    ms_session_t *s = session_find(p, pinfo);
    if (s)
        return s;
    /* Reached through a port table or TLS: tell the sides from the traffic. */
    int len = tvb_captured_length(tvb);
    ms_looks_t looks = p->looks_like(tvb, 0, len);
    bool server_is_source;
    if (looks == MS_LOOKS_SERVER)
        server_is_source = true;
    else if (looks == MS_LOOKS_CLIENT)
        server_is_source = false;
    else  /* undecidable: the port we were registered on is the server's */
        server_is_source = pinfo->match_uint == pinfo->srcport;
    return session_create(p, pinfo, server_is_source);
}

/* proto_is_frame_protocol(pinfo->layers, "tls"), comparing protocol ids
 * instead of looking up and comparing every layer's name. */
static bool
layers_have_tls(const packet_info *pinfo)
{
    static int proto_tls = -2;
    if (proto_tls == -2)
        proto_tls = proto_get_id_by_filter_name("tls");
    /* TLS hands decrypted data straight to us, so it is the layer under
     * ours (the list's last): no walk over every layer of every frame. */
    wmem_list_frame_t *ours = wmem_list_tail(pinfo->layers);
    wmem_list_frame_t *under = ours ? wmem_list_frame_prev(ours) : NULL;
    return under && GPOINTER_TO_INT(wmem_list_frame_data(under)) == proto_tls;
}

/* The context of one call, and the tcpinfo TCP handed over (NULL when the
 * data came from TLS). */
static const struct tcpinfo *
dissect_context(ms_ctx_t *c, ms_proto_t *p, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                void *data)
{
    c->proto = p;
    c->tvb = tvb;
    c->pinfo = pinfo;
    c->first_pass = !PINFO_FD_VISITED(pinfo);
    /* Without a visible tree and an Info column (tshark -q with a
     * statistic, the first pass of -2) the Info text is built for nobody:
     * skip it.  Fields, filters and expert infos do not depend on it. */
    c->want_text = (tree && PTREE_DATA(tree)->visible) || col_get_writable(pinfo->cinfo, COL_INFO) ||
                   have_tap_listener(p->tap);   /* the session views show it */
    c->from_tcp = !layers_have_tls(pinfo);
    const struct tcpinfo *tcpi = c->from_tcp ? (const struct tcpinfo *)data : NULL;
    if (tcpi)
        c->tcp_flags = tcpi->flags;
    return tcpi;
}

/* First pass: frames and analyses the next unit at offset and stores it
 * with the frame.  NULL when there is none: the rest waits for more TCP
 * data (*deferred), or went to TLS. */
static ms_unit_t *
first_pass_unit(ms_ctx_t *c, ms_frame_units_t *units, int offset, bool from_srv, proto_tree *tree,
                bool *deferred)
{
    bool need_more = false, to_tls = false;
    ms_unit_t *u = analyze_next(c, offset, from_srv, &need_more, &to_tls);
    if (to_tls) {
        hand_over_to_tls(c, offset, tree);
        return NULL;
    }
    ms_direction_t *d = &c->s->dir[from_srv];
    if (!u) {
        *deferred = true;
        d->wait_segments++;   /* < MS_MAX_WAIT_SEGMENTS */
        c->pinfo->desegment_offset = offset;
        c->pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
        return NULL;
    }
    d->wait_segments = 0;
    note_missing(c, d, from_srv);
    if (u->prev_phase == 0xff && u->phase != c->s->phase && u->kind != MS_UNIT_REPLY)
        u->phase = c->s->phase;
    if (c->proto->state_vals)
        u->state = c->s->state;
    frame_units_append(units, u);
    return u;
}

/* Later passes: the next stored unit of the frame, if it fits the data. */
static ms_unit_t *
replayed_unit(ms_frame_units_t *units, guint32 cursor, packet_info *pinfo, int offset, int avail)
{
    if (!units || cursor >= units->n) {
        /* The tail the first pass left to TCP reassembly. */
        pinfo->desegment_offset = offset;
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
        return NULL;
    }
    ms_unit_t *u = frame_unit_at(units, cursor);
    if (u->len == 0 || (int)u->len > avail - offset)
        return NULL;  /* records do not fit this data: show no more */
    return u;
}

/* The protocol item and columns, with the first unit of a call. */
static proto_item *
start_protocol_item(ms_ctx_t *c, proto_tree *tree, int offset, guint32 cursor)
{
    packet_info *pinfo = c->pinfo;
    if (pinfo->cinfo) {
        col_set_str(pinfo->cinfo, COL_PROTOCOL, c->proto->name);
        if (cursor == 0)
            col_clear(pinfo->cinfo, COL_INFO);
    }
    if (!tree)
        return NULL;
    proto_item *ti = proto_tree_add_item(tree, c->proto->proto_id, c->tvb, offset, -1, ENC_NA);
    c->tree = proto_item_add_subtree(ti, c->proto->ett_unit);
    return ti;
}

/* A FIN while a message or listing is still open: its end never came. */
static void
note_closed_while_open(ms_ctx_t *c, bool from_srv)
{
    ms_direction_t *d = &c->s->dir[from_srv];
    if (d->mode != MS_MODE_CONTENT && d->mode != MS_MODE_LISTING &&
        d->mode != MS_MODE_CHUNK && !d->msg_open)
        return;
    bool exported = d->msg_open && d->msg_id;
    ms_note(c, MS_EI_BODY_UNTERMINATED,
            "The connection closes before the end of the %s%s",
            d->mode == MS_MODE_LISTING ? "multi-line response" : "message",
            exported ? ": not reassembled, not exported" : "");
    if (d->msg_open)
        drop_message(c, d);   /* said here; not again at the capture's end */
    const ms_note_t *n = c->u->notes;
    while (n->next)
        n = n->next;
    add_expert_text(c, c->unit_item, n->ei, n->text);
}

int
ms_dissect(ms_proto_t *p, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    /* The start of a segment quoted in an ICMP error is no part of the
     * session: dissecting it would run the session's state on a copy of
     * data (and on TCP sequence numbers of another context). */
    if (pinfo->flags.in_error_pkt)
        return 0;
    ms_ctx_t c = { 0 };
    const struct tcpinfo *tcpi = dissect_context(&c, p, tvb, pinfo, tree, data);

    ms_frame_units_t *units = frame_units(p, pinfo, c.first_pass);
    /* First pass: the frame's units so far are exactly those the earlier
     * calls for it appended, so their count is the cursor, without a
     * packet-scoped allocation.  Later passes replay with a stored one. */
    guint32 first_cursor = c.first_pass && units ? units->n : 0;
    guint32 *cursor = c.first_pass ? &first_cursor : replay_cursor(p, pinfo);
    bool from_srv;
    if (c.first_pass) {
        c.s = session_for_packet(p, tvb, pinfo);
        from_srv = from_server(c.s, pinfo);
        c.from_server = from_srv;
        if (tcpi)
            check_sequence(&c.s->dir[from_srv], tcpi->seq);
    } else {
        /* Replaying: the records know their direction and rendering reads
         * no session state, so no conversation lookup (c.s stays NULL). */
        from_srv = units && *cursor < units->n && frame_unit_at(units, *cursor)->from_server;
    }

    /* The protocol item and columns appear with the first unit: a call that
     * only asks TCP for more data shows nothing, as in a second pass where
     * TCP makes no such call. */
    proto_item *ti = NULL;
    int ti_start = 0;
    bool started = false;   /* ti stays NULL without a tree */
    int offset = 0;
    int avail = tvb_captured_length(tvb);
    bool deferred = false;      /* the rest waits for more TCP data */
    while (offset < avail) {
        c.offset = offset;
        c.u = NULL;
        ms_unit_t *u = c.first_pass ? first_pass_unit(&c, units, offset, from_srv, tree, &deferred)
                                    : replayed_unit(units, *cursor, pinfo, offset, avail);
        if (!u)
            break;
        if (!started) {
            started = true;
            ti = start_protocol_item(&c, tree, offset, *cursor);
            ti_start = offset;
        }
        (*cursor)++;
        c.u = u;
        c.message = NULL;
        c.n_render_eis = 0;
        render_unit(&c);
        offset += (int)u->len;
        if (u->len == 0)
            break;
    }

    if (c.first_pass && tcpi) {
        ms_direction_t *d = &c.s->dir[from_srv];
        d->next_seq = tcpi->seq + (guint32)(deferred ? offset : (int)tvb_reported_length(tvb));
        d->seq_known = 1;
    }
    if (c.first_pass && (c.tcp_flags & MS_TCP_FIN) && c.u)
        note_closed_while_open(&c, from_srv);
    if (ti)
        proto_item_set_len(ti, offset - ti_start);
    return avail;
}

/* Does the (line-end-less) start of the data begin one of the protocol's
 * distinctive line starts, or is it one cut short? */
static ms_looks_t
looks_like_start(const ms_proto_t *p, tvbuff_t *tvb, int len)
{
    if (len > 64)
        return MS_LOOKS_UNKNOWN;
    /* Runs for every short segment of every unclaimed conversation: raw
     * bytes, first octet first, no tvb call per marker. */
    const guint8 *d = tvb_get_ptr(tvb, 0, len);
    if (memchr(d, '\n', (size_t)len))
        return MS_LOOKS_UNKNOWN;   /* a whole line, and looks_like() said no */
    guint8 first = (guint8)g_ascii_toupper(d[0]);
    for (const ms_marker_t *m = p->line_starts; m && m->text; m++) {
        if ((guint8)g_ascii_toupper(m->text[0]) != first)
            continue;
        int ml = (int)strlen(m->text);
        int n = len < ml ? len : ml;
        if (g_ascii_strncasecmp((const char *)d, m->text, (gsize)n) != 0)
            continue;
        /* The rest must be printable text. */
        for (int i = n; i < len; i++)
            if (d[i] < 0x20 && d[i] != '\r')
                return MS_LOOKS_UNKNOWN;
        return m->looks;
    }
    return MS_LOOKS_UNKNOWN;
}

ms_heur_result_t
ms_dissect_heur(ms_proto_t *p, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    /* Cheap checks only, and nothing that can throw before we say yes. */
    int len = tvb_captured_length(tvb);
    if (len < 1 || pinfo->flags.in_error_pkt)
        return FALSE;
    ms_looks_t looks = len >= 4 ? p->looks_like(tvb, 0, len) : MS_LOOKS_UNKNOWN;
    bool partial = false;
    if (looks == MS_LOOKS_UNKNOWN) {
        /* A first line cut short (a peer writing a few bytes at a time):
         * claim it only if what is there starts a line only this protocol
         * sends, and let TCP complete it. */
        looks = looks_like_start(p, tvb, len);
        if (looks == MS_LOOKS_UNKNOWN || !pinfo->can_desegment)
            return FALSE;
        partial = true;
    }
    conversation_t *conv = find_or_create_conversation(pinfo);
    if (!conversation_get_proto_data(conv, p->proto_id))
        session_create(p, pinfo, looks == MS_LOOKS_SERVER);
    /* Later packets go straight to us, skipping every heuristic.  Not when
     * TLS called us with decrypted data: TCP must keep giving the
     * conversation to TLS. */
    if (!proto_is_frame_protocol(pinfo->layers, "tls"))
        conversation_set_dissector(conv, p->handle);
    if (partial) {
        pinfo->desegment_offset = 0;
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
        return TRUE;
    }
    ms_dissect(p, tvb, pinfo, tree, data);
    return TRUE;
}
