/* mail-views.c — session views built from mailscope's own per-PDU records.
 *
 * What this file owns (the engine's tap records, ms_tap_t, are its only
 * input; it never looks at packet bytes or protocol trees, since taps run
 * with no tree in tshark -q):
 *
 *   - the transaction log: one row per SMTP mail transaction (and one per
 *     session that has none: a probe, a failed login), one row per POP3
 *     session.  tshark -z esmtp,log[,tsv][,FILTER] and -z pop3,log[...]
 *     print it as text blocks or as TSV; in the GUI it is a Statistics
 *     menu table (stat_tap_table_ui), also printable with
 *     -z esmtp,transactions / -z pop3,sessions.  Memory: one record per
 *     row and per session, strings of bounded length, at most
 *     LOG_MAX_RCPT_SHOWN recipients kept by name; never message bodies.
 *   - the ladder: tshark -z esmtp,ladder[,ascii][,FILTER] (and pop3)
 *     prints each session as a text ladder diagram, one line per PDU
 *     (message content and listings summed up per run), a band at every
 *     phase change, marks for cleartext credentials, the start of TLS and
 *     anomalies; at most LADDER_WIDTH columns, UTF-8 or ASCII.
 *
 * Row and line semantics are documented in README.md ("Session views").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <epan/tap.h>
#include <epan/stat_tap_ui.h>
#include <epan/to_str.h>

#define LOG_MAX_RCPT_SHOWN 10   /* recipients kept by name per transaction */
#define LADDER_WIDTH       100  /* columns of a ladder line, at most */

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static char *
addr_port_text(const address *a, guint32 port)
{
    char *addr = address_to_str(NULL, a);
    char *s = a->type == AT_IPv6 ? g_strdup_printf("[%s]:%u", addr, port)
                                 : g_strdup_printf("%s:%u", addr, port);
    wmem_free(NULL, addr);
    return s;
}

/* "2025-01-01 00:00:00.000123 UTC", or ISO 8601 "2025-01-01T00:00:00.000123Z". */
static char *
utc_text(const nstime_t *ts, gboolean iso)
{
    GDateTime *dt = g_date_time_new_from_unix_utc((gint64)ts->secs);
    if (!dt)
        return g_strdup("?");
    char *day = g_date_time_format(dt, iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
    char *s = g_strdup_printf(iso ? "%s.%06dZ" : "%s.%06d UTC", day, ts->nsecs / 1000);
    g_free(day);
    g_date_time_unref(dt);
    return s;
}

static double
seconds_between(const nstime_t *from, const nstime_t *to)
{
    nstime_t d;
    nstime_delta(&d, to, from);
    return nstime_to_sec(&d);
}

/* Appends text with tabs, line ends, backslashes and other control
 * characters escaped, so that one value stays on one line (TSV, text). */
static void
append_escaped(GString *out, const char *s)
{
    for (; s && *s; s++) {
        guchar ch = (guchar)*s;
        switch (ch) {
        case '\t': g_string_append(out, "\\t"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\\': g_string_append(out, "\\\\"); break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                g_string_append_printf(out, "\\x%02x", ch);
            else
                g_string_append_c(out, (char)ch);
        }
    }
}

static void
replace_string(char **slot, const char *value)
{
    char *old = *slot;
    *slot = value ? g_strdup(value) : NULL;
    g_free(old);
}

static const char *
severity_name(int severity)
{
    switch (severity) {
    case PI_ERROR: return "Error";
    case PI_WARN:  return "Warning";
    case PI_NOTE:  return "Note";
    case PI_CHAT:  return "Chat";
    default:       return severity ? "Comment" : "";
    }
}

/* The anomalies a PDU raised: notes decided on the first pass and expert
 * infos its rendering added; phase changes (Chat) are not anomalies. */
typedef void (*anomaly_fn)(const ms_tap_t *t, int ei, int severity, const char *text, void *arg);

static void
for_each_anomaly(const ms_tap_t *t, anomaly_fn fn, void *arg)
{
    const ms_proto_t *p = t->proto;
    for (const ms_note_t *n = t->u->notes; n; n = n->next)
        if (n->ei < MS_EI_MAX && p->ei_severity[n->ei] > PI_CHAT)
            fn(t, n->ei, p->ei_severity[n->ei], n->text ? n->text : p->ei_summary[n->ei], arg);
    for (guint i = 0; i < t->n_render_eis; i++) {
        int ei = t->render_eis[i];
        if (ei < MS_EI_MAX && p->ei_severity[ei] > PI_CHAT)
            fn(t, ei, p->ei_severity[ei], p->ei_summary[ei], arg);
    }
}

static gboolean
has_note(const ms_tap_t *t, int ei)
{
    for (const ms_note_t *n = t->u->notes; n; n = n->next)
        if (n->ei == ei)
            return TRUE;
    return FALSE;
}

static gboolean
word_is(const char *word, const char *want)
{
    return word && strcmp(word, want) == 0;
}

/* Options before the filter: "-z esmtp,log,tsv,FILTER" -> tsv, FILTER. */
static const char *
take_option(const char *rest, const char *option, gboolean *set)
{
    size_t n = strlen(option);
    if (rest && strncmp(rest, option, n) == 0 && (rest[n] == ',' || rest[n] == '\0')) {
        *set = TRUE;
        return rest[n] == ',' ? rest + n + 1 : rest + n;
    }
    return rest;
}

/* What follows "<abbrev>,<view>" in a -z argument, or NULL. */
static const char *
after_prefix(const char *opt_arg, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(opt_arg, prefix, n) != 0)
        return NULL;
    return opt_arg[n] == ',' ? opt_arg + n + 1 : opt_arg + n;
}

static void
register_listener_or_exit(const char *tap, void *data, const char *filter, tap_reset_cb reset,
                          tap_packet_cb packet, tap_draw_cb draw, tap_finish_cb finish)
{
    GString *err = register_tap_listener(tap, data, filter && *filter ? filter : NULL, 0,
                                         reset, packet, draw, finish);
    if (err) {
        fprintf(stderr, "tshark: Couldn't register the %s view: %s\n", tap, err->str);
        g_string_free(err, TRUE);
        exit(1);
    }
}

/* ======================================================================
 * Transaction log: model
 * ====================================================================== */

typedef struct {
    guint32 first_frame, last_frame;
    nstime_t start, end;
    guint32 stream;
    char *client, *server;
    const char *tls;
    char *helo;
    char *auth_mech, *auth_user;
    const char *auth_result;
    gboolean auth_cleartext;
    /* SMTP: the mail transaction */
    gboolean has_txn;
    char *mail_from;
    char *rcpt[LOG_MAX_RCPT_SHOWN];
    char *rcpt_refusal[LOG_MAX_RCPT_SHOWN];   /* NULL: accepted or no reply yet */
    gboolean rcpt_answered[LOG_MAX_RCPT_SHOWN];
    guint32 rcpt_sent, rcpt_replied, rcpt_ok, rcpt_refused;
    guint32 bdat_sent, bdat_replied, bdat_last;
    guint32 wire_octets, size;
    gboolean have_size;
    char *subject, *from, *message_id;
    /* POP3: the session */
    char *user;
    gboolean have_stat;
    guint32 stat_count, stat_octets;
    guint32 listed, retrieved, deleted;
    guint64 bytes_retrieved;
    /* Both: the final reply, anomalies */
    gboolean final;            /* the reply that decides the row is in */
    char *reply_code, *reply_status, *reply_text;
    guint32 anomalies;
    int worst;
    /* GUI table */
    guint32 table_row;
    char **cells;
} log_row_t;

typedef struct {
    guint32 stream;
    char *client, *server;
    const char *tls;
    char *helo, *user, *auth_mech, *auth_user;
    const char *auth_result;
    gboolean auth_cleartext, auth_pending, seen_protected;
    log_row_t *cur;
    /* Owners of outstanding SMTP requests, in the order the engine matches
     * replies (mirrors its bounded FIFO, so replies find their row). */
    log_row_t **owners;
    guint32 owners_head, owners_len, owners_cap, owners_overflow;
    /* POP3 */
    gboolean list_open, list_lines, retr_open;
    guint32 retr_octets;
} log_sess_t;

typedef struct {
    const ms_proto_t *proto;
    gboolean smtp;
    gboolean tsv;
    GHashTable *sessions;      /* conversation index -> log_sess_t */
    GPtrArray *rows;           /* log_row_t, in the order they were opened */
    stat_tap_table *table;     /* GUI only */
} log_t;

static void
row_free(log_row_t *r, guint ncells)
{
    char **strings[] = { &r->client, &r->server, &r->helo, &r->auth_mech, &r->auth_user,
                         &r->mail_from, &r->subject, &r->from, &r->message_id, &r->user,
                         &r->reply_code, &r->reply_status, &r->reply_text };
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
        g_free(*strings[i]);
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

static guint log_table_ncols(const log_t *lg);

static void
log_clear(log_t *lg)
{
    g_hash_table_remove_all(lg->sessions);
    for (guint i = 0; i < lg->rows->len; i++)
        row_free((log_row_t *)g_ptr_array_index(lg->rows, i), log_table_ncols(lg));
    g_ptr_array_set_size(lg->rows, 0);
}

static log_t *
log_new(const ms_proto_t *p)
{
    log_t *lg = g_new0(log_t, 1);
    lg->proto = p;
    lg->smtp = strcmp(p->abbrev, "esmtp") == 0;
    lg->sessions = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, sess_free);
    lg->rows = g_ptr_array_new();
    return lg;
}

static void
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
    s->client = addr_port_text(srv ? t->dst : t->src, srv ? t->destport : t->srcport);
    s->server = addr_port_text(srv ? t->src : t->dst, srv ? t->srcport : t->destport);
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
    replace_string(sess_slot, value);
    if (!s->cur->has_txn)
        replace_string(row_slot, value);
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
count_anomaly(const ms_tap_t *t, int ei, int severity, const char *text, void *arg)
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
        g_snprintf(code, sizeof code, "%d", t->code);
    replace_string(&r->reply_code, t->code >= 0 ? code : t->status);
    replace_string(&r->reply_status, t->code >= 0 ? t->status : NULL);
    replace_string(&r->reply_text, t->text ? t->text : t->summary);
    r->final = final;
}

