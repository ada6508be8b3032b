/* mail-log-rows.c — the transaction log's rows, built from tap records.
 *
 * Owns: the log's sessions and rows (log_t, log_sess_t, log_row_t in
 * mail-views-private.h) and how each tap record changes them: a MAIL
 * command opens an SMTP transaction row, replies find the row of their
 * request through an owner FIFO that mirrors the engine's pending-request
 * matching, authentication and TLS facts go to the session and its current
 * row, POP3 listings and retrievals are counted.
 *
 * Must not touch: output (cells, text, TSV, the GUI table are in
 * mail-log-output.c) and packet data (a record is all it sees).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-views-private.h"

static gboolean
word_is(const char *word, const char *want)
{
    return word && strcmp(word, want) == 0;
}

static void
row_free(log_row_t *r, guint ncells)
{
    char **owned[] = { &r->client, &r->server, &r->helo, &r->auth_mech, &r->auth_user,
                       &r->mail_from, &r->subject, &r->from, &r->message_id, &r->user,
                       &r->reply_code, &r->reply_status, &r->reply_text };
    for (size_t i = 0; i < G_N_ELEMENTS(owned); i++)
        g_free(*owned[i]);
    for (guint i = 0; i < LOG_MAX_RCPT_SHOWN; i++) {
        g_free(r->rcpt[i]);
        g_free(r->rcpt_refusal[i]);
    }
    if (r->cells)
        for (guint i = 0; i < ncells; i++)
            g_free(r->cells[i]);
    g_free(r->cells);
    g_free(r);
}

static void
sess_free(gpointer data)
{
    log_sess_t *s = (log_sess_t *)data;
    char *strings[] = { s->client, s->server, s->helo, s->user, s->auth_mech, s->auth_user };
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
        g_free(strings[i]);
    g_free(s->owners);
    g_free(s);
}


void
log_clear(log_t *lg)
{
    g_hash_table_remove_all(lg->sessions);
    for (guint i = 0; i < lg->rows->len; i++)
        row_free((log_row_t *)g_ptr_array_index(lg->rows, i), log_table_ncols(lg));
    g_ptr_array_set_size(lg->rows, 0);
}

log_t *
log_new(const ms_proto_t *p)
{
    log_t *lg = g_new0(log_t, 1);
    lg->proto = p;
    lg->smtp = strcmp(p->abbrev, "esmtp") == 0;
    lg->sessions = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, sess_free);
    lg->rows = g_ptr_array_new();
    return lg;
}

void
log_free(log_t *lg)
{
    log_clear(lg);
    g_hash_table_destroy(lg->sessions);
    g_ptr_array_free(lg->rows, TRUE);
    g_free(lg);
}

/* A new row carries what the session established so far. */
static log_row_t *
open_row(log_t *lg, log_sess_t *s, const ms_tap_t *t)
{
    log_row_t *r = g_new0(log_row_t, 1);
    r->first_frame = t->frame;
    r->start = t->abs_ts;
    r->stream = s->stream;
    r->client = g_strdup(s->client);
    r->server = g_strdup(s->server);
    r->tls = s->tls;
    r->helo = g_strdup(s->helo);
    r->user = g_strdup(s->user);
    r->auth_mech = g_strdup(s->auth_mech);
    r->auth_user = g_strdup(s->auth_user);
    r->auth_result = s->auth_result;
    r->auth_cleartext = s->auth_cleartext;
    r->table_row = lg->rows->len;
    g_ptr_array_add(lg->rows, r);
    s->cur = r;
    return r;
}

static log_sess_t *
session_of(log_t *lg, const ms_tap_t *t)
{
    log_sess_t *s = (log_sess_t *)g_hash_table_lookup(lg->sessions, GUINT_TO_POINTER(t->session));
    if (s)
        return s;
    s = g_new0(log_sess_t, 1);
    s->stream = t->stream;
    bool srv = t->u->from_server;
    s->client = mv_addr_port_text(srv ? t->dst : t->src, srv ? t->destport : t->srcport);
    s->server = mv_addr_port_text(srv ? t->src : t->dst, srv ? t->srcport : t->destport);
    s->tls = "none";
    g_hash_table_insert(lg->sessions, GUINT_TO_POINTER(t->session), s);
    open_row(lg, s, t);
    return s;
}

