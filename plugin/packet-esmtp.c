/* packet-esmtp.c — SMTP knowledge for mailscope's "esmtp" dissector.
 *
 * RFC 5321 (SMTP), RFC 1869/5321 (ESMTP parameters), RFC 2920 (PIPELINING),
 * RFC 3030 (CHUNKING/BDAT), RFC 3207 (STARTTLS), RFC 4954 (AUTH),
 * RFC 3461 (DSN), RFC 6531 (SMTPUTF8), RFC 3463/5248 (enhanced status codes).
 *
 * Framing, matching, phases, TLS, SASL and reassembly live in the engine
 * (mail-*.c, interface mail-engine.h).  This file owns SMTP's commands
 * (table, analysis, fields, Info text), the heuristic, the mail transaction
 * state, the tap record's request part and the registration of the esmtp
 * protocol; replies are in packet-esmtp-reply.c, what both share in
 * packet-esmtp-private.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet-esmtp-private.h"

static int proto_esmtp = -1;

static const value_string esmtp_phase_vals[] = {
    { PH_UNKNOWN,    "Unknown" },
    { PH_CONNECTION, "Connection" },
    { PH_HANDSHAKE,  "Handshake" },
    { PH_TLS,        "TLS negotiation" },
    { PH_AUTH,       "Authentication" },
    { PH_MAIL,       "Mail transaction" },
    { PH_DATA,       "Data" },
    { PH_QUIT,       "Quit" },
    { 0, NULL }
};

#define PH_KEEP MS_PHASE_KEEP

static const ms_command_t esmtp_commands[] = {
    { "HELO",     CMD_HELO,     PH_HANDSHAKE, 0, "Identify the client (RFC 5321)" },
    { "EHLO",     CMD_EHLO,     PH_HANDSHAKE, 0, "Identify the client, ask for extensions (RFC 5321)" },
    { "LHLO",     CMD_LHLO,     PH_HANDSHAKE, 0, "LMTP greeting (RFC 2033)" },
    { "MAIL",     CMD_MAIL,     PH_MAIL, 0,      "Start a mail transaction: reverse-path" },
    { "RCPT",     CMD_RCPT,     PH_MAIL, 0,      "Add a recipient: forward-path" },
    { "DATA",     CMD_DATA,     PH_DATA, 0,      "Send the message, ended by <CRLF>.<CRLF>" },
    { "BDAT",     CMD_BDAT,     PH_DATA, 0,      "Send a chunk of the message (RFC 3030)" },
    { "RSET",     CMD_RSET,     PH_KEEP, 0,      "Abort the mail transaction" },
    { "VRFY",     CMD_VRFY,     PH_KEEP, 0,      "Verify a user name" },
    { "EXPN",     CMD_EXPN,     PH_KEEP, 0,      "Expand a mailing list" },
    { "HELP",     CMD_HELP,     PH_KEEP, 0,      "Ask for help" },
    { "NOOP",     CMD_NOOP,     PH_KEEP, 0,      "No operation" },
    { "QUIT",     CMD_QUIT,     PH_QUIT, 0,      "Close the session" },
    { "STARTTLS", CMD_STARTTLS, PH_TLS, 0,       "Upgrade the connection to TLS (RFC 3207)" },
    { "AUTH",     CMD_AUTH,     PH_AUTH, MS_CMD_SASL, "Authenticate with SASL (RFC 4954)" },
    { "ETRN",     CMD_ETRN,     PH_KEEP, 0,      "Start the queue for a domain (RFC 1985)" },
    { "ATRN",     CMD_ATRN,     PH_KEEP, 0,      "Authenticated turn (RFC 2645)" },
    { "TURN",     CMD_TURN,     PH_KEEP, 0,      "Reverse roles (obsolete)" },
    { "SEND",     CMD_SEND,     PH_MAIL, 0,      "Send to terminal (obsolete)" },
    { "SOML",     CMD_SOML,     PH_MAIL, 0,      "Send or mail (obsolete)" },
    { "SAML",     CMD_SAML,     PH_MAIL, 0,      "Send and mail (obsolete)" },
    { "XCLIENT",  CMD_XCLIENT,  PH_KEEP, 0,      "Postfix XCLIENT" },
    { "XFORWARD", CMD_XFORWARD, PH_KEEP, 0,      "Postfix XFORWARD" },
};

/* ---- Fields ------------------------------------------------------------- */

