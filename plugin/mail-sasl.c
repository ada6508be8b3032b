/* mail-sasl.c — SASL and credentials.
 *
 * Owns: decoding of the SASL mechanisms mailscope understands (PLAIN,
 * LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER) from AUTH lines and continuation
 * lines, strict base64, the exchange's outcome, the cleartext-credential
 * notes, what of a client SASL message is secret (masking), and the
 * credentials as fields and tap records (Tools > Credentials).
 *
 * Must not touch: the command and reply syntax of SMTP or POP3 (the protocol
 * files call ms_sasl_start / ms_sasl_challenge / ms_auth_result).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

/* ======================================================================
 * Rendering and the credentials tap (every pass)
 * ====================================================================== */

/* Does this client SASL message (a continuation line or an AUTH initial
 * response) carry something secret?  Everything the client sends in an
 * exchange does -- passwords, tokens, proofs of mechanisms mailscope does
 * not decode -- except what is known not to: LOGIN's user-name line, a
 * CRAM-MD5 response (user name and keyed digest, like APOP's), an empty
 * line and the "*" that cancels. */
bool
sasl_client_data_secret(const ms_ctx_t *c)
{
    const ms_unit_t *u = c->u;
    const char *mech = MS_SASL(u, mech);
    if (u->kind != MS_UNIT_SASL && u->kind != MS_UNIT_REQUEST)
        return false;           /* server challenges are no secrets */
    if (u->kind == MS_UNIT_SASL && (c->line_len == 0 ||
        (c->line_len == 1 && tvb_get_uint8(c->tvb, c->offset) == '*')))
        return false;
    if (mech && strcmp(mech, "CRAM-MD5") == 0)
        return false;
    if (mech && strcmp(mech, "LOGIN") == 0 && MS_SASL(u, user) && !MS_SASL(u, secret))
        return false;
    return true;
}

/* ======================================================================
 * Credentials
 * ====================================================================== */

bool
unit_is_protected(const ms_ctx_t *c)
{
    return !c->from_tcp;
}

void
ms_credentials_exposed(ms_ctx_t *c, const char *mech, const char *user,
                       bool challenge_response)
{
    if (!c->first_pass)
        return;
    /* Every credential goes to the credentials tap, inside TLS too (a user
     * who decrypts the session sees it); only the warnings need cleartext. */
    ms_sasl_info_t *si = ms_unit_sasl(c->u);
    si->cred_kind = mech;
    si->cred_challenge = challenge_response;
    if (unit_is_protected(c))
        return;
    const char *who = user ? user : "(unknown user)";
    if (challenge_response) {
        ms_note(c, MS_EI_AUTH_CHALLENGE_CLEARTEXT,
                "%s challenge-response without TLS: user \"%s\" is exposed and the "
                "exchange allows offline password guessing", mech, who);
        return;
    }
    if (c->s->tls_offered)
        ms_note(c, MS_EI_AUTH_CLEARTEXT,
                "Cleartext credentials: %s for user \"%s\" sent without TLS although "
                "the server offered %s", mech, who, c->proto->tls_command);
    else
        ms_note(c, MS_EI_AUTH_CLEARTEXT,
                "Cleartext credentials: %s for user \"%s\" sent without TLS", mech, who);
}

/* ======================================================================
 * SASL decoding (first pass)
 * ====================================================================== */

static const struct {
    const char *name;
    ms_sasl_mech_t mech;
} sasl_mechs[] = {
    { "PLAIN", MS_SASL_PLAIN },
    { "LOGIN", MS_SASL_LOGIN },
    { "CRAM-MD5", MS_SASL_CRAM_MD5 },
    { "XOAUTH2", MS_SASL_XOAUTH2 },
    { "OAUTHBEARER", MS_SASL_OAUTHBEARER },
};

/* Strict base64 check: g_base64_decode() silently skips bad characters,
 * but a malformed AUTH line deserves an expert info. */
static bool
base64_valid(const guint8 *p, int len)
{
    if (len % 4 != 0)
        return false;
    int pad = 0;
    for (int i = 0; i < len; i++) {
        guint8 ch = p[i];
        if (ch == '=') {
            if (i < len - 2)
                return false;
            pad++;
            continue;
        }
        if (pad)
            return false;
        if (!g_ascii_isalnum(ch) && ch != '+' && ch != '/')
            return false;
    }
    return true;
}

/* Decodes base64 at offset into a NUL-terminated file-scope buffer.
 * Returns NULL (and notes it) when the text is not valid base64. */