/* Session-level facts go to the session and to its current row, unless
 * that row's transaction has begun (they then belong to the next one). */
static void
set_tls(log_sess_t *s, const char *tls)
{
    s->tls = tls;
    s->cur->tls = tls;
}

static void
set_session_string(log_sess_t *s, char **sess_slot, char **row_slot, const char *value)
{
    mv_replace_string(sess_slot, value);
    if (!s->cur->has_txn)
        mv_replace_string(row_slot, value);
}

static void
set_auth_result(log_sess_t *s, const char *result)
{
    s->auth_result = result;
    s->auth_pending = FALSE;
    if (!s->cur->has_txn) {
        s->cur->auth_result = result;
        s->cur->auth_cleartext = s->auth_cleartext;
    }
}

static void
start_auth(log_sess_t *s, const char *mech, const char *user)
{
    s->auth_pending = TRUE;
    s->auth_result = "no answer";
    log_row_t *r = s->cur;
    set_session_string(s, &s->auth_mech, &r->auth_mech, mech);
    if (user)
        set_session_string(s, &s->auth_user, &r->auth_user, user);
    if (!r->has_txn)
        r->auth_result = s->auth_result;
}

/* ---- The owner FIFO (SMTP) ----------------------------------------------
 * Same discipline as the engine's pending ring: at most MS_MAX_PENDING
 * outstanding requests are matched, later ones are counted, and a reply
 * takes the oldest. */

static void
owner_push(log_sess_t *s, log_row_t *r)
{
    if (s->owners_overflow || s->owners_len >= MS_MAX_PENDING) {
        s->owners_overflow++;
        return;
    }
    if (s->owners_len == s->owners_cap) {
        guint32 cap = s->owners_cap ? s->owners_cap * 2 : 8;
        log_row_t **ring = g_new(log_row_t *, cap);
        for (guint32 i = 0; i < s->owners_len; i++)
            ring[i] = s->owners[(s->owners_head + i) % s->owners_cap];
        g_free(s->owners);
        s->owners = ring;
        s->owners_cap = cap;
        s->owners_head = 0;
    }
    s->owners[(s->owners_head + s->owners_len) % s->owners_cap] = r;
    s->owners_len++;
}

static log_row_t *
owner_pop(log_sess_t *s)
{
    if (s->owners_len) {
        log_row_t *r = s->owners[s->owners_head];
        s->owners_head = (s->owners_head + 1) % s->owners_cap;
        s->owners_len--;
        return r;
    }
    if (s->owners_overflow)
        s->owners_overflow--;
    return NULL;
}

/* Does the engine expect a reply to this PDU (and so match one to it)? */
static gboolean
expects_reply(const ms_tap_t *t)
{
    const ms_unit_t *u = t->u;
    if (u->from_server)
        return FALSE;
    if (u->kind == MS_UNIT_REQUEST || u->kind == MS_UNIT_SASL)
        return TRUE;
    return u->kind == MS_UNIT_CONTENT && (u->flags & MS_UF_ENDS_BODY) &&
           t->proto->cmd_end_of_data && u->cmd == t->proto->cmd_end_of_data;
}

static gboolean
takes_reply(const ms_tap_t *t)
{
    return t->u->kind == MS_UNIT_REPLY && !(t->u->flags & MS_UF_CONTINUED);
}

/* ---- Feeding records ---------------------------------------------------- */

static void
count_anomaly(const ms_tap_t *t _U_, int ei _U_, int severity, const char *text _U_, void *arg)
{
    log_row_t *r = (log_row_t *)arg;
    r->anomalies++;
    if (severity > r->worst)
        r->worst = severity;
}

