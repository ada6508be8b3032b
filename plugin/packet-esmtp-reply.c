/* packet-esmtp-reply.c — SMTP replies.
 *
 * RFC 5321 4.2 (reply codes), RFC 3463/5248 (enhanced status codes),
 * RFC 1869/5321 (EHLO keywords).
 *
 * Owns: reply syntax (code, continuation lines, enhanced status code), the
 * meaning of codes and status codes (tables), what a reply does to the
 * session (greeting, EHLO capabilities, accepted or refused MAIL, RCPT,
 * DATA, BDAT, STARTTLS, AUTH), the reply's fields and Info text, and the
 * reply part of the tap record.
 *
 * Must not touch: commands (packet-esmtp.c) or anything the engine owns
 * (framing, matching a reply with its request, SASL decoding): a reply
 * changes the session only through engine calls.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet-esmtp-private.h"

/* ======================================================================
 * Reply codes and enhanced status codes
 * ====================================================================== */

/* ---- Replies ------------------------------------------------------------ */

static const value_string reply_class_vals[] = {
    { 2, "Positive completion" },
    { 3, "Positive intermediate" },
    { 4, "Transient negative completion" },
    { 5, "Permanent negative completion" },
    { 0, NULL }
};

static const value_string reply_category_vals[] = {
    { 0, "Syntax" },
    { 1, "Information" },
    { 2, "Connections" },
    { 3, "Unspecified" },
    { 4, "Unspecified" },
    { 5, "Mail system" },
    { 0, NULL }
};

static const value_string reply_code_vals[] = {
    { 211, "System status" },
    { 214, "Help message" },
    { 220, "Service ready" },
    { 221, "Service closing transmission channel" },
    { 235, "Authentication successful" },
    { 250, "Requested mail action okay, completed" },
    { 251, "User not local; will forward" },
    { 252, "Cannot VRFY user, but will accept message" },
    { 334, "Server challenge" },
    { 354, "Start mail input" },
    { 421, "Service not available, closing transmission channel" },
    { 432, "A password transition is needed" },
    { 450, "Mailbox unavailable" },
    { 451, "Local error in processing" },
    { 452, "Insufficient system storage" },
    { 454, "Temporary authentication failure / TLS not available" },
    { 455, "Server unable to accommodate parameters" },
    { 500, "Syntax error, command unrecognized" },
    { 501, "Syntax error in parameters or arguments" },
    { 502, "Command not implemented" },
    { 503, "Bad sequence of commands" },
    { 504, "Command parameter not implemented" },
    { 521, "Server does not accept mail" },
    { 523, "Encryption needed" },
    { 530, "Authentication required" },
    { 534, "Authentication mechanism is too weak" },
    { 535, "Authentication credentials invalid" },
    { 538, "Encryption required for requested authentication mechanism" },
    { 550, "Mailbox unavailable" },
    { 551, "User not local" },
    { 552, "Exceeded storage allocation" },
    { 553, "Mailbox name not allowed" },
    { 554, "Transaction failed" },
    { 555, "MAIL/RCPT parameters not recognized or not implemented" },
    { 0, NULL }
};

/* RFC 3463 status-code classes and subjects. */
static const value_string status_class_vals[] = {
    { 2, "Success" },
    { 4, "Persistent transient failure" },
    { 5, "Permanent failure" },
    { 0, NULL }
};

static const value_string status_subject_vals[] = {
    { 0, "Other or undefined status" },
    { 1, "Addressing status" },
    { 2, "Mailbox status" },
    { 3, "Mail system status" },
    { 4, "Network and routing status" },
    { 5, "Mail delivery protocol status" },
    { 6, "Message content or media status" },
    { 7, "Security or policy status" },
    { 0, NULL }
};