static void
end_row_with_text(log_row_t *r, const char *text)
{
    replace_string(&r->reply_code, NULL);
    replace_string(&r->reply_status, NULL);
    replace_string(&r->reply_text, text);
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
smtp_request(log_t *lg, log_sess_t *s, log_row_t *r, const ms_tap_t *t)
{
    const char *w = t->cmd_word;
    const ms_sasl_info_t *sasl = t->u->sasl;
    if (word_is(w, "HELO") || word_is(w, "EHLO") || word_is(w, "LHLO")) {
        set_session_string(s, &s->helo, &r->helo, t->arg);
    } else if (word_is(w, "MAIL") || word_is(w, "SEND") || word_is(w, "SOML") ||
               word_is(w, "SAML")) {
        replace_string(&r->mail_from, t->arg ? t->arg : "");
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
        replace_string(&r->subject, t->headers->subject);
        replace_string(&r->from, t->headers->from);
        replace_string(&r->message_id, t->headers->message_id);
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
        smtp_request(lg, s, r, t);
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
pop3_feed(log_t *lg, log_sess_t *s, const ms_tap_t *t)
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
static log_row_t *
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
    if (has_note(t, MS_EI_TLS_REFUSED) && strcmp(s->tls, "none") == 0)
        set_tls(s, "refused");
    /* Accepted, but the session went on in cleartext. */
    if (has_note(t, MS_EI_TLS_NOT_STARTED))
        set_tls(s, "not started");
    if (has_note(t, MS_EI_AUTH_CLEARTEXT) || has_note(t, MS_EI_AUTH_CHALLENGE_CLEARTEXT)) {
        s->auth_cleartext = TRUE;
        if (!s->cur->has_txn)
            s->cur->auth_cleartext = TRUE;
    }
    log_row_t *r = lg->smtp ? smtp_feed(lg, s, t) : pop3_feed(lg, s, t);
    if (has_note(t, MS_EI_AUTH_CANCELLED))
        set_auth_result(s, "cancelled");
    if (t->frame > r->last_frame) {
        r->last_frame = t->frame;
        r->end = t->abs_ts;
    }
    for_each_anomaly(t, count_anomaly, r);
    return r;
}

/* ======================================================================
 * Transaction log: cells (GUI table, TSV, text)
 * ====================================================================== */

static char *
auth_text(const log_row_t *r)
{
    if (!r->auth_mech && !r->auth_user)
        return g_strdup("");
    GString *s = g_string_new(r->auth_mech ? r->auth_mech : "?");
    if (r->auth_user)
        g_string_append_printf(s, " %s", r->auth_user);
    if (r->auth_result)
        g_string_append_printf(s, ", %s", r->auth_result);
    if (r->auth_cleartext)
        g_string_append(s, " (cleartext)");
    return g_string_free(s, FALSE);
}

/* Recipients in order; refused ones marked with their reply; past
 * LOG_MAX_RCPT_SHOWN, a count. */
static char *
rcpt_text(const log_row_t *r)
{
    GString *s = g_string_new("");
    guint32 shown = MIN(r->rcpt_sent, LOG_MAX_RCPT_SHOWN);
    for (guint32 i = 0; i < shown; i++) {
        if (i)
            g_string_append(s, ", ");
        g_string_append_printf(s, "<%s>", r->rcpt[i]);
        if (r->rcpt_refusal[i])
            g_string_append_printf(s, " (refused %s)", r->rcpt_refusal[i]);
        else if (!r->rcpt_answered[i])
            g_string_append(s, " (no reply)");
    }
    if (r->rcpt_sent > shown)
        g_string_append_printf(s, ", ... %u more (%u accepted, %u refused in all)",
                               r->rcpt_sent - shown, r->rcpt_ok, r->rcpt_refused);
    return g_string_free(s, FALSE);
}

static char *
reply_text(const log_row_t *r)
{
    GString *s = g_string_new("");
    const char *parts[] = { r->reply_code, r->reply_status, r->reply_text };
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
        if (parts[i] && *parts[i])
            g_string_append_printf(s, "%s%s", s->len ? " " : "", parts[i]);
    return g_string_free(s, FALSE);
}

static char *
anomalies_text(const log_row_t *r)
{
    return r->anomalies ? g_strdup_printf("%u (worst: %s)", r->anomalies, severity_name(r->worst))
                        : g_strdup("0");
}

static char *
stat_text(const log_row_t *r)
{
    return r->have_stat ? g_strdup_printf("%u messages, %u octets", r->stat_count, r->stat_octets)
                        : g_strdup("");
}

static char *
pop3_result_text(const log_row_t *r)
{
    char *reply = reply_text(r);
    if (r->final)
        return reply;
    char *s = g_strdup_printf("no QUIT answer (last reply: %s)", *reply ? reply : "none");
    g_free(reply);
    return s;
}

/* Columns of the GUI table (and of -z esmtp,transactions). */
typedef enum { COL_UINT, COL_FLOAT, COL_STRING } col_kind_t;

typedef struct {
    const char *title;
    col_kind_t kind;
    char *(*text)(const log_row_t *r);   /* COL_STRING */
    guint32 (*number)(const log_row_t *r);   /* COL_UINT */
} log_col_t;

static guint32 num_first_frame(const log_row_t *r) { return r->first_frame; }
static guint32 num_last_frame(const log_row_t *r) { return r->last_frame; }
static guint32 num_stream(const log_row_t *r) { return r->stream; }
static guint32 num_size(const log_row_t *r) { return r->size; }
static guint32 num_listed(const log_row_t *r) { return r->listed; }
static guint32 num_retrieved(const log_row_t *r) { return r->retrieved; }
static guint32 num_deleted(const log_row_t *r) { return r->deleted; }
static guint32 num_bytes(const log_row_t *r) {
    return (guint32)MIN(r->bytes_retrieved, G_MAXUINT32); }

static char *col_start(const log_row_t *r) { return utc_text(&r->start, FALSE); }
static char *col_client(const log_row_t *r) { return g_strdup(r->client); }
static char *col_server(const log_row_t *r) { return g_strdup(r->server); }
static char *col_tls(const log_row_t *r) { return g_strdup(r->tls); }
static char *col_helo(const log_row_t *r) { return g_strdup(r->helo ? r->helo : ""); }
static char *col_mail_from(const log_row_t *r) {
    return r->mail_from ? g_strdup_printf("<%s>", r->mail_from) : g_strdup(""); }
static char *col_subject(const log_row_t *r) { return g_strdup(r->subject ? r->subject : ""); }
static char *col_from(const log_row_t *r) { return g_strdup(r->from ? r->from : ""); }
static char *col_msgid(const log_row_t *r) { return g_strdup(r->message_id ? r->message_id : ""); }
static char *col_user(const log_row_t *r) { return g_strdup(r->user ? r->user : ""); }

static const log_col_t smtp_cols[] = {
    { "First frame", COL_UINT, NULL, num_first_frame },
    { "Last frame", COL_UINT, NULL, num_last_frame },
    { "Start", COL_STRING, col_start, NULL },
    { "Duration (s)", COL_FLOAT, NULL, NULL },
    { "TCP stream", COL_UINT, NULL, num_stream },
    { "Client", COL_STRING, col_client, NULL },
    { "Server", COL_STRING, col_server, NULL },
    { "TLS", COL_STRING, col_tls, NULL },
    { "HELO", COL_STRING, col_helo, NULL },
    { "AUTH", COL_STRING, auth_text, NULL },
    { "MAIL FROM", COL_STRING, col_mail_from, NULL },
    { "RCPT TO", COL_STRING, rcpt_text, NULL },
    { "Size", COL_UINT, NULL, num_size },
    { "Subject", COL_STRING, col_subject, NULL },
    { "From", COL_STRING, col_from, NULL },
    { "Message-ID", COL_STRING, col_msgid, NULL },
    { "Reply", COL_STRING, reply_text, NULL },
    { "Anomalies", COL_STRING, anomalies_text, NULL },
};

static const log_col_t pop3_cols[] = {
    { "First frame", COL_UINT, NULL, num_first_frame },
    { "Last frame", COL_UINT, NULL, num_last_frame },
    { "Start", COL_STRING, col_start, NULL },
    { "Duration (s)", COL_FLOAT, NULL, NULL },
    { "TCP stream", COL_UINT, NULL, num_stream },
    { "Client", COL_STRING, col_client, NULL },
    { "Server", COL_STRING, col_server, NULL },
    { "TLS", COL_STRING, col_tls, NULL },
    { "User", COL_STRING, col_user, NULL },
    { "Auth", COL_STRING, auth_text, NULL },
    { "STAT", COL_STRING, stat_text, NULL },
    { "Listed", COL_UINT, NULL, num_listed },
    { "Retrieved", COL_UINT, NULL, num_retrieved },
    { "Deleted", COL_UINT, NULL, num_deleted },
    { "Bytes retrieved", COL_UINT, NULL, num_bytes },
    { "Result", COL_STRING, pop3_result_text, NULL },
    { "Anomalies", COL_STRING, anomalies_text, NULL },
};

static const log_col_t *
log_cols(const log_t *lg, guint *n)
{
    *n = lg->smtp ? G_N_ELEMENTS(smtp_cols) : G_N_ELEMENTS(pop3_cols);
    return lg->smtp ? smtp_cols : pop3_cols;
}

static guint
log_table_ncols(const log_t *lg)
{
    guint n;
    log_cols(lg, &n);
    return n;
}

/* ---- Text and TSV output (tshark) --------------------------------------- */

static void
text_line(GString *out, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    g_string_append_printf(out, "    %-11s", label);
    append_escaped(out, value);
    g_string_append_c(out, '\n');
}

static void
text_line_owned(GString *out, const char *label, char *value)
{
    text_line(out, label, value);
    g_free(value);
}

static void
print_text_row(GString *out, const log_t *lg, const log_row_t *r, guint n)
{
    char *start = utc_text(&r->start, FALSE);
    g_string_append_printf(out, "#%u  frames %u-%u  %s  %.6f s  tcp.stream %u\n", n,
                           r->first_frame, r->last_frame, start,
                           seconds_between(&r->start, &r->end), r->stream);
    g_free(start);
    g_string_append_printf(out, "    %-11s%s -> %s, TLS %s\n", "session", r->client, r->server,
                           r->tls);
    if (lg->smtp) {
        text_line(out, "HELO", r->helo);
        text_line_owned(out, "AUTH", auth_text(r));
        text_line_owned(out, "MAIL FROM", col_mail_from(r));
        text_line_owned(out, "RCPT TO", rcpt_text(r));
        if (r->have_size)
            text_line_owned(out, "size", g_strdup_printf("%u octets", r->size));
        text_line(out, "Subject", r->subject);
        text_line(out, "From", r->from);
        text_line(out, "Message-ID", r->message_id);
        text_line_owned(out, "reply", reply_text(r));
        if (!r->has_txn)
            text_line(out, "note", "no mail transaction in this session");
    } else {
        text_line(out, "user", r->user);
        text_line_owned(out, "auth", auth_text(r));
        text_line_owned(out, "STAT", stat_text(r));
        text_line_owned(out, "messages", g_strdup_printf("%u listed, %u retrieved, %u deleted",
                                                         r->listed, r->retrieved, r->deleted));
        text_line_owned(out, "retrieved", g_strdup_printf("%" G_GUINT64_FORMAT " octets",
                                                          r->bytes_retrieved));
        text_line_owned(out, "result", pop3_result_text(r));
    }
    text_line_owned(out, "anomalies", anomalies_text(r));
}

static void
tsv_cell(GString *out, const char *value, gboolean last)
{
    append_escaped(out, value ? value : "");
    g_string_append_c(out, last ? '\n' : '\t');
}

static void
tsv_cell_owned(GString *out, char *value, gboolean last)
{
    tsv_cell(out, value, last);
    g_free(value);
}

static char *
u32_text(guint32 v)
{
    return g_strdup_printf("%u", v);
}

static void
print_tsv_row(GString *out, const log_t *lg, const log_row_t *r)
{
    tsv_cell_owned(out, u32_text(r->first_frame), FALSE);
    tsv_cell_owned(out, u32_text(r->last_frame), FALSE);
    tsv_cell_owned(out, utc_text(&r->start, TRUE), FALSE);
    tsv_cell_owned(out, g_strdup_printf("%.6f", seconds_between(&r->start, &r->end)), FALSE);
    tsv_cell_owned(out, u32_text(r->stream), FALSE);
    tsv_cell(out, r->client, FALSE);
    tsv_cell(out, r->server, FALSE);
    tsv_cell(out, r->tls, FALSE);
    if (lg->smtp)
        tsv_cell(out, r->helo, FALSE);
    else
        tsv_cell(out, r->user, FALSE);
    tsv_cell(out, r->auth_mech, FALSE);
    tsv_cell(out, r->auth_user, FALSE);
    tsv_cell(out, r->auth_result, FALSE);
    tsv_cell(out, r->auth_mech || r->auth_user ? (r->auth_cleartext ? "yes" : "no") : "", FALSE);
    if (lg->smtp) {
        tsv_cell(out, r->has_txn ? (r->mail_from ? r->mail_from : "") : "", FALSE);
        tsv_cell_owned(out, rcpt_text(r), FALSE);
        tsv_cell_owned(out, r->has_txn ? u32_text(r->rcpt_ok) : g_strdup(""), FALSE);
        tsv_cell_owned(out, r->has_txn ? u32_text(r->rcpt_refused) : g_strdup(""), FALSE);
        tsv_cell_owned(out, r->have_size ? u32_text(r->size) : g_strdup(""), FALSE);
        tsv_cell(out, r->subject, FALSE);
        tsv_cell(out, r->from, FALSE);
        tsv_cell(out, r->message_id, FALSE);
    } else {
        tsv_cell_owned(out, r->have_stat ? u32_text(r->stat_count) : g_strdup(""), FALSE);
        tsv_cell_owned(out, r->have_stat ? u32_text(r->stat_octets) : g_strdup(""), FALSE);
        tsv_cell_owned(out, u32_text(r->listed), FALSE);
        tsv_cell_owned(out, u32_text(r->retrieved), FALSE);
        tsv_cell_owned(out, u32_text(r->deleted), FALSE);
        tsv_cell_owned(out, g_strdup_printf("%" G_GUINT64_FORMAT, r->bytes_retrieved), FALSE);
        tsv_cell(out, r->final ? "yes" : "no", FALSE);
    }
    tsv_cell(out, r->reply_code, FALSE);
    tsv_cell(out, r->reply_status, FALSE);
    tsv_cell(out, r->reply_text, FALSE);
    tsv_cell_owned(out, u32_text(r->anomalies), FALSE);
    tsv_cell(out, severity_name(r->worst), TRUE);
}

static const char smtp_tsv_header[] =
    "first_frame\tlast_frame\tstart\tduration\ttcp_stream\tclient\tserver\ttls\thelo\t"
    "auth_mech\tauth_user\tauth_result\tauth_cleartext\tmail_from\trcpt_to\trcpt_accepted\t"
    "rcpt_refused\tsize\tsubject\tfrom\tmessage_id\treply_code\treply_status\treply_text\t"
    "anomalies\tworst_severity\n";
static const char pop3_tsv_header[] =
    "first_frame\tlast_frame\tstart\tduration\ttcp_stream\tclient\tserver\ttls\tuser\t"
    "auth_mech\tauth_user\tauth_result\tauth_cleartext\tstat_messages\tstat_octets\tlisted\t"
    "retrieved\tdeleted\tbytes_retrieved\tquit_answered\treply_code\treply_status\treply_text\t"
    "anomalies\tworst_severity\n";

/* ---- tshark -z <abbrev>,log --------------------------------------------- */

static tap_packet_status
log_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt, const void *data,
           tap_flags_t flags)
{
    log_feed((log_t *)tapdata, (const ms_tap_t *)data);
    return TAP_PACKET_DONT_REDRAW;
}

static void
log_reset(void *tapdata)
{
    log_clear((log_t *)tapdata);
}

static void
log_close_lists(log_t *lg)
{
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, lg->sessions);
    while (g_hash_table_iter_next(&it, &key, &value))
        close_list((log_sess_t *)value);
}