static guint8 *
sasl_decode(ms_ctx_t *c, int offset, int len, gsize *out_len)
{
    const guint8 *raw = tvb_get_ptr(c->tvb, offset, len);
    if (!base64_valid(raw, len)) {
        ms_note(c, MS_EI_AUTH_BAD_BASE64, NULL);
        return NULL;
    }
    guint8 *buf = (guint8 *)wmem_alloc(c->pinfo->pool, (gsize)len + 1);
    memcpy(buf, raw, len);
    buf[len] = '\0';
    g_base64_decode_inplace((gchar *)buf, out_len);
    buf[*out_len] = '\0';
    return buf;
}

/* A decoded SASL string made safe for display and bounded in length. */
static const char *
cred_string(const guint8 *p, gsize len)
{
    if (len > MS_MAX_CRED_LEN)
        len = MS_MAX_CRED_LEN;
    return ms_format_text(wmem_file_scope(), p, len);
}

/* Splits the next field of a decoded SASL buffer at sep. */
static const guint8 *
sasl_field(const guint8 *p, const guint8 *end, guint8 sep, gsize *flen)
{
    const guint8 *q = memchr(p, sep, end - p);
    *flen = (gsize)((q ? q : end) - p);
    return q ? q + 1 : end;
}

/* Finds "key=value" between \x01 separators (XOAUTH2, OAUTHBEARER). */
static const char *
sasl_kv(const guint8 *p, const guint8 *end, const char *key)
{
    size_t kl = strlen(key);
    while (p < end) {
        gsize flen;
        const guint8 *next = sasl_field(p, end, 0x01, &flen);
        if (flen > kl && memcmp(p, key, kl) == 0)
            return cred_string(p + kl, flen - kl);
        p = next;
    }
    return NULL;
}

/* One parser per mechanism: a client message's decoded octets [d, end)
 * into the unit's SASL record, the session's user name and the
 * cleartext-credential notes. */
typedef void (*sasl_parser_t)(ms_ctx_t *c, ms_sasl_info_t *si, const guint8 *d,
                              const guint8 *end);

/* authzid NUL authcid NUL passwd (RFC 4616) */
static void
sasl_parse_plain(ms_ctx_t *c, ms_sasl_info_t *si, const guint8 *d, const guint8 *end)
{
    gsize l1, l2, l3;
    const guint8 *p = sasl_field(d, end, 0, &l1);
    const guint8 *authzid = d;
    const guint8 *authcid = p;
    p = sasl_field(p, end, 0, &l2);
    sasl_field(p, end, 0, &l3);
    if (l1)
        si->authzid = cred_string(authzid, l1);
    si->user = cred_string(authcid, l2);
    si->secret = cred_string(p, l3);
    c->s->user = si->user;
    ms_credentials_exposed(c, "AUTH PLAIN", si->user, false);
}

/* The user name, then the password, each a message of its own. */
static void
sasl_parse_login(ms_ctx_t *c, ms_sasl_info_t *si, const guint8 *d, const guint8 *end)
{
    ms_session_t *s = c->s;
    if (c->u->aux == 0) {
        si->user = cred_string(d, (gsize)(end - d));
        s->user = si->user;
    } else {
        si->user = s->user;
        si->secret = cred_string(d, (gsize)(end - d));
        ms_credentials_exposed(c, "AUTH LOGIN", s->user, false);
    }
}

/* user SP hex-digest (RFC 2195) */
static void
sasl_parse_cram_md5(ms_ctx_t *c, ms_sasl_info_t *si, const guint8 *d, const guint8 *end)
{
    gsize ul;
    const guint8 *digest = sasl_field(d, end, ' ', &ul);
    si->user = cred_string(d, ul);
    si->decoded = cred_string(digest, (gsize)(end - digest));
    c->s->user = si->user;
    ms_credentials_exposed(c, "AUTH CRAM-MD5", si->user, true);
}

static void
sasl_parse_xoauth2(ms_ctx_t *c, ms_sasl_info_t *si, const guint8 *d, const guint8 *end)
{
    si->user = sasl_kv(d, end, "user=");
    si->secret = sasl_kv(d, end, "auth=");
    c->s->user = si->user;
    ms_credentials_exposed(c, "AUTH XOAUTH2", si->user, false);
}

