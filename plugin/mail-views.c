/* mail-views.c — session views built from mailscope's own per-PDU records:
 * their registration, and the small helpers the view files share.
 *
 * The views (the engine's tap records, ms_tap_t, are their only input; they
 * never look at packet bytes or protocol trees, since taps run with no tree
 * in tshark -q):
 *
 *   - the transaction log: one row per SMTP mail transaction (and one per
 *     session that has none: a probe, a failed login), one row per POP3
 *     session.  tshark -z esmtp,log[,tsv][,FILTER] and -z pop3,log[...]
 *     print it as text blocks or as TSV; in the GUI it is a Statistics
 *     menu table (stat_tap_table_ui), also printable with
 *     -z esmtp,transactions / -z pop3,sessions.  Memory: one record per
 *     row and per session, strings of bounded length, at most
 *     LOG_MAX_RCPT_SHOWN recipients kept by name; never message bodies.
 *     Rows are built in mail-log-rows.c, printed and tabled in
 *     mail-log-output.c.
 *   - the ladder (mail-ladder.c): tshark -z esmtp,ladder[,ascii][,FILTER]
 *     (and pop3) prints each session as a text ladder diagram, one line per
 *     PDU (message content and listings summed up per run), a band at every
 *     phase change, marks for cleartext credentials, the start of TLS and
 *     anomalies; at most LADDER_WIDTH columns, UTF-8 or ASCII.
 *
 * This file owns: ms_views_register() (the -z options and the GUI menu
 * entries) and the mv_* helpers (text escaping, times, addresses, the
 * anomalies of a record, -z argument parsing).  It must not hold view
 * state: rows belong to mail-log-rows.c, lines to mail-ladder.c.
 * Row and line semantics are documented in README.md ("Session views").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-views-private.h"

/* ======================================================================
 * Small helpers (shared by the view files: mail-views-private.h)
 * ====================================================================== */

char *
mv_addr_port_text(const address *a, guint32 port)
{
    char *addr = address_to_str(NULL, a);
    char *s = a->type == AT_IPv6 ? g_strdup_printf("[%s]:%u", addr, port)
                                 : g_strdup_printf("%s:%u", addr, port);
    wmem_free(NULL, addr);
    return s;
}

/* "2025-01-01 00:00:00.000123 UTC", or ISO 8601 "2025-01-01T00:00:00.000123Z". */
char *
mv_utc_text(const nstime_t *ts, gboolean iso)
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

double
mv_seconds_between(const nstime_t *from, const nstime_t *to)
{
    nstime_t d;
    nstime_delta(&d, to, from);
    return nstime_to_sec(&d);
}

/* Appends text with tabs, line ends, backslashes and other control
 * characters escaped, so that one value stays on one line (TSV, text). */
void
mv_append_escaped(GString *out, const char *s)
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

void
mv_replace_string(char **slot, const char *value)
{
    char *old = *slot;
    *slot = value ? g_strdup(value) : NULL;
    g_free(old);
}

const char *
mv_severity_name(int severity)
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

void
mv_for_each_anomaly(const ms_tap_t *t, anomaly_fn fn, void *arg)
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

gboolean
mv_has_note(const ms_tap_t *t, int ei)
{
    for (const ms_note_t *n = t->u->notes; n; n = n->next)
        if (n->ei == ei)
            return TRUE;
    return FALSE;
}

/* Options before the filter: "-z esmtp,log,tsv,FILTER" -> tsv, FILTER. */
const char *
mv_take_option(const char *rest, const char *option, gboolean *set)
{
    size_t n = strlen(option);
    if (rest && strncmp(rest, option, n) == 0 && (rest[n] == ',' || rest[n] == '\0')) {
        *set = TRUE;
        return rest[n] == ',' ? rest + n + 1 : rest + n;
    }
    return rest;
}

/* What follows "<abbrev>,<view>" in a -z argument, or NULL. */
const char *
mv_after_prefix(const char *opt_arg, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(opt_arg, prefix, n) != 0)
        return NULL;
    return opt_arg[n] == ',' ? opt_arg + n + 1 : opt_arg + n;
}

void
mv_register_listener_or_exit(const char *tap, void *data, const char *filter, tap_reset_cb reset,
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

    log_table_register(p, smtp);
}
