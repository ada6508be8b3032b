/* packet-pop3.c — POP3 knowledge for mailscope's "pop3" dissector.
 *
 * RFC 1939 (POP3), RFC 2449 (CAPA, response codes, PIPELINING, line
 * limits), RFC 3206 (SYS and AUTH response codes), RFC 5034 (SASL AUTH),
 * RFC 2595 (STLS), RFC 6856 (UTF8).
 *
 * Framing, matching, phases, TLS, SASL and reassembly live in the engine
 * (mail-*.c, interface mail-engine.h).  This file owns POP3's commands and
 * responses (tables, analysis, fields, Info text), RFC 1939's states, the
 * heuristic, the tap record and the registration of the pop3 protocol;
 * listings and message sizes are in packet-pop3-listing.c, what both share
 * in packet-pop3-private.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet-pop3-private.h"

static int proto_pop3 = -1;

/* ---- Phases and states -------------------------------------------------- */

enum {
    PH_UNKNOWN = 0, PH_CONNECTION, PH_AUTHORIZATION, PH_TLS, PH_CHECK, PH_RETRIEVE, PH_MARK,
    PH_QUIT
};

static const value_string pop3_phase_vals[] = {
    { PH_UNKNOWN,       "Unknown" },
    { PH_CONNECTION,    "Connection" },
    { PH_AUTHORIZATION, "Authorization" },
    { PH_TLS,           "TLS negotiation" },
    { PH_CHECK,         "Check" },
    { PH_RETRIEVE,      "Retrieve" },
    { PH_MARK,          "Mark" },
    { PH_QUIT,          "Quit/Update" },
    { 0, NULL }
};

/* RFC 1939 section 3 states; Unknown until the capture shows which. */
enum { ST_UNKNOWN = 0, ST_AUTHORIZATION, ST_TRANSACTION, ST_UPDATE };

static const value_string pop3_state_vals[] = {
    { ST_UNKNOWN,       "Unknown" },
    { ST_AUTHORIZATION, "AUTHORIZATION" },
    { ST_TRANSACTION,   "TRANSACTION" },
    { ST_UPDATE,        "UPDATE" },
    { 0, NULL }
};

/* ---- Commands ----------------------------------------------------------- */

enum {
    CMD_UNKNOWN = 0, CMD_USER, CMD_PASS, CMD_APOP, CMD_AUTH, CMD_CAPA, CMD_STLS, CMD_STAT,
    CMD_LIST, CMD_UIDL, CMD_RETR, CMD_TOP, CMD_DELE, CMD_NOOP, CMD_RSET, CMD_QUIT, CMD_UTF8,
    CMD_LANG
};

#define PH_KEEP MS_PHASE_KEEP

/* Where a command may be used (RFC 1939): before login, after, or both. */
#define IN_AUTH   1
#define IN_TRANS  2

