/* mail-imf.c — the message as Internet Message Format, on demand.
 *
 * Owns: handing a reassembled message body to the IMF dissector (only when
 * a tree, a tap or a filter wants it), the "Message" view links between the
 * message's frames, Export Objects > IMF, and the few header fields the
 * session views show (Subject, From, Message-ID), parsed once per message.
 *
 * Must not touch: framing or reassembly (mail-framing.c builds the body).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

dissector_handle_t imf_handle;

/* Hands a completed message to IMF (Export Objects -> IMF works from it). */
static bool message_view_read(ms_ctx_t *c);

/* A message that came in several pieces: what process_reassembled_data()
 * does for a reassembled sequence, without its check that the frame's
 * layer number is the one at reassembly: a message handed to IMF raises the
 * layer number, so a second message ending in the same frame would be found
 * on a later pass only if the first pass had called IMF too (it does not
 * when it has no tree, as in tshark -2), and would vanish. */
static tvbuff_t *
reassembled_message(ms_ctx_t *c)
{
    fragment_head *fh = fragment_get_reassembled_id(&ms_reassembly, c->pinfo, c->u->msg_id);
    if (!fh || fh->reassembled_in != c->pinfo->num || !fh->tvb_data)
        return NULL;
    tvbuff_t *msg = tvb_new_chain(c->tvb, fh->tvb_data);
    add_new_data_source(c->pinfo, msg, "Reassembled message");
    proto_item *frag_item = NULL;
    show_fragment_seq_tree(fh, &c->proto->frag_items, c->unit_tree, c->pinfo, msg, &frag_item);
    return msg;
}

void
render_message(ms_ctx_t *c)
{
    const ms_unit_t *u = c->u;
    if (!(u->flags & MS_UF_ENDS_BODY) || u->kind == MS_UNIT_LISTING)
        return;
    /* The message's exact size (dot-unstuffed, without the "." line; BDAT:
     * the chunks' octets), also when it is not reassembled. */
    proto_item_set_generated(proto_tree_add_uint(c->unit_tree, c->proto->hf.message_len, c->tvb,
                                                 c->offset, 0, u->msg_len));
    if (!u->msg_id)
        return;
    /* Without a tree, a session view or an IMF reader (tshark -q with a
     * statistic, the first pass of -2) nobody sees the message: no data
     * source, no fragment items, no tvb. */
    if (!c->tree && !have_tap_listener(c->proto->tap) && !(imf_handle && message_view_read(c)))
        return;
    tvbuff_t *msg = (u->flags & MS_UF_WHOLE_MESSAGE)
                        ? tvb_new_subset_length(c->tvb, c->offset, (gint)u->msg_len)
                        : reassembled_message(c);
    if (!msg)
        return;
    /* The whole message as one FT_BYTES value costs a copy of it in every
     * visible tree, where the "Reassembled message" data source shows the
     * same octets: added only when a filter or field asks for it. */
    if (proto_registrar_get_nth((guint)c->proto->hf.reassembled_data)->ref_type !=
        HF_REF_TYPE_NONE)
        proto_tree_add_item(c->unit_tree, c->proto->hf.reassembled_data, msg, 0, -1, ENC_NA);
    c->message = msg;
    if (!imf_handle || !message_view_read(c))
        return;
    /* IMF names itself in the columns; keep ours, the session view. */
    col_set_writable(c->pinfo->cinfo, COL_PROTOCOL, FALSE);
    col_set_writable(c->pinfo->cinfo, COL_INFO, FALSE);
    call_dissector(imf_handle, msg, c->pinfo, proto_tree_get_root(c->tree));
    col_set_writable(c->pinfo->cinfo, COL_PROTOCOL, TRUE);
    col_set_writable(c->pinfo->cinfo, COL_INFO, TRUE);
}

int imf_tap_id = -1, expert_tap_id = -1, hf_frame_protocols = -1, proto_ws_col = -1;

header_field_info **all_protocols;   /* every registered protocol */

static guint n_all_protocols;

void
collect_protocols(void)
{
    void *cookie = NULL;
    GPtrArray *a = g_ptr_array_new();
    for (int id = proto_get_first_protocol(&cookie); id != -1; id = proto_get_next_protocol(&cookie))
        g_ptr_array_add(a, proto_registrar_get_nth((guint)id));
    n_all_protocols = a->len;
    all_protocols = (header_field_info **)wmem_memdup(wmem_epan_scope(), a->pdata,
                                                      a->len * sizeof(header_field_info *));
    g_ptr_array_free(a, TRUE);
    imf_tap_id = find_tap_id("imf_eo");   /* Export Objects: <protocol>_eo */
    expert_tap_id = find_tap_id("expert");
    hf_frame_protocols = proto_registrar_get_id_byname("frame.protocols");
    proto_ws_col = proto_get_id_by_filter_name("_ws.col");
}

static bool
is_mailscope_protocol(int proto_id)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ms_protos); i++)
        if (ms_protos[i] && ms_protos[i]->proto_id == proto_id)
            return true;
    return false;
}

