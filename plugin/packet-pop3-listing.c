/* packet-pop3-listing.c — POP3 listings and message sizes.
 *
 * RFC 1939 (LIST, UIDL), RFC 2449 (CAPA), RFC 5034 (AUTH without argument).
 *
 * Owns: the lines of a multi-line listing (LIST, UIDL, CAPA, the SASL
 * mechanisms), their fields, the sizes LIST gives (bounded: POP3_MAX_SIZES)
 * and the check of a retrieved message's size against them, and the answer
 * to LIST/UIDL with an argument.
 *
 * Must not touch: framing of the listing (the engine finds its lines and
 * its "." end) or other replies (packet-pop3.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet-pop3-private.h"

static int hf_list_msgnum = -1;

static int hf_list_size = -1;

static int hf_uidl_uid = -1;

static int hf_capa = -1;

static int hf_capa_keyword = -1;

static int hf_capa_sasl = -1;

/* ======================================================================
 * Message sizes (LIST)
 * ====================================================================== */

void
remember_size(pop3_state_t *st, guint32 msg, guint32 size)
{
    for (guint i = 0; i < st->n_sizes; i++)
        if (st->sizes[i][0] == msg) {
            st->sizes[i][1] = size;
            return;
        }
    if (st->n_sizes < POP3_MAX_SIZES) {
        st->sizes[st->n_sizes][0] = msg;
        st->sizes[st->n_sizes][1] = size;
        st->n_sizes++;
    }
}

static bool
known_size(const pop3_state_t *st, guint32 msg, guint32 *size)
{
    for (guint i = 0; i < st->n_sizes; i++)
        if (st->sizes[i][0] == msg) {
            *size = st->sizes[i][1];
            return true;
        }
    return false;
}

/* ======================================================================
 * Listing lines
 * ====================================================================== */

/* ---- First pass: responses ---------------------------------------------- */

void
pop3_analyze_listing_line(ms_ctx_t *c, int off, int len)
{
    ms_session_t *s = c->s;
    pop3_state_t *st = (pop3_state_t *)s->proto_data;
    switch (c->u->aux) {
    case LST_CAPA:
        if (len == 4 && tvb_strncaseeql(c->tvb, off, "STLS", 4) == 0)
            s->tls_offered = 1;
        break;
    case LST_LIST: {
        guint32 n, size;
        int used, used2;
        if (number_at(c->tvb, off, len, &n, &used)) {
            int so = skip_spaces(c->tvb, off + used, off + len);
            if (number_at(c->tvb, so, off + len - so, &size, &used2))
                remember_size(st, n, size);
        }
        break;
    }
    default:
        break;
    }
}

/* ======================================================================
 * The end of a retrieved message
 * ====================================================================== */

void
pop3_content_ended(ms_ctx_t *c)
{
    ms_session_t *s = c->s;
    pop3_state_t *st = (pop3_state_t *)s->proto_data;
    ms_unit_t *u = c->u;
    guint32 expected;
    if (u->kind != MS_UNIT_CONTENT || !st->retr_msg)
        return;
    if (known_size(st, st->retr_msg, &expected) && expected != u->msg_len)
        ms_note(c, EI_SIZE_MISMATCH,
                "Message %u has %u octets, but LIST reported %u", st->retr_msg, u->msg_len,
                expected);
    st->retr_msg = 0;
}

void
pop3_render_listing_line(ms_ctx_t *c, proto_tree *tree, int off, int len)
{
    tvbuff_t *tvb = c->tvb;
    int end = off + len;
    guint32 n, v;
    int used, used2;
    switch (c->u->aux) {
    case LST_LIST:
    case LST_UIDL:
        if (number_at(tvb, off, len, &n, &used)) {
            proto_tree_add_uint(tree, hf_list_msgnum, tvb, off, used, n);
            int o = skip_spaces(tvb, off + used, end);
            if (c->u->aux == LST_LIST && number_at(tvb, o, end - o, &v, &used2))
                proto_tree_add_uint(tree, hf_list_size, tvb, o, used2, v);
            else if (c->u->aux == LST_UIDL && o < end)
                ms_add_string(c, tree, hf_uidl_uid, o, end - o);
        }
        break;
    case LST_CAPA:
    case LST_AUTH: {
        proto_item *ci = ms_add_string(c, tree, hf_capa, off, len);
        proto_tree *ct = proto_item_add_subtree(ci, ett_resp_code);
        int kl = ms_token_len(tvb, off, len);
        ms_add_string(c, ct, hf_capa_keyword, off, kl);
        bool sasl = c->u->aux == LST_AUTH || ms_token_is(tvb, off, len, "SASL");
        int pos = c->u->aux == LST_AUTH ? off : skip_spaces(tvb, off + kl, end);
        while (sasl && pos < end) {
            int al = ms_token_len(tvb, pos, end - pos);
            if (al > 0)
                ms_add_string(c, ct, hf_capa_sasl, pos, al);
            pos = skip_spaces(tvb, pos + al, end);
        }
        break;
    }
    default:
        break;
    }
}

/* This file's fields and subtrees, registered by the protocol's
 * registration function right after its own. */
void
pop3_register_listing_fields(int proto)
{
    static hf_register_info hf[] = {
        { &hf_list_msgnum, { "Message number", "pop3.listing.msgnum", FT_UINT32, BASE_DEC, NULL, 0,
          NULL, HFILL } },
        { &hf_list_size, { "Message size", "pop3.listing.size", FT_UINT32, BASE_DEC, NULL, 0,
          "Octets (LIST)", HFILL } },
        { &hf_uidl_uid, { "Unique id", "pop3.listing.uid", FT_STRING, BASE_NONE, NULL, 0,
          "UIDL unique id", HFILL } },
        { &hf_capa, { "Capability", "pop3.capa", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_capa_keyword, { "Keyword", "pop3.capa.keyword", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_capa_sasl, { "SASL mechanism offered", "pop3.capa.sasl", FT_STRING, BASE_NONE, NULL, 0,
          NULL, HFILL } },
    };
    proto_register_field_array(proto, hf, G_N_ELEMENTS(hf));
}