/* Rows are printed one by one: the output is never held whole. */
static void
log_draw(void *tapdata)
{
    log_t *lg = (log_t *)tapdata;
    GString *out = g_string_new("");
    const char *rule = "================================================================"
                       "==================================";
    if (!lg->smtp)
        log_close_lists(lg);
    if (lg->tsv)
        g_string_append(out, lg->smtp ? smtp_tsv_header : pop3_tsv_header);
    else
        g_string_append_printf(out, "%s\n%s (mailscope): %u row%s\n%s\n%s\n", rule,
                               lg->smtp ? "SMTP transaction log" : "POP3 session log",
                               lg->rows->len, lg->rows->len == 1 ? "" : "s",
                               lg->smtp ? "  one row per mail transaction; a session without one "
                                          "gets a row of its own" : "  one row per session",
                               rule);
    fputs(out->str, stdout);
    g_string_truncate(out, 0);
    for (guint i = 0; i < lg->rows->len; i++) {
        const log_row_t *r = (const log_row_t *)g_ptr_array_index(lg->rows, i);
        if (lg->tsv)
            print_tsv_row(out, lg, r);
        else
            print_text_row(out, lg, r, i + 1);
        fputs(out->str, stdout);
        g_string_truncate(out, 0);
    }
    if (!lg->tsv)
        printf("%s\n", rule);
    g_string_free(out, TRUE);
}