/* gs2-header "n,a=user," then \x01-separated key=value pairs (RFC 7628) */
static void
sasl_parse_oauthbearer(ms_ctx_t *c, ms_sasl_info_t *si, const guint8 *d, const guint8 *end)
{
    gsize hl;
    const guint8 *kv = sasl_field(d, end, 0x01, &hl);
    const guint8 *a = hl > 2 ? memchr(d, ',', hl) : NULL;
    if (a && a + 3 <= d + hl && a[1] == 'a' && a[2] == '=') {
        gsize al;
        sasl_field(a + 3, d + hl, ',', &al);
        si->user = cred_string(a + 3, al);
    }
    si->secret = sasl_kv(kv, end, "auth=");
    c->s->user = si->user;
    ms_credentials_exposed(c, "AUTH OAUTHBEARER", si->user, false);
}

/* Mechanisms mailscope does not decode: the octets as they are. */
static void
sasl_parse_other(ms_ctx_t *c _U_, ms_sasl_info_t *si, const guint8 *d, const guint8 *end)
{
    si->decoded = cred_string(d, (gsize)(end - d));
}

static const sasl_parser_t sasl_parsers[] = {
    [MS_SASL_NONE] = sasl_parse_other,
    [MS_SASL_PLAIN] = sasl_parse_plain,
    [MS_SASL_LOGIN] = sasl_parse_login,
    [MS_SASL_CRAM_MD5] = sasl_parse_cram_md5,
    [MS_SASL_XOAUTH2] = sasl_parse_xoauth2,
    [MS_SASL_OAUTHBEARER] = sasl_parse_oauthbearer,
    [MS_SASL_OTHER] = sasl_parse_other,
};

/* Interprets one client SASL message (initial response or continuation). */
void
sasl_client_message(ms_ctx_t *c, int offset, int len)
{
    ms_session_t *s = c->s;
    ms_unit_t *u = c->u;
    ms_sasl_info_t *si = ms_unit_sasl(u);
    si->mech = s->sasl_mech_name;
    u->aux = s->sasl_step;
    if (len == 1 && tvb_get_uint8(c->tvb, offset) == '*') {
        ms_note(c, MS_EI_AUTH_CANCELLED, "The client cancelled the %s exchange (\"*\")",
                s->sasl_mech_name ? s->sasl_mech_name : "AUTH");
        s->sasl_cancelled = 1;
        s->sasl_step++;
        return;
    }
    gsize dlen = 0;
    guint8 *d = len ? sasl_decode(c, offset, len, &dlen) : NULL;
    s->sasl_step++;
    if (!d)
        return;
    sasl_parser_t parse = s->sasl_mech < G_N_ELEMENTS(sasl_parsers) ? sasl_parsers[s->sasl_mech]
                                                                     : sasl_parse_other;
    parse(c, si, d, d + dlen);
}

void
ms_sasl_start(ms_ctx_t *c, int mech_off, int mech_len, int ir_off, int ir_len)
{
    if (!c->first_pass)
        return;
    ms_session_t *s = c->s;
    s->sasl_active = 1;
    s->sasl_cancelled = 0;
    s->sasl_step = 0;
    s->sasl_mech = MS_SASL_OTHER;
    s->sasl_mech_name = ms_get_string(wmem_file_scope(), c->tvb, mech_off, mech_len,
                                           ENC_ASCII | ENC_NA);
    for (size_t i = 0; i < G_N_ELEMENTS(sasl_mechs); i++) {
        if (g_ascii_strcasecmp(s->sasl_mech_name, sasl_mechs[i].name) == 0) {
            s->sasl_mech = (guint8)sasl_mechs[i].mech;
            s->sasl_mech_name = sasl_mechs[i].name;
        }
    }
    ms_unit_sasl(c->u)->mech = s->sasl_mech_name;
    /* "=" is an empty initial response (RFC 4954, RFC 5034). */
    if (ir_len == 1 && tvb_get_uint8(c->tvb, ir_off) == '=')
        s->sasl_step++;
    else if (ir_len > 0)
        sasl_client_message(c, ir_off, ir_len);
}

void
ms_sasl_challenge(ms_ctx_t *c, int off, int len)
{
    if (!c->first_pass)
        return;
    ms_session_t *s = c->s;
    ms_unit_sasl(c->u)->mech = s->sasl_mech_name;
    s->sasl_awaiting = 1;
    if (len <= 0)
        return;
    gsize dlen = 0;
    guint8 *d = sasl_decode(c, off, len, &dlen);
    if (d)
        ms_unit_sasl(c->u)->decoded = cred_string(d, dlen);
}

