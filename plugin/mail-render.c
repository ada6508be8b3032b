/* mail-render.c — what every pass shows, from the unit records.
 *
 * Owns: the PDU's subtree (command with meaning, the protocol's own render
 * callback, expert infos from the unit's notes), the Info column, links
 * between requests and replies (FT_FRAMENUM, response time), the tap
 * record of each PDU (ms_tap_t, read by the session views) and the
 * Statistics > <proto> statistics tree.
 *
 * Must not touch: session state (rendering runs on every pass and reads
 * records; it never decides).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

/* ======================================================================
 * Commands
 * ====================================================================== */

/* Adds the command word, its meaning (or the unknown-command expert info)
 * and its argument; returns the command, NULL when unknown. */
const ms_command_t *
ms_render_command(ms_ctx_t *c, int *arg_off, int *arg_len)
{
    ms_proto_t *p = c->proto;
    tvbuff_t *tvb = c->tvb;
    proto_tree *t = c->unit_tree;
    int off = c->offset, len = c->line_len;
    int wl = ms_token_len(tvb, off, len);
    const ms_command_t *cmd = ms_command_by_id(p, c->u->cmd);
    *arg_len = ms_command_argument(tvb, off, len, arg_off);

    /* Known commands in their canonical upper case, so that filters such
     * as command == "VRFY" match what clients send in any case.  Without a
     * tree only an unknown command is said (the expert tap, the Expert
     * column, the capture's highest severity). */
    proto_item *ci = NULL;
    if (t && cmd) {
        ci = proto_tree_add_string(t, p->hf.command, tvb, off, wl, cmd->word);
        proto_item *mi = proto_tree_add_string(t, p->hf.command_meaning, tvb, off, wl, cmd->meaning);
        proto_item_set_generated(mi);
    } else if (t) {
        ci = ms_add_text(c, t, p->hf.command, off, wl, ENC_ASCII);
    }
    if (!cmd) {
        expert_add_info_format(c->pinfo, ci, &p->ei[MS_EI_UNKNOWN_COMMAND],
                               "Unknown %s command \"%s\"", p->name,
                               tvb_format_text(c->pinfo->pool, tvb, off, MIN(wl, 32)));
        ms_tap_expert(c, MS_EI_UNKNOWN_COMMAND);
    }
    if (!t)
        return cmd;
    if (*arg_len > 0 && !(cmd && (cmd->flags & MS_CMD_HIDE_ARG))) {
        int ml = ms_token_len(tvb, *arg_off, *arg_len);
        if (cmd && (cmd->flags & MS_CMD_SASL) && ml < *arg_len && p->pref_mask_secrets &&
            sasl_client_data_secret(c))
            /* AUTH mechanism initial-response: the response holds the
             * credentials in base64, whatever the mechanism. */
            proto_tree_add_string(t, p->hf.request_arg, tvb, *arg_off, *arg_len,
                                  wmem_strdup_printf(c->pinfo->pool, "%s %s",
                                                     tvb_format_text(c->pinfo->pool, tvb,
                                                                     *arg_off, ml),
                                                     MS_MASK));
        else
            ms_add_string(c, t, p->hf.request_arg, *arg_off, *arg_len);
    }
    return cmd;
}

/* Info text for AUTH: the mechanism only, never the initial response. */
const char *
ms_auth_summary(ms_ctx_t *c, int arg_off, int arg_len)
{
    int ml = ms_token_len(c->tvb, arg_off, arg_len);
    return wmem_strdup_printf(c->pinfo->pool, "AUTH %s%s",
                              tvb_format_text(c->pinfo->pool, c->tvb, arg_off, ml),
                              ml < arg_len ? " (initial response)" : "");
}

/* ======================================================================
 * The PDU
 * ====================================================================== */

static guint32 listing_lines(const ms_ctx_t *c);

/* Text put together in place, from strings and numbers, without printf:
 * PDU summaries and Info texts are made for every PDU of a shown frame.
 * What does not fit is cut (the Info column keeps COL_MAX_INFO_LEN octets
 * anyway). */