/* RFC 3463 / RFC 5248 subject.detail meanings, keyed subject*1000+detail. */
static const value_string status_detail_vals[] = {
    {    0, "Other undefined status" },
    { 1000, "Other address status" },
    { 1001, "Bad destination mailbox address" },
    { 1002, "Bad destination system address" },
    { 1003, "Bad destination mailbox address syntax" },
    { 1004, "Destination mailbox address ambiguous" },
    { 1005, "Destination address valid" },
    { 1006, "Destination mailbox has moved, no forwarding address" },
    { 1007, "Bad sender's mailbox address syntax" },
    { 1008, "Bad sender's system address" },
    { 1009, "Message relayed to non-compliant mailer" },
    { 1010, "Recipient address has null MX" },
    { 2000, "Other or undefined mailbox status" },
    { 2001, "Mailbox disabled, not accepting messages" },
    { 2002, "Mailbox full" },
    { 2003, "Message length exceeds administrative limit" },
    { 2004, "Mailing list expansion problem" },
    { 3000, "Other or undefined mail system status" },
    { 3001, "Mail system full" },
    { 3002, "System not accepting network messages" },
    { 3003, "System not capable of selected features" },
    { 3004, "Message too big for system" },
    { 3005, "System incorrectly configured" },
    { 3006, "Requested priority was changed" },
    { 4000, "Other or undefined network or routing status" },
    { 4001, "No answer from host" },
    { 4002, "Bad connection" },
    { 4003, "Directory server failure" },
    { 4004, "Unable to route" },
    { 4005, "Mail system congestion" },
    { 4006, "Routing loop detected" },
    { 4007, "Delivery time expired" },
    { 5000, "Other or undefined protocol status" },
    { 5001, "Invalid command" },
    { 5002, "Syntax error" },
    { 5003, "Too many recipients" },
    { 5004, "Invalid command arguments" },
    { 5005, "Wrong protocol version" },
    { 5006, "Authentication exchange line is too long" },
    { 6000, "Other or undefined media error" },
    { 6001, "Media not supported" },
    { 6002, "Conversion required and prohibited" },
    { 6003, "Conversion required but not supported" },
    { 6004, "Conversion with loss performed" },
    { 6005, "Conversion failed" },
    { 6006, "Message content not available" },
    { 6007, "Non-ASCII addresses not permitted for that sender/recipient" },
    { 6008, "UTF-8 string reply is required, but not permitted by the SMTP client" },
    { 6009, "UTF-8 header message cannot be transferred to one or more recipients" },
    { 6010, "Duplicate Message-ID" },
    { 7000, "Other or undefined security status" },
    { 7001, "Delivery not authorized, message refused" },
    { 7002, "Mailing list expansion prohibited" },
    { 7003, "Security conversion required but not possible" },
    { 7004, "Security features not supported" },
    { 7005, "Cryptographic failure" },
    { 7006, "Cryptographic algorithm not supported" },
    { 7007, "Message integrity failure" },
    { 7008, "Authentication credentials invalid" },
    { 7009, "Authentication mechanism is too weak" },
    { 7010, "Encryption needed" },
    { 7011, "Encryption required for requested authentication mechanism" },
    { 7012, "A password transition is needed" },
    { 7013, "User account disabled" },
    { 7014, "Trust relationship required" },
    { 7015, "Priority level is too low" },
    { 7016, "Message is too big for the specified priority" },
    { 7017, "Mailbox owner has changed" },
    { 7018, "Domain owner has changed" },
    { 7019, "RRVS test cannot be completed" },
    { 7020, "No passing DKIM signature found" },
    { 7021, "No acceptable DKIM signature found" },
    { 7022, "No valid author-matched DKIM signature found" },
    { 7023, "SPF validation failed" },
    { 7024, "SPF validation error" },
    { 7025, "Reverse DNS validation failed" },
    { 7026, "Multiple authentication checks failed" },
    { 7027, "Sender address has null MX" },
    { 7028, "Mail flood detected" },
    { 7029, "ARC validation failure" },
    { 7030, "REQUIRETLS support required" },
    { 0, NULL }
};

static value_string_ext status_detail_vals_ext = VALUE_STRING_EXT_INIT(status_detail_vals);

static int hf_reply_code = -1;

static int hf_line_code = -1;

static int hf_reply_class = -1;

static int hf_reply_category = -1;

static int hf_reply_text = -1;

static int hf_reply_lines = -1;

static int hf_status = -1;