static const ms_command_t pop3_commands[] = {
    { "USER", CMD_USER, PH_AUTHORIZATION, IN_AUTH,  "Name the mailbox (RFC 1939)" },
    { "PASS", CMD_PASS, PH_AUTHORIZATION, IN_AUTH | MS_CMD_HIDE_ARG,  "Give the mailbox password (RFC 1939)" },
    { "APOP", CMD_APOP, PH_AUTHORIZATION, IN_AUTH,  "Log in with an MD5 digest of the greeting's timestamp" },
    { "AUTH", CMD_AUTH, PH_AUTHORIZATION, IN_AUTH | MS_CMD_SASL, "Authenticate with SASL (RFC 5034)" },
    { "CAPA", CMD_CAPA, PH_KEEP, IN_AUTH | IN_TRANS, "List capabilities (RFC 2449)" },
    { "STLS", CMD_STLS, PH_TLS, IN_AUTH,            "Upgrade the connection to TLS (RFC 2595)" },
    { "STAT", CMD_STAT, PH_CHECK, IN_TRANS,         "Count messages and octets in the mailbox" },
    { "LIST", CMD_LIST, PH_CHECK, IN_TRANS,         "List message sizes" },
    { "UIDL", CMD_UIDL, PH_CHECK, IN_TRANS,         "List unique message ids" },
    { "RETR", CMD_RETR, PH_RETRIEVE, IN_TRANS,      "Retrieve a message" },
    { "TOP",  CMD_TOP,  PH_RETRIEVE, IN_TRANS,      "Retrieve headers and the first lines of a message" },
    { "DELE", CMD_DELE, PH_MARK, IN_TRANS,          "Mark a message as deleted" },
    { "NOOP", CMD_NOOP, PH_MARK, IN_TRANS,          "No operation" },
    { "RSET", CMD_RSET, PH_MARK, IN_TRANS,          "Unmark messages marked as deleted" },
    { "QUIT", CMD_QUIT, PH_QUIT, IN_AUTH | IN_TRANS, "End the session; deletions take effect" },
    { "UTF8", CMD_UTF8, PH_KEEP, IN_AUTH,           "Enable UTF-8 mode (RFC 6856)" },
    { "LANG", CMD_LANG, PH_KEEP, IN_AUTH | IN_TRANS, "Choose the response language (RFC 6856)" },
};

/* ms_unit_t.aux of a LIST/UIDL request: it names one message. */
#define LIST_ONE_MESSAGE 1

/* ---- Fields ------------------------------------------------------------- */

static int hf_msgnum = -1;
static int hf_top_lines = -1;
static int hf_user = -1;
static int hf_apop_digest = -1;
static int hf_status = -1;
static int hf_resp_code = -1;
static int hf_resp_text = -1;
static int hf_stat_count = -1;
static int hf_stat_octets = -1;
static int hf_apop_timestamp = -1;
static int hf_challenge = -1;

int ett_resp_code = -1;

static ms_proto_t pop3;

static void
pop3_init_session(ms_session_t *s)
{
    s->proto_data = wmem_new0(wmem_file_scope(), pop3_state_t);
    s->state = ST_UNKNOWN;
}

/* ---- Syntax helpers ----------------------------------------------------- */

/* Status indicator length: 3 for "+OK", 4 for "-ERR", 1 for "+" (SASL
 * continuation), 0 for anything else. */
static int
status_len(tvbuff_t *tvb, int offset, int len)
{
    if (len < 1)
        return 0;
    /* Raw octets: this runs for every reply, on every pass. */
    const char *d = (const char *)tvb_get_ptr(tvb, offset, MIN(len, 5));
    if (len >= 3 && g_ascii_strncasecmp(d, "+OK", 3) == 0 && (len == 3 || d[3] == ' '))
        return 3;
    if (len >= 4 && g_ascii_strncasecmp(d, "-ERR", 4) == 0 && (len == 4 || d[4] == ' '))
        return 4;
    if (d[0] == '+' && (len == 1 || d[1] == ' '))
        return 1;
    return 0;
}

/* Parses an unsigned decimal number token; false if it is not one. */
bool
number_at(tvbuff_t *tvb, int offset, int len, guint32 *value, int *used)
{
    guint64 v = 0;
    int i = 0;
    if (len <= 0)
        return false;
    const guint8 *d = tvb_get_ptr(tvb, offset, MIN(len, 11));
    while (i < len && i < 10 && g_ascii_isdigit(d[i])) {
        v = v * 10 + (guint64)(d[i] - '0');
        i++;
    }
    if (i == 0 || v > G_MAXUINT32 || (i < len && d[i] != ' '))
        return false;
    *value = (guint32)v;
    *used = i;
    return true;
}

int
skip_spaces(tvbuff_t *tvb, int off, int end)
{
    while (off < end && tvb_get_uint8(tvb, off) == ' ')
        off++;
    return off;
}

