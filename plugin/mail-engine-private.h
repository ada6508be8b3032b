/* mail-engine-private.h — what the engine's own files share.
 *
 * Not for packet-esmtp.c or packet-pop3.c: their interface is mail-engine.h.
 * The engine's files (README.md, "Architecture", has the path of a segment
 * through them):
 *
 *   mail-dissect.c   entry points: heuristic, first pass, replay of records
 *   mail-lines.c     lines and tokens in a tvb, command lookup, text fields
 *   mail-framing.c   PDU framing: lines, multi-line groups, message content,
 *                    listings, BDAT chunks, reassembly of message bodies
 *   mail-session.c   sessions, pending requests, phases, notes, what the
 *                    next PDU is expected to be, STARTTLS/STLS hand-over
 *   mail-sasl.c      SASL decoding, credentials (notes, fields, tap)
 *   mail-render.c    protocol tree, Info column, links, tap records,
 *                    statistics
 *   mail-imf.c       the message as IMF, its headers for the views
 *   mail-register.c  fields, expert infos, preferences, ports, handoff
 *
 * Each declaration below is grouped by the file that defines it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_MAIL_ENGINE_PRIVATE_H
#define MAILSCOPE_MAIL_ENGINE_PRIVATE_H

#include "mail-engine.h"
#include "mail-views.h"
#include <string.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/to_str.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/dissectors/packet-tcp.h>

/* ======================================================================
 * Shared keys, limits, types
 * ====================================================================== */

/* Where a direction's content scanner stands (ms_direction_t.scan), looking
 * for the "<CRLF>.<CRLF>" that ends message content. */
enum {
    MS_SCAN_TEXT = 0,          /* inside a line */
    MS_SCAN_LINE_START = 1,    /* at a line start after CRLF */
    MS_SCAN_DOT = 2,           /* saw "." at a line start */
    MS_SCAN_DOT_CR = 3,        /* saw ".\r" at a line start */
    MS_SCAN_AFTER_BARE = 4,    /* at a line start after a bare LF or CR (where
                                * a "." would end data on lenient servers) */
};

/* ms_direction_t.body_flags: the notes already raised for the open body
 * (once each), and how the previous segment ended. */
#define MS_BODY_NOTED_SMUGGLING  0x0001
#define MS_BODY_NOTED_BARE_CR    0x0002
#define MS_BODY_NOTED_BARE_LF    0x0004
#define MS_BODY_NOTED_LONG_LINE  0x0008
#define MS_BODY_ENDED_IN_CR      0x8000   /* the last segment ended in a CR */

/* ---- mail-session.c ---------------------------------------------------- */

extern dissector_handle_t tls_handle;
void pending_push(ms_pending_queue_t *q, ms_unit_t *u, packet_info *pinfo);
bool pending_pop(ms_pending_queue_t *q, ms_pending_t *out, bool *overflowed);
void message_tail_moves(ms_direction_t *d, ms_unit_t *u);
void drop_message(ms_ctx_t *c, ms_direction_t *d);
bool tls_expected_next(ms_ctx_t *c, int offset, int avail);
void hand_over_to_tls(ms_ctx_t *c, int offset, proto_tree *tree);
ms_session_t *session_find(const ms_proto_t *p, packet_info *pinfo);
void session_cache_clear(void);

/* The name of a phase or protocol state, "?" for a number that is none. */
static inline const char *
ms_phase_name(const ms_proto_t *p, guint8 phase)
{
    return phase < p->n_phases ? p->phase_names[phase] : "?";
}

static inline const char *
ms_state_name(const ms_proto_t *p, guint8 state)
{
    return state < p->n_states ? p->state_names[state] : "?";
}
void frame_units_forget(void);
ms_session_t *session_create(const ms_proto_t *p, packet_info *pinfo, bool server_is_source);
bool from_server(const ms_session_t *s, const packet_info *pinfo);

/* ---- mail-sasl.c ------------------------------------------------------- */

bool sasl_client_data_secret(const ms_ctx_t *c);
bool unit_is_protected(const ms_ctx_t *c);
void sasl_client_message(ms_ctx_t *c, int offset, int len);
void note_user_frame(ms_ctx_t *c, const char *user_before);
extern int credentials_tap;
void tap_credential(ms_ctx_t *c);

/* ---- mail-framing.c ---------------------------------------------------- */

extern reassembly_table ms_reassembly;
ms_unit_t *new_unit(ms_ctx_t *c, ms_unit_kind_t kind);
void note_line_end(ms_ctx_t *c, ms_eol_t eol);
void note_nul_octets(ms_ctx_t *c, int offset, int len, bool from_srv);
void add_message_fragment(ms_ctx_t *c, ms_direction_t *d, tvbuff_t *data, bool ends);
ms_unit_t *frame_content(ms_ctx_t *c, ms_direction_t *d, int offset, int avail);
ms_unit_t *frame_chunk(ms_ctx_t *c, ms_direction_t *d, int offset, int avail);
ms_unit_t *frame_listing(ms_ctx_t *c, ms_direction_t *d, int offset, int avail, bool *need_more);
ms_unit_t *frame_lines(ms_ctx_t *c, ms_direction_t *d, int offset, int avail, bool from_srv,
                       bool *need_more);

/* ---- mail-imf.c -------------------------------------------------------- */

extern dissector_handle_t imf_handle;
void render_message(ms_ctx_t *c);
extern int imf_tap_id, expert_tap_id, hf_frame_protocols, proto_ws_col;
extern header_field_info **all_protocols;
void collect_protocols(void);
bool protocol_in_frame_layers(const packet_info *pinfo, int proto_id);

/* ---- mail-render.c ----------------------------------------------------- */

void stats_tree_init_for(stats_tree *st, const ms_proto_t *p);
tap_packet_status
stats_tree_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                  tap_flags_t flags _U_);
void add_expert_text(ms_ctx_t *c, proto_item *item, int ei, const char *text);
void render_unit(ms_ctx_t *c);

/* ---- mail-register.c --------------------------------------------------- */

extern ms_proto_t *ms_protos[2];

#endif /* MAILSCOPE_MAIL_ENGINE_PRIVATE_H */
