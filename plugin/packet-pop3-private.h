/* packet-pop3-private.h — what the two POP3 files share: phases, RFC 1939
 * states, command ids, listing kinds and the session state of POP3
 * (packet-pop3.c: commands, replies, heuristics, registration;
 * packet-pop3-listing.c: multi-line listings and message sizes).
 *
 * Not for the engine: POP3's interface to it is its ms_proto_t.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_PACKET_POP3_PRIVATE_H
#define MAILSCOPE_PACKET_POP3_PRIVATE_H

#include "mail-engine.h"
#include <string.h>

/* ======================================================================
 * Shared keys, limits, types
 * ====================================================================== */

/* Listing kinds (which multi-line response is being read). */
enum { LST_NONE = 0, LST_CAPA, LST_LIST, LST_UIDL, LST_AUTH };

enum {
    EI_STATUS_INVALID = MS_EI_PROTO_FIRST,
    EI_SIZE_MISMATCH,
};

/* ---- Session state (first pass) ----------------------------------------- */

/* Sizes LIST reported, for comparing with what RETR delivers.  Bounded:
 * beyond this many messages the comparison is skipped. */
#define POP3_MAX_SIZES 32

typedef struct {
    guint8 user_sent;           /* USER was the previous command */
    guint8 n_sizes;
    guint32 retr_msg;           /* message number of the RETR being read */
    guint32 sizes[POP3_MAX_SIZES][2];
} pop3_state_t;

/* ---- packet-pop3.c ----------------------------------------------------- */

extern int ett_resp_code;
bool number_at(tvbuff_t *tvb, int offset, int len, guint32 *value, int *used);
int skip_spaces(tvbuff_t *tvb, int off, int end);

/* ---- packet-pop3-listing.c --------------------------------------------- */

void remember_size(pop3_state_t *st, guint32 msg, guint32 size);
void pop3_analyze_listing_line(ms_ctx_t *c, int off, int len);
void pop3_content_ended(ms_ctx_t *c);
void pop3_render_listing_line(ms_ctx_t *c, proto_tree *tree, int off, int len);
void pop3_register_listing_fields(int proto);

#endif /* MAILSCOPE_PACKET_POP3_PRIVATE_H */
