/* mail-framing.c — cutting the TCP stream into PDUs (first pass).
 *
 * Owns: the unit record each PDU becomes, line PDUs (several per segment
 * when pipelined; multi-line replies grouped; a line without end shown in
 * parts past MS_MAX_LINE_WAIT), message content with dot-unstuffing and
 * <CRLF>.<CRLF> detection, POP3 listings, counted BDAT chunks, and the
 * reassembly of message bodies (fragments handed to the reassembly table).
 * Every bound named in mail-engine.h is enforced here.
 *
 * Must not touch: the protocol tree (framing only records) and protocol
 * knowledge (what a line means is decided by the protocol file's analyze
 * callback, called from mail-dissect.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

reassembly_table ms_reassembly;

ms_unit_t *
new_unit(ms_ctx_t *c, ms_unit_kind_t kind)
{
    ms_unit_t *u = wmem_new0(wmem_file_scope(), ms_unit_t);
    u->kind = (guint8)kind;
    u->phase = c->s->phase;
    u->prev_phase = 0xff;
    u->state = c->s->state;
    u->from_server = c->from_server;
    if (unit_is_protected(c))
        u->flags |= MS_UF_PROTECTED;
    c->u = u;
    return u;
}

void
note_line_end(ms_ctx_t *c, ms_eol_t eol)
{
    if (eol == MS_EOL_LF)
        ms_note(c, MS_EI_BARE_LF, NULL);
    else if (eol == MS_EOL_CR)
        ms_note(c, MS_EI_BARE_CR, NULL);
}

/* Commands and replies are text in the grammars of RFC 5321 and RFC 1939;
 * a NUL has no place there, and software differs in how it takes one (a
 * string end to C code, an ordinary octet to others): a way to make a
 * monitor and the server read different commands. */
void
note_nul_octets(ms_ctx_t *c, int offset, int len, bool from_srv)
{
    if (len <= 0)
        return;
    const guint8 *d = tvb_get_ptr(c->tvb, offset, len);
    const guint8 *nul = memchr(d, 0, (size_t)len);
    if (nul)
        ms_note(c, MS_EI_LINE_NUL, "NUL octet in a line from the %s (at octet %d)",
                from_srv ? "server" : "client", (int)(nul - d));
}

/* Adds message octets (data may be NULL: none) to the reassembly of the
 * direction's open message; ends: the message is complete with them.
 *
 * Pieces are numbered in order (d->msg_pieces).  The piece that ends the
 * message goes in with fragment_add_seq_check() as the last one -- one
 * call, for most messages their only piece; an end that comes without
 * octets (the "." line in a segment of its own) is declared with
 * fragment_end_seq_next().  fragment_add_seq_next() never gets a piece
 * that is both first and last: it takes one for a datagram that was never
 * fragmented and keeps none of its octets -- what was found for it (by
 * process_reassembled_data(), before) was the rest of the segment from the
 * unit's start: stuffing dots, the "." line and whatever followed it (a
 * QUIT, the next reply).  An empty message is one empty piece, so that it
 * too is reassembled (as zero octets). */
void
add_message_fragment(ms_ctx_t *c, ms_direction_t *d, tvbuff_t *data, bool ends)
{
    if (!d->msg_id)
        return;
    guint len = data ? tvb_captured_length(data) : 0;
    if (len && d->msg_pieces >= MS_MAX_MESSAGE_PIECES) {
        /* Too many pieces to reassemble in linear time: give up on this
         * message and free what is held. */
        tvbuff_t *held = fragment_delete(&ms_reassembly, c->pinfo, d->msg_id, NULL);
        if (held)
            tvb_free(held);
        ms_note(c, MS_EI_BODY_NOT_REASSEMBLED,
                "Message body in more than %d pieces: not reassembled (no IMF view or export)",
                MS_MAX_MESSAGE_PIECES);
        d->msg_id = 0;
        return;
    }
    if (len || (ends && !d->msg_pieces)) {
        if (!data)
            data = tvb_new_subset_length(c->tvb, 0, 0);
        guint32 number = d->msg_pieces++;
        if (ends) {
            /* The last piece, numbered, and declared last as it is added:
             * one call instead of two (most messages are one piece). */
            fragment_add_seq_check(&ms_reassembly, data, 0, c->pinfo, d->msg_id, NULL, number,
                                   len, FALSE);
            return;
        }
        fragment_add_seq_next(&ms_reassembly, data, 0, c->pinfo, d->msg_id, NULL, len, TRUE);
    }
    if (ends)
        fragment_end_seq_next(&ms_reassembly, c->pinfo, d->msg_id, NULL);
}