static int hf_helo_domain = -1;
static int hf_mail_from = -1;
static int hf_rcpt_to = -1;
static int hf_param = -1;
static int hf_param_name = -1;
static int hf_param_value = -1;
static int hf_bdat_size = -1;
static int hf_bdat_last = -1;

static int ett_params = -1;

static void
esmtp_init_session(ms_session_t *s)
{
    s->proto_data = wmem_new0(wmem_file_scope(), esmtp_state_t);
}

void
reset_transaction(esmtp_state_t *st)
{
    st->mail_open = 0;
    st->bdat_open = 0;
    st->rcpt_sent = 0;
    st->rcpt_ok = 0;
}

/* The end of the message data ends the transaction on the client side;
 * the final reply says whether the server took it. */
static void
end_of_message_data(esmtp_state_t *st)
{
    st->mail_open = 0;
    st->bdat_open = 0;
}

static ms_proto_t esmtp;

/* ---- Heuristic ---------------------------------------------------------- */

static bool
text_contains(tvbuff_t *tvb, int offset, int len, const char *needle)
{
    size_t nl = strlen(needle);
    if (len < (int)nl)
        return false;
    const char *d = (const char *)tvb_get_ptr(tvb, offset, len);
    for (int i = 0; i + (int)nl <= len; i++)
        if (g_ascii_toupper(d[i]) == needle[0] && g_ascii_strncasecmp(d + i, needle, nl) == 0)
            return true;
    return false;
}

static const char *const ehlo_keywords[] = {
    "PIPELINING", "SIZE", "8BITMIME", "STARTTLS", "AUTH", "ENHANCEDSTATUSCODES", "CHUNKING",
    "DSN", "SMTPUTF8", "BINARYMIME", "ETRN", "VRFY", "HELP", "DELIVERBY", "REQUIRETLS",
};

static bool
is_ehlo_keyword(tvbuff_t *tvb, int offset, int len)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ehlo_keywords); i++)
        if (ms_token_is(tvb, offset, len, ehlo_keywords[i]))
            return true;
    return false;
}

static ms_looks_t
esmtp_looks_like(tvbuff_t *tvb, int offset, int avail)
{
    /* Most non-mail traffic fails on its first octet: look at it before
     * searching for a line end. */
    guint8 first = tvb_get_uint8(tvb, offset);
    if (!(first >= '2' && first <= '5') && !strchr("EHLMRSBehlmrsb", first ? first : '?'))
        return MS_LOOKS_UNKNOWN;
    int next;
    ms_eol_t eol;
    int len = ms_find_line(tvb, offset, avail < 1024 ? avail : 1024, &next, &eol);
    if (len < 4)
        return MS_LOOKS_UNKNOWN;

    if (first >= '2' && first <= '5') {
        guint8 sep;
        int code = reply_code(tvb, offset, len, &sep);
        if (code < 0)
            return MS_LOOKS_UNKNOWN;
        int text = offset + 4, tlen = len - 4;
        guint cls, subj, det;
        /* An enhanced status code of the same class is SMTP's alone. */
        if (status_code(tvb, text, tlen, &cls, &subj, &det) && cls == (guint)(code / 100))
            return MS_LOOKS_SERVER;
        /* A greeting naming (E)SMTP, and not an FTP server's. */
        if ((code == 220 || code == 554) && text_contains(tvb, text, tlen, "SMTP") &&
            !text_contains(tvb, text, tlen, "FTP"))
            return MS_LOOKS_SERVER;
        if (code == 354 && (text_contains(tvb, text, tlen, "<CR><LF>.<CR><LF>") ||
                            text_contains(tvb, text, tlen, "END DATA WITH") ||
                            text_contains(tvb, text, tlen, "MAIL INPUT")))
            return MS_LOOKS_SERVER;
        /* An EHLO reply: a following line that is an extension keyword. */
        if (code == 250 && sep == '-') {
            int pos = next, lines = 0;
            while (lines++ < 4) {
                int l2 = ms_find_line(tvb, pos, avail - (pos - offset), &next, &eol);
                guint8 s2;
                if (l2 < 5 || reply_code(tvb, pos, l2, &s2) != 250)
                    break;
                if (is_ehlo_keyword(tvb, pos + 4, l2 - 4))
                    return MS_LOOKS_SERVER;
                pos = next;
            }
        }
        return MS_LOOKS_UNKNOWN;
    }

    /* Client commands no other common protocol uses. */
    if (ms_token_is(tvb, offset, len, "EHLO") || ms_token_is(tvb, offset, len, "HELO") ||
        ms_token_is(tvb, offset, len, "LHLO")) {
        return len > 5 ? MS_LOOKS_CLIENT : MS_LOOKS_UNKNOWN;
    }
    if ((len >= 10 && tvb_strncaseeql(tvb, offset, "MAIL FROM:", 10) == 0) ||
        (len >= 8 && tvb_strncaseeql(tvb, offset, "RCPT TO:", 8) == 0))
        return MS_LOOKS_CLIENT;
    if (len == 8 && tvb_strncaseeql(tvb, offset, "STARTTLS", 8) == 0)
        return MS_LOOKS_CLIENT;
    if (len > 5 && ms_token_is(tvb, offset, len, "BDAT") &&
        g_ascii_isdigit(tvb_get_uint8(tvb, offset + 5)))
        return MS_LOOKS_CLIENT;
    return MS_LOOKS_UNKNOWN;
}