void
ms_auth_result(ms_ctx_t *c, bool success, const char *how)
{
    if (!c->first_pass)
        return;
    ms_session_t *s = c->s;
    s->sasl_active = 0;
    s->sasl_awaiting = 0;
    if (success) {
        s->authenticated = 1;
        return;
    }
    if (s->sasl_cancelled) {
        s->sasl_cancelled = 0;
        return;
    }
    ms_note(c, MS_EI_AUTH_FAILED, "Authentication failed (%s) for user \"%s\"",
            how, s->user ? s->user : "(unknown)");
}

/* After a client line's analysis (first pass): a user name this line
 * introduced (USER, APOP, AUTH LOGIN's first answer, a PLAIN response...)
 * is remembered with its frame, and a credential the line completed learns
 * where its user name travelled (the same frame, or the USER/LOGIN one). */
void
note_user_frame(ms_ctx_t *c, const char *user_before)
{
    ms_session_t *s = c->s;
    if (s->user != user_before)
        s->user_frame = c->pinfo->num;
    if (c->u->sasl && c->u->sasl->cred_kind)
        c->u->sasl->cred_user_frame = s->user ? s->user_frame : 0;
}

/* Tools > Credentials and tshark -z credentials: one row per credential,
 * on every pass that has the tap (the first pass of a one-pass run, the
 * second of -2, each GUI retap).  The tap shows user name, frames and the
 * Info text, never the secret; clicking the row selects the secret's field,
 * which the mask_secrets preference masks as everywhere else. */
int credentials_tap = -1;

static const char *
credential_info(ms_ctx_t *c, const ms_sasl_info_t *si)
{
    wmem_strbuf_t *info = wmem_strbuf_new(c->pinfo->pool, si->cred_kind);
    if (si->cred_user_frame && si->cred_user_frame != c->pinfo->num)
        wmem_strbuf_append_printf(info, ", username in packet %u", si->cred_user_frame);
    if (si->cred_challenge)
        wmem_strbuf_append(info, ", digest only");
    wmem_strbuf_append(info, c->u->flags & MS_UF_PROTECTED ? ", inside TLS" : ", cleartext");
    return wmem_strbuf_finalize(info);
}

void
tap_credential(ms_ctx_t *c)
{
    const ms_proto_t *p = c->proto;
    const ms_sasl_info_t *si = c->u->sasl;
    if (!si || !si->cred_kind || !have_tap_listener(credentials_tap))
        return;
    ms_tap_credential_t *t = wmem_new0(c->pinfo->pool, ms_tap_credential_t);
    t->num = c->pinfo->num;
    t->username_num = si->cred_user_frame;
    t->password_hf_id = (unsigned)(si->secret ? p->hf.auth_secret
                                   : si->decoded ? p->hf.auth_decoded : p->hf.request_arg);
    t->username = wmem_strdup(c->pinfo->pool, si->user ? si->user
                                                       : MS_TAP_CREDENTIALS_PLACEHOLDER);
    t->proto = p->name;
    t->info = (char *)credential_info(c, si);
    tap_queue_packet(credentials_tap, c->pinfo, t);
}

void
ms_render_sasl(ms_ctx_t *c, proto_tree *tree)
{
    ms_proto_t *p = c->proto;
    const ms_unit_t *u = c->u;
    const ms_sasl_info_t *si = u->sasl;
    if (!tree)
        return;
    bool mask = p->pref_mask_secrets && sasl_client_data_secret(c);
    if (si && si->mech)
        proto_item_set_generated(proto_tree_add_string(tree, p->hf.auth_mechanism, c->tvb, 0, 0,
                                                       si->mech));
    if (u->kind == MS_UNIT_SASL && mask)
        proto_tree_add_string(tree, p->hf.auth_base64, c->tvb, c->offset, c->line_len, MS_MASK);
    else if (u->kind == MS_UNIT_SASL)
        ms_add_text(c, tree, p->hf.auth_base64, c->offset, c->line_len, ENC_ASCII);
    if (!si)
        return;
    /* What the exchange revealed, in this order under the PDU. */
    const struct { int hf; const char *value; } generated[] = {
        { p->hf.auth_username, si->user },
        { p->hf.auth_secret, si->secret && p->pref_mask_secrets ? MS_MASK : si->secret },
        { p->hf.auth_authzid, si->authzid },
        { p->hf.auth_decoded, si->decoded && mask ? MS_MASK : si->decoded },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(generated); i++)
        if (generated[i].value)
            proto_item_set_generated(proto_tree_add_string(tree, generated[i].hf, c->tvb, 0, 0,
                                                           generated[i].value));
}