/* Whether the unit that ends a message holds all of it, from its first
 * octet on (the caller knows the octets are one unbroken range there): no
 * piece went to reassembly before and the message is as long as this
 * unit's share.  Such a message is not reassembled -- no copy of it is
 * kept, and it is shown the way process_reassembled_data() shows a
 * one-fragment packet: a range of the frame, no fragment tree, no extra
 * data source. */
static bool
message_is_whole(const ms_direction_t *d, const ms_unit_t *u)
{
    return d->msg_pieces == 0 && u->msg_len == d->msg_len && d->msg_len <= u->len;
}

static void
end_body(ms_ctx_t *c, ms_direction_t *d)
{
    c->u->flags |= MS_UF_ENDS_BODY;
    d->mode = MS_MODE_LINES;
    if (c->proto->content_ended)
        c->proto->content_ended(c);
    message_tail_moves(d, NULL);
    d->msg_id = 0;
    d->msg_open = 0;
}

/* ======================================================================
 * Message content
 * ====================================================================== */

/* The unstuffed message octets of one content segment: runs of the
 * segment's own octets (between dropped stuffing dots), kept as one range
 * of the tvb while they are contiguous -- the common case, which then costs
 * no copy -- and copied into a buffer only when a dot is dropped inside the
 * segment or a CR held back from the previous segment must be put back. */
typedef struct {
    const guint8 *p;
    int avail;
    int a0, a1;                /* the single range, while there is one */
    guint8 *buf;               /* otherwise the copied octets */
    int blen;
    wmem_allocator_t *pool;
} ms_body_out_t;

static void
body_out_to_buffer(ms_body_out_t *o)
{
    if (o->buf)
        return;
    o->buf = (guint8 *)wmem_alloc(o->pool, (gsize)o->avail + 2);
    o->blen = o->a1 - o->a0;
    memcpy(o->buf, o->p + o->a0, (size_t)o->blen);
}

static void
body_out_range(ms_body_out_t *o, int from, int to)
{
    if (to <= from)
        return;
    if (!o->buf) {
        if (o->a1 == o->a0) { o->a0 = from; o->a1 = to; return; }
        if (o->a1 == from) { o->a1 = to; return; }
        body_out_to_buffer(o);
    }
    memcpy(o->buf + o->blen, o->p + from, (size_t)(to - from));
    o->blen += to - from;
}

static void
body_out_byte(ms_body_out_t *o, guint8 ch)
{
    body_out_to_buffer(o);
    o->buf[o->blen++] = ch;
}

/* Where the content scanner of a direction stands (ms_direction_t.scan and
 * body_flags) is in mail-engine-private.h: MS_SCAN_*, MS_BODY_*. */

/* One call of frame_content(): the segment's octets, the scanner and the
 * message octets collected so far. */
typedef struct {
    ms_ctx_t *c;
    ms_direction_t *d;
    const guint8 *p;
    int avail;
    int i;                     /* next octet to look at */
    int run;                   /* start of the octets not yet given to out */
    guint8 scan;               /* MS_SCAN_* */
    guint32 line_len;
    bool ended;                /* <CRLF>.<CRLF> seen */
    bool prev_cr;              /* the segment ends in a CR */
    /* Next CR and LF at or after i (avail: none), found with memchr() and
     * kept until passed: the bytes inside a line are never looked at one
     * by one. */
    int next_cr, next_lf;
    ms_body_out_t ob;
} ms_content_scan_t;

/* True the first time a body raises this note (flag: MS_BODY_NOTED_*). */
static bool
body_note_once(ms_direction_t *d, guint16 flag)
{
    if (d->body_flags & flag)
        return false;
    d->body_flags |= flag;
    return true;
}

/* At a line start: a dot that ends the data, is stuffing, or is one of the
 * ambiguous end-of-data sequences.  Returns true when the octet was dealt
 * with here (or the data ended), false when the line goes on as text. */