/* ---- BDAT (RFC 3030) ----------------------------------------------------- */

/* "BDAT" SP chunk-size [SP end-marker], chunk-size = 1*DIGIT, end-marker =
 * "LAST" (case-insensitive, as ABNF strings are; runs of spaces count as one,
 * as for every command).  Anything else is no chunk: no server can know how
 * many octets would follow (Postfix answers 5xx and stops reading).
 * Returns NULL when the argument is a chunk, else why it is not. */
static const char *
parse_bdat(tvbuff_t *tvb, int off, int len, guint64 *size, bool *last)
{
    int end = off + len, digits = 0;
    guint64 v = 0;
    *size = 0;
    *last = false;
    if (len <= 0)
        return "no chunk size";
    for (; off < end && g_ascii_isdigit(tvb_get_uint8(tvb, off)); off++, digits++) {
        guint d = tvb_get_uint8(tvb, off) - '0';
        if (v > (G_MAXUINT64 - d) / 10)
            return "the chunk size does not fit in 64 bits";
        v = v * 10 + d;
    }
    if (digits == 0)
        return "the chunk size is not a decimal number";
    if (off < end && tvb_get_uint8(tvb, off) != ' ')
        return "the chunk size is followed by something else than a space";
    while (off < end && tvb_get_uint8(tvb, off) == ' ')
        off++;
    int tl = off < end ? ms_token_len(tvb, off, end - off) : 0;
    if (tl > 0) {
        if (tl != 4 || tvb_strncaseeql(tvb, off, "LAST", 4) != 0)
            return "the chunk size is followed by something else than LAST";
        *last = true;
        off += 4;
        while (off < end && tvb_get_uint8(tvb, off) == ' ')
            off++;
        if (off < end)
            return "LAST is followed by more text";
    }
    *size = v;
    return NULL;
}

static void
analyze_bdat(ms_ctx_t *c, esmtp_state_t *st, int arg_off, int arg_len)
{
    guint64 size;
    bool last;
    const char *why = parse_bdat(c->tvb, arg_off, arg_len, &size, &last);
    if (why) {
        c->u->aux = BDAT_MALFORMED;
        ms_note(c, EI_BDAT_INVALID,
                "Malformed BDAT (RFC 3030: BDAT chunk-size [LAST]): %s; no chunk follows", why);
        return;
    }
    if (c->s->greeted && !st->rcpt_sent)
        ms_note(c, MS_EI_OUT_OF_ORDER, "BDAT without any RCPT");
    st->bdat_open = 1;
    ms_expect_chunk(c, size, last);
}

/* ---- First pass: requests ----------------------------------------------- */