typedef struct {
    size_t used;
    char text[COL_MAX_INFO_LEN];
} ms_text_t;

static void
text_start(ms_text_t *t)
{
    t->used = 0;   /* not the whole buffer: that would cost more than the text */
    t->text[0] = '\0';
}

static void
text_add(ms_text_t *t, const char *s)
{
    size_t n = MIN(strlen(s), sizeof t->text - 1 - t->used);
    memcpy(t->text + t->used, s, n);
    t->used += n;
    t->text[t->used] = '\0';
}

static void
text_add_uint(ms_text_t *t, guint32 n)
{
    char digits[11];
    uint32_to_str_buf(n, digits, sizeof digits);
    text_add(t, digits);
}

/* A listing's lines as items (the terminating "." line is none), and
 * their count for the Info column. */
static const char *
listing_summary(ms_ctx_t *c)
{
    const ms_unit_t *u = c->u;
    int pos = c->offset, end = c->offset + (int)u->len, lines = 0;
    if (!c->unit_tree) {
        if (!c->want_text)
            return "";
        lines = (int)listing_lines(c);
        pos = end;   /* no items to add */
    }
    while (pos < end) {
        int next;
        ms_eol_t eol;
        int len = ms_find_line(c->tvb, pos, end - pos, &next, &eol);
        if (len < 0) { len = end - pos; next = end; }
        bool terminator = len == 1 && tvb_get_uint8(c->tvb, pos) == '.' &&
                          next == end && (u->flags & MS_UF_ENDS_BODY);
        if (!terminator) {
            proto_item *li = ms_add_string(c, c->unit_tree, c->proto->hf.listing_line,
                                           pos, len);
            if (c->proto->render_listing_line)
                c->proto->render_listing_line(c, proto_item_add_subtree(li, c->proto->ett_content),
                                              pos, len);
            lines++;
        }
        pos = next;
    }
    if (!c->want_text)
        return "";
    ms_text_t t;
    text_start(&t);
    text_add(&t, "Listing: ");
    text_add_uint(&t, (guint32)lines);
    text_add(&t, lines == 1 ? " line" : " lines");
    text_add(&t, u->flags & MS_UF_ENDS_BODY ? ", end" : "");
    return wmem_strdup(c->pinfo->pool, t.text);
}

/* Message content or a BDAT chunk: its octets as an item; at the end of the
 * message, the message's own size -- the octets Export Objects gives, not
 * those of this PDU (stuffing dots, the "." line). */
static const char *
content_summary(ms_ctx_t *c)
{
    const ms_unit_t *u = c->u;
    bool chunk = u->kind == MS_UNIT_CHUNK;
    if (c->unit_tree)
        proto_tree_add_uint(c->unit_tree, c->proto->hf.content_len, c->tvb, c->offset, u->len,
                            u->len);
    if (!c->want_text)
        return "";
    bool ends = u->flags & MS_UF_ENDS_BODY;
    ms_text_t t;
    text_start(&t);
    if (chunk || !ends) {
        text_add(&t, chunk ? "Chunk data (" : "Message content (");
        text_add_uint(&t, u->len);
        text_add(&t, " octets)");
    }
    if (ends) {
        text_add(&t, chunk ? ", last chunk (message: " : "End of message (message: ");
        text_add_uint(&t, u->msg_len);
        text_add(&t, u->msg_id ? " octets, reassembled)" : " octets)");
    }
    return wmem_strdup(c->pinfo->pool, t.text);
}