static bool
content_line_start(ms_content_scan_t *k)
{
    ms_ctx_t *c = k->c;
    guint8 ch = k->p[k->i];
    switch (k->scan) {
    case MS_SCAN_DOT: /* ".": end of data, stuffing, or lenient end */
        if (ch == '\r') {
            k->scan = MS_SCAN_DOT_CR;
            k->i++;
            return true;
        }
        if (ch == '\n' && body_note_once(k->d, MS_BODY_NOTED_SMUGGLING))
            ms_note(c, MS_EI_BODY_SMUGGLING,
                    "\"<CRLF>.<LF>\" in message content: some servers end the data "
                    "here, others do not (SMTP smuggling)");
        k->scan = MS_SCAN_TEXT; /* stuffed dot dropped; the line goes on */
        return true;
    case MS_SCAN_DOT_CR:
        if (ch == '\n') {
            /* The end: nothing from the CR on belongs to the message
             * (a CR that ended the previous segment was held back). */
            body_out_range(&k->ob, k->run, k->i > 0 ? k->i - 1 : 0);
            k->ended = true;
            k->i++;
            k->run = k->i;
            return true;
        }
        if (k->i == 0)
            body_out_byte(&k->ob, '\r');   /* the held-back CR was data */
        if (body_note_once(k->d, MS_BODY_NOTED_SMUGGLING))
            ms_note(c, MS_EI_BODY_SMUGGLING,
                    "\"<CRLF>.<CR>\" in message content: some servers end the data "
                    "here, others do not (SMTP smuggling)");
        k->scan = MS_SCAN_TEXT;
        return true;
    case MS_SCAN_LINE_START:
        if (ch == '.') {
            body_out_range(&k->ob, k->run, k->i);   /* the dot is dropped */
            k->run = k->i + 1;
            k->scan = MS_SCAN_DOT;
            k->i++;
            return true;
        }
        k->scan = MS_SCAN_TEXT;
        return false;
    case MS_SCAN_AFTER_BARE:
        if (ch == '.' && body_note_once(k->d, MS_BODY_NOTED_SMUGGLING))
            ms_note(c, MS_EI_BODY_SMUGGLING,
                    "A \".\" line after a bare line end in message content: some servers "
                    "end the data here, others do not (SMTP smuggling)");
        k->scan = MS_SCAN_TEXT;
        return false;
    default:
        return false;
    }
}

/* Inside a line: skips to its end.  Returns false when the segment ends
 * first. */
static bool
content_skip_line(ms_content_scan_t *k)
{
    int start = k->i;
    if (k->next_cr < k->i) {
        const guint8 *q = memchr(k->p + k->i, '\r', (size_t)(k->avail - k->i));
        k->next_cr = q ? (int)(q - k->p) : k->avail;
    }
    if (k->next_lf < k->i) {
        const guint8 *q = memchr(k->p + k->i, '\n', (size_t)(k->avail - k->i));
        k->next_lf = q ? (int)(q - k->p) : k->avail;
    }
    k->i = k->next_cr < k->next_lf ? k->next_cr : k->next_lf;
    k->line_len += (guint32)(k->i - start);
    return k->i < k->avail;
}

/* At a line end (CR or LF): CRLF, a bare CR or LF, or a CR that ends the
 * segment (the next one tells).  Returns false in that last case. */
static bool
content_line_end(ms_content_scan_t *k)
{
    ms_ctx_t *c = k->c;
    ms_direction_t *d = k->d;
    guint8 ch = k->p[k->i++];
    if (ch == '\r') {
        if (k->i < k->avail && k->p[k->i] == '\n') {
            k->i++;
            k->scan = MS_SCAN_LINE_START;
        } else if (k->i >= k->avail) {
            k->prev_cr = true;   /* CRLF may be split across segments */
            k->scan = MS_SCAN_TEXT;
            k->line_len++;
            return false;
        } else {
            if (body_note_once(d, MS_BODY_NOTED_BARE_CR))
                ms_note(c, MS_EI_BARE_CR, "Bare CR in message content");
            k->scan = MS_SCAN_AFTER_BARE;
        }
    } else if (d->line_len && k->line_len == d->line_len && k->i == 1 &&
               d->scan == MS_SCAN_TEXT && (d->body_flags & MS_BODY_ENDED_IN_CR)) {
        k->scan = MS_SCAN_LINE_START;   /* its CR ended the previous segment */
    } else {
        if (body_note_once(d, MS_BODY_NOTED_BARE_LF))
            ms_note(c, MS_EI_BARE_LF, "Bare LF in message content");
        k->scan = MS_SCAN_AFTER_BARE;
    }
    int max_text_line = c->proto->max_text_line;
    if (k->line_len + 2 > (guint32)max_text_line && max_text_line &&
        body_note_once(d, MS_BODY_NOTED_LONG_LINE))
        ms_note(c, MS_EI_BODY_LINE_TOO_LONG,
                "Message text line of %u octets exceeds the %d-octet limit", k->line_len + 2,
                max_text_line);
    k->line_len = 0;
    return true;
}