/* RFC 1939 4: the server greets with +OK, a line of its own.  An +OK that
 * the same segment continues with a line that is no status line opened a
 * multi-line answer instead (CAPA's, in a capture that lacks the greeting). */
static bool
pop3_is_greeting(tvbuff_t *tvb, int offset, int len)
{
    if (status_len(tvb, offset, len) != 3)
        return false;
    int next;
    ms_eol_t eol;
    if (ms_find_line(tvb, offset, len + 2, &next, &eol) < 0 ||
        tvb_captured_length_remaining(tvb, next) <= 0)
        return true;
    guint8 first = tvb_get_uint8(tvb, next);
    return first == '+' || first == '-';
}

/* ---- Heuristic ---------------------------------------------------------- */

static ms_looks_t
pop3_looks_like(tvbuff_t *tvb, int offset, int avail)
{
    /* Most non-mail traffic fails on its first octet. */
    guint8 first = tvb_get_uint8(tvb, offset);
    if (first != '+' && first != '-' && !strchr("CSURDTAcsurdta", first ? first : '?'))
        return MS_LOOKS_UNKNOWN;
    int next;
    ms_eol_t eol;
    int len = ms_find_line(tvb, offset, avail < 600 ? avail : 600, &next, &eol);
    if (len < 4)
        return MS_LOOKS_UNKNOWN;

    if (first == '+' || first == '-') {
        int sl = status_len(tvb, offset, len);
        /* Redis answers a bare "+OK": POP3 servers say something after it. */
        if (sl == 3 && len > 5)
            return MS_LOOKS_SERVER;
        /* Redis has "-ERR text" too; only an RFC 2449 code is POP3's own. */
        if (sl == 4 && len > 6 && tvb_get_uint8(tvb, offset + 5) == '[')
            return MS_LOOKS_SERVER;
        return MS_LOOKS_UNKNOWN;
    }
    /* Client commands that FTP, IMAP, Redis and SMTP do not share. */
    if ((len == 4 && (tvb_strncaseeql(tvb, offset, "CAPA", 4) == 0 ||
                      tvb_strncaseeql(tvb, offset, "STLS", 4) == 0 ||
                      tvb_strncaseeql(tvb, offset, "UIDL", 4) == 0)))
        return MS_LOOKS_CLIENT;
    if (len > 5 && (ms_token_is(tvb, offset, len, "RETR") || ms_token_is(tvb, offset, len, "DELE") ||
                    ms_token_is(tvb, offset, len, "TOP") || ms_token_is(tvb, offset, len, "UIDL"))) {
        guint32 v;
        int used, a = offset + ms_token_len(tvb, offset, len) + 1;
        if (number_at(tvb, a, offset + len - a, &v, &used))
            return MS_LOOKS_CLIENT;
    }
    if (len > 40 && ms_token_is(tvb, offset, len, "APOP"))
        return MS_LOOKS_CLIENT;
    return MS_LOOKS_UNKNOWN;
}

/* ---- First pass: requests ----------------------------------------------- */