static void
log_finish(void *tapdata)
{
    log_free((log_t *)tapdata);
}

static ms_stat_init_result_t
log_cli_init(const char *opt_arg, void *userdata)
{
    const ms_proto_t *p = (const ms_proto_t *)userdata;
    char prefix[32];
    g_snprintf(prefix, sizeof prefix, "%s,log", p->abbrev);
    log_t *lg = log_new(p);
    const char *filter = take_option(after_prefix(opt_arg, prefix), "tsv", &lg->tsv);
    register_listener_or_exit(p->abbrev, lg, filter, log_reset, log_packet, log_draw,
                              log_finish);
    return MS_STAT_INIT_DONE;
}

/* ---- GUI: Statistics > ... table ----------------------------------------
 * SimpleStatisticsDialog shows stat_tap_table rows; it reads them on every
 * redraw, so each row is kept up to date as its PDUs arrive. */

typedef struct {
    stat_tap_table_ui ui;
    log_t *log;
    char *title;
} log_table_t;

static log_table_t log_tables[2];

static log_table_t *
log_table_of_ui(const stat_tap_table_ui *ui)
{
    for (size_t i = 0; i < G_N_ELEMENTS(log_tables); i++)
        if (&log_tables[i].ui == ui)
            return &log_tables[i];
    return NULL;
}