static void
set_reply(log_row_t *r, const ms_tap_t *t, gboolean final)
{
    if (r->final)
        return;
    char code[16] = "";
    if (t->code >= 0)
        snprintf(code, sizeof code, "%d", t->code);
    mv_replace_string(&r->reply_code, t->code >= 0 ? code : t->status);
    mv_replace_string(&r->reply_status, t->code >= 0 ? t->status : NULL);
    mv_replace_string(&r->reply_text, t->text ? t->text : t->summary);
    r->final = final;
}

static void
end_row_with_text(log_row_t *r, const char *text)
{
    mv_replace_string(&r->reply_code, NULL);
    mv_replace_string(&r->reply_status, NULL);
    mv_replace_string(&r->reply_text, text);
    r->final = TRUE;
}

/* The mail transaction of the session's current row: a MAIL command opens
 * a new row unless the current one has no transaction yet (the session's
 * first row, or a capture that starts mid-session). */
static log_row_t *
transaction_row(log_t *lg, log_sess_t *s, const ms_tap_t *t, gboolean is_mail)
{
    log_row_t *r = s->cur;
    if (is_mail && r->has_txn)
        r = open_row(lg, s, t);
    r->has_txn = TRUE;
    return r;
}

static void
smtp_request(log_sess_t *s, log_row_t *r, const ms_tap_t *t)
{
    const char *w = t->cmd_word;
    const ms_sasl_info_t *sasl = t->u->sasl;
    if (word_is(w, "HELO") || word_is(w, "EHLO") || word_is(w, "LHLO")) {
        set_session_string(s, &s->helo, &r->helo, t->arg);
    } else if (word_is(w, "MAIL") || word_is(w, "SEND") || word_is(w, "SOML") ||
               word_is(w, "SAML")) {
        mv_replace_string(&r->mail_from, t->arg ? t->arg : "");
    } else if (word_is(w, "RCPT")) {
        if (r->rcpt_sent < LOG_MAX_RCPT_SHOWN)
            r->rcpt[r->rcpt_sent] = g_strdup(t->arg ? t->arg : "");
        r->rcpt_sent++;
    } else if (word_is(w, "BDAT")) {
        r->bdat_sent++;
        if (t->last_chunk)
            r->bdat_last = r->bdat_sent;
    } else if (word_is(w, "RSET")) {
        if (r->has_txn && !r->final)
            end_row_with_text(r, "(transaction aborted by RSET)");
    } else if (word_is(w, "AUTH")) {
        start_auth(s, sasl ? sasl->mech : NULL, sasl ? sasl->user : NULL);
    }
}

static void
smtp_reply(log_sess_t *s, log_row_t *r, const ms_tap_t *t)
{
    const char *w = t->cmd_word;
    gboolean final = FALSE;
    if (s->auth_pending && t->u->link && (!w || word_is(w, "AUTH"))) {
        if (!t->intermediate)
            set_auth_result(s, t->positive ? "ok" : "failed");
    } else if (word_is(w, "MAIL")) {
        final = !t->positive;
    } else if (word_is(w, "RCPT")) {
        guint32 i = r->rcpt_replied++;
        if (t->positive)
            r->rcpt_ok++;
        else
            r->rcpt_refused++;
        if (i < LOG_MAX_RCPT_SHOWN) {
            r->rcpt_answered[i] = TRUE;
            if (!t->positive)
                r->rcpt_refusal[i] = t->status ? g_strdup_printf("%d %s", t->code, t->status)
                                               : g_strdup_printf("%d", t->code);
        }
    } else if (word_is(w, "DATA")) {
        final = !t->intermediate;
    } else if (word_is(w, ".")) {
        final = TRUE;
    } else if (word_is(w, "BDAT")) {
        r->bdat_replied++;
        final = !t->positive || (r->bdat_last && r->bdat_replied >= r->bdat_last);
    }
    set_reply(r, t, final && r->has_txn);
}