static const char *
unit_summary(ms_ctx_t *c)
{
    const ms_unit_t *u = c->u;
    switch ((ms_unit_kind_t)u->kind) {
    case MS_UNIT_REQUEST:
        return c->proto->render_request(c);
    case MS_UNIT_REPLY:
        return c->proto->render_reply(c);
    case MS_UNIT_SASL:
        ms_render_sasl(c, c->unit_tree);
        if (!c->want_text)
            return "";
        return wmem_strdup_printf(c->pinfo->pool, "%s continuation%s",
                                  MS_SASL(u, mech) ? MS_SASL(u, mech) : "AUTH",
                                  MS_SASL(u, user) && !MS_SASL(u, secret) ? " (user name)" :
                                  MS_SASL(u, secret) ? " (secret)" : "");
    case MS_UNIT_CONTENT:
    case MS_UNIT_CHUNK:
        return content_summary(c);
    case MS_UNIT_LISTING:
        return listing_summary(c);
    case MS_UNIT_FRAGMENT:
        if (!c->want_text)
            return "";
        return wmem_strdup_printf(c->pinfo->pool, "Rest of a line shown in parts (%u octets)",
                                  u->len);
    case MS_UNIT_INJECTED:
        if (!c->want_text)
            return "";
        return wmem_strdup_printf(c->pinfo->pool, "Plaintext after %s (%u octets)",
                                  c->proto->tls_command, u->len);
    }
    return "";
}

static const char *
unit_label(const ms_unit_t *u)
{
    static const char *labels[] = {
        "Request", "SASL response", "Reply", "Message content", "Listing",
        "Chunk data", "Line fragment", "Injected plaintext",
    };
    return u->kind < G_N_ELEMENTS(labels) ? labels[u->kind] : "Data";
}

static void
render_links(ms_ctx_t *c)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;
    proto_item *it;
    if (u->kind == MS_UNIT_REPLY) {
        if (u->link) {
            it = proto_tree_add_uint(c->unit_tree, p->hf.response_to, c->tvb, 0, 0, u->link);
            proto_item_set_generated(it);
            it = proto_tree_add_time(c->unit_tree, p->hf.response_time, c->tvb, 0, 0, &u->delta);
            proto_item_set_generated(it);
        } else if (u->flags & MS_UF_NO_MATCH) {
            it = proto_tree_add_boolean(c->unit_tree, p->hf.no_request, c->tvb, 0, 0, TRUE);
            proto_item_set_generated(it);
        }
    } else if (u->link) {
        it = proto_tree_add_uint(c->unit_tree, p->hf.response_in, c->tvb, 0, 0, u->link);
        proto_item_set_generated(it);
    }
}

void
ms_tap_expert(ms_ctx_t *c, int ei)
{
    if (c->n_render_eis < G_N_ELEMENTS(c->render_eis))
        c->render_eis[c->n_render_eis++] = (guint16)ei;
}

/* ======================================================================
 * Tap records
 * ====================================================================== */

/* The word of a command id, for replies: what they answer. */
static const char *
command_word(const ms_proto_t *p, guint16 id)
{
    if (id && id == p->cmd_end_of_data)
        return ".";
    const ms_command_t *cmd = ms_command_by_id(p, id);
    return cmd ? cmd->word : NULL;
}

/* Text lines in a listing unit (the terminating "." line not counted). */
static guint32
listing_lines(const ms_ctx_t *c)
{
    int len = (int)c->u->len;
    const guint8 *d = tvb_get_ptr(c->tvb, c->offset, len);
    guint32 n = 0;
    for (const guint8 *q = d; (q = memchr(q, '\n', (size_t)(d + len - q))) != NULL; q++)
        n++;
    if (len && d[len - 1] != '\n')
        n++;   /* a last line without its end */
    if ((c->u->flags & MS_UF_ENDS_BODY) && n)
        n--;
    return n;
}