static log_table_t *
log_table_of_table(const stat_tap_table *table)
{
    for (size_t i = 0; i < G_N_ELEMENTS(log_tables); i++)
        if (log_tables[i].log && log_tables[i].log->table == table)
            return &log_tables[i];
    return NULL;
}

static void
refresh_table_row(log_t *lg, const log_row_t *row)
{
    guint n;
    const log_col_t *cols = log_cols(lg, &n);
    log_row_t *r = (log_row_t *)row;
    stat_tap_table_item_type *items = g_new0(stat_tap_table_item_type, n);
    if (!r->cells)
        r->cells = g_new0(char *, n);
    for (guint i = 0; i < n; i++) {
        switch (cols[i].kind) {
        case COL_UINT:
            items[i].type = TABLE_ITEM_UINT;
            items[i].value.uint_value = cols[i].number(r);
            break;
        case COL_FLOAT:
            items[i].type = TABLE_ITEM_FLOAT;
            items[i].value.float_value = seconds_between(&r->start, &r->end);
            break;
        case COL_STRING: {
            char *text = cols[i].text(r);
            GString *esc = g_string_new("");
            append_escaped(esc, text);
            g_free(text);
            g_free(r->cells[i]);
            r->cells[i] = g_string_free(esc, FALSE);
            items[i].type = TABLE_ITEM_STRING;
            items[i].value.string_value = r->cells[i];
            break;
        }
        }
    }
    stat_tap_init_table_row(lg->table, r->table_row, n, items);
    g_free(items);
}

static tap_packet_status
log_table_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt, const void *data,
                 tap_flags_t flags)
{
    stat_data_t *sd = (stat_data_t *)tapdata;
    log_table_t *lt = log_table_of_ui(sd->stat_tap_data);
    if (!lt || !lt->log || !lt->log->table)
        return TAP_PACKET_DONT_REDRAW;
    refresh_table_row(lt->log, log_feed(lt->log, (const ms_tap_t *)data));
    return TAP_PACKET_REDRAW;
}

/* Rows are the table's (g_new0 in stat_tap_init_table_row): freed here so
 * that a retap with another display filter starts from an empty table. */
static void
drop_table_rows(stat_tap_table *table)
{
    for (guint i = 0; i < table->num_elements; i++)
        g_free(table->elements[i]);
    g_free(table->elements);
    table->elements = NULL;
    table->num_elements = 0;
}

static void
log_table_init(stat_tap_table_ui *ui)
{
    log_table_t *lt = log_table_of_ui(ui);
    if (!lt)
        return;
    stat_tap_table *table = stat_tap_find_table(ui, lt->title);
    if (!table) {
        table = stat_tap_init_table(lt->title, (int)ui->nfields, 0, NULL);
        stat_tap_add_table(ui, table);
    }
    log_clear(lt->log);
    lt->log->table = table;
}