/* Message content, BDAT chunks: size, and the header fields at the end. */
static void
message_piece(log_row_t *r, const ms_tap_t *t)
{
    const ms_unit_t *u = t->u;
    r->wire_octets += t->octets;
    if (!(u->flags & MS_UF_ENDS_BODY))
        return;
    r->have_size = TRUE;
    r->size = u->msg_id && u->msg_len ? u->msg_len : r->wire_octets;
    r->wire_octets = 0;
    if (t->headers) {
        mv_replace_string(&r->subject, t->headers->subject);
        mv_replace_string(&r->from, t->headers->from);
        mv_replace_string(&r->message_id, t->headers->message_id);
    }
}

static log_row_t *
smtp_feed(log_t *lg, log_sess_t *s, const ms_tap_t *t)
{
    const ms_unit_t *u = t->u;
    log_row_t *r = s->cur;
    if (u->kind == MS_UNIT_REQUEST) {
        const char *w = t->cmd_word;
        gboolean is_mail = word_is(w, "MAIL") || word_is(w, "SEND") || word_is(w, "SOML") ||
                           word_is(w, "SAML");
        if (is_mail || word_is(w, "RCPT") || word_is(w, "DATA") || word_is(w, "BDAT"))
            r = transaction_row(lg, s, t, is_mail);
    } else if (!u->from_server && (u->kind == MS_UNIT_CONTENT || u->kind == MS_UNIT_CHUNK)) {
        r = transaction_row(lg, s, t, FALSE);
    }
    if (takes_reply(t)) {
        log_row_t *owner = owner_pop(s);
        if (owner)
            r = owner;
    }
    if (expects_reply(t))
        owner_push(s, r);

    if (u->kind == MS_UNIT_REQUEST)
        smtp_request(s, r, t);
    else if (u->kind == MS_UNIT_SASL && u->sasl && u->sasl->user && s->auth_pending)
        set_session_string(s, &s->auth_user, &r->auth_user, u->sasl->user);
    else if (u->kind == MS_UNIT_REPLY && !(u->flags & MS_UF_CONTINUED))
        smtp_reply(s, r, t);
    if (!u->from_server && (u->kind == MS_UNIT_CONTENT || u->kind == MS_UNIT_CHUNK ||
                            (u->kind == MS_UNIT_REQUEST && (u->flags & MS_UF_ENDS_BODY))))
        message_piece(r, t);
    return r;
}

static void
pop3_reply(log_sess_t *s, log_row_t *r, const ms_tap_t *t)
{
    const char *w = t->cmd_word;
    if (s->auth_pending && t->u->link &&
        (!w || word_is(w, "PASS") || word_is(w, "APOP") || word_is(w, "AUTH"))) {
        if (!t->intermediate)
            set_auth_result(s, t->positive ? "ok" : "failed");
    } else if (word_is(w, "STAT") && t->have_stat) {
        r->have_stat = TRUE;
        r->stat_count = t->stat_count;
        r->stat_octets = t->stat_octets;
    } else if (word_is(w, "LIST") && t->positive) {
        s->list_open = TRUE;
        s->list_lines = FALSE;
    } else if (word_is(w, "RETR") && t->positive) {
        r->retrieved++;
        s->retr_open = TRUE;
        s->retr_octets = 0;
    } else if (word_is(w, "DELE") && t->positive) {
        r->deleted++;
    } else if (word_is(w, "RSET") && t->positive) {
        r->deleted = 0;   /* RFC 1939: RSET unmarks every message marked as deleted */
    }
    set_reply(r, t, word_is(w, "QUIT"));
}

/* A LIST answer with no listing after it was the one-line "LIST n". */
static void
close_list(log_sess_t *s)
{
    if (s->list_open && !s->list_lines)
        s->cur->listed++;
    s->list_open = FALSE;
}