/* The tap record of one unit (see ms_tap_t); only built for a listener. */
static void
tap_unit(ms_ctx_t *c, const char *summary)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;
    packet_info *pinfo = c->pinfo;
    if (!have_tap_listener(p->tap))
        return;
    ms_tap_t *t = wmem_new0(pinfo->pool, ms_tap_t);
    t->phase = ms_phase_name(p, u->phase);
    t->phase_num = u->phase;
    t->kind = u->kind;
    t->proto = p;
    t->u = u;
    t->frame = pinfo->num;
    t->abs_ts = pinfo->abs_ts;
    t->src = &pinfo->src;
    t->dst = &pinfo->dst;
    t->srcport = pinfo->srcport;
    t->destport = pinfo->destport;
    t->summary = summary;
    t->code = -1;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (conv) {
        t->session = conv->conv_index;
        struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
        t->stream = tcpd ? tcpd->stream : 0;
    }
    if (u->kind == MS_UNIT_REQUEST) {
        const ms_command_t *cmd = ms_command_by_id(p, u->cmd);
        t->cmd_word = cmd ? cmd->word : NULL;
        t->token = cmd ? cmd->word : "(unknown command)";
    } else if (u->kind == MS_UNIT_REPLY) {
        /* "250" for "250-" and "250 ", "+OK", "-ERR". */
        int tl = MIN(ms_token_len(c->tvb, c->offset, c->line_len), 4);
        if (tl == 4 && tvb_get_uint8(c->tvb, c->offset + 3) == '-')
            tl = 3;
        t->token = ms_get_string(pinfo->pool, c->tvb, c->offset, tl, ENC_ASCII);
        t->cmd_word = u->link ? command_word(p, u->cmd) : NULL;
    } else if (u->kind == MS_UNIT_CONTENT || u->kind == MS_UNIT_CHUNK ||
               u->kind == MS_UNIT_LISTING) {
        t->octets = u->len;
        if (u->kind == MS_UNIT_LISTING)
            t->lines = listing_lines(c);
    }
    if ((u->kind == MS_UNIT_REQUEST || u->kind == MS_UNIT_REPLY) && p->tap_fill)
        p->tap_fill(c, t);
    if (c->message && u->msg_id)
        t->headers = ms_message_headers(u->msg_id, c->message);
    t->render_eis = c->render_eis;
    t->n_render_eis = c->n_render_eis;
    for (const ms_note_t *n = u->notes; n; n = n->next)
        if (n->ei == MS_EI_AUTH_CLEARTEXT)
            t->cleartext = 1;
    tap_queue_packet(p->tap, pinfo, t);
}

/* ======================================================================
 * Statistics tree
 * ====================================================================== */

/* Statistics > mailscope > SMTP/POP3 sessions (tshark -z esmtp,tree /
 * -z pop3,tree).  Phases are a range node: every phase is listed, numbered
 * in the order a session goes through them, and range nodes keep that
 * order whatever column the tree is sorted by (tshark sorts this tree by
 * name, ascending; the GUI window starts sorted by name, descending).
 * SMTP reply codes sit under their class (2xx..5xx). */
#define ST_PHASES   "Session phases (PDUs)"

#define ST_COMMANDS "Commands"

#define ST_REPLIES  "Replies"

#define ST_CLEAR    "Cleartext credentials"

/* RFC 5321 section 4.2.1: what the first digit of a reply code says. */
static const char *
reply_class_node(const char *code)
{
    if (!code || strlen(code) != 3 || !g_ascii_isdigit(code[0]))
        return NULL;
    switch (code[0]) {
    case '2': return "2xx Positive completion";
    case '3': return "3xx Positive intermediate";
    case '4': return "4xx Transient negative completion";
    case '5': return "5xx Permanent negative completion";
    default:  return "Other reply codes";
    }
}

/* The top-level nodes, in this order, and one range per phase ("2.
 * Handshake" is the range 2..2).  An init callback is also needed for the
 * GUI itself: Wireshark 4.0's statistics window calls it without checking
 * for NULL (a tree without one crashed it when opened). */
void
stats_tree_init_for(stats_tree *st, const ms_proto_t *p)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const value_string *v = p->phase_vals; v->strptr; v++)
        g_ptr_array_add(names, g_strdup_printf("%u. %s", v->value, v->strptr));
    stats_tree_create_range_node_string(st, ST_PHASES, 0, (int)names->len,
                                        (char **)names->pdata);
    g_ptr_array_free(names, TRUE);
    stats_tree_create_node(st, ST_COMMANDS, 0, STAT_DT_INT, TRUE);
    stats_tree_create_node(st, ST_REPLIES, 0, STAT_DT_INT, TRUE);
    stats_tree_create_node(st, ST_CLEAR, 0, STAT_DT_INT, FALSE);
}

