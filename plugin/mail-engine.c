/* mail-engine.c — the shared engine behind the esmtp and pop3 dissectors.
 *
 * See mail-engine.h for what lives here and why.  The central idea: every
 * PDU the engine frames becomes an ms_unit_t, created on the first pass from
 * the session state and stored per frame.  Later passes (tshark -2, the GUI
 * clicking around) replay those records instead of re-running the state
 * machine, so every pass shows the same phases, links and expert infos.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

/* Bytes of the proto-data keys we use. */
#define MS_KEY_UNITS   0   /* file scope: the frame's unit list */
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

/* Frames and analyses the next unit of the first pass.  Returns NULL with
 * *need_more set when the rest must wait for more TCP data, or with
 * *to_tls set when TLS takes over from offset on. */
static ms_unit_t *
analyze_next(ms_ctx_t *c, int offset, bool from_srv, bool *need_more, bool *to_tls)
{
    ms_proto_t *p = c->proto;
    ms_session_t *s = c->s;
    ms_direction_t *d = &s->dir[from_srv];
    int avail = tvb_captured_length_remaining(c->tvb, offset);
    ms_unit_t *u;

    if (d->mode == MS_MODE_TLS && c->from_tcp && s->tls_active == MS_TLS_EXPECTED &&
        c->pinfo->num > s->tls_answer_frame && tls_expected_next(c, offset, avail)) {
        *to_tls = true;
        return NULL;
    }
    if (d->mode == MS_MODE_TLS) {
        if (c->from_tcp) {
            /* Plaintext sent with or before the answer, where only a TLS
             * handshake may follow. */
            u = new_unit(c, MS_UNIT_INJECTED);
            u->len = (guint32)avail;
            ms_note(c, MS_EI_TLS_INJECTION,
                    "%u octets of plaintext from the %s after %s, before the TLS handshake "
                    "(command injection, CVE-2011-0411)", u->len,
                    from_srv ? "server" : "client", p->tls_command);
            return u;
        }
        /* Decrypted data: the tunnel is up, back to lines. */
        s->dir[MS_FROM_CLIENT].mode = MS_MODE_LINES;
        s->dir[MS_FROM_SERVER].mode = MS_MODE_LINES;
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
    u = frame_lines(c, d, offset, avail, from_srv, need_more);
    if (!u)
        return u;
    if (s->tls_active == MS_TLS_NOT_STARTED) {
        s->tls_active = MS_TLS_NONE;
        ms_note(c, MS_EI_TLS_NOT_STARTED,
                "The server accepted %s, but no TLS handshake followed: the session goes on "
                "in cleartext", p->tls_command);
    }
    bool first_server_unit = from_srv && !s->server_spoke;
    if (from_srv)
        s->server_spoke = 1;
    note_nul_octets(c, offset, (int)u->len, from_srv);
    if (was_mid_line)
        return u;
    note_line_end(c, (ms_eol_t)u->eol);
    int limit = from_srv ? p->max_reply_line : p->max_request_line;
    int line_total = c->line_len + (u->eol == MS_EOL_CRLF ? 2 : 1);
    if (limit && line_total > limit && u->kind != MS_UNIT_FRAGMENT)
        ms_note(c, MS_EI_LINE_TOO_LONG, "%s line of %d octets exceeds the %d-octet limit",
                from_srv ? "Reply" : "Command", line_total, limit);

    if (!from_srv) {
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
            p->analyze_request(c);
            note_if_before_greeting(c);
        }
        note_user_frame(c, user_before);
        /* The protocol may have recognised message content instead. */
        if (u->kind == MS_UNIT_REQUEST || u->kind == MS_UNIT_SASL)
            pending_push(s, u, c->pinfo);
        return u;
    }

    /* The rest of a reply shown in parts was matched with its first part. */
    if (u->flags & MS_UF_CONTINUED)
        return u;

    if (reply_is_greeting_after_early_commands(c, first_server_unit)) {
        u->flags |= MS_UF_NO_MATCH;
        p->analyze_reply(c, NULL);
        s->early = 0;
        return u;
    }
    s->early = 0;

    /* A reply: match it with the oldest outstanding request. */
    ms_pending_t req;
    bool overflowed = false;
    ms_unit_t *request = NULL;
    {
        if (pending_pop(s, &req, &overflowed)) {
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
    }
    p->analyze_reply(c, request);
    return u;
}

/* ======================================================================
 * Rendering (every pass)
 * ====================================================================== */

/* ---- IMF on demand --------------------------------------------------------
 * Handing each message to IMF (and the MIME dissectors below it) is about
 * half of what mail traffic costs, whoever dissects it.  Its result is read
 * by a visible tree (GUI details, -V, PDML/JSON), by taps (Export Objects
 * IMF; expert info consumers), by taps that walk the tree (Protocol
 * Hierarchy reads every top-level protocol item, and those are never
 * faked; io,stat asks for the tree as well), and by filters,
 * fields and columns -- which Wireshark announces by marking each field it
 * will look for, and the field's protocol, as referenced before dissecting.
 * A referenced protocol that is not already among this frame's layers may
 * be in the message (IMF, MIME, anything a MIME part holds), so IMF runs.
 * Without any of these, nobody would see IMF's work: skip it. */

ms_proto_t *ms_protos[2];   /* esmtp and pop3, as they are handed off */

/* One init callback per protocol (the callback gets only the tree). */
static void stats_tree_init_0(stats_tree *st) { stats_tree_init_for(st, ms_protos[0]); }
static void stats_tree_init_1(stats_tree *st) { stats_tree_init_for(st, ms_protos[1]); }

/* ======================================================================
 * Dissection entry points
 * ====================================================================== */

static ms_frame_units_t *
frame_units(const ms_proto_t *p, packet_info *pinfo, bool create)
{
    ms_frame_units_t *f = (ms_frame_units_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                               p->proto_id, MS_KEY_UNITS);
    if (!f && create) {
        f = wmem_new0(wmem_file_scope(), ms_frame_units_t);
        p_add_proto_data(wmem_file_scope(), pinfo, p->proto_id, MS_KEY_UNITS, f);
    }
    return f;
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
    return protocol_in_frame_layers(pinfo, proto_tls);
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
    c.proto = p;
    c.tvb = tvb;
    c.pinfo = pinfo;
    c.first_pass = !PINFO_FD_VISITED(pinfo);
    /* Without a visible tree and an Info column (tshark -q with a
     * statistic, the first pass of -2) the Info text is built for nobody:
     * skip it.  Fields, filters and expert infos do not depend on it. */
    c.want_text = (tree && PTREE_DATA(tree)->visible) || col_get_writable(pinfo->cinfo, COL_INFO) ||
                  have_tap_listener(p->tap);   /* the session views show it */
    c.from_tcp = !layers_have_tls(pinfo);
    const struct tcpinfo *tcpi = c.from_tcp ? (const struct tcpinfo *)data : NULL;
    if (tcpi)
        c.tcp_flags = tcpi->flags;

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
        ms_unit_t *u;
        c.offset = offset;
        c.u = NULL;
        if (c.first_pass) {
            bool need_more = false, to_tls = false;
            u = analyze_next(&c, offset, from_srv, &need_more, &to_tls);
            if (to_tls) {
                hand_over_to_tls(&c, offset, tree);
                break;
            }
            if (!u) {
                deferred = true;
                c.s->dir[from_srv].wait_segments++;   /* < MS_MAX_WAIT_SEGMENTS */
                pinfo->desegment_offset = offset;
                pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
                break;
            }
            c.s->dir[from_srv].wait_segments = 0;
            u->from_server = from_srv;
            note_missing(&c, &c.s->dir[from_srv], from_srv);
            if (u->prev_phase == 0xff && u->phase != c.s->phase && u->kind != MS_UNIT_REPLY)
                u->phase = c.s->phase;
            if (p->state_vals)
                u->state = c.s->state;
            frame_units_append(units, u);
        } else {
            if (!units || *cursor >= units->n) {
                /* The tail the first pass left to TCP reassembly. */
                pinfo->desegment_offset = offset;
                pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
                break;
            }
            u = frame_unit_at(units, *cursor);
            if (u->len == 0 || (int)u->len > avail - offset)
                break;  /* records do not fit this data: show no more */
        }
        if (!started) {
            started = true;
            if (pinfo->cinfo) {
                col_set_str(pinfo->cinfo, COL_PROTOCOL, p->name);
                if (*cursor == 0)
                    col_clear(pinfo->cinfo, COL_INFO);
            }
            if (tree) {
                ti = proto_tree_add_item(tree, p->proto_id, tvb, offset, -1, ENC_NA);
                ti_start = offset;
                c.tree = proto_item_add_subtree(ti, p->ett_unit);
            }
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

    /* A FIN while a message or listing is still open: its end never came. */
    if (c.first_pass && (c.tcp_flags & MS_TCP_FIN) && c.u) {
        ms_direction_t *d = &c.s->dir[from_srv];
        if (d->mode == MS_MODE_CONTENT || d->mode == MS_MODE_LISTING ||
            d->mode == MS_MODE_CHUNK || d->msg_open) {
            bool exported = d->msg_open && d->msg_id;
            ms_note(&c, MS_EI_BODY_UNTERMINATED,
                    "The connection closes before the end of the %s%s",
                    d->mode == MS_MODE_LISTING ? "multi-line response" : "message",
                    exported ? ": not reassembled, not exported" : "");
            if (d->msg_open)
                drop_message(&c, d);   /* said here; not again at the capture's end */
            const ms_note_t *n = c.u->notes;
            while (n->next)
                n = n->next;
            add_expert_text(&c, c.unit_item, n->ei, n->text);
        }
    }
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

/* ======================================================================
 * Registration
 * ====================================================================== */

typedef struct {
    int *id;
    const char *name, *suffix;
    enum ftenum type;
    int display;
    const void *strings;
    const char *blurb;
} ms_hf_spec_t;

static const true_false_string tfs_protected = {
    "Inside TLS (STARTTLS/STLS or implicit TLS)", "Cleartext"
};

/* The text of every phase transition, indexed [from * n_phases + to]; a
 * number that is no phase reads "?", as val_to_str_const() would say. */
static void
phase_change_texts(ms_proto_t *p)
{
    guint n = 0;
    for (const value_string *v = p->phase_vals; v->strptr; v++)
        n = MAX(n, v->value + 1);
    p->n_phases = (guint8)MIN(n, 255);
    p->phase_change_texts = wmem_alloc0_array(wmem_epan_scope(), const char *,
                                              (gsize)p->n_phases * p->n_phases);
    for (guint from = 0; from < p->n_phases; from++)
        for (guint to = 0; to < p->n_phases; to++)
            p->phase_change_texts[from * p->n_phases + to] =
                wmem_strdup_printf(wmem_epan_scope(), "Phase: %s → %s",
                                   val_to_str_const(from, p->phase_vals, "?"),
                                   val_to_str_const(to, p->phase_vals, "?"));
}

void
ms_register_common(ms_proto_t *p, int proto_id, module_t *module, dissector_t dissector,
                   const ei_register_info *proto_eis, int n_proto_eis)
{
    static bool table_registered;
    if (!table_registered) {
        /* One table for both protocols: message ids are unique across them. */
        reassembly_table_register(&ms_reassembly, &addresses_reassembly_table_functions);
        table_registered = true;
    }
    p->proto_id = proto_id;
    phase_change_texts(p);
    ms_common_hf_t *h = &p->hf;
    const ms_hf_spec_t specs[] = {
        /* Strings, so that tshark -T fields and filters read as the phases
         * do: esmtp.phase == "Data". */
        { &h->phase, "Session phase", "phase", FT_STRING, BASE_NONE, NULL,
          "Where this PDU stands in the session (mailscope's teaching view)" },
        { &h->state, "Protocol state", "state", FT_STRING, BASE_NONE, NULL,
          "Protocol state machine state" },
        { &h->command, "Command", "command", FT_STRING, BASE_NONE, NULL,
          "Command word (known commands upper-cased)" },
        { &h->command_meaning, "Meaning", "command.meaning", FT_STRING, BASE_NONE, NULL,
          "What the command does" },
        { &h->request_arg, "Request argument", "request.arg", FT_STRING, BASE_NONE, NULL,
          "Everything after the command word" },
        { &h->reply_line, "Reply line", "reply.line", FT_STRING, BASE_NONE, NULL, NULL },
        { &h->response_in, "Response in", "response_in", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), "The reply to this request is in this frame" },
        { &h->response_to, "Response to", "response_to", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), "This is a reply to the request in this frame" },
        { &h->response_time, "Response time", "time", FT_RELATIVE_TIME, BASE_NONE, NULL,
          "Time between the request and this reply" },
        { &h->no_request, "Reply without request", "response_to.none", FT_BOOLEAN, BASE_NONE,
          NULL, "No outstanding request matches this reply" },
        { &h->auth_mechanism, "SASL mechanism", "auth.mechanism", FT_STRING, BASE_NONE, NULL,
          NULL },
        { &h->auth_username, "User name", "auth.username", FT_STRING, BASE_NONE, NULL,
          "Decoded user name (authentication identity)" },
        { &h->auth_secret, "Secret", "auth.secret", FT_STRING, BASE_NONE, NULL,
          "Decoded password or token (masked by preference)" },
        { &h->auth_authzid, "Authorization identity", "auth.authzid", FT_STRING, BASE_NONE,
          NULL, NULL },
        { &h->auth_decoded, "Decoded SASL data", "auth.decoded", FT_STRING, BASE_NONE, NULL,
          "Decoded challenge, prompt or response" },
        { &h->auth_base64, "SASL data (base64)", "auth.data", FT_STRING, BASE_NONE, NULL,
          NULL },
        { &h->protected_, "Protected", "tls.protected", FT_BOOLEAN, BASE_NONE,
          TFS(&tfs_protected), "This PDU was carried inside TLS" },
        { &h->content_len, "Content octets", "content.length", FT_UINT32, BASE_DEC, NULL,
          "Octets of message content or chunk data in this PDU" },
        { &h->message_len, "Message length", "message.length", FT_UINT32, BASE_DEC, NULL,
          "Octets of the message: dot-unstuffed, without the terminating \".\" line "
          "(BDAT: the chunks' octets)" },
        { &h->listing_line, "Listing line", "listing.line", FT_STRING, BASE_NONE, NULL, NULL },
        { &h->fragments, "Message fragments", "fragments", FT_NONE, BASE_NONE, NULL, NULL },
        { &h->fragment, "Message fragment", "fragment", FT_FRAMENUM, BASE_NONE, NULL, NULL },
        { &h->fragment_overlap, "Fragment overlap", "fragment.overlap", FT_BOOLEAN, BASE_NONE,
          NULL, NULL },
        { &h->fragment_overlap_conflicts, "Fragment overlapping with conflicting data",
          "fragment.overlap.conflicts", FT_BOOLEAN, BASE_NONE, NULL, NULL },
        { &h->fragment_multiple_tails, "Fragment has multiple tails",
          "fragment.multiple_tails", FT_BOOLEAN, BASE_NONE, NULL, NULL },
        { &h->fragment_too_long_fragment, "Fragment too long", "fragment.too_long_fragment",
          FT_BOOLEAN, BASE_NONE, NULL, NULL },
        { &h->fragment_error, "Message defragmentation error", "fragment.error", FT_FRAMENUM,
          BASE_NONE, NULL, NULL },
        { &h->fragment_count, "Fragment count", "fragment.count", FT_UINT32, BASE_DEC, NULL,
          NULL },
        { &h->reassembled_in, "Reassembled in", "reassembled.in", FT_FRAMENUM, BASE_NONE, NULL,
          NULL },
        { &h->reassembled_length, "Reassembled length", "reassembled.length", FT_UINT32,
          BASE_DEC, NULL, NULL },
        { &h->reassembled_data, "Reassembled data", "reassembled.data", FT_BYTES, BASE_NONE,
          NULL, "The whole reassembled message (added when a filter or field refers to it)" },
    };
    /* Wireshark keeps pointers into these arrays until epan_cleanup() and
     * never frees them: epan scope (g_new0 would be a definite leak at exit,
     * once the plugin holding the last pointer is unloaded). */
    hf_register_info *hf = wmem_alloc0_array(wmem_epan_scope(), hf_register_info,
                                             G_N_ELEMENTS(specs));
    int nhf = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
        const ms_hf_spec_t *sp = &specs[i];
        *sp->id = -1;
        if (sp->id == &h->state && !p->state_vals)
            continue;
        hf_register_info r = { sp->id, { sp->name, wmem_strdup_printf(wmem_epan_scope(), "%s.%s",
                                                                      p->abbrev, sp->suffix),
                                          sp->type, sp->display, sp->strings, 0, sp->blurb,
                                          HFILL } };
        hf[nhf++] = r;
    }
    proto_register_field_array(proto_id, hf, nhf);

    int *ett[] = { &p->ett_unit, &p->ett_auth, &p->ett_fragment, &p->ett_fragments,
                   &p->ett_content };
    for (size_t i = 0; i < G_N_ELEMENTS(ett); i++)
        *ett[i] = MS_ETT_INIT;
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));

    fragment_items fi = {
        &p->ett_fragment, &p->ett_fragments, &h->fragments, &h->fragment,
        &h->fragment_overlap, &h->fragment_overlap_conflicts, &h->fragment_multiple_tails,
        &h->fragment_too_long_fragment, &h->fragment_error, &h->fragment_count,
        &h->reassembled_in, &h->reassembled_length, NULL /* see render_message() */,
        "Message fragments"
    };
    p->frag_items = fi;

    static const struct {
        int id;
        const char *suffix;
        int group, severity;
        const char *summary;
    } eis[] = {
        { MS_EI_PHASE_CHANGE, "phase.change", PI_SEQUENCE, PI_CHAT, "Session phase changes" },
        { MS_EI_AUTH_CLEARTEXT, "auth.cleartext", PI_SECURITY, PI_WARN,
          "Credentials sent without TLS" },
        { MS_EI_AUTH_CHALLENGE_CLEARTEXT, "auth.challenge_cleartext", PI_SECURITY, PI_NOTE,
          "Challenge-response authentication without TLS" },
        { MS_EI_AUTH_FAILED, "auth.failed", PI_SECURITY, PI_NOTE, "Authentication failed" },
        { MS_EI_AUTH_CANCELLED, "auth.cancelled", PI_SEQUENCE, PI_NOTE,
          "Authentication cancelled by the client" },
        { MS_EI_AUTH_BAD_BASE64, "auth.bad_base64", PI_MALFORMED, PI_WARN,
          "SASL data is not valid base64" },
        { MS_EI_TLS_REFUSED, "tls.refused", PI_SECURITY, PI_NOTE,
          "TLS refused: the session stays in cleartext" },
        { MS_EI_TLS_INJECTION, "tls.injection", PI_SECURITY, PI_ERROR,
          "Plaintext after the TLS upgrade was requested (command injection)" },
        { MS_EI_NO_REQUEST, "sequence.no_request", PI_SEQUENCE, PI_WARN,
          "Reply without a request" },
        { MS_EI_OUT_OF_ORDER, "sequence.out_of_order", PI_SEQUENCE, PI_WARN,
          "Command out of order" },
        { MS_EI_AFTER_QUIT, "sequence.after_quit", PI_SEQUENCE, PI_WARN,
          "Data after QUIT" },
        { MS_EI_UNKNOWN_COMMAND, "command.unknown", PI_PROTOCOL, PI_WARN, "Unknown command" },
        { MS_EI_LINE_TOO_LONG, "line.too_long", PI_PROTOCOL, PI_WARN,
          "Line longer than the RFC allows" },
        { MS_EI_LINE_UNTERMINATED, "line.unterminated", PI_MALFORMED, PI_ERROR,
          "Line without end beyond the framing bound" },
        { MS_EI_BARE_LF, "line.bare_lf", PI_PROTOCOL, PI_WARN, "Line ends in a bare LF" },
        { MS_EI_BARE_CR, "line.bare_cr", PI_PROTOCOL, PI_WARN, "Bare CR inside a line" },
        { MS_EI_LINE_NUL, "line.nul", PI_PROTOCOL, PI_WARN,
          "NUL octet in a line" },
        { MS_EI_BODY_UNTERMINATED, "content.unterminated", PI_MALFORMED, PI_ERROR,
          "Multi-line data without its terminating line" },
        { MS_EI_BODY_SMUGGLING, "content.smuggling", PI_SECURITY, PI_WARN,
          "Ambiguous end-of-data sequence (SMTP smuggling)" },
        { MS_EI_BODY_LINE_TOO_LONG, "content.line_too_long", PI_PROTOCOL, PI_WARN,
          "Message text line longer than the RFC allows" },
        { MS_EI_PIPELINE_OVERFLOW, "sequence.pipeline_overflow", PI_SEQUENCE, PI_NOTE,
          "Too many outstanding requests to match" },
        { MS_EI_BODY_NOT_REASSEMBLED, "content.not_reassembled", PI_REASSEMBLE, PI_NOTE,
          "Message body too large to reassemble" },
        { MS_EI_BODY_INCOMPLETE, "content.incomplete", PI_REASSEMBLE, PI_WARN,
          "Message whose end is not in the capture (not exported)" },
        { MS_EI_BEFORE_GREETING, "sequence.before_greeting", PI_SEQUENCE, PI_WARN,
          "Command sent before the server's greeting" },
        { MS_EI_TLS_NOT_STARTED, "tls.not_started", PI_SECURITY, PI_WARN,
          "STARTTLS/STLS accepted, but the session went on in cleartext" },
        { MS_EI_DATA_MISSING, "sequence.data_missing", PI_SEQUENCE, PI_WARN,
          "TCP data that never reached the dissector: what it held is unknown" },
    };
    int nei = (int)G_N_ELEMENTS(eis) + n_proto_eis;
    ei_register_info *ei = wmem_alloc0_array(wmem_epan_scope(), ei_register_info, nei);
    for (size_t i = 0; i < G_N_ELEMENTS(eis); i++) {
        ei_register_info r = { &p->ei[eis[i].id],
                               { wmem_strdup_printf(wmem_epan_scope(), "%s.%s", p->abbrev,
                                                    eis[i].suffix),
                                 eis[i].group, eis[i].severity, eis[i].summary, EXPFILL } };
        ei[i] = r;
        p->ei_severity[eis[i].id] = eis[i].severity;
        p->ei_summary[eis[i].id] = eis[i].summary;
    }
    for (int i = 0; i < n_proto_eis; i++) {
        ei[G_N_ELEMENTS(eis) + i] = proto_eis[i];
        ptrdiff_t id = proto_eis[i].ids - p->ei;
        if (id >= 0 && id < MS_EI_MAX) {
            p->ei_severity[id] = proto_eis[i].eiinfo.severity;
            p->ei_summary[id] = proto_eis[i].eiinfo.summary;
        }
    }
    expert_register_field_array(expert_register_protocol(proto_id), ei, nei);

    p->handle = register_dissector(p->abbrev, dissector, proto_id);
    p->tap = register_tap(p->abbrev);
    credentials_tap = register_tap("credentials");   /* shared with the built-ins */

    p->pref_desegment = true;
    p->pref_reassemble = true;
    p->pref_mask_secrets = false;
    p->pref_imf_on_demand = true;
    range_convert_str(wmem_epan_scope(), &p->pref_ports, p->default_ports, 65535);
    range_convert_str(wmem_epan_scope(), &p->pref_tls_ports, p->default_tls_ports, 65535);
    prefs_register_range_preference(module, "ports", "Standard TCP ports",
        "TCP ports this dissector takes over from Wireshark's built-in one while the plugin is "
        "loaded (the heuristic finds the protocol on any other port). Clear to give them back.",
        &p->pref_ports, 65535);
    prefs_register_range_preference(module, "tls_ports", "Implicit TLS ports",
        "TCP ports carrying implicit TLS whose decrypted data this dissector takes over.",
        &p->pref_tls_ports, 65535);
    prefs_register_bool_preference(module, "desegment_lines", "Reassemble lines across TCP segments",
        "Wait for the end of a line (and of a multi-line reply) when it spans TCP segments. "
        "Needs TCP's \"Allow subdissector to reassemble TCP streams\".",
        &p->pref_desegment);
    prefs_register_bool_preference(module, "reassemble_bodies", "Reassemble message bodies",
        "Collect message content (DATA, BDAT, RETR, TOP), remove dot-stuffing and hand the "
        "message to the IMF dissector (File > Export Objects > IMF).",
        &p->pref_reassemble);
    prefs_register_bool_preference(module, "imf_on_demand", "Dissect messages as IMF only when read",
        "Hand a reassembled message to IMF only when something reads the result: a visible "
        "packet tree, a filter, field or column on any protocol that is not below this one "
        "(imf, mime_multipart, ...), Export Objects, expert info consumers or Protocol "
        "Hierarchy statistics. This skips about half the cost of mail traffic in tshark runs "
        "that only look at the session. Off: always, as Wireshark's built-in dissectors do "
        "(e.g. for hex dumps that should list IMF's decoded MIME parts).",
        &p->pref_imf_on_demand);
    prefs_register_bool_preference(module, "mask_secrets", "Mask secrets",
        "Show passwords and tokens, and the SASL data that carries them (AUTH initial "
        "responses, the client's SASL lines), as ******** in every field; user names and "
        "the APOP digest stay visible.",
        &p->pref_mask_secrets);
}