static void
log_table_reset(stat_tap_table *table)
{
    log_table_t *lt = log_table_of_table(table);
    drop_table_rows(table);
    if (lt)
        log_clear(lt->log);
}

static void
log_table_free_item(stat_tap_table *table, guint row, guint column,
                    stat_tap_table_item_type *field_data)
{
    /* Strings belong to the log's rows (log_row_t.cells). */
}

static void
register_log_table(ms_proto_t *p, log_table_t *lt, gboolean smtp)
{
    guint n = smtp ? G_N_ELEMENTS(smtp_cols) : G_N_ELEMENTS(pop3_cols);
    const log_col_t *cols = smtp ? smtp_cols : pop3_cols;
    stat_tap_table_item *fields = wmem_alloc0_array(wmem_epan_scope(), stat_tap_table_item, n);
    for (guint i = 0; i < n; i++) {
        fields[i].column_name = cols[i].title;
        fields[i].type = cols[i].kind == COL_UINT ? TABLE_ITEM_UINT :
                         cols[i].kind == COL_FLOAT ? TABLE_ITEM_FLOAT : TABLE_ITEM_STRING;
        fields[i].align = cols[i].kind == COL_STRING ? TAP_ALIGN_LEFT : TAP_ALIGN_RIGHT;
        /* 4.0 ignores it; later releases format the cell with it. */
        fields[i].field_format = cols[i].kind == COL_UINT ? "%u" :
                                 cols[i].kind == COL_FLOAT ? "%.6f" : "%s";
    }
    lt->title = wmem_strdup_printf(wmem_epan_scope(), smtp ? "%s transaction log (mailscope)"
                                                          : "%s session log (mailscope)",
                                   p->name);
    lt->log = log_new(p);
    stat_tap_table_ui *ui = &lt->ui;
    ui->group = REGISTER_PACKET_STAT_GROUP_UNSORTED;
    ui->title = lt->title;
    ui->tap_name = p->abbrev;
    ui->cli_string = wmem_strdup_printf(wmem_epan_scope(), smtp ? "%s,transactions" : "%s,sessions",
                                        p->abbrev);
    ui->stat_tap_init_cb = log_table_init;
    ui->packet_func = log_table_packet;
    ui->stat_tap_reset_table_cb = log_table_reset;
    ui->stat_tap_free_table_item_cb = log_table_free_item;
    ui->nfields = n;
    ui->fields = fields;
    register_stat_tap_table_ui(ui);
}

/* ======================================================================
 * Ladder
 * ====================================================================== */

typedef struct {
    guint32 number;            /* in order of first PDU */
    guint32 stream;
    char *client, *server;
    guint32 first_frame, last_frame, pdus;
    nstime_t start;
    GString *text;             /* the diagram lines so far */
    gboolean banded;           /* a band has been drawn */
    /* A run of message content, chunk data or listing lines, drawn as one
     * line when it ends. */
    guint8 run_kind, run_from_server, run_protected;
    gboolean run_open, run_ended;
    guint32 run_units, run_octets, run_lines, run_first_frame, run_last_frame;
    nstime_t run_ts;
} ladder_sess_t;

typedef struct {
    const ms_proto_t *proto;
    gboolean ascii;
    GHashTable *sessions;      /* conversation index -> ladder_sess_t */
    GPtrArray *order;          /* ladder_sess_t in order of first PDU */
} ladder_t;

typedef struct {
    const char *vbar, *hline, *hline_tls, *band;
} ladder_glyphs_t;

static const ladder_glyphs_t glyphs_utf8 = { "\xe2\x94\x82", "\xe2\x94\x80", "\xe2\x95\x90",
                                             "\xe2\x94\x80" };
static const ladder_glyphs_t glyphs_ascii = { "|", "-", "=", "-" };

static const ladder_glyphs_t *
glyphs(const ladder_t *ld)
{
    return ld->ascii ? &glyphs_ascii : &glyphs_utf8;
}

static void
ladder_sess_free(gpointer data)
{
    ladder_sess_t *s = (ladder_sess_t *)data;
    g_free(s->client);
    g_free(s->server);
    g_string_free(s->text, TRUE);
    g_free(s);
}

/* Text fit for the ladder: valid UTF-8 (ASCII: non-ASCII characters as
 * '?'), escaped control characters. */
static char *
ladder_clean(const ladder_t *ld, const char *text)
{
    char *valid = g_utf8_make_valid(text ? text : "", -1);
    GString *esc = g_string_new("");
    append_escaped(esc, valid);
    g_free(valid);
    if (ld->ascii)
        for (char *q = esc->str; *q; q++)
            if ((guchar)*q >= 0x80) {
                /* one '?' per character: drop its continuation octets */
                char *next = g_utf8_next_char(q);
                *q = '?';
                memmove(q + 1, next, strlen(next) + 1);
                esc->len -= (gsize)(next - q - 1);
            }
    return g_string_free(esc, FALSE);
}

/* Appends text cut to at most width characters ("..." marks a cut). */
static void
append_fitted(GString *out, const char *text, glong width)
{
    glong len = g_utf8_strlen(text, -1);
    if (len <= width) {
        g_string_append(out, text);
        return;
    }
    if (width <= 3) {
        g_string_append_len(out, "...", MAX(width, 0));
        return;
    }
    const char *cut = g_utf8_offset_to_pointer(text, width - 3);
    g_string_append_len(out, text, cut - text);
    g_string_append(out, "...");
}

static void
append_repeat(GString *out, const char *glyph, int n)
{
    for (int i = 0; i < n; i++)
        g_string_append(out, glyph);
}

#define LADDER_ARROW 11   /* horizontal glyphs between the two bars */

/* The two bars with nothing between them, for a line that continues the
 * one above it. */
static void
append_bars(const ladder_t *ld, GString *line)
{
    const ladder_glyphs_t *g = glyphs(ld);
    g_string_append_printf(line, "%9s %7s  ", "", "");
    g_string_append(line, g->vbar);
    append_repeat(line, " ", LADDER_ARROW);
    g_string_append(line, g->vbar);
    g_string_append(line, "  ");
}

/* One diagram line: time, frame, the arrow, the label with its reply class
 * (the label is cut, never the class), and its marks: on the same line
 * when they fit, else on a line of their own below it. */
