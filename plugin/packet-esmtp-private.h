/* packet-esmtp-private.h — what the two SMTP files share: the command ids,
 * phases, session state and expert-info indexes of SMTP (packet-esmtp.c:
 * commands, heuristics, registration; packet-esmtp-reply.c: replies).
 *
 * Not for the engine: SMTP's interface to it is its ms_proto_t.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_PACKET_ESMTP_PRIVATE_H
#define MAILSCOPE_PACKET_ESMTP_PRIVATE_H

#include "mail-engine.h"
#include <string.h>
#include <stdlib.h>

/* ======================================================================
 * Shared keys, limits, types
 * ====================================================================== */

/* ---- Phases ------------------------------------------------------------- */

enum {
    PH_UNKNOWN = 0, PH_CONNECTION, PH_HANDSHAKE, PH_TLS, PH_AUTH, PH_MAIL, PH_DATA, PH_QUIT
};

/* ---- Commands ----------------------------------------------------------- */

enum {
    CMD_UNKNOWN = 0, CMD_HELO, CMD_EHLO, CMD_LHLO, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_BDAT,
    CMD_RSET, CMD_VRFY, CMD_EXPN, CMD_HELP, CMD_NOOP, CMD_QUIT, CMD_STARTTLS, CMD_AUTH,
    CMD_ETRN, CMD_ATRN, CMD_TURN, CMD_SEND, CMD_SOML, CMD_SAML, CMD_XCLIENT, CMD_XFORWARD,
    CMD_END_OF_DATA   /* pseudo-command: the "." that ends DATA content */
};

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

/* ---- packet-esmtp.c ---------------------------------------------------- */

void reset_transaction(esmtp_state_t *st);

/* ---- packet-esmtp-reply.c ---------------------------------------------- */

int reply_code(tvbuff_t *tvb, int offset, int len, guint8 *sep);
bool esmtp_is_greeting(tvbuff_t *tvb, int offset, int len);
bool esmtp_reply_continues(tvbuff_t *tvb, int offset, int len);
int status_code(tvbuff_t *tvb, int offset, int len, guint *cls, guint *subj, guint *det);
void esmtp_analyze_reply(ms_ctx_t *c, ms_unit_t *request);
const char *esmtp_render_reply(ms_ctx_t *c);
extern const value_string reply_class_words[];
void esmtp_register_reply_fields(int proto);

#endif /* MAILSCOPE_PACKET_ESMTP_PRIVATE_H */