/* After the scan: the direction keeps the scanner's state for the next
 * segment, the unit its length, the message its octets. */
static void
content_finish(ms_content_scan_t *k, ms_unit_t *u, int offset)
{
    ms_ctx_t *c = k->c;
    ms_direction_t *d = k->d;
    /* The rest of the segment, except a CR after a line-start dot: whether
     * it is data or ends the message, the next segment tells. */
    if (!k->ended)
        body_out_range(&k->ob, k->run, k->scan == MS_SCAN_DOT_CR ? k->i - 1 : k->i);
    /* Remember whether this segment ended right after a CR, so that an LF
     * opening the next one completes a CRLF rather than being bare. */
    if (k->prev_cr)
        d->body_flags |= MS_BODY_ENDED_IN_CR;
    else
        d->body_flags &= (guint16)~MS_BODY_ENDED_IN_CR;
    d->scan = k->scan;
    d->line_len = k->line_len;
    u->len = (guint32)k->i;
    u->msg_id = d->msg_id;
    ms_body_out_t *ob = &k->ob;
    int olen = ob->buf ? ob->blen : ob->a1 - ob->a0;
    d->msg_len += (guint32)olen;
    u->msg_len = d->msg_len;
    if (d->msg_id && k->ended && !ob->buf && ob->a0 == 0 && message_is_whole(d, u))
        u->flags |= MS_UF_WHOLE_MESSAGE;
    else if (d->msg_id) {
        tvbuff_t *data = ob->buf ? tvb_new_child_real_data(c->tvb, ob->buf, olen, olen)
                                 : tvb_new_subset_length(c->tvb, offset + ob->a0, olen);
        add_message_fragment(c, d, data, k->ended);
    }
    if (k->ended)
        end_body(c, d);
    else
        message_tail_moves(d, u);
}

/* Message content: scans for <CRLF>.<CRLF>, removes dot-stuffing, watches
 * line lengths and ambiguous end-of-data sequences.  Streams: no TCP
 * reassembly is requested, so a 100 MB body costs one pass over its bytes. */
ms_unit_t *
frame_content(ms_ctx_t *c, ms_direction_t *d, int offset, int avail)
{
    ms_unit_t *u = new_unit(c, MS_UNIT_CONTENT);
    if (d->msg_len == 0 && d->scan == MS_SCAN_LINE_START)
        u->flags |= MS_UF_STARTS_BODY;
    const guint8 *p = tvb_get_ptr(c->tvb, offset, avail);
    /* The message octets are collected also when they are not reassembled
     * (TOP, preference off): the message's length is the same exact figure
     * everywhere (Info, message.length, the POP3 size check).  Without
     * stuffing dots this is one range of the tvb, no copy. */
    ms_content_scan_t k = {
        .c = c, .d = d, .p = p, .avail = avail, .scan = d->scan, .line_len = d->line_len,
        .next_cr = -1, .next_lf = -1,
        .ob = { p, avail, 0, 0, NULL, 0, c->pinfo->pool },
    };
    while (k.i < k.avail && !k.ended) {
        if (content_line_start(&k))
            continue;
        if (!content_skip_line(&k) || !content_line_end(&k))
            break;
    }
    content_finish(&k, u, offset);
    return u;
}

/* ======================================================================
 * Chunks, listings, lines
 * ====================================================================== */

