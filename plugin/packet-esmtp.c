/* packet-esmtp.c — SMTP knowledge for mailscope's "esmtp" dissector.
 *
 * RFC 5321 (SMTP), RFC 1869/5321 (ESMTP parameters), RFC 2920 (PIPELINING),
 * RFC 3030 (CHUNKING/BDAT), RFC 3207 (STARTTLS), RFC 4954 (AUTH),
 * RFC 3461 (DSN), RFC 6531 (SMTPUTF8), RFC 3463/5248 (enhanced status codes).
 *
 * Framing, matching, phases, TLS, SASL and reassembly live in the engine
 * (mail-*.c, interface mail-engine.h); this file knows SMTP's words, replies and rules.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine.h"

#include <string.h>
#include <stdlib.h>

static int proto_esmtp = -1;

/* ---- Phases ------------------------------------------------------------- */

enum {
    PH_UNKNOWN = 0, PH_CONNECTION, PH_HANDSHAKE, PH_TLS, PH_AUTH, PH_MAIL, PH_DATA, PH_QUIT
};

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

/* ---- Commands ----------------------------------------------------------- */

enum {
    CMD_UNKNOWN = 0, CMD_HELO, CMD_EHLO, CMD_LHLO, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_BDAT,
    CMD_RSET, CMD_VRFY, CMD_EXPN, CMD_HELP, CMD_NOOP, CMD_QUIT, CMD_STARTTLS, CMD_AUTH,
    CMD_ETRN, CMD_ATRN, CMD_TURN, CMD_SEND, CMD_SOML, CMD_SAML, CMD_XCLIENT, CMD_XFORWARD,
    CMD_END_OF_DATA   /* pseudo-command: the "." that ends DATA content */
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

/* ---- Fields ------------------------------------------------------------- */

static int hf_helo_domain = -1;
static int hf_mail_from = -1;
static int hf_rcpt_to = -1;
static int hf_param = -1;
static int hf_param_name = -1;
static int hf_param_value = -1;
static int hf_bdat_size = -1;
static int hf_bdat_last = -1;
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

static int ett_params = -1;
static int ett_reply_line = -1;
static int ett_status = -1;
static int ett_capability = -1;

enum {
    EI_REPLY_INVALID = MS_EI_PROTO_FIRST,
    EI_REPLY_MISMATCH,
    EI_REPLY_GROUP_PARTIAL,
    EI_BDAT_INVALID,
    EI_BDAT_REFUSED,
};

/* ---- Session state (first pass) ----------------------------------------- */

/* The mail transaction as the client sees it: MAIL opens it; the end of its
 * message data (the "." line, the last octet of BDAT ... LAST, BDAT 0 LAST)
 * ends it on the client side, before the reply arrives, so that a MAIL
 * pipelined right after it (RFC 2920) starts the next one; RSET and an
 * accepted HELO/EHLO abort it (RFC 5321 4.1.1.5, 4.1.4).  A refused MAIL
 * opens nothing, and a refused MAIL sent while one was open (503 "nested
 * MAIL") leaves that one open. */
typedef struct {
    guint8 helo_seen;      /* HELO/EHLO accepted */
    guint8 mail_open;      /* a mail transaction is open */
    guint8 bdat_open;      /* its message is being sent in BDAT chunks */
    guint32 rcpt_sent;     /* RCPT commands in this transaction */
    guint32 rcpt_ok;       /* RCPT commands accepted */
} esmtp_state_t;

/* ms_unit_t.aux of a MAIL request: sent while a transaction was open, and
 * the RCPT count at that moment (a nested MAIL the server accepts starts a
 * new transaction with only the RCPTs sent after it). */
#define MAIL_NESTED     0x8000
#define MAIL_RCPT_MASK  0x7fff
/* ms_unit_t.aux of a BDAT request: not "BDAT chunk-size [LAST]". */
#define BDAT_MALFORMED  1

static void
esmtp_init_session(ms_session_t *s)
{
    s->proto_data = wmem_new0(wmem_file_scope(), esmtp_state_t);
}

static void
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

/* ---- Reply syntax ------------------------------------------------------- */

/* Reply code of a line: "NNN" followed by SP, "-" or the line end. */
static int
reply_code(tvbuff_t *tvb, int offset, int len, guint8 *sep)
{
    if (len < 3)
        return -1;
    guint8 d0 = tvb_get_uint8(tvb, offset), d1 = tvb_get_uint8(tvb, offset + 1),
           d2 = tvb_get_uint8(tvb, offset + 2);
    if (d0 < '2' || d0 > '5' || d1 < '0' || d1 > '5' || !g_ascii_isdigit(d2))
        return -1;
    *sep = len > 3 ? tvb_get_uint8(tvb, offset + 3) : ' ';
    if (*sep != ' ' && *sep != '-')
        return -1;
    return (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
}

/* RFC 5321 3.1: the server opens with 220, or 554 (no service); 421 when
 * it is shutting down. */
static bool
esmtp_is_greeting(tvbuff_t *tvb, int offset, int len)
{
    guint8 sep;
    int code = reply_code(tvb, offset, len, &sep);
    return code == 220 || code == 554 || code == 421;
}

static bool
esmtp_reply_continues(tvbuff_t *tvb, int offset, int len)
{
    guint8 sep;
    return reply_code(tvb, offset, len, &sep) >= 0 && sep == '-';
}

/* Enhanced status code "c.sss.ddd" at offset; returns its length or 0. */
static int
status_code(tvbuff_t *tvb, int offset, int len, guint *cls, guint *subj, guint *det)
{
    guint v[3] = { 0, 0, 0 };
    int i = 0, part = 0, digits = 0;
    for (; i < len && i < 12; i++) {
        guint8 ch = tvb_get_uint8(tvb, offset + i);
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
    if (i < len && tvb_get_uint8(tvb, offset + i) != ' ')
        return 0;
    *cls = v[0];
    *subj = v[1];
    *det = v[2];
    return i;
}

/* ---- Heuristic ---------------------------------------------------------- */

static bool
text_contains(tvbuff_t *tvb, int offset, int len, const char *needle)
{
    size_t nl = strlen(needle);
    for (int i = 0; i + (int)nl <= len; i++)
        if (g_ascii_toupper(tvb_get_uint8(tvb, offset + i)) == needle[0] &&
            tvb_strncaseeql(tvb, offset + i, needle, nl) == 0)
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
            c->u->kind = MS_UNIT_CONTENT;
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

static void
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

static const char *
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
            if (ll > 4) {
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

    const char *first = ms_line_string(c, c->offset, c->line_len);
    if (lines > 1)
        return wmem_strdup_printf(c->pinfo->pool, "%s (+%d lines)", first, lines - 1);
    return first;
}

/* ---- Tap records (session views) ---------------------------------------- */

/* RFC 5321 4.2.1: what the first digit of a reply says. */
static const value_string reply_class_words[] = {
    { 2, "2xx positive completion" },
    { 3, "3xx positive intermediate" },
    { 4, "4xx transient negative completion" },
    { 5, "5xx permanent negative completion" },
    { 0, NULL }
};

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
    static int *ett[] = { &ett_params, &ett_reply_line, &ett_status, &ett_capability };
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
    module_t *module = prefs_register_protocol(proto_esmtp, proto_reg_handoff_esmtp);
    ms_register_common(&esmtp, proto_esmtp, module, dissect_esmtp, ei, G_N_ELEMENTS(ei));
}

void
proto_reg_handoff_esmtp(void)
{
    ms_handoff_common(&esmtp, dissect_esmtp_heur, "esmtp_tcp", "esmtp_tls");
}