static void
analyze_auth(ms_ctx_t *c, int arg_off, int arg_len)
{
    int mech_len = ms_token_len(c->tvb, arg_off, arg_len);
    int ir_off = arg_off + mech_len + 1;
    int ir_len = arg_len - mech_len - 1;
    if (mech_len <= 0) {
        ms_note(c, MS_EI_OUT_OF_ORDER, "AUTH without a mechanism");
        return;
    }
    ms_sasl_start(c, arg_off, mech_len, ir_off, ir_len > 0 ? ir_len : 0);
}

static void
esmtp_analyze_request(ms_ctx_t *c)
{
    ms_session_t *s = c->s;
    esmtp_state_t *st = (esmtp_state_t *)s->proto_data;
    int arg_off;
    int arg_len = ms_command_argument(c->tvb, c->offset, c->line_len, &arg_off);
    const ms_command_t *cmd = ms_lookup_command(c->proto, c->tvb, c->offset, c->line_len);
    if (!cmd) {
        c->u->cmd = CMD_UNKNOWN;
        if (!s->greeted && s->phase == PH_UNKNOWN && !ms_connection_start_captured(c)) {
            /* A capture that starts inside DATA: text, not commands, until
             * the "." line.  (Not when the capture saw the connection open:
             * then this is what the client said first.) */
            ms_set_unit_kind(c, MS_UNIT_CONTENT);
            ms_set_phase(c, PH_DATA);
            ms_expect_content(c, MS_FROM_CLIENT, false);
        }
        return;
    }
    c->u->cmd = cmd->id;
    if (cmd->phase != PH_KEEP)
        ms_set_phase(c, cmd->phase);

    /* A transaction reset before BDAT ... LAST: those chunks are no message. */
    if (cmd->id == CMD_HELO || cmd->id == CMD_EHLO || cmd->id == CMD_LHLO ||
        cmd->id == CMD_MAIL || cmd->id == CMD_RSET)
        ms_abandon_message(c, MS_FROM_CLIENT);

    switch (cmd->id) {
    case CMD_MAIL:
        if (!st->helo_seen && s->greeted)
            ms_note(c, MS_EI_OUT_OF_ORDER, "MAIL before HELO/EHLO");
        if (st->mail_open) {
            ms_note(c, MS_EI_OUT_OF_ORDER, "MAIL while a mail transaction is already open");
            c->u->aux = (guint16)(MAIL_NESTED | MIN(st->rcpt_sent, MAIL_RCPT_MASK));
            break;
        }
        reset_transaction(st);
        st->mail_open = 1;
        break;
    case CMD_RCPT:
        if (!st->mail_open && s->greeted)
            ms_note(c, MS_EI_OUT_OF_ORDER, "RCPT without a mail transaction (no accepted MAIL)");
        st->rcpt_sent++;
        break;
    case CMD_DATA:
        if (s->greeted && !st->rcpt_sent)
            ms_note(c, MS_EI_OUT_OF_ORDER, "DATA without any RCPT");
        if (st->bdat_open)
            ms_note(c, MS_EI_OUT_OF_ORDER,
                    "DATA after BDAT in the same mail transaction (RFC 3030 does not allow both)");
        /* Real clients wait for 354; the content that follows is the
         * message unless the server refuses (see the DATA reply). */
        ms_expect_content(c, MS_FROM_CLIENT, true);
        break;
    case CMD_BDAT:
        analyze_bdat(c, st, arg_off, arg_len);
        break;
    case CMD_RSET:
        reset_transaction(st);
        break;
    case CMD_QUIT:
        s->quit_sent = 1;
        break;
    case CMD_STARTTLS:
        if (!c->from_tcp)
            ms_note(c, MS_EI_OUT_OF_ORDER, "STARTTLS inside TLS");
        ms_tls_requested(c);
        break;
    case CMD_AUTH:
        if (s->authenticated)
            ms_note(c, MS_EI_OUT_OF_ORDER, "AUTH after successful authentication");
        analyze_auth(c, arg_off, arg_len);
        break;
    default:
        break;
    }
}

static void
esmtp_content_ended(ms_ctx_t *c)
{
    if (c->u->from_server)
        return;
    end_of_message_data((esmtp_state_t *)c->s->proto_data);
    if (c->u->kind != MS_UNIT_CONTENT)
        return;     /* BDAT: its reply answers the BDAT command */
    /* The "." is a request of its own: the final reply answers it. */
    c->u->cmd = CMD_END_OF_DATA;
    ms_request_expects_reply(c);
}

