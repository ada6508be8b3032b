/* mail-ladder.c — the ladder view: tshark -z esmtp,ladder[,ascii][,FILTER]
 * (and pop3).
 *
 * Owns: one text diagram per session, kept until the draw callback: one
 * line per PDU with time, frame, an arrow (doubled inside TLS), the PDU's
 * summary and reply class; runs of message content, chunk data or listing
 * lines summed up as one line; a band at every phase change; marks for
 * cleartext credentials, the start of TLS and the worst anomaly.  At most
 * LADDER_WIDTH columns (labels are cut, reply classes never), UTF-8 glyphs
 * or ASCII.
 *
 * Must not touch: the transaction log (mail-log-rows.c) or packet data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-views-private.h"

#define LADDER_WIDTH       100  /* columns of a ladder line, at most */

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
    mv_append_escaped(esc, valid);
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
    g_string_append_printf(line, "%9.3f %7u  ", mv_seconds_between(&s->start, ts), frame);
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
collect_mark(const ms_tap_t *t, int ei, int severity, const char *text _U_, void *arg)
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
    if (mv_has_note(t, MS_EI_AUTH_CLEARTEXT))
        g_string_append(m.marks, "[!! cleartext credentials]");
    if (t->u->flags & MS_UF_TLS_START)
        g_string_append_printf(m.marks, "%s[TLS starts]", m.marks->len ? " " : "");
    mv_for_each_anomaly(t, collect_mark, &m);
    if (m.worst_text) {
        g_string_append_printf(m.marks, "%s[%s: %s", m.marks->len ? " " : "",
                               mv_severity_name(m.worst), m.worst_text);
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
    s->client = mv_addr_port_text(srv ? t->dst : t->src, srv ? t->destport : t->srcport);
    s->server = mv_addr_port_text(srv ? t->src : t->dst, srv ? t->srcport : t->destport);
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
ladder_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
              tap_flags_t flags _U_)
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
        char *start = mv_utc_text(&s->start, FALSE);
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

ms_stat_init_result_t
ladder_cli_init(const char *opt_arg, void *userdata)
{
    const ms_proto_t *p = (const ms_proto_t *)userdata;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s,ladder", p->abbrev);
    ladder_t *ld = g_new0(ladder_t, 1);
    ld->proto = p;
    ld->sessions = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ladder_sess_free);
    ld->order = g_ptr_array_new();
    const char *filter = mv_take_option(mv_after_prefix(opt_arg, prefix), "ascii", &ld->ascii);
    mv_register_listener_or_exit(p->abbrev, ld, filter, ladder_reset, ladder_packet, ladder_draw,
                              ladder_finish);
    return MS_STAT_INIT_DONE;
}