/* Calls fn for every port of a range (ranges may end at 65535). */
static void
for_each_port(const range_t *r, void (*fn)(guint32 port, void *arg), void *arg)
{
    for (guint i = 0; r && i < r->nranges; i++)
        for (guint32 port = r->ranges[i].low; port <= r->ranges[i].high; port++) {
            fn(port, arg);
            if (port == r->ranges[i].high)
                break;
        }
}

typedef struct {
    const char *table;
    dissector_handle_t handle;
    const range_t *wanted;
    bool over_tls;
} ms_port_job_t;

/* A port we hold but no longer want goes back to its initial (built-in)
 * owner; a port someone else holds now (Decode As) is not ours to reset. */
static void
release_port(guint32 port, void *arg)
{
    const ms_port_job_t *j = (const ms_port_job_t *)arg;
    if (!value_is_in_range(j->wanted, port) &&
        dissector_get_uint_handle(find_dissector_table(j->table), port) == j->handle)
        dissector_reset_uint(j->table, port);
}

/* Take a port from its built-in owner or from nobody, never from a user's
 * Decode As choice.  change, not add: the built-in dissector stays the
 * port's initial handle, so resetting gives the port back to it. */
static void
take_port(guint32 port, void *arg)
{
    const ms_port_job_t *j = (const ms_port_job_t *)arg;
    dissector_handle_t cur = dissector_get_uint_handle(find_dissector_table(j->table), port);
    if (cur && cur != j->handle && cur != dissector_get_default_uint_handle(j->table, port))
        return;
    dissector_change_uint(j->table, port, j->handle);
    if (j->over_tls && tls_handle &&
        !dissector_get_uint_handle(find_dissector_table("tcp.port"), port))
        dissector_change_uint("tcp.port", port, tls_handle);
}