static log_row_t *
pop3_feed(log_t *lg _U_, log_sess_t *s, const ms_tap_t *t)
{
    const ms_unit_t *u = t->u;
    log_row_t *r = s->cur;
    const char *w = t->cmd_word;
    if (u->kind == MS_UNIT_LISTING) {
        if (s->list_open) {
            s->list_lines = TRUE;
            r->listed += t->lines;
            if (u->flags & MS_UF_ENDS_BODY)
                s->list_open = FALSE;
        }
        return r;
    }
    if (u->from_server)
        close_list(s);
    if (u->kind == MS_UNIT_REQUEST) {
        const ms_sasl_info_t *sasl = u->sasl;
        if (word_is(w, "USER"))
            set_session_string(s, &s->user, &r->user, t->arg);
        else if (word_is(w, "APOP"))
            set_session_string(s, &s->user, &r->user, t->arg);
        if (word_is(w, "PASS"))
            start_auth(s, "USER/PASS", s->user);
        else if (word_is(w, "APOP"))
            start_auth(s, "APOP", t->arg);
        else if (word_is(w, "AUTH") && sasl && sasl->mech)
            start_auth(s, sasl->mech, sasl->user);
    } else if (u->kind == MS_UNIT_SASL && u->sasl && u->sasl->user && s->auth_pending) {
        set_session_string(s, &s->auth_user, &r->auth_user, u->sasl->user);
    } else if (u->kind == MS_UNIT_REPLY && !(u->flags & MS_UF_CONTINUED)) {
        pop3_reply(s, r, t);
    } else if (u->kind == MS_UNIT_CONTENT && u->from_server && s->retr_open) {
        s->retr_octets += t->octets;
        if (u->flags & MS_UF_ENDS_BODY) {
            r->bytes_retrieved += u->msg_id && u->msg_len ? u->msg_len : s->retr_octets;
            s->retr_open = FALSE;
        }
    }
    /* Without USER or APOP, the mailbox is the SASL user name. */
    if (!s->user && s->auth_user)
        set_session_string(s, &s->user, &r->user, s->auth_user);
    return r;
}

/* Feeds one tap record; returns the row it went to. */
log_row_t *
log_feed(log_t *lg, const ms_tap_t *t)
{
    log_sess_t *s = session_of(lg, t);
    const ms_unit_t *u = t->u;
    if ((u->flags & MS_UF_PROTECTED) && !s->seen_protected) {
        s->seen_protected = TRUE;
        if (strcmp(s->tls, "STARTTLS") != 0)
            set_tls(s, "implicit");
    }
    if (u->flags & MS_UF_TLS_START)
        set_tls(s, "STARTTLS");
    if (mv_has_note(t, MS_EI_TLS_REFUSED) && strcmp(s->tls, "none") == 0)
        set_tls(s, "refused");
    /* Accepted, but the session went on in cleartext. */
    if (mv_has_note(t, MS_EI_TLS_NOT_STARTED))
        set_tls(s, "not started");
    if (mv_has_note(t, MS_EI_AUTH_CLEARTEXT) || mv_has_note(t, MS_EI_AUTH_CHALLENGE_CLEARTEXT)) {
        s->auth_cleartext = TRUE;
        if (!s->cur->has_txn)
            s->cur->auth_cleartext = TRUE;
    }
    log_row_t *r = lg->smtp ? smtp_feed(lg, s, t) : pop3_feed(lg, s, t);
    if (mv_has_note(t, MS_EI_AUTH_CANCELLED))
        set_auth_result(s, "cancelled");
    if (t->frame > r->last_frame) {
        r->last_frame = t->frame;
        r->end = t->abs_ts;
    }
    mv_for_each_anomaly(t, count_anomaly, r);
    return r;
}


void
log_close_lists(log_t *lg)
{
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, lg->sessions);
    while (g_hash_table_iter_next(&it, &key, &value))
        close_list((log_sess_t *)value);
}