bool
protocol_in_frame_layers(const packet_info *pinfo, int proto_id)
{
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f))
        if (GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_id)
            return true;
    return false;
}

static bool
message_view_read(ms_ctx_t *c)
{
    if (!c->proto->pref_imf_on_demand)
        return true;
    if (!all_protocols)
        collect_protocols();
    if (have_tap_listener(imf_tap_id) || have_tap_listener(expert_tap_id))
        return true;
    if (!c->tree)
        return false;   /* e.g. the first pass of -2: no tree, nothing to read */
    if (union_of_tap_listener_flags() & TL_REQUIRES_PROTO_TREE)
        return true;
    const tree_data_t *td = PTREE_DATA(c->tree);
    if (td->visible)
        return true;
    if (hf_frame_protocols >= 0 &&
        proto_registrar_get_nth((guint)hf_frame_protocols)->ref_type != HF_REF_TYPE_NONE)
        return true;   /* the protocol list names IMF */
    for (guint i = 0; i < n_all_protocols; i++) {
        const header_field_info *h = all_protocols[i];
        if (h->ref_type != HF_REF_TYPE_NONE && h->id != proto_ws_col &&
            !is_mailscope_protocol(h->id) && !protocol_in_frame_layers(c->pinfo, h->id))
            return true;
    }
    return false;
}

/* ======================================================================
 * Header fields for the views
 * ====================================================================== */

/* ---- Message header fields -------------------------------------------------
 * From, Subject and Message-ID of a finished message, for the session views
 * (and the Info column).  A bounded scan of the header section: at most
 * MS_HEADER_SCAN_MAX octets, each value cut at MS_HEADER_VALUE_MAX. */

static wmem_map_t *headers_by_msg;   /* msg_id -> ms_msg_headers_t (file scope) */

static const char *const header_names[] = { "From", "Subject", "Message-ID" };

/* The value of a field whose name ends at colon: unfolded (RFC 5322 2.2.3:
 * a line end followed by white space is removed), leading white space
 * skipped, cut at MS_HEADER_VALUE_MAX octets.  *end is where the field
 * ends (the start of the next line that does not continue it). */
static const char *
header_value(const guint8 *p, int colon, int limit, int *end)
{
    GString *v = g_string_sized_new(64);
    int i = colon + 1;
    while (i < limit && (p[i] == ' ' || p[i] == '\t'))
        i++;
    for (;;) {
        const guint8 *lf = memchr(p + i, '\n', (size_t)(limit - i));
        int line_end = lf ? (int)(lf - p) : limit;
        int text_end = line_end > i && p[line_end - 1] == '\r' ? line_end - 1 : line_end;
        if (v->len < MS_HEADER_VALUE_MAX)
            g_string_append_len(v, (const char *)p + i,
                                MIN(text_end - i, MS_HEADER_VALUE_MAX - (int)v->len));
        i = line_end + 1;
        if (!lf || i >= limit || (p[i] != ' ' && p[i] != '\t'))
            break;
    }
    *end = MIN(i, limit);
    char *valid = g_utf8_make_valid(v->str, (gssize)v->len);
    const char *kept = wmem_strdup(wmem_file_scope(), valid);
    g_free(valid);
    g_string_free(v, TRUE);
    return kept;
}

static ms_msg_headers_t *
scan_headers(tvbuff_t *msg)
{
    ms_msg_headers_t *h = wmem_new0(wmem_file_scope(), ms_msg_headers_t);
    const char **slot[] = { &h->from, &h->subject, &h->message_id };
    int limit = MIN((int)tvb_captured_length(msg), MS_HEADER_SCAN_MAX);
    const guint8 *p = tvb_get_ptr(msg, 0, limit);
    int i = 0;
    while (i < limit) {
        if (p[i] == '\n' || (p[i] == '\r' && i + 1 < limit && p[i + 1] == '\n'))
            break;   /* the empty line: the body follows */
        const guint8 *lf = memchr(p + i, '\n', (size_t)(limit - i));
        int line_end = lf ? (int)(lf - p) : limit;
        const guint8 *colon = memchr(p + i, ':', (size_t)(line_end - i));
        int next = line_end + 1;
        for (size_t k = 0; colon && k < G_N_ELEMENTS(header_names); k++) {
            size_t nl = strlen(header_names[k]);
            if ((size_t)(colon - (p + i)) == nl && !*slot[k] &&
                g_ascii_strncasecmp((const char *)p + i, header_names[k], nl) == 0) {
                *slot[k] = header_value(p, (int)(colon - p), limit, &next);
                break;
            }
        }
        i = next;
    }
    return h;
}

const ms_msg_headers_t *
ms_message_headers(guint32 msg_id, tvbuff_t *msg)
{
    if (!headers_by_msg)
        headers_by_msg = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
                                                g_direct_hash, g_direct_equal);
    ms_msg_headers_t *h = (ms_msg_headers_t *)wmem_map_lookup(headers_by_msg,
                                                              GUINT_TO_POINTER(msg_id));
    if (!h && msg) {
        h = scan_headers(msg);
        wmem_map_insert(headers_by_msg, GUINT_TO_POINTER(msg_id), h);
    }
    return h;
}