static void
apply_port_range(const char *table, range_t **applied, range_t *wanted,
                 dissector_handle_t handle, bool over_tls)
{
    ms_port_job_t job = { table, handle, wanted, over_tls };
    if (*applied) {
        for_each_port(*applied, release_port, &job);
        wmem_free(wmem_epan_scope(), *applied);
    }
    *applied = range_copy(wmem_epan_scope(), wanted);
    for_each_port(wanted, take_port, &job);
}

/* The ports a protocol holds: its preferences while it is enabled, none
 * while it is disabled (Analyze > Enabled Protocols, --disable-protocol).
 * A disabled dissector's table entries would otherwise keep the built-in
 * smtp/pop off their standard ports: TCP would find our handle, see it
 * disabled and fall back to plain data. */
static void
apply_ports(ms_proto_t *p)
{
    bool enabled = proto_is_protocol_enabled(find_protocol_by_id(p->proto_id));
    range_t *none = enabled ? NULL : range_empty(wmem_epan_scope());
    apply_port_range("tcp.port", &p->applied_ports, enabled ? p->pref_ports : none,
                     p->handle, false);
    apply_port_range("tls.port", &p->applied_tls_ports, enabled ? p->pref_tls_ports : none,
                     p->handle, true);
    if (none)
        wmem_free(wmem_epan_scope(), none);
}