tap_packet_status
stats_tree_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                  tap_flags_t flags _U_)
{
    const ms_tap_t *t = (const ms_tap_t *)data;
    tick_stat_node(st, ST_PHASES, 0, FALSE);
    stats_tree_tick_range(st, ST_PHASES, 0, t->phase_num);
    if (t->kind == MS_UNIT_REQUEST && t->token)
        tick_stat_node(st, t->token, tick_stat_node(st, ST_COMMANDS, 0, TRUE), FALSE);
    else if (t->kind == MS_UNIT_REPLY && t->token) {
        int parent = tick_stat_node(st, ST_REPLIES, 0, TRUE);
        const char *cls = reply_class_node(t->token);
        if (cls)
            parent = tick_stat_node(st, cls, parent, TRUE);
        tick_stat_node(st, t->token, parent, FALSE);
    }
    if (t->cleartext)
        tick_stat_node(st, ST_CLEAR, 0, FALSE);
    return TAP_PACKET_REDRAW;
}

/* ---- Expert infos: a text only for a reader --------------------------------
 * An expert info's text is read in two places: the tree, under the item it
 * is attached to (in an invisible tree a faked item is its parent, under
 * which a filter may look for the expert fields), and the expert tap
 * (tshark -z expert, the Expert Information dialog).  Without an item and
 * without a listener, expert_add_info() has every other effect of the
 * formatted call -- the frame's highest severity, the Expert column, the
 * same registered field -- without formatting a text nobody reads. */

static bool
expert_text_read(const proto_item *item)
{
    if (item)
        return true;
    if (!all_protocols)
        collect_protocols();   /* looks the expert tap up */
    return expert_tap_id >= 0 && have_tap_listener(expert_tap_id);
}

/* Without an item (no tree), an Expert column (no columns) or an expert
 * tap, what is left of an expert info is the highest severity of the
 * capture so far (the GUI's status bar).  Once that is as high as this
 * one's, the call would change nothing: the phase changes of a tree-less
 * pass, four or five per session, then cost nothing. */
static bool
expert_changes_something(ms_ctx_t *c, proto_item *item, int ei)
{
    if (item || c->pinfo->cinfo || expert_text_read(NULL))
        return true;
    const expert_field_info *info = c->proto->ei_live[ei];
    return !info || info->severity > expert_get_highest_severity();
}

/* Adds engine expert info ei with this text (NULL: its registered summary). */
void
add_expert_text(ms_ctx_t *c, proto_item *item, int ei, const char *text)
{
    if (!expert_changes_something(c, item, ei))
        return;
    if (text && expert_text_read(item))
        expert_add_info_format(c->pinfo, item, &c->proto->ei[ei], "%s", text);
    else
        expert_add_info(c->pinfo, item, &c->proto->ei[ei]);
}

/* "Phase: Mail transaction → Data": one of a protocol's finite set of
 * transitions, made once at registration (see phase_change_texts()). */
static const char *
phase_change_text(const ms_proto_t *p, guint8 from, guint8 to)
{
    if (from < p->n_phases && to < p->n_phases)
        return p->phase_change_texts[from * p->n_phases + to];
    return "Phase: ? → ?";
}

/* The unit's subtree and the items every unit has.  Without a tree (tshark
 * -q with a statistic that needs none, the first pass of -2) there is no
 * subtree, and nothing is added under it: unit_tree and unit_item are NULL,
 * which the rendering functions take as "no items to add". */