static void
pop3_analyze_request(ms_ctx_t *c)
{
    ms_session_t *s = c->s;
    pop3_state_t *st = (pop3_state_t *)s->proto_data;
    int arg_off;
    int arg_len = ms_command_argument(c->tvb, c->offset, c->line_len, &arg_off);
    const ms_command_t *cmd = ms_lookup_command(c->proto, c->tvb, c->offset, c->line_len);
    bool after_user = st->user_sent;
    st->user_sent = 0;
    if (!cmd) {
        c->u->cmd = CMD_UNKNOWN;
        return;
    }
    c->u->cmd = cmd->id;
    if (cmd->phase != PH_KEEP)
        ms_set_phase(c, cmd->phase);
    else if (cmd->id == CMD_CAPA && s->state != ST_TRANSACTION)
        ms_set_phase(c, PH_AUTHORIZATION);

    if (s->state == ST_AUTHORIZATION && !(cmd->flags & IN_AUTH))
        ms_note(c, MS_EI_OUT_OF_ORDER, "%s before login (only valid in the TRANSACTION state)",
                cmd->word);
    else if (s->state == ST_TRANSACTION && !(cmd->flags & IN_TRANS))
        ms_note(c, MS_EI_OUT_OF_ORDER, "%s after login (only valid in the AUTHORIZATION state)",
                cmd->word);

    switch (cmd->id) {
    case CMD_USER:
        st->user_sent = 1;
        s->user = ms_strdup_line(c, arg_off, MIN(arg_len, MS_MAX_CRED_LEN));
        ms_unit_sasl(c->u)->user = s->user;
        break;
    case CMD_PASS:
        if (!after_user)
            ms_note(c, MS_EI_OUT_OF_ORDER, "PASS without a preceding USER");
        ms_unit_sasl(c->u)->user = s->user;
        ms_unit_sasl(c->u)->secret = ms_strdup_line(c, arg_off, MIN(arg_len, MS_MAX_CRED_LEN));
        ms_credentials_exposed(c, "USER/PASS", s->user, false);
        break;
    case CMD_APOP: {
        int nl = ms_token_len(c->tvb, arg_off, arg_len);
        s->user = ms_strdup_line(c, arg_off, MIN(nl, MS_MAX_CRED_LEN));
        ms_unit_sasl(c->u)->user = s->user;
        ms_unit_sasl(c->u)->mech = "APOP";
        ms_credentials_exposed(c, "APOP", s->user, true);
        break;
    }
    case CMD_AUTH:
        if (arg_len > 0) {
            int ml = ms_token_len(c->tvb, arg_off, arg_len);
            int ir = skip_spaces(c->tvb, arg_off + ml, arg_off + arg_len);
            ms_sasl_start(c, arg_off, ml, ir, arg_off + arg_len - ir);
        }
        break;
    case CMD_STLS:
        if (!c->from_tcp)
            ms_note(c, MS_EI_OUT_OF_ORDER, "STLS inside TLS");
        ms_tls_requested(c);
        break;
    case CMD_RETR: {
        /* Kept with the request: RETRs may be pipelined, and the size check
         * of each reply needs its own message number. */
        guint32 n;
        int used;
        c->u->aux = number_at(c->tvb, arg_off, arg_len, &n, &used) && n <= G_MAXUINT16 ?
                    (guint16)n : 0;
        break;
    }
    case CMD_LIST:
    case CMD_UIDL:
        /* Whether the answer is one line or a listing depends on this. */
        c->u->aux = arg_len > 0 ? LIST_ONE_MESSAGE : 0;
        break;
    case CMD_QUIT:
        s->quit_sent = 1;
        break;
    default:
        break;
    }
}

static bool
text_has_code(tvbuff_t *tvb, int off, int len, const char *code)
{
    size_t cl = strlen(code);
    return len > (int)cl + 1 && tvb_get_uint8(tvb, off) == '[' &&
           tvb_strncaseeql(tvb, off + 1, code, cl) == 0;
}

/* A reply no request is waiting for: the greeting, the middle of a
 * multi-line response the capture starts in, or a stray response. */
static void
unmatched_reply(ms_ctx_t *c, int sl)
{
    ms_session_t *s = c->s;
    if (!sl && !s->greeted && s->phase == PH_UNKNOWN) {
        /* A capture that starts inside a multi-line response: text
         * until the "." line. */
        ms_set_unit_kind(c, MS_UNIT_CONTENT);
        ms_expect_content(c, MS_FROM_SERVER, false);
        return;
    }
    if (!s->greeted && (!s->any_request || s->early) && sl == 3) {
        s->greeted = 1;
        ms_set_state(c, ST_AUTHORIZATION);
        ms_set_greeting_phase(c);
        return;
    }
    if ((s->any_request || s->greeted) && (c->u->flags & MS_UF_NO_MATCH))
        ms_note(c, MS_EI_NO_REQUEST, "Response without an outstanding command");
}