static int hf_status_class = -1;

static int hf_status_subject = -1;

static int hf_status_detail = -1;

static int hf_ehlo_capability = -1;

static int hf_ehlo_keyword = -1;

static int hf_ehlo_auth_mech = -1;

static int hf_ehlo_size = -1;

static int ett_reply_line = -1;

static int ett_status = -1;

static int ett_capability = -1;

/* ---- Reply syntax ------------------------------------------------------- */

/* Reply code of a line: "NNN" followed by SP, "-" or the line end. */
int
reply_code(tvbuff_t *tvb, int offset, int len, guint8 *sep)
{
    if (len < 3)
        return -1;
    /* Raw octets: this runs for every reply line, on every pass. */
    const guint8 *d = tvb_get_ptr(tvb, offset, MIN(len, 4));
    if (d[0] < '2' || d[0] > '5' || d[1] < '0' || d[1] > '5' || !g_ascii_isdigit(d[2]))
        return -1;
    guint8 d0 = d[0], d1 = d[1], d2 = d[2];
    *sep = len > 3 ? d[3] : ' ';
    if (*sep != ' ' && *sep != '-')
        return -1;
    return (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
}

/* RFC 5321 3.1: the server opens with 220, or 554 (no service); 421 when
 * it is shutting down. */
bool
esmtp_is_greeting(tvbuff_t *tvb, int offset, int len)
{
    guint8 sep;
    int code = reply_code(tvb, offset, len, &sep);
    return code == 220 || code == 554 || code == 421;
}

bool
esmtp_reply_continues(tvbuff_t *tvb, int offset, int len)
{
    guint8 sep;
    return reply_code(tvb, offset, len, &sep) >= 0 && sep == '-';
}

/* Enhanced status code "c.sss.ddd" at offset; returns its length or 0. */
int
status_code(tvbuff_t *tvb, int offset, int len, guint *cls, guint *subj, guint *det)
{
    guint v[3] = { 0, 0, 0 };
    int i = 0, part = 0, digits = 0;
    const guint8 *d = tvb_get_ptr(tvb, offset, MIN(len, 13));
    for (; i < len && i < 12; i++) {
        guint8 ch = d[i];
        if (g_ascii_isdigit(ch)) {
            if (++digits > 3)
                return 0;
            v[part] = v[part] * 10 + (ch - '0');
        } else if (ch == '.' && digits && part < 2) {
            part++;
            digits = 0;
        } else {
            break;
        }
    }
    if (part != 2 || !digits || (v[0] != 2 && v[0] != 4 && v[0] != 5))
        return 0;
    if (i < len && d[i] != ' ')
        return 0;
    *cls = v[0];
    *subj = v[1];
    *det = v[2];
    return i;
}

/* ======================================================================
 * What a reply does (first pass)
 * ====================================================================== */

/* ---- First pass: replies ------------------------------------------------ */

static void
scan_ehlo_capabilities(ms_ctx_t *c)
{
    int pos = c->offset, end = c->offset + (int)c->u->len;
    while (pos < end) {
        int next;
        ms_eol_t eol;
        int ll = ms_find_line(c->tvb, pos, end - pos, &next, &eol);
        if (ll < 0)
            break;
        if (ll > 4 && ms_token_is(c->tvb, pos + 4, ll - 4, "STARTTLS"))
            c->s->tls_offered = 1;
        pos = next;
    }
}

/* A refused MAIL opens no transaction; refused while one was open (nested,
 * 503), it leaves that one open.  Accepted while one was open, it starts a
 * new one with the RCPTs sent after it. */
static void
mail_answered(esmtp_state_t *st, const ms_unit_t *request, bool ok)
{
    bool nested = (request->aux & MAIL_NESTED) != 0;
    if (!ok) {
        if (!nested)
            st->mail_open = 0;
        return;
    }
    if (nested) {
        guint32 before = request->aux & MAIL_RCPT_MASK;
        st->rcpt_sent = st->rcpt_sent > before ? st->rcpt_sent - before : 0;
        st->rcpt_ok = 0;
        st->bdat_open = 0;
        st->mail_open = 1;
    }
}

/* A 4xx/5xx to BDAT: the transaction has failed, no further chunk may be
 * sent (RFC 3030 2).  A server that reads a chunk answers after its last
 * octet; refused while the chunk has not (fully) arrived, the BDAT's chunk
 * was never read (Exim refuses BDAT at once when it did not offer
 * CHUNKING), so what the client sends next are commands. */
static void
bdat_refused(ms_ctx_t *c, esmtp_state_t *st, const ms_unit_t *request, int code)
{
    st->bdat_open = 0;
    guint64 left = ms_cancel_chunk(c, request);
    if (left)
        ms_note(c, EI_BDAT_REFUSED,
                "BDAT refused (%d) before its chunk was sent: the %" G_GUINT64_FORMAT
                " octets it announced are not awaited", code, left);
}

void
esmtp_analyze_reply(ms_ctx_t *c, ms_unit_t *request)
{
    ms_session_t *s = c->s;
    esmtp_state_t *st = (esmtp_state_t *)s->proto_data;
    guint8 sep;
    int code = reply_code(c->tvb, c->offset, c->line_len, &sep);
    bool ok = code >= 200 && code < 400;
    int text_off = c->offset + 4, text_len = c->line_len - 4;

    if (!request) {
        if (!s->greeted && (!s->any_request || s->early) &&
            esmtp_is_greeting(c->tvb, c->offset, c->line_len)) {
            s->greeted = 1;
            ms_set_greeting_phase(c);
            return;
        }
        if ((s->any_request || s->greeted) && (c->u->flags & MS_UF_NO_MATCH))
            ms_note(c, MS_EI_NO_REQUEST, "Reply %d without an outstanding request", code);
        return;
    }
    if (code == 421) {
        ms_set_phase(c, PH_QUIT);
        return;
    }

    /* A SASL exchange: 334 asks for more, 235 ends it well, others badly. */
    if (request->kind == MS_UNIT_SASL || request->cmd == CMD_AUTH) {
        if (code == 334)
            ms_sasl_challenge(c, text_off, text_len > 0 ? text_len : 0);
        else
            ms_auth_result(c, code == 235, code >= 0 ? "SMTP reply" : "invalid reply");
        if (code != 334 && code != 235 && code >= 0)
            ms_unit_sasl(c->u)->mech = MS_SASL(request, mech);
        return;
    }

    switch (request->cmd) {
    case CMD_HELO:
    case CMD_EHLO:
    case CMD_LHLO:
        /* Only an accepted HELO/EHLO resets the session (RFC 5321 4.1.4). */
        if (ok) {
            st->helo_seen = 1;
            reset_transaction(st);
            if (request->cmd != CMD_HELO)
                scan_ehlo_capabilities(c);
        }
        break;
    case CMD_MAIL:
        mail_answered(st, request, ok);
        break;
    case CMD_RCPT:
        if (ok)
            st->rcpt_ok++;
        break;
    case CMD_DATA:
        if (code == 354)
            break;
        ms_cancel_content(c, MS_FROM_CLIENT);
        if (!st->rcpt_ok && st->rcpt_sent)
            ms_note(c, MS_EI_OUT_OF_ORDER, "DATA refused: no recipient was accepted");
        break;
    case CMD_BDAT:
        if (!ok && !(request->aux & BDAT_MALFORMED))
            bdat_refused(c, st, request, code);
        break;
    case CMD_STARTTLS:
        ms_tls_answer(c, code == 220);
        break;
    default:
        break;
    }
}

/* ======================================================================
 * Fields and Info text (every pass)
 * ====================================================================== */

static void
render_status(ms_ctx_t *c, proto_tree *tree, int off, int len, int code)
{
    guint cls, subj, det;
    int sl = status_code(c->tvb, off, len, &cls, &subj, &det);
    if (!sl || cls != (guint)(code / 100))
        return;
    proto_item *si = ms_add_string(c, tree, hf_status, off, sl);
    proto_tree *st = proto_item_add_subtree(si, ett_status);
    proto_tree_add_uint(st, hf_status_class, c->tvb, off, 1, cls);
    proto_tree_add_uint(st, hf_status_subject, c->tvb, off, sl, subj);
    proto_item *di = proto_tree_add_uint(st, hf_status_detail, c->tvb, off, sl, subj * 1000 + det);
    proto_item_append_text(si, " (%s: %s)", val_to_str_const(cls, status_class_vals, "?"),
                           val_to_str_ext_const(subj * 1000 + det, &status_detail_vals_ext,
                                                "unregistered detail"));
    (void)di;
}

static void
render_capability(ms_ctx_t *c, proto_tree *tree, int off, int len)
{
    proto_item *ci = ms_add_string(c, tree, hf_ehlo_capability, off, len);
    proto_tree *ct = proto_item_add_subtree(ci, ett_capability);
    int kl = ms_token_len(c->tvb, off, len);
    ms_add_string(c, ct, hf_ehlo_keyword, off, kl);
    int pos = off + kl + 1, end = off + len;
    bool auth = ms_token_is(c->tvb, off, len, "AUTH");
    bool size = ms_token_is(c->tvb, off, len, "SIZE");
    while (pos < end) {
        int al = ms_token_len(c->tvb, pos, end - pos);
        if (al > 0 && auth)
            ms_add_string(c, ct, hf_ehlo_auth_mech, pos, al);
        if (al > 0 && size) {
            char *v = ms_get_string(c->pinfo->pool, c->tvb, pos, al, ENC_ASCII);
            proto_tree_add_uint64(ct, hf_ehlo_size, c->tvb, pos, al, g_ascii_strtoull(v, NULL, 10));
        }
        pos += al + 1;
    }
}

const char *
esmtp_render_reply(ms_ctx_t *c)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;
    tvbuff_t *tvb = c->tvb;
    proto_tree *t = c->unit_tree;
    int pos = c->offset, end = c->offset + (int)u->len;
    int lines = 0, first_code = -2;
    bool ehlo = u->cmd == CMD_EHLO || u->cmd == CMD_LHLO;

    while (pos < end) {
        int next;
        ms_eol_t eol;
        int ll = ms_find_line(tvb, pos, end - pos, &next, &eol);
        if (ll < 0) { ll = end - pos; next = end; }
        guint8 sep;
        int code = reply_code(tvb, pos, ll, &sep);
        proto_item *li = ms_add_string(c, t, p->hf.reply_line, pos, ll);
        proto_tree *lt = proto_item_add_subtree(li, ett_reply_line);
        if (code < 0) {
            expert_add_info_format(c->pinfo, li, &p->ei[EI_REPLY_INVALID],
                                   "Invalid SMTP reply line: no 3-digit code 2xx-5xx");
            ms_tap_expert(c, EI_REPLY_INVALID);
        } else {
            /* The reply's code once (filters count replies, not lines);
             * continuation lines carry theirs in a field of their own. */
            proto_item *ri = proto_tree_add_uint(lt, lines == 0 ? hf_reply_code : hf_line_code,
                                                 tvb, pos, 3, (guint32)code);
            if (lines == 0) {
                first_code = code;
                proto_tree *rt = proto_item_add_subtree(ri, ett_status);
                proto_tree_add_uint(rt, hf_reply_class, tvb, pos, 1, (guint32)code / 100);
                proto_tree_add_uint(rt, hf_reply_category, tvb, pos + 1, 1, (guint32)(code / 10) % 10);
            } else if (code != first_code) {
                expert_add_info_format(c->pinfo, ri, &p->ei[EI_REPLY_MISMATCH],
                                       "Multi-line reply code %d differs from the first line's %d",
                                       code, first_code);
                ms_tap_expert(c, EI_REPLY_MISMATCH);
            }
            if (ll > 4 && t) {   /* items only: nothing to check in the text */
                ms_add_string(c, lt, hf_reply_text, pos + 4, ll - 4);
                render_status(c, lt, pos + 4, ll - 4, code);
                if (ehlo && lines > 0)
                    render_capability(c, lt, pos + 4, ll - 4);
            }
        }
        lines++;
        pos = next;
    }
    if (lines > 1) {
        proto_item *it = proto_tree_add_uint(t, hf_reply_lines, tvb, 0, 0, (guint32)lines);
        proto_item_set_generated(it);
    }
    if (u->flags & MS_UF_PARTIAL) {
        expert_add_info(c->pinfo, c->unit_item, &p->ei[EI_REPLY_GROUP_PARTIAL]);
        ms_tap_expert(c, EI_REPLY_GROUP_PARTIAL);
    }
    if (first_code == 334 || MS_SASL(u, mech))
        ms_render_sasl(c, t);

    if (!c->want_text)
        return "";
    const char *first = ms_line_string(c, c->offset, c->line_len);
    if (lines > 1)
        return wmem_strdup_printf(c->pinfo->pool, "%s (+%d lines)", first, lines - 1);
    return first;
}