static void
ladder_line(const ladder_t *ld, ladder_sess_t *s, const nstime_t *ts, guint32 frame,
            gboolean from_server, gboolean inside_tls, const char *label,
            const char *class_word, const char *marks)
{
    const ladder_glyphs_t *g = glyphs(ld);
    GString *line = g_string_new("");
    g_string_append_printf(line, "%9.3f %7u  ", seconds_between(&s->start, ts), frame);
    const char *h = inside_tls ? g->hline_tls : g->hline;
    g_string_append(line, g->vbar);
    if (from_server) {
        g_string_append_c(line, '<');
        append_repeat(line, h, LADDER_ARROW - 1);
    } else {
        append_repeat(line, h, LADDER_ARROW - 1);
        g_string_append_c(line, '>');
    }
    g_string_append(line, g->vbar);
    g_string_append(line, "  ");
    glong room = LADDER_WIDTH - g_utf8_strlen(line->str, -1);
    char *clean_label = ladder_clean(ld, label);
    char *clean_class = class_word ? g_strdup_printf(" (%s)", class_word) : g_strdup("");
    char *clean_marks = marks && *marks ? ladder_clean(ld, marks) : NULL;
    glong class_len = g_utf8_strlen(clean_class, -1);
    append_fitted(line, clean_label, MAX(room - class_len, 12));
    g_string_append(line, clean_class);
    if (clean_marks) {
        glong left = LADDER_WIDTH - g_utf8_strlen(line->str, -1) - 1;
        if (g_utf8_strlen(clean_marks, -1) <= left) {
            g_string_append_c(line, ' ');
            g_string_append(line, clean_marks);
        } else {
            g_string_append_c(line, '\n');
            glong start = (glong)line->len;
            append_bars(ld, line);
            append_fitted(line, clean_marks,
                          LADDER_WIDTH - g_utf8_strlen(line->str + start, -1));
        }
    }
    g_string_append_c(line, '\n');
    g_string_append(s->text, line->str);
    g_string_free(line, TRUE);
    g_free(clean_label);
    g_free(clean_class);
    g_free(clean_marks);
}

static void
ladder_band(const ladder_t *ld, ladder_sess_t *s, const char *phase)
{
    const ladder_glyphs_t *g = glyphs(ld);
    int name = (int)g_utf8_strlen(phase, -1) + 2;
    int total = 60, left = 18 + (LADDER_ARROW + 2 - name) / 2;
    if (left < 4)
        left = 4;
    int right = MAX(total - left - name, 4);
    g_string_append(s->text, "  ");
    append_repeat(s->text, g->band, left - 2);
    g_string_append_printf(s->text, " %s ", phase);
    append_repeat(s->text, g->band, right);
    g_string_append_c(s->text, '\n');
    s->banded = TRUE;
}

typedef struct {
    GString *marks;
    int worst;
    const char *worst_text;
    guint others;
} ladder_marks_t;

static void
collect_mark(const ms_tap_t *t, int ei, int severity, const char *text, void *arg)
{
    ladder_marks_t *m = (ladder_marks_t *)arg;
    if (ei == MS_EI_AUTH_CLEARTEXT)
        return;   /* marked on its own */
    if (severity > m->worst) {
        if (m->worst_text)
            m->others++;
        m->worst = severity;
        m->worst_text = t->proto->ei_summary[ei];
    } else {
        m->others++;
    }
}

/* The marks of a PDU: cleartext credentials, the start of TLS, and its
 * worst anomaly (by its registered summary; "+N" more). */
static char *
ladder_marks(const ms_tap_t *t)
{
    ladder_marks_t m = { g_string_new(""), 0, NULL, 0 };
    if (has_note(t, MS_EI_AUTH_CLEARTEXT))
        g_string_append(m.marks, "[!! cleartext credentials]");
    if (t->u->flags & MS_UF_TLS_START)
        g_string_append_printf(m.marks, "%s[TLS starts]", m.marks->len ? " " : "");
    for_each_anomaly(t, collect_mark, &m);
    if (m.worst_text) {
        g_string_append_printf(m.marks, "%s[%s: %s", m.marks->len ? " " : "",
                               severity_name(m.worst), m.worst_text);
        if (m.others)
            g_string_append_printf(m.marks, " +%u", m.others);
        g_string_append_c(m.marks, ']');
    }
    return g_string_free(m.marks, FALSE);
}

static void
flush_run(const ladder_t *ld, ladder_sess_t *s)
{
    if (!s->run_open)
        return;
    GString *label = g_string_new("");
    switch ((ms_unit_kind_t)s->run_kind) {
    case MS_UNIT_LISTING:
        g_string_append_printf(label, "listing: %u line%s", s->run_lines,
                               s->run_lines == 1 ? "" : "s");
        if (s->run_ended)
            g_string_append(label, ", ends with \".\"");
        break;
    case MS_UNIT_CHUNK:
        g_string_append_printf(label, "BDAT chunk data: %u octets%s", s->run_octets,
                               s->run_ended ? ", last chunk" : "");
        break;
    case MS_UNIT_FRAGMENT:
        g_string_append_printf(label, "rest of a line shown in parts: %u octets", s->run_octets);
        break;
    default:
        g_string_append_printf(label, "message content: %u octets", s->run_octets);
        if (s->run_ended)
            g_string_append(label, ", ends with <CRLF>.<CRLF>");
        break;
    }
    if (s->run_units > 1)
        g_string_append_printf(label, " (%u PDUs, frames %u-%u)", s->run_units,
                               s->run_first_frame, s->run_last_frame);
    ladder_line(ld, s, &s->run_ts, s->run_first_frame, s->run_from_server, s->run_protected,
                label->str, NULL, NULL);
    g_string_free(label, TRUE);
    s->run_open = FALSE;
}

static gboolean
is_run_kind(guint8 kind)
{
    return kind == MS_UNIT_CONTENT || kind == MS_UNIT_CHUNK || kind == MS_UNIT_LISTING ||
           kind == MS_UNIT_FRAGMENT;
}

static ladder_sess_t *
ladder_session(ladder_t *ld, const ms_tap_t *t)
{
    ladder_sess_t *s = (ladder_sess_t *)g_hash_table_lookup(ld->sessions,
                                                             GUINT_TO_POINTER(t->session));
    if (s)
        return s;
    s = g_new0(ladder_sess_t, 1);
    s->number = ld->order->len + 1;
    s->stream = t->stream;
    bool srv = t->u->from_server;
    s->client = addr_port_text(srv ? t->dst : t->src, srv ? t->destport : t->srcport);
    s->server = addr_port_text(srv ? t->src : t->dst, srv ? t->srcport : t->destport);
    s->first_frame = t->frame;
    s->start = t->abs_ts;
    s->text = g_string_new("");
    g_hash_table_insert(ld->sessions, GUINT_TO_POINTER(t->session), s);
    g_ptr_array_add(ld->order, s);
    return s;
}