/* "-ERR [AUTH]" when a refusal carries the RFC 3206 AUTH code. */
static const char *
refusal_name(ms_ctx_t *c, int text, int text_len)
{
    return text_has_code(c->tvb, text, text_len, "AUTH") ? "-ERR [AUTH]" : "-ERR";
}

/* The answer to LIST or UIDL: with an argument one line ("+OK 1 120"),
 * whose size is remembered; without, always a listing (RFC 1939), whatever
 * the status line says -- some servers put the count and size there
 * ("+OK 5 21639"). */
static void
listing_reply(ms_ctx_t *c, const ms_unit_t *request, int text, int text_len)
{
    pop3_state_t *st = (pop3_state_t *)c->s->proto_data;
    if (!(request->aux & LIST_ONE_MESSAGE)) {
        ms_expect_listing(c, MS_FROM_SERVER, request->cmd == CMD_LIST ? LST_LIST : LST_UIDL);
        return;
    }
    guint32 n, size;
    int used, used2;
    if (request->cmd == CMD_LIST && text_len > 0 && number_at(c->tvb, text, text_len, &n, &used)) {
        int so = skip_spaces(c->tvb, text + used, text + text_len);
        if (so < text + text_len && number_at(c->tvb, so, text + text_len - so, &size, &used2))
            remember_size(st, n, size);
    }
}

static void
pop3_analyze_reply(ms_ctx_t *c, ms_unit_t *request)
{
    ms_session_t *s = c->s;
    pop3_state_t *st = (pop3_state_t *)s->proto_data;
    int sl = status_len(c->tvb, c->offset, c->line_len);
    bool ok = sl == 3;
    int text = skip_spaces(c->tvb, c->offset + sl, c->offset + c->line_len);
    int text_len = c->offset + c->line_len - text;

    if (!request) {
        unmatched_reply(c, sl);
        return;
    }
    /* SASL exchange (AUTH and the client's continuation lines). */
    if (request->kind == MS_UNIT_SASL || (request->cmd == CMD_AUTH && MS_SASL(request, mech))) {
        if (sl == 1) {
            ms_sasl_challenge(c, text, text_len);
            return;
        }
        ms_auth_result(c, ok, refusal_name(c, text, text_len));
        if (ok)
            ms_set_state(c, ST_TRANSACTION);
        return;
    }
    if (!ok)
        ms_cancel_content(c, MS_FROM_SERVER);

    switch (request->cmd) {
    case CMD_PASS:
    case CMD_APOP:
        if (ok) {
            s->authenticated = 1;
            ms_set_state(c, ST_TRANSACTION);
        } else {
            ms_auth_result(c, false, refusal_name(c, text, text_len));
        }
        break;
    case CMD_AUTH:  /* without mechanism: lists mechanisms on some servers */
        if (ok)
            ms_expect_listing(c, MS_FROM_SERVER, LST_AUTH);
        break;
    case CMD_STLS:
        ms_tls_answer(c, ok);
        break;
    case CMD_CAPA:
        if (ok)
            ms_expect_listing(c, MS_FROM_SERVER, LST_CAPA);
        break;
    case CMD_LIST:
    case CMD_UIDL:
        if (ok)
            listing_reply(c, request, text, text_len);
        break;
    case CMD_RETR:
        if (ok) {
            st->retr_msg = request->aux;
            ms_expect_content(c, MS_FROM_SERVER, true);
        }
        break;
    case CMD_TOP:
        /* Headers and a few lines: shown, but not exported as a message. */
        if (ok)
            ms_expect_content(c, MS_FROM_SERVER, false);
        break;
    case CMD_QUIT:
        if (ok && s->state == ST_TRANSACTION)
            ms_set_state(c, ST_UPDATE);
        break;
    default:
        break;
    }
}

/* ---- Every pass: rendering ---------------------------------------------- */