/* ---- Every pass: rendering ---------------------------------------------- */

/* The path of "<path> params" (with or without brackets): inner, inner_len
 * its address, the return value where the parameters start. */
static int
path_bounds(tvbuff_t *tvb, int off, int len, int *inner, int *inner_len)
{
    int end = off + len;
    while (off < end && tvb_get_uint8(tvb, off) == ' ')
        off++;
    if (off < end && tvb_get_uint8(tvb, off) == '<') {
        int gt = tvb_find_uint8(tvb, off, end - off, '>');
        *inner = off + 1;
        *inner_len = (gt < 0 ? end : gt) - *inner;
        return gt < 0 ? end : gt + 1;
    }
    int sp = tvb_find_uint8(tvb, off, end - off, ' ');
    *inner = off;
    *inner_len = (sp < 0 ? end : sp) - off;
    return sp < 0 ? end : sp;
}

/* "<path> params": the path (with or without brackets) and ESMTP params. */
static void
render_path_and_params(ms_ctx_t *c, proto_tree *tree, int hf_path, int off, int len)
{
    tvbuff_t *tvb = c->tvb;
    int end = off + len;
    int inner, inner_len;
    int path_end = path_bounds(tvb, off, len, &inner, &inner_len);
    ms_add_string(c, tree, hf_path, inner, inner_len);
    off = path_end;
    while (off < end) {
        while (off < end && tvb_get_uint8(tvb, off) == ' ')
            off++;
        if (off >= end)
            break;
        int sp = tvb_find_uint8(tvb, off, end - off, ' ');
        int plen = (sp < 0 ? end : sp) - off;
        proto_item *pi = ms_add_string(c, tree, hf_param, off, plen);
        proto_tree *pt = proto_item_add_subtree(pi, ett_params);
        int eq = tvb_find_uint8(tvb, off, plen, '=');
        ms_add_string(c, pt, hf_param_name, off, eq < 0 ? plen : eq - off);
        if (eq >= 0)
            ms_add_string(c, pt, hf_param_value, eq + 1, off + plen - eq - 1);
        off += plen;
    }
}

static const char *
esmtp_render_request(ms_ctx_t *c)
{
    tvbuff_t *tvb = c->tvb;
    proto_tree *t = c->unit_tree;
    int arg_off, arg_len;
    const ms_command_t *cmd = ms_render_command(c, &arg_off, &arg_len);

    switch (cmd ? cmd->id : CMD_UNKNOWN) {
    case CMD_HELO:
    case CMD_EHLO:
    case CMD_LHLO:
        if (arg_len > 0)
            ms_add_string(c, t, hf_helo_domain, arg_off, arg_len);
        break;
    case CMD_MAIL:
    case CMD_RCPT: {
        int colon = tvb_find_uint8(tvb, arg_off, arg_len, ':');
        if (colon >= 0)
            render_path_and_params(c, t, cmd->id == CMD_MAIL ? hf_mail_from : hf_rcpt_to,
                                   colon + 1, arg_off + arg_len - colon - 1);
        break;
    }
    case CMD_BDAT: {
        guint64 size;
        bool last;
        if (parse_bdat(tvb, arg_off, arg_len, &size, &last))
            break;      /* malformed: no chunk, no size (see its expert info) */
        int sl = ms_token_len(tvb, arg_off, arg_len);
        proto_tree_add_uint64(t, hf_bdat_size, tvb, arg_off, sl, size);
        int rest = arg_off + sl;
        while (rest < arg_off + arg_len && tvb_get_uint8(tvb, rest) == ' ')
            rest++;
        proto_tree_add_boolean(t, hf_bdat_last, tvb, rest, arg_off + arg_len - rest, last);
        break;
    }
    case CMD_AUTH:
        ms_render_sasl(c, t);
        break;
    default:
        break;
    }
    if (cmd && cmd->id == CMD_AUTH && arg_len > 0)
        return ms_auth_summary(c, arg_off, arg_len);  /* no secrets in Info */
    return ms_line_string(c, c->offset, c->line_len);
}