static void
render_unit_head(ms_ctx_t *c)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;
    proto_item *it;
    c->unit_tree = NULL;
    c->unit_item = NULL;
    if (!c->tree)
        return;
    /* Labelled once, by render_unit() when the summary is known. */
    c->unit_item = proto_tree_add_item(c->tree, p->hf.pdu, c->tvb, c->offset, (int)u->len, ENC_NA);
    c->unit_tree = proto_item_add_subtree(c->unit_item, p->ett_unit);
    it = proto_tree_add_string(c->unit_tree, p->hf.phase, c->tvb, 0, 0,
                               ms_phase_name(p, u->phase));
    proto_item_set_generated(it);
    if (p->state_vals) {
        it = proto_tree_add_string(c->unit_tree, p->hf.state, c->tvb, 0, 0,
                                   ms_state_name(p, u->state));
        proto_item_set_generated(it);
    }
    if (u->flags & MS_UF_PROTECTED) {
        it = proto_tree_add_boolean(c->unit_tree, p->hf.protected_, c->tvb, 0, 0, TRUE);
        proto_item_set_generated(it);
    }
}

/* The text of a request, SASL line or reply: a request or SASL unit is one
 * line, whose only LF ends it; a reply may be a group of lines (SMTP's
 * multi-line replies), and its first line is meant. */
static int
first_line_len(const ms_ctx_t *c)
{
    const ms_unit_t *u = c->u;
    int len = (int)u->len;
    if (u->kind == MS_UNIT_REQUEST || u->kind == MS_UNIT_SASL) {
        const guint8 *d = tvb_get_ptr(c->tvb, c->offset, len);
        if (len > 0 && d[len - 1] == '\n')
            len -= len > 1 && d[len - 2] == '\r' ? 2 : 1;
        return len;
    }
    if (u->kind == MS_UNIT_REPLY) {
        int next;
        ms_eol_t eol;
        int ll = ms_find_line(c->tvb, c->offset, len, &next, &eol);
        if (ll >= 0 && next <= c->offset + len)
            return ll;
    }
    return len;
}

/* "[Phase] C: summary" after the frame's other PDUs in the Info column.
 * Put together in place, neither formatted nor allocated: this runs for
 * every PDU of every frame whose Info column is shown.  (The column keeps
 * at most COL_MAX_INFO_LEN octets anyway.) */
static void
append_info(ms_ctx_t *c, const char *summary)
{
    ms_text_t t;
    text_start(&t);
    text_add(&t, "[");
    text_add(&t, ms_phase_name(c->proto, c->u->phase));
    text_add(&t, c->u->from_server ? "] S: " : "] C: ");
    text_add(&t, summary);
    col_append_sep_str(c->pinfo->cinfo, COL_INFO, " | ", t.text);
}

void
render_unit(ms_ctx_t *c)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;

    c->line_len = first_line_len(c);
    render_unit_head(c);
    const char *summary = unit_summary(c);
    if (c->unit_item) {
        /* "Listing: 3 lines", not "Listing: Listing: 3 lines": a summary
         * that names its kind itself (for the Info column) is the whole
         * label. */
        if (g_str_has_prefix(summary, unit_label(u)))
            proto_item_set_text(c->unit_item, "%s", summary);
        else
            proto_item_set_text(c->unit_item, "%s: %s", unit_label(u), summary);
        render_links(c);
    }

    if (c->want_text && c->pinfo->cinfo)
        append_info(c, summary);

    if (u->prev_phase != 0xff)
        add_expert_text(c, c->unit_item, MS_EI_PHASE_CHANGE,
                        phase_change_text(p, u->prev_phase, u->phase));
    for (const ms_note_t *n = u->notes; n; n = n->next)
        add_expert_text(c, c->unit_item, n->ei, n->text);
    /* Only once the whole capture has been read (tshark -2, the GUI) is the
     * latest piece of an open message known to be its last: one-pass tshark
     * prints each frame before it reads the next.  (A FIN in a data segment
     * is seen at once: content.unterminated, in every mode.) */
    if ((u->flags & MS_UF_OPEN_TAIL) && !c->first_pass)
        expert_add_info_format(c->pinfo, c->unit_item, &p->ei[MS_EI_BODY_INCOMPLETE],
                               "The message's end is not in the capture (%u octets so far)%s",
                               u->msg_len,
                               u->msg_id ? ": not reassembled, not exported" : "");
    render_message(c);
    tap_unit(c, summary);
    tap_credential(c);
}