static const char *
pop3_render_request(ms_ctx_t *c)
{
    tvbuff_t *tvb = c->tvb;
    proto_tree *t = c->unit_tree;
    int arg_off, arg_len;
    const ms_command_t *cmd = ms_render_command(c, &arg_off, &arg_len);

    switch (cmd ? cmd->id : CMD_UNKNOWN) {
    case CMD_USER:
        ms_add_string(c, t, hf_user, arg_off, arg_len);
        ms_render_sasl(c, t);
        break;
    case CMD_PASS:
        ms_render_sasl(c, t);
        return "PASS ********";
    case CMD_APOP: {
        int nl = ms_token_len(tvb, arg_off, arg_len);
        ms_add_string(c, t, hf_user, arg_off, nl);
        int d = skip_spaces(tvb, arg_off + nl, arg_off + arg_len);
        if (d < arg_off + arg_len)
            ms_add_string(c, t, hf_apop_digest, d, arg_off + arg_len - d);
        ms_render_sasl(c, t);
        break;
    }
    case CMD_AUTH:
        ms_render_sasl(c, t);
        if (arg_len > 0)
            return ms_auth_summary(c, arg_off, arg_len);  /* no secrets in Info */
        break;
    case CMD_LIST:
    case CMD_UIDL:
    case CMD_RETR:
    case CMD_DELE:
    case CMD_TOP: {
        guint32 n;
        int used;
        if (t && arg_len > 0 && number_at(tvb, arg_off, arg_len, &n, &used)) {
            proto_tree_add_uint(t, hf_msgnum, tvb, arg_off, used, n);
            int lo = skip_spaces(tvb, arg_off + used, arg_off + arg_len);
            guint32 lines;
            int used2;
            if (cmd->id == CMD_TOP && number_at(tvb, lo, arg_off + arg_len - lo, &lines, &used2))
                proto_tree_add_uint(t, hf_top_lines, tvb, lo, used2, lines);
        }
        break;
    }
    default:
        break;
    }
    return ms_line_string(c, c->offset, c->line_len);
}

static const char *
pop3_render_reply(ms_ctx_t *c)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;
    tvbuff_t *tvb = c->tvb;
    proto_tree *t = c->unit_tree;
    int off = c->offset, len = c->line_len, end = off + len;
    int sl = status_len(tvb, off, len);

    proto_item *li = ms_add_string(c, t, p->hf.reply_line, off, len);
    if (!sl) {
        expert_add_info(c->pinfo, li, &p->ei[EI_STATUS_INVALID]);
        ms_tap_expert(c, EI_STATUS_INVALID);
        return ms_line_string(c, off, len);
    }
    if (!t)   /* the rest adds items only */
        return ms_line_string(c, off, len);
    ms_add_text(c, t, hf_status, off, sl, ENC_ASCII);
    int text = skip_spaces(tvb, off + sl, end);
    if (sl == 1) {
        /* "+ challenge": a SASL continuation, not mail content. */
        if (text < end)
            ms_add_string(c, t, hf_challenge, text, end - text);
        ms_render_sasl(c, t);
        return ms_line_string(c, off, len);
    }
    if (text < end && tvb_get_uint8(tvb, text) == '[') {
        int close = tvb_find_uint8(tvb, text, end - text, ']');
        if (close > text) {
            ms_add_string(c, t, hf_resp_code, text + 1, close - text - 1);
            text = skip_spaces(tvb, close + 1, end);
        }
    }
    if (text < end)
        ms_add_string(c, t, hf_resp_text, text, end - text);

    guint32 n, octets;
    int used, used2;
    if (sl == 3 && u->cmd == CMD_STAT && number_at(tvb, text, end - text, &n, &used)) {
        int o = skip_spaces(tvb, text + used, end);
        proto_tree_add_uint(t, hf_stat_count, tvb, text, used, n);
        if (number_at(tvb, o, end - o, &octets, &used2))
            proto_tree_add_uint(t, hf_stat_octets, tvb, o, used2, octets);
    }
    if (!u->link && u->phase == PH_CONNECTION) {
        /* The greeting's APOP timestamp "<...@...>" (RFC 1939 section 7). */
        int lt = tvb_find_uint8(tvb, off, len, '<');
        int gt = lt >= 0 ? tvb_find_uint8(tvb, lt, end - lt, '>') : -1;
        if (gt > lt && tvb_find_uint8(tvb, lt, gt - lt, '@') > 0)
            ms_add_string(c, t, hf_apop_timestamp, lt, gt - lt + 1);
    }
    if (MS_SASL(u, mech))
        ms_render_sasl(c, t);
    return ms_line_string(c, off, len);
}