static void
esmtp_tap_fill(ms_ctx_t *c, ms_tap_t *t)
{
    tvbuff_t *tvb = c->tvb;
    wmem_allocator_t *pool = c->pinfo->pool;
    int off = c->offset, len = c->line_len;
    if (c->u->kind == MS_UNIT_REQUEST) {
        int arg_off;
        int arg_len = ms_command_argument(tvb, off, len, &arg_off);
        switch (c->u->cmd) {
        case CMD_HELO:
        case CMD_EHLO:
        case CMD_LHLO:
            t->arg = ms_get_string(pool, tvb, arg_off, arg_len, ENC_UTF_8);
            break;
        case CMD_MAIL:
        case CMD_RCPT: {
            int colon = tvb_find_uint8(tvb, arg_off, arg_len, ':');
            int inner, inner_len;
            if (colon >= 0) {
                path_bounds(tvb, colon + 1, arg_off + arg_len - colon - 1, &inner, &inner_len);
                t->arg = ms_get_string(pool, tvb, inner, inner_len, ENC_UTF_8);
            }
            break;
        }
        case CMD_BDAT: {
            int sl = ms_token_len(tvb, arg_off, arg_len);
            int rest = arg_off + sl;
            while (rest < arg_off + arg_len && tvb_get_uint8(tvb, rest) == ' ')
                rest++;
            t->last_chunk = ms_token_is(tvb, rest, arg_off + arg_len - rest, "LAST");
            break;
        }
        default:
            break;
        }
        return;
    }
    guint8 sep;
    int code = reply_code(tvb, off, len, &sep);
    if (code < 0)
        return;
    t->code = code;
    t->class_word = val_to_str_const((guint32)code / 100, reply_class_words, "?");
    t->positive = code < 400;
    t->intermediate = code / 100 == 3;
    int text = off + 4, text_len = len - 4;
    guint cls, subj, det;
    int sl = text_len > 0 ? status_code(tvb, text, text_len, &cls, &subj, &det) : 0;
    if (sl && cls == (guint)(code / 100)) {
        t->status = ms_get_string(pool, tvb, text, sl, ENC_ASCII);
        text += sl + 1;
        text_len -= sl + 1;
    }
    while (text_len > 0 && tvb_get_uint8(tvb, text) == ' ') {
        text++;
        text_len--;
    }
    t->text = text_len > 0 ? ms_get_string(pool, tvb, text, text_len, ENC_UTF_8) : "";
}

/* ---- Registration ------------------------------------------------------- */

static const ms_marker_t esmtp_line_starts[] = {
    { "220 ", MS_LOOKS_SERVER }, { "220-", MS_LOOKS_SERVER },
    { "EHLO ", MS_LOOKS_CLIENT }, { "HELO ", MS_LOOKS_CLIENT },
    { "MAIL FROM:", MS_LOOKS_CLIENT }, { "RCPT TO:", MS_LOOKS_CLIENT },
    { "STARTTLS", MS_LOOKS_CLIENT },
    { NULL, MS_LOOKS_UNKNOWN }
};

static ms_proto_t esmtp = {
    .name = "SMTP",
    .long_name = "Simple Mail Transfer Protocol (mailscope, filter: esmtp)",
    .abbrev = "esmtp",
    .default_ports = "25,587,2525",
    .default_tls_ports = "465",
    .phase_vals = esmtp_phase_vals,
    .state_vals = NULL,
    .phase_unknown = PH_UNKNOWN,
    .phase_connection = PH_CONNECTION,
    .tls_command = "STARTTLS",
    .commands = esmtp_commands,
    .n_commands = G_N_ELEMENTS(esmtp_commands),
    .max_request_line = 512,   /* RFC 5321 4.5.3.1.4 */
    .max_reply_line = 512,     /* RFC 5321 4.5.3.1.5 */
    .max_text_line = 1000,     /* RFC 5321 4.5.3.1.6 */
    .looks_like = esmtp_looks_like,
    .line_starts = esmtp_line_starts,
    .is_greeting = esmtp_is_greeting,
    .reply_continues = esmtp_reply_continues,
    .analyze_request = esmtp_analyze_request,
    .analyze_reply = esmtp_analyze_reply,
    .content_ended = esmtp_content_ended,
    .render_request = esmtp_render_request,
    .render_reply = esmtp_render_reply,
    .init_session = esmtp_init_session,
    .tap_fill = esmtp_tap_fill,
    .cmd_end_of_data = CMD_END_OF_DATA,
};