ms_unit_t *
frame_chunk(ms_ctx_t *c, ms_direction_t *d, int offset, int avail)
{
    ms_unit_t *u = new_unit(c, MS_UNIT_CHUNK);
    guint32 take = d->chunk_left < (guint64)avail ? (guint32)d->chunk_left : (guint32)avail;
    u->len = take;
    u->msg_id = d->msg_id;
    d->chunk_left -= take;
    d->msg_len += take;
    u->msg_len = d->msg_len;
    bool ends = d->chunk_left == 0 && d->chunk_last;
    if (d->msg_id && ends && message_is_whole(d, u))
        u->flags |= MS_UF_WHOLE_MESSAGE;
    else if (d->msg_id)
        add_message_fragment(c, d, tvb_new_subset_length(c->tvb, offset, take), ends);
    if (d->chunk_left == 0) {
        d->mode = MS_MODE_LINES;
        d->chunk_owner = NULL;
    }
    if (ends)
        end_body(c, d);
    else
        message_tail_moves(d, u);
    return u;
}

/* Dot-terminated listing: all complete lines in reach, up to the ".". */
ms_unit_t *
frame_listing(ms_ctx_t *c, ms_direction_t *d, int offset, int avail, bool *need_more)
{
    int pos = offset, end = offset + avail;
    bool ended = false;
    while (pos < end) {
        int next;
        ms_eol_t eol;
        int len = ms_find_line(c->tvb, pos, MS_MAX_LINE_WAIT, &next, &eol);
        if (len < 0)
            break;
        if (len == 1 && tvb_get_uint8(c->tvb, pos) == '.') {
            pos = next;
            ended = true;
            break;
        }
        pos = next;
    }
    if (pos == offset) {
        /* Not even one complete line in reach. */
        if (avail < MS_MAX_LINE_WAIT && c->pinfo->can_desegment && c->proto->pref_desegment) {
            if (d->wait_segments < MS_MAX_WAIT_SEGMENTS) {
                *need_more = true;
                return NULL;
            }
            ms_note(c, MS_EI_LINE_UNTERMINATED,
                    "No line end after %d TCP segments: the line is shown in parts",
                    MS_MAX_WAIT_SEGMENTS);
        }
        pos = end;  /* show what there is as listing text */
    }
    ms_unit_t *u = new_unit(c, MS_UNIT_LISTING);
    u->len = (guint32)(pos - offset);
    u->aux = d->listing;
    if (d->msg_len == 0)
        u->flags |= MS_UF_STARTS_BODY;
    d->msg_len += u->len;
    if (c->proto->analyze_listing_line) {
        int lp = offset;
        while (lp < pos) {
            int next;
            ms_eol_t eol;
            int len = ms_find_line(c->tvb, lp, pos - lp, &next, &eol);
            if (len < 0) { len = pos - lp; next = pos; }
            if (!(len == 1 && tvb_get_uint8(c->tvb, lp) == '.' && ended && next == pos))
                c->proto->analyze_listing_line(c, lp, len);
            lp = next;
        }
    }
    if (ended)
        end_body(c, d);
    return u;
}

/* The rest of a line already shown in part. */
static ms_unit_t *
rest_of_line(ms_ctx_t *c, ms_direction_t *d, int offset, int avail)
{
    int next;
    ms_eol_t eol;
    int len = ms_find_line(c->tvb, offset, avail, &next, &eol);
    ms_unit_t *u = new_unit(c, MS_UNIT_FRAGMENT);
    if (len < 0) {
        u->len = (guint32)avail;
    } else {
        u->len = (guint32)(next - offset);
        d->mid_line = 0;
    }
    return u;
}

/* No line end in reach: wait for more data (NULL, *need_more) or show the
 * line in parts, this being the first. */
static ms_unit_t *
line_without_end(ms_ctx_t *c, ms_direction_t *d, int avail, bool from_srv, bool can_wait,
                 bool truncated, bool *need_more)
{
    if (avail < MS_MAX_LINE_WAIT && can_wait && d->wait_segments < MS_MAX_WAIT_SEGMENTS) {
        *need_more = true;
        return NULL;
    }
    /* Shown in part: too long to wait for, or reassembly unavailable. */
    int take = avail < MS_MAX_LINE_WAIT ? avail : MS_MAX_LINE_WAIT;
    ms_unit_t *u = new_unit(c, from_srv ? MS_UNIT_REPLY : MS_UNIT_REQUEST);
    u->len = (guint32)take;
    u->eol = MS_EOL_NONE;
    c->line_len = take;
    d->mid_line = !truncated;
    if (take >= MS_MAX_LINE_WAIT)
        ms_note(c, MS_EI_LINE_UNTERMINATED,
                "No line end within %d octets: the line is shown in parts",
                MS_MAX_LINE_WAIT);
    else if (can_wait)
        ms_note(c, MS_EI_LINE_UNTERMINATED,
                "No line end after %d TCP segments: the line is shown in parts",
                MS_MAX_WAIT_SEGMENTS);
    return u;
}

