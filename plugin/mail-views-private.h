/* mail-views-private.h — what the session-view files share (not for the
 * engine or the protocol files: their interface is mail-views.h).
 *
 *   mail-views.c        registration, mv_* helpers
 *   mail-log-rows.c     the transaction log's rows (log_* model)
 *   mail-log-output.c   the log's columns, text/TSV output, GUI table
 *   mail-ladder.c       the ladder diagram
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_MAIL_VIEWS_PRIVATE_H
#define MAILSCOPE_MAIL_VIEWS_PRIVATE_H

#include "mail-views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <epan/tap.h>
#include <epan/stat_tap_ui.h>
#include <epan/to_str.h>

#define LOG_MAX_RCPT_SHOWN 10   /* recipients kept by name per transaction */

/* ---- Helpers (mail-views.c) -------------------------------------------- */

/* "192.0.2.1:25", "[2001:db8::1]:25"; g_free() it. */
char *mv_addr_port_text(const address *a, guint32 port);
/* "2025-01-01 00:00:00.000123 UTC", or ISO 8601 with iso; g_free() it. */
char *mv_utc_text(const nstime_t *ts, gboolean iso);
double mv_seconds_between(const nstime_t *from, const nstime_t *to);
/* Appends text with control characters, tabs, line ends escaped. */
void mv_append_escaped(GString *out, const char *s);
/* g_free()s *slot and stores a copy of value (NULL stays NULL). */
void mv_replace_string(char **slot, const char *value);
const char *mv_severity_name(int severity);

/* Calls fn for each anomaly a PDU raised: first-pass notes and the expert
 * infos its rendering added, above Chat severity. */
typedef void (*anomaly_fn)(const ms_tap_t *t, int ei, int severity, const char *text, void *arg);
void mv_for_each_anomaly(const ms_tap_t *t, anomaly_fn fn, void *arg);
gboolean mv_has_note(const ms_tap_t *t, int ei);

/* -z argument parsing: "<abbrev>,<view>[,option][,FILTER]". */
const char *mv_take_option(const char *rest, const char *option, gboolean *set);
const char *mv_after_prefix(const char *opt_arg, const char *prefix);
/* Registers a tap listener; a bad filter ends tshark with a message. */
void mv_register_listener_or_exit(const char *tap, void *data, const char *filter,
                                  tap_reset_cb reset, tap_packet_cb packet, tap_draw_cb draw,
                                  tap_finish_cb finish);

/* ---- The transaction log's model (mail-log-rows.c) --------------------- */

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

log_t *log_new(const ms_proto_t *p);
void log_free(log_t *lg);
void log_clear(log_t *lg);
/* Feeds one tap record; returns the row it went to. */
log_row_t *log_feed(log_t *lg, const ms_tap_t *t);
/* At the end of a POP3 capture: a LIST answer with no listing after it
 * counts as one listed message. */
void log_close_lists(log_t *lg);

/* ---- The log's output (mail-log-output.c) ------------------------------- */

guint log_table_ncols(const log_t *lg);
/* -z <abbrev>,log[,tsv][,FILTER] */
ms_stat_init_result_t log_cli_init(const char *opt_arg, void *userdata);
/* The GUI Statistics table (-z esmtp,transactions / -z pop3,sessions). */
void log_table_register(ms_proto_t *p, gboolean smtp);

/* ---- The ladder (mail-ladder.c) ----------------------------------------- */

/* -z <abbrev>,ladder[,ascii][,FILTER] */
ms_stat_init_result_t ladder_cli_init(const char *opt_arg, void *userdata);

#endif /* MAILSCOPE_MAIL_VIEWS_PRIVATE_H */