static void
ladder_feed(ladder_t *ld, const ms_tap_t *t)
{
    ladder_sess_t *s = ladder_session(ld, t);
    const ms_unit_t *u = t->u;
    gboolean protected_ = (u->flags & MS_UF_PROTECTED) != 0;
    s->pdus++;
    s->last_frame = t->frame;
    gboolean band = !s->banded || u->prev_phase != 0xff;
    gboolean run = is_run_kind(u->kind);
    if (s->run_open && (band || !run || u->kind != s->run_kind ||
                        u->from_server != s->run_from_server))
        flush_run(ld, s);
    if (band)
        ladder_band(ld, s, t->phase);
    char *marks = ladder_marks(t);
    if (run && !*marks) {
        if (!s->run_open) {
            s->run_open = TRUE;
            s->run_ended = FALSE;
            s->run_kind = u->kind;
            s->run_from_server = u->from_server;
            s->run_protected = protected_;
            s->run_units = s->run_octets = s->run_lines = 0;
            s->run_first_frame = t->frame;
            s->run_ts = t->abs_ts;
        }
        s->run_units++;
        s->run_octets += t->octets;
        s->run_lines += t->lines;
        s->run_last_frame = t->frame;
        if (u->flags & MS_UF_ENDS_BODY) {
            s->run_ended = TRUE;
            flush_run(ld, s);
        }
        g_free(marks);
        return;
    }
    if (s->run_open)
        flush_run(ld, s);
    ladder_line(ld, s, &t->abs_ts, t->frame, u->from_server, protected_,
                t->summary ? t->summary : "", t->class_word, marks);
    g_free(marks);
}

static tap_packet_status
ladder_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt, const void *data,
              tap_flags_t flags)
{
    ladder_feed((ladder_t *)tapdata, (const ms_tap_t *)data);
    return TAP_PACKET_DONT_REDRAW;
}

static void
ladder_reset(void *tapdata)
{
    ladder_t *ld = (ladder_t *)tapdata;
    g_ptr_array_set_size(ld->order, 0);
    g_hash_table_remove_all(ld->sessions);
}

static void
ladder_draw(void *tapdata)
{
    ladder_t *ld = (ladder_t *)tapdata;
    const ladder_glyphs_t *g = glyphs(ld);
    const char *rule = "================================================================"
                       "==================================";
    printf("%s\n%s ladder (mailscope): %u session%s\n", rule, ld->proto->name, ld->order->len,
           ld->order->len == 1 ? "" : "s");
    printf("  %s%s%s> client to server   <%s%s%s server to client   %s%s%s> inside TLS\n",
           g->hline, g->hline, g->hline, g->hline, g->hline, g->hline,
           g->hline_tls, g->hline_tls, g->hline_tls);
    printf("  time: seconds since the session's first PDU; bands mark phase changes\n%s\n", rule);
    for (guint i = 0; i < ld->order->len; i++) {
        ladder_sess_t *s = (ladder_sess_t *)g_ptr_array_index(ld->order, i);
        flush_run(ld, s);
        char *start = utc_text(&s->start, FALSE);
        printf("\n%s session %u (tcp.stream %u): %u PDUs in frames %u-%u\n", ld->proto->name,
               s->number, s->stream, s->pdus, s->first_frame, s->last_frame);
        printf("  client %s\n  server %s\n  first PDU at %s\n\n", s->client, s->server, start);
        printf("%9s %7s  %s\n", "time", "frame", "client      server");
        fputs(s->text->str, stdout);
        g_free(start);
    }
    printf("%s\n", rule);
}

static void
ladder_finish(void *tapdata)
{
    ladder_t *ld = (ladder_t *)tapdata;
    g_hash_table_destroy(ld->sessions);
    g_ptr_array_free(ld->order, TRUE);
    g_free(ld);
}

static ms_stat_init_result_t
ladder_cli_init(const char *opt_arg, void *userdata)
{
    const ms_proto_t *p = (const ms_proto_t *)userdata;
    char prefix[32];
    g_snprintf(prefix, sizeof prefix, "%s,ladder", p->abbrev);
    ladder_t *ld = g_new0(ladder_t, 1);
    ld->proto = p;
    ld->sessions = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ladder_sess_free);
    ld->order = g_ptr_array_new();
    const char *filter = take_option(after_prefix(opt_arg, prefix), "ascii", &ld->ascii);
    register_listener_or_exit(p->abbrev, ld, filter, ladder_reset, ladder_packet, ladder_draw,
                              ladder_finish);
    return MS_STAT_INIT_DONE;
}

/* ======================================================================
 * Registration
 * ====================================================================== */

void
ms_views_register(ms_proto_t *p)
{
    gboolean smtp = strcmp(p->abbrev, "esmtp") == 0;
    static tap_param filter_param[] = { { PARAM_FILTER, "filter", "Filter", NULL, TRUE } };
    stat_tap_ui *log_ui = wmem_new0(wmem_epan_scope(), stat_tap_ui);
    log_ui->group = REGISTER_PACKET_STAT_GROUP_UNSORTED;
    log_ui->title = wmem_strdup_printf(wmem_epan_scope(), "%s transaction log", p->name);
    log_ui->cli_string = wmem_strdup_printf(wmem_epan_scope(), "%s,log", p->abbrev);
    log_ui->tap_init_cb = log_cli_init;
    log_ui->nparams = G_N_ELEMENTS(filter_param);
    log_ui->params = filter_param;
    register_stat_tap_ui(log_ui, p);

    stat_tap_ui *ladder_ui = wmem_new0(wmem_epan_scope(), stat_tap_ui);
    ladder_ui->group = REGISTER_PACKET_STAT_GROUP_UNSORTED;
    ladder_ui->title = wmem_strdup_printf(wmem_epan_scope(), "%s ladder", p->name);
    ladder_ui->cli_string = wmem_strdup_printf(wmem_epan_scope(), "%s,ladder", p->abbrev);
    ladder_ui->tap_init_cb = ladder_cli_init;
    ladder_ui->nparams = G_N_ELEMENTS(filter_param);
    ladder_ui->params = filter_param;
    register_stat_tap_ui(ladder_ui, p);

    register_log_table(p, &log_tables[smtp ? 0 : 1], smtp);
}