static int
dissect_esmtp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return ms_dissect(&esmtp, tvb, pinfo, tree, data);
}

static ms_heur_result_t
dissect_esmtp_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return ms_dissect_heur(&esmtp, tvb, pinfo, tree, data);
}

void
proto_register_esmtp(void)
{
    static hf_register_info hf[] = {
        { &hf_helo_domain, { "Client domain", "esmtp.helo.domain", FT_STRING, BASE_NONE, NULL, 0,
          "Domain or address literal the client gives in HELO/EHLO", HFILL } },
        { &hf_mail_from, { "Reverse-path", "esmtp.mail.from", FT_STRING, BASE_NONE, NULL, 0,
          "MAIL FROM address (empty for bounces)", HFILL } },
        { &hf_rcpt_to, { "Forward-path", "esmtp.rcpt.to", FT_STRING, BASE_NONE, NULL, 0,
          "RCPT TO address", HFILL } },
        { &hf_param, { "ESMTP parameter", "esmtp.param", FT_STRING, BASE_NONE, NULL, 0,
          "MAIL/RCPT parameter (SIZE, BODY, SMTPUTF8, RET, ENVID, NOTIFY, ORCPT, AUTH...)", HFILL } },
        { &hf_param_name, { "Name", "esmtp.param.name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_param_value, { "Value", "esmtp.param.value", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_bdat_size, { "Chunk size", "esmtp.bdat.size", FT_UINT64, BASE_DEC, NULL, 0,
          "Octets of message data following the BDAT command", HFILL } },
        { &hf_bdat_last, { "Last chunk", "esmtp.bdat.last", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "BDAT ... LAST ends the message", HFILL } },
    };
    static int *ett[] = { &ett_params };
    static ei_register_info ei[] = {
        { &esmtp.ei[EI_REPLY_INVALID], { "esmtp.reply.invalid", PI_MALFORMED, PI_ERROR,
          "Invalid reply code", EXPFILL } },
        { &esmtp.ei[EI_REPLY_MISMATCH], { "esmtp.reply.code_mismatch", PI_PROTOCOL, PI_WARN,
          "Multi-line reply with differing codes", EXPFILL } },
        { &esmtp.ei[EI_REPLY_GROUP_PARTIAL], { "esmtp.reply.partial", PI_REASSEMBLE, PI_NOTE,
          "Multi-line reply shown in parts", EXPFILL } },
        { &esmtp.ei[EI_BDAT_INVALID], { "esmtp.bdat.invalid", PI_PROTOCOL, PI_WARN,
          "Malformed BDAT command: no chunk follows", EXPFILL } },
        { &esmtp.ei[EI_BDAT_REFUSED], { "esmtp.bdat.refused", PI_SEQUENCE, PI_NOTE,
          "BDAT refused before its chunk was sent: the chunk is not awaited", EXPFILL } },
    };

    /* Short names must be unique: the built-in dissector owns "SMTP", so
     * ours is "ESMTP" (Expert Information, Enabled Protocols, Protocol
     * Hierarchy show it).  The Protocol column still says "SMTP" (see
     * ms_dissect); the long name, which labels the packet tree, names the
     * filter, since `smtp` finds nothing while the plugin owns the traffic. */
    proto_esmtp = proto_register_protocol(esmtp.long_name, "ESMTP", esmtp.abbrev);
    proto_register_field_array(proto_esmtp, hf, G_N_ELEMENTS(hf));
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
    esmtp_register_reply_fields(proto_esmtp);
    module_t *module = prefs_register_protocol(proto_esmtp, proto_reg_handoff_esmtp);
    ms_register_common(&esmtp, proto_esmtp, module, dissect_esmtp, ei, G_N_ELEMENTS(ei));
}

void
proto_reg_handoff_esmtp(void)
{
    ms_handoff_common(&esmtp, dissect_esmtp_heur, "esmtp_tcp", "esmtp_tls");
}