/* ---- Tap records (session views) ---------------------------------------- */

static void
pop3_tap_fill(ms_ctx_t *c, ms_tap_t *t)
{
    tvbuff_t *tvb = c->tvb;
    wmem_allocator_t *pool = c->pinfo->pool;
    int off = c->offset, len = c->line_len, end = off + len;
    if (c->u->kind == MS_UNIT_REQUEST) {
        int arg_off;
        int arg_len = ms_command_argument(tvb, off, len, &arg_off);
        if (c->u->cmd == CMD_USER || c->u->cmd == CMD_APOP)
            t->arg = ms_get_string(pool, tvb, arg_off, ms_token_len(tvb, arg_off, arg_len),
                                   ENC_UTF_8);
        return;
    }
    int sl = status_len(tvb, off, len);
    if (!sl)
        return;
    t->status = ms_get_string(pool, tvb, off, sl, ENC_ASCII);
    t->positive = sl != 4;
    t->intermediate = sl == 1;
    t->class_word = sl == 3 ? "positive" : sl == 4 ? "negative" : "SASL continuation";
    int text = skip_spaces(tvb, off + sl, end);
    t->text = ms_get_string(pool, tvb, text, end - text, ENC_UTF_8);
    guint32 n, octets;
    int used, used2;
    if (sl == 3 && c->u->cmd == CMD_STAT && number_at(tvb, text, end - text, &n, &used)) {
        int o = skip_spaces(tvb, text + used, end);
        if (number_at(tvb, o, end - o, &octets, &used2)) {
            t->have_stat = TRUE;
            t->stat_count = n;
            t->stat_octets = octets;
        }
    }
}

/* ---- Registration ------------------------------------------------------- */

static const ms_marker_t pop3_line_starts[] = {
    { "+OK ", MS_LOOKS_SERVER },
    { "CAPA", MS_LOOKS_CLIENT }, { "STLS", MS_LOOKS_CLIENT }, { "UIDL", MS_LOOKS_CLIENT },
    { "APOP ", MS_LOOKS_CLIENT },
    { NULL, MS_LOOKS_UNKNOWN }
};

static ms_proto_t pop3 = {
    .name = "POP3",
    .long_name = "Post Office Protocol version 3 (mailscope, filter: pop3)",
    .abbrev = "pop3",
    .default_ports = "110",
    .default_tls_ports = "995",
    .phase_vals = pop3_phase_vals,
    .state_vals = pop3_state_vals,
    .phase_unknown = PH_UNKNOWN,
    .phase_connection = PH_CONNECTION,
    .tls_command = "STLS",
    .commands = pop3_commands,
    .n_commands = G_N_ELEMENTS(pop3_commands),
    .max_request_line = 255,   /* RFC 2449 section 4 */
    .max_reply_line = 512,     /* RFC 2449 section 4 */
    .max_text_line = 0,        /* message text: SMTP's limit, not POP3's business */
    .looks_like = pop3_looks_like,
    .line_starts = pop3_line_starts,
    .is_greeting = pop3_is_greeting,
    .reply_continues = NULL,
    .analyze_request = pop3_analyze_request,
    .analyze_reply = pop3_analyze_reply,
    .analyze_listing_line = pop3_analyze_listing_line,
    .content_ended = pop3_content_ended,
    .render_request = pop3_render_request,
    .render_reply = pop3_render_reply,
    .render_listing_line = pop3_render_listing_line,
    .init_session = pop3_init_session,
    .tap_fill = pop3_tap_fill,
};