/* ---- Tap records (session views) ---------------------------------------- */

/* RFC 5321 4.2.1: what the first digit of a reply says. */
const value_string reply_class_words[] = {
    { 2, "2xx positive completion" },
    { 3, "3xx positive intermediate" },
    { 4, "4xx transient negative completion" },
    { 5, "5xx permanent negative completion" },
    { 0, NULL }
};

/* This file's fields and subtrees, registered by the protocol's
 * registration function right after its own. */
void
esmtp_register_reply_fields(int proto)
{
    static hf_register_info hf[] = {
        { &hf_reply_code, { "Reply code", "esmtp.reply.code", FT_UINT16, BASE_DEC,
          VALS(reply_code_vals), 0, NULL, HFILL } },
        { &hf_line_code, { "Line code", "esmtp.reply.line_code", FT_UINT16, BASE_DEC, NULL, 0,
          "Reply code of a continuation line of a multi-line reply", HFILL } },
        { &hf_reply_class, { "Class", "esmtp.reply.class", FT_UINT8, BASE_DEC,
          VALS(reply_class_vals), 0, "First digit of the reply code", HFILL } },
        { &hf_reply_category, { "Category", "esmtp.reply.category", FT_UINT8, BASE_DEC,
          VALS(reply_category_vals), 0, "Second digit of the reply code", HFILL } },
        { &hf_reply_text, { "Text", "esmtp.reply.text", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_reply_lines, { "Reply lines", "esmtp.reply.lines", FT_UINT32, BASE_DEC, NULL, 0,
          "Lines in this multi-line reply", HFILL } },
        { &hf_status, { "Enhanced status code", "esmtp.reply.status", FT_STRING, BASE_NONE, NULL, 0,
          "RFC 3463 class.subject.detail", HFILL } },
        { &hf_status_class, { "Status class", "esmtp.reply.status.class", FT_UINT8, BASE_DEC,
          VALS(status_class_vals), 0, NULL, HFILL } },
        { &hf_status_subject, { "Status subject", "esmtp.reply.status.subject", FT_UINT16, BASE_DEC,
          VALS(status_subject_vals), 0, NULL, HFILL } },
        { &hf_status_detail, { "Status detail", "esmtp.reply.status.detail", FT_UINT32,
          BASE_DEC | BASE_EXT_STRING, &status_detail_vals_ext, 0,
          "subject*1000 + detail, with its RFC 3463/5248 meaning", HFILL } },
        { &hf_ehlo_capability, { "Capability", "esmtp.ehlo.capability", FT_STRING, BASE_NONE, NULL, 0,
          "Service extension advertised in the EHLO reply", HFILL } },
        { &hf_ehlo_keyword, { "Keyword", "esmtp.ehlo.keyword", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ehlo_auth_mech, { "AUTH mechanism offered", "esmtp.ehlo.auth", FT_STRING, BASE_NONE,
          NULL, 0, NULL, HFILL } },
        { &hf_ehlo_size, { "Maximum message size", "esmtp.ehlo.size", FT_UINT64, BASE_DEC, NULL, 0,
          "SIZE extension limit in octets (0: none)", HFILL } },
    };
    static int *ett[] = { &ett_reply_line, &ett_status, &ett_capability };
    proto_register_field_array(proto, hf, G_N_ELEMENTS(hf));
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
}
