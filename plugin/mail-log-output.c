/* mail-log-output.c — the transaction log as the user sees it.
 *
 * Owns: the columns of each row (text of AUTH, RCPT TO, reply, anomalies),
 * the tshark outputs (-z <abbrev>,log as text blocks or TSV, printed row by
 * row in the draw callback) and the GUI Statistics table
 * (-z esmtp,transactions / -z pop3,sessions), whose rows are refreshed as
 * their PDUs arrive.
 *
 * Must not touch: what a row holds or when it opens or closes (that is
 * mail-log-rows.c); column order and TSV headers are an interface
 * (README.md, "Session views"; goldens in tests/golden/).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-views-private.h"

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
    return r->anomalies ? g_strdup_printf("%u (worst: %s)", r->anomalies, mv_severity_name(r->worst))
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

static char *col_start(const log_row_t *r) { return mv_utc_text(&r->start, FALSE); }
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

guint
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
    mv_append_escaped(out, value);
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
    char *start = mv_utc_text(&r->start, FALSE);
    g_string_append_printf(out, "#%u  frames %u-%u  %s  %.6f s  tcp.stream %u\n", n,
                           r->first_frame, r->last_frame, start,
                           mv_seconds_between(&r->start, &r->end), r->stream);
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
    mv_append_escaped(out, value ? value : "");
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
    tsv_cell_owned(out, mv_utc_text(&r->start, TRUE), FALSE);
    tsv_cell_owned(out, g_strdup_printf("%.6f", mv_seconds_between(&r->start, &r->end)), FALSE);
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
    tsv_cell(out, mv_severity_name(r->worst), TRUE);
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
log_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
           tap_flags_t flags _U_)
{
    log_feed((log_t *)tapdata, (const ms_tap_t *)data);
    return TAP_PACKET_DONT_REDRAW;
}

static void
log_reset(void *tapdata)
{
    log_clear((log_t *)tapdata);
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

ms_stat_init_result_t
log_cli_init(const char *opt_arg, void *userdata)
{
    const ms_proto_t *p = (const ms_proto_t *)userdata;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s,log", p->abbrev);
    log_t *lg = log_new(p);
    const char *filter = mv_take_option(mv_after_prefix(opt_arg, prefix), "tsv", &lg->tsv);
    mv_register_listener_or_exit(p->abbrev, lg, filter, log_reset, log_packet, log_draw,
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
            items[i].value.float_value = mv_seconds_between(&r->start, &r->end);
            break;
        case COL_STRING: {
            char *text = cols[i].text(r);
            GString *esc = g_string_new("");
            mv_append_escaped(esc, text);
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
log_table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                 tap_flags_t flags _U_)
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
log_table_free_item(stat_tap_table *table _U_, guint row _U_, guint column _U_,
                    stat_tap_table_item_type *field_data _U_)
{
    /* Strings belong to the log's rows (log_row_t.cells). */
}

/* At Wireshark's shutdown, before the plugin is unloaded (its statics go
 * with it: valgrind saw both logs as lost). */
static void
log_tables_free(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(log_tables); i++) {
        if (log_tables[i].log)
            log_free(log_tables[i].log);
        log_tables[i].log = NULL;
    }
}

void
log_table_register(ms_proto_t *p, gboolean smtp)
{
    log_table_t *lt = &log_tables[smtp ? 0 : 1];
    static gboolean shutdown_registered;
    if (!shutdown_registered) {
        register_shutdown_routine(log_tables_free);
        shutdown_registered = TRUE;
    }
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