static int
dissect_pop3(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return ms_dissect(&pop3, tvb, pinfo, tree, data);
}

static ms_heur_result_t
dissect_pop3_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return ms_dissect_heur(&pop3, tvb, pinfo, tree, data);
}

void
proto_register_pop3(void)
{
    static hf_register_info hf[] = {
        { &hf_msgnum, { "Message number", "pop3.msgnum", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_top_lines, { "Body lines", "pop3.top.lines", FT_UINT32, BASE_DEC, NULL, 0,
          "Lines of the body TOP asks for", HFILL } },
        { &hf_user, { "Mailbox name", "pop3.user", FT_STRING, BASE_NONE, NULL, 0,
          "USER or APOP name", HFILL } },
        { &hf_apop_digest, { "APOP digest", "pop3.apop.digest", FT_STRING, BASE_NONE, NULL, 0,
          "MD5 of the greeting timestamp and the shared secret", HFILL } },
        { &hf_status, { "Status", "pop3.status", FT_STRING, BASE_NONE, NULL, 0,
          "+OK, -ERR or + (SASL continuation)", HFILL } },
        { &hf_resp_code, { "Response code", "pop3.response.code", FT_STRING, BASE_NONE, NULL, 0,
          "RFC 2449/3206 extended response code ([IN-USE], [LOGIN-DELAY], [SYS/TEMP], [SYS/PERM], [AUTH], [UTF8])", HFILL } },
        { &hf_resp_text, { "Text", "pop3.response.text", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_stat_count, { "Messages", "pop3.stat.count", FT_UINT32, BASE_DEC, NULL, 0,
          "Messages in the mailbox (STAT)", HFILL } },
        { &hf_stat_octets, { "Octets", "pop3.stat.octets", FT_UINT32, BASE_DEC, NULL, 0,
          "Size of the mailbox (STAT)", HFILL } },
        { &hf_apop_timestamp, { "APOP timestamp", "pop3.apop.timestamp", FT_STRING, BASE_NONE, NULL, 0,
          "Timestamp in the greeting that APOP digests", HFILL } },
        { &hf_challenge, { "SASL challenge (base64)", "pop3.auth.challenge", FT_STRING, BASE_NONE, NULL, 0,
          NULL, HFILL } },
    };
    static int *ett[] = { &ett_resp_code };
    static ei_register_info ei[] = {
        { &pop3.ei[EI_STATUS_INVALID], { "pop3.status.invalid", PI_MALFORMED, PI_ERROR,
          "Status line is neither +OK nor -ERR", EXPFILL } },
        { &pop3.ei[EI_SIZE_MISMATCH], { "pop3.retr.size_mismatch", PI_PROTOCOL, PI_WARN,
          "Retrieved message size differs from the size LIST reported", EXPFILL } },
    };

    /* Short names must be unique: the built-in dissector owns "POP", so ours
     * is "POP3"; the long name (the packet tree's label) names the filter. */
    proto_pop3 = proto_register_protocol(pop3.long_name, "POP3", pop3.abbrev);
    proto_register_field_array(proto_pop3, hf, G_N_ELEMENTS(hf));
    pop3_register_listing_fields(proto_pop3);
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
    module_t *module = prefs_register_protocol(proto_pop3, proto_reg_handoff_pop3);
    ms_register_common(&pop3, proto_pop3, module, dissect_pop3, ei, G_N_ELEMENTS(ei));
}

void
proto_reg_handoff_pop3(void)
{
    ms_handoff_common(&pop3, dissect_pop3_heur, "pop3_tcp", "pop3_tls");
}