/* The lines of a multi-line reply, grouped into one PDU. */
typedef struct {
    int end;                   /* after the group's last line */
    ms_eol_t eol;              /* the worst line end in the group */
    bool partial;              /* the group is shown in parts */
    bool seg_limited;          /* ... because it waited too many segments */
} ms_line_group_t;

/* Groups the continuation lines after the first one (g->end, g->eol),
 * waiting for the last line as long as the group stays within its bound.
 * Returns false when the rest must wait for more TCP data. */
static bool
group_reply_lines(ms_ctx_t *c, ms_direction_t *d, int offset, int avail, int group_limit,
                  bool can_wait, ms_line_group_t *g)
{
    ms_proto_t *p = c->proto;
    ms_eol_t worst = g->eol;
    for (;;) {
        int line_start = g->end, next;
        ms_eol_t eol;
        int ll = ms_find_line(c->tvb, line_start, MS_MAX_LINE_WAIT, &next, &eol);
        if (ll < 0) {
            if (can_wait && avail < group_limit) {
                if (d->wait_segments < MS_MAX_WAIT_SEGMENTS)
                    return false;
                g->seg_limited = true;
            }
            g->partial = true;
            break;
        }
        g->end = next;
        if (eol != MS_EOL_CRLF)
            worst = eol;
        if (!p->reply_continues(c->tvb, line_start, ll))
            break;
        if (g->end - offset >= group_limit) {
            g->partial = true;
            break;
        }
    }
    g->eol = worst;
    return true;
}

/* One command line from the client, or one (possibly multi-line) reply from
 * the server.  Waits (TCP reassembly) for complete lines up to a bound. */
ms_unit_t *
frame_lines(ms_ctx_t *c, ms_direction_t *d, int offset, int avail, bool from_srv,
            bool *need_more)
{
    ms_proto_t *p = c->proto;
    /* In a frame cut by the snapshot length the rest of a line is lost,
     * not late: show what there is and do not expect the rest. */
    bool truncated = tvb_captured_length(c->tvb) < tvb_reported_length(c->tvb);
    bool can_wait = c->pinfo->can_desegment && p->pref_desegment && !truncated;
    if (d->mid_line)
        return rest_of_line(c, d, offset, avail);

    int group_limit = from_srv && p->reply_continues ? MS_MAX_GROUP_WAIT : MS_MAX_LINE_WAIT;
    int next;
    ms_eol_t eol;
    int first_len = ms_find_line(c->tvb, offset, MS_MAX_LINE_WAIT, &next, &eol);
    if (first_len < 0)
        return line_without_end(c, d, avail, from_srv, can_wait, truncated, need_more);

    ms_line_group_t g = { next, eol, false, false };
    bool continued = from_srv && d->mid_reply;
    if (from_srv && p->reply_continues && p->reply_continues(c->tvb, offset, first_len) &&
        !group_reply_lines(c, d, offset, avail, group_limit, can_wait, &g)) {
        *need_more = true;
        return NULL;
    }

    ms_unit_t *u = new_unit(c, from_srv ? MS_UNIT_REPLY : MS_UNIT_REQUEST);
    u->len = (guint32)(g.end - offset);
    u->eol = (guint8)g.eol;
    c->line_len = first_len;
    if (continued)
        u->flags |= MS_UF_CONTINUED;
    if (from_srv)
        d->mid_reply = g.partial;
    if (g.partial) {
        u->flags |= MS_UF_PARTIAL;
        if (g.seg_limited)
            ms_note(c, MS_EI_LINE_UNTERMINATED,
                    "Multi-line reply not complete after %d TCP segments: shown in parts",
                    MS_MAX_WAIT_SEGMENTS);
        else
            ms_note(c, MS_EI_LINE_UNTERMINATED,
                    "Multi-line reply longer than %d octets or cut short: shown in parts",
                    group_limit);
    }
    return u;
}