/* Runs whenever a capture is (re)dissected: after the preference files,
 * after the built-ins re-registered their ports, and after the Enabled
 * Protocols dialog or --disable-protocol changed what is enabled. */
static void
apply_all_port_preferences(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ms_protos); i++)
        if (ms_protos[i])
            apply_ports(ms_protos[i]);
}

void
ms_handoff_common(ms_proto_t *p, heur_dissector_t heur, const char *heur_tcp_name,
                  const char *heur_tls_name)
{
    if (!p->handed_off) {
        p->handed_off = true;
        imf_handle = find_dissector_add_dependency("imf", p->proto_id);
        tls_handle = find_dissector("tls");
        /* heur_dissector_add() keeps the display names without ever freeing
         * them: epan scope, so they live as long as the tables (and are not
         * a definite leak at exit). */
        char *tcp_display = wmem_strdup_printf(wmem_epan_scope(), "%s on any TCP port (mailscope)",
                                               p->name);
        char *tls_display = wmem_strdup_printf(wmem_epan_scope(),
                                               "%s inside TLS on any port (mailscope)", p->name);
        heur_dissector_add("tcp", heur, tcp_display, heur_tcp_name, p->proto_id, HEURISTIC_ENABLE);
        heur_dissector_add("tls", heur, tls_display, heur_tls_name, p->proto_id, HEURISTIC_ENABLE);
        /* Epan scope, like the names above (valgrind: g_strdup_printf here
         * was a definite leak). */
        dissector_add_for_decode_as("tcp.port", p->handle);
        dissector_add_for_decode_as("tls.port", p->handle);
        size_t slot = 0;   /* esmtp and pop3: two slots */
        while (slot + 1 < G_N_ELEMENTS(ms_protos) && ms_protos[slot])
            slot++;
        ms_protos[slot] = p;
        /* As a plugin tree: only those get a Statistics menu entry (4.0 to
         * 4.6), here Statistics > mailscope > SMTP sessions (esmtp).  tshark
         * sorts it by name, ascending; phases keep their order in any sort
         * (see stats_tree_init_for). */
        stats_tree_register_plugin(p->abbrev, p->abbrev,
                                   wmem_strdup_printf(wmem_epan_scope(),
                                                      "mailscope" MS_STATS_TREE_MENU_SEPARATOR
                                                      "%s sessions (%s)", p->name, p->abbrev),
                                   ST_SORT_COL_NAME << ST_FLG_SRTCOL_SHIFT,
                                   stats_tree_packet,
                                   slot == 0 ? stats_tree_init_0 : stats_tree_init_1, NULL);
        ms_views_register(p);
        /* The built-in dissectors re-register their ports when Wireshark
         * applies its preference files, after every plugin's handoff; taking
         * the ports again whenever a capture is (re)dissected keeps ours. */
        static bool init_registered;
        if (!init_registered) {
            register_init_routine(apply_all_port_preferences);
            init_registered = true;
        }
    }
    apply_ports(p);
}
