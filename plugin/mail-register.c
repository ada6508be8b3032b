/* mail-register.c — registration of what both protocols have.
 *
 * Owns: the fields, subtrees, expert infos and preferences registered under
 * each protocol's own filter name (esmtp.*, pop3.*), the taps and the
 * statistics tree, and the handoff: the heuristic dissector on TCP and the
 * ports taken from the port preferences (given back when they change).
 *
 * Must not touch: dissection (nothing here runs per packet).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

/* ---- IMF on demand --------------------------------------------------------
 * Handing each message to IMF (and the MIME dissectors below it) is about
 * half of what mail traffic costs, whoever dissects it.  Its result is read
 * by a visible tree (GUI details, -V, PDML/JSON), by taps (Export Objects
 * IMF; expert info consumers), by taps that walk the tree (Protocol
 * Hierarchy reads every top-level protocol item, and those are never
 * faked; io,stat asks for the tree as well), and by filters,
 * fields and columns -- which Wireshark announces by marking each field it
 * will look for, and the field's protocol, as referenced before dissecting.
 * A referenced protocol that is not already among this frame's layers may
 * be in the message (IMF, MIME, anything a MIME part holds), so IMF runs.
 * Without any of these, nobody would see IMF's work: skip it. */

ms_proto_t *ms_protos[2];   /* esmtp and pop3, as they are handed off */

/* One init callback per protocol (the callback gets only the tree). */
static void stats_tree_init_0(stats_tree *st) { stats_tree_init_for(st, ms_protos[0]); }

static void stats_tree_init_1(stats_tree *st) { stats_tree_init_for(st, ms_protos[1]); }

/* A common field: its id's place in ms_common_hf_t, the rest as in
 * hf_register_info (the filter name is "<abbrev>.<suffix>"). */
typedef struct {
    size_t id;                 /* COMMON_HF(member) */
    const char *name, *suffix;
    enum ftenum type;
    int display;
    const void *strings;
    const char *blurb;
} ms_hf_spec_t;

static const true_false_string tfs_protected = {
    "Inside TLS (STARTTLS/STLS or implicit TLS)", "Cleartext"
};

#define COMMON_HF(member) offsetof(ms_common_hf_t, member)

static const ms_hf_spec_t common_fields[] = {
    /* A field, not a text item: its label is written once, with the
     * summary, and count(esmtp.pdu) tells how many PDUs a frame holds. */
    { COMMON_HF(pdu), "PDU", "pdu", FT_NONE, BASE_NONE, NULL,
      "One request, reply, SASL line, piece of message content, BDAT chunk or listing; "
      "its label says which, with a summary" },
    /* Strings, so that tshark -T fields and filters read as the phases
     * do: esmtp.phase == "Data". */
    { COMMON_HF(phase), "Session phase", "phase", FT_STRING, BASE_NONE, NULL,
      "Where this PDU stands in the session (mailscope's teaching view)" },
    { COMMON_HF(state), "Protocol state", "state", FT_STRING, BASE_NONE, NULL,
      "Protocol state machine state" },
    { COMMON_HF(command), "Command", "command", FT_STRING, BASE_NONE, NULL,
      "Command word (known commands upper-cased)" },
    { COMMON_HF(command_meaning), "Meaning", "command.meaning", FT_STRING, BASE_NONE, NULL,
      "What the command does" },
    { COMMON_HF(request_arg), "Request argument", "request.arg", FT_STRING, BASE_NONE, NULL,
      "Everything after the command word" },
    { COMMON_HF(reply_line), "Reply line", "reply.line", FT_STRING, BASE_NONE, NULL, NULL },
    { COMMON_HF(response_in), "Response in", "response_in", FT_FRAMENUM, BASE_NONE,
      FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), "The reply to this request is in this frame" },
    { COMMON_HF(response_to), "Response to", "response_to", FT_FRAMENUM, BASE_NONE,
      FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), "This is a reply to the request in this frame" },
    { COMMON_HF(response_time), "Response time", "time", FT_RELATIVE_TIME, BASE_NONE, NULL,
      "Time between the request and this reply" },
    { COMMON_HF(no_request), "Reply without request", "response_to.none", FT_BOOLEAN, BASE_NONE,
      NULL, "No outstanding request matches this reply" },
    { COMMON_HF(auth_mechanism), "SASL mechanism", "auth.mechanism", FT_STRING, BASE_NONE, NULL,
      NULL },
    { COMMON_HF(auth_username), "User name", "auth.username", FT_STRING, BASE_NONE, NULL,
      "Decoded user name (authentication identity)" },
    { COMMON_HF(auth_secret), "Secret", "auth.secret", FT_STRING, BASE_NONE, NULL,
      "Decoded password or token (masked by preference)" },
    { COMMON_HF(auth_authzid), "Authorization identity", "auth.authzid", FT_STRING, BASE_NONE,
      NULL, NULL },
    { COMMON_HF(auth_decoded), "Decoded SASL data", "auth.decoded", FT_STRING, BASE_NONE, NULL,
      "Decoded challenge, prompt or response" },
    { COMMON_HF(auth_base64), "SASL data (base64)", "auth.data", FT_STRING, BASE_NONE, NULL,
      NULL },
    { COMMON_HF(protected_), "Protected", "tls.protected", FT_BOOLEAN, BASE_NONE,
      TFS(&tfs_protected), "This PDU was carried inside TLS" },
    { COMMON_HF(content_len), "Content octets", "content.length", FT_UINT32, BASE_DEC, NULL,
      "Octets of message content or chunk data in this PDU" },
    { COMMON_HF(message_len), "Message length", "message.length", FT_UINT32, BASE_DEC, NULL,
      "Octets of the message: dot-unstuffed, without the terminating \".\" line "
      "(BDAT: the chunks' octets)" },
    { COMMON_HF(listing_line), "Listing line", "listing.line", FT_STRING, BASE_NONE, NULL, NULL },
    { COMMON_HF(fragments), "Message fragments", "fragments", FT_NONE, BASE_NONE, NULL, NULL },
    { COMMON_HF(fragment), "Message fragment", "fragment", FT_FRAMENUM, BASE_NONE, NULL, NULL },
    { COMMON_HF(fragment_overlap), "Fragment overlap", "fragment.overlap", FT_BOOLEAN, BASE_NONE,
      NULL, NULL },
    { COMMON_HF(fragment_overlap_conflicts), "Fragment overlapping with conflicting data",
      "fragment.overlap.conflicts", FT_BOOLEAN, BASE_NONE, NULL, NULL },
    { COMMON_HF(fragment_multiple_tails), "Fragment has multiple tails",
      "fragment.multiple_tails", FT_BOOLEAN, BASE_NONE, NULL, NULL },
    { COMMON_HF(fragment_too_long_fragment), "Fragment too long", "fragment.too_long_fragment",
      FT_BOOLEAN, BASE_NONE, NULL, NULL },
    { COMMON_HF(fragment_error), "Message defragmentation error", "fragment.error", FT_FRAMENUM,
      BASE_NONE, NULL, NULL },
    { COMMON_HF(fragment_count), "Fragment count", "fragment.count", FT_UINT32, BASE_DEC, NULL,
      NULL },
    { COMMON_HF(reassembled_in), "Reassembled in", "reassembled.in", FT_FRAMENUM, BASE_NONE, NULL,
      NULL },
    { COMMON_HF(reassembled_length), "Reassembled length", "reassembled.length", FT_UINT32,
      BASE_DEC, NULL, NULL },
    { COMMON_HF(reassembled_data), "Reassembled data", "reassembled.data", FT_BYTES, BASE_NONE,
      NULL, "The whole reassembled message (added when a filter or field refers to it)" },
};

/* The expert infos both protocols have (MS_EI_*), "<abbrev>.<suffix>". */
static const struct {
    int id;
    const char *suffix;
    int group, severity;
    const char *summary;
} common_experts[] = {
    { MS_EI_PHASE_CHANGE, "phase.change", PI_SEQUENCE, PI_CHAT, "Session phase changes" },
    { MS_EI_AUTH_CLEARTEXT, "auth.cleartext", PI_SECURITY, PI_WARN,
      "Credentials sent without TLS" },
    { MS_EI_AUTH_CHALLENGE_CLEARTEXT, "auth.challenge_cleartext", PI_SECURITY, PI_NOTE,
      "Challenge-response authentication without TLS" },
    { MS_EI_AUTH_FAILED, "auth.failed", PI_SECURITY, PI_NOTE, "Authentication failed" },
    { MS_EI_AUTH_CANCELLED, "auth.cancelled", PI_SEQUENCE, PI_NOTE,
      "Authentication cancelled by the client" },
    { MS_EI_AUTH_BAD_BASE64, "auth.bad_base64", PI_MALFORMED, PI_WARN,
      "SASL data is not valid base64" },
    { MS_EI_TLS_REFUSED, "tls.refused", PI_SECURITY, PI_NOTE,
      "TLS refused: the session stays in cleartext" },
    { MS_EI_TLS_INJECTION, "tls.injection", PI_SECURITY, PI_ERROR,
      "Plaintext after the TLS upgrade was requested (command injection)" },
    { MS_EI_NO_REQUEST, "sequence.no_request", PI_SEQUENCE, PI_WARN,
      "Reply without a request" },
    { MS_EI_OUT_OF_ORDER, "sequence.out_of_order", PI_SEQUENCE, PI_WARN,
      "Command out of order" },
    { MS_EI_AFTER_QUIT, "sequence.after_quit", PI_SEQUENCE, PI_WARN,
      "Data after QUIT" },
    { MS_EI_UNKNOWN_COMMAND, "command.unknown", PI_PROTOCOL, PI_WARN, "Unknown command" },
    { MS_EI_LINE_TOO_LONG, "line.too_long", PI_PROTOCOL, PI_WARN,
      "Line longer than the RFC allows" },
    { MS_EI_LINE_UNTERMINATED, "line.unterminated", PI_MALFORMED, PI_ERROR,
      "Line without end beyond the framing bound" },
    { MS_EI_BARE_LF, "line.bare_lf", PI_PROTOCOL, PI_WARN, "Line ends in a bare LF" },
    { MS_EI_BARE_CR, "line.bare_cr", PI_PROTOCOL, PI_WARN, "Bare CR inside a line" },
    { MS_EI_LINE_NUL, "line.nul", PI_PROTOCOL, PI_WARN,
      "NUL octet in a line" },
    { MS_EI_BODY_UNTERMINATED, "content.unterminated", PI_MALFORMED, PI_ERROR,
      "Multi-line data without its terminating line" },
    { MS_EI_BODY_SMUGGLING, "content.smuggling", PI_SECURITY, PI_WARN,
      "Ambiguous end-of-data sequence (SMTP smuggling)" },
    { MS_EI_BODY_LINE_TOO_LONG, "content.line_too_long", PI_PROTOCOL, PI_WARN,
      "Message text line longer than the RFC allows" },
    { MS_EI_PIPELINE_OVERFLOW, "sequence.pipeline_overflow", PI_SEQUENCE, PI_NOTE,
      "Too many outstanding requests to match" },
    { MS_EI_BODY_NOT_REASSEMBLED, "content.not_reassembled", PI_REASSEMBLE, PI_NOTE,
      "Message body too large to reassemble" },
    { MS_EI_BODY_INCOMPLETE, "content.incomplete", PI_REASSEMBLE, PI_WARN,
      "Message whose end is not in the capture (not exported)" },
    { MS_EI_BEFORE_GREETING, "sequence.before_greeting", PI_SEQUENCE, PI_WARN,
      "Command sent before the server's greeting" },
    { MS_EI_TLS_NOT_STARTED, "tls.not_started", PI_SECURITY, PI_WARN,
      "STARTTLS/STLS accepted, but the session went on in cleartext" },
    { MS_EI_DATA_MISSING, "sequence.data_missing", PI_SEQUENCE, PI_WARN,
      "TCP data that never reached the dissector: what it held is unknown" },
};

/* The names of the phases and states by number, and the text of every
 * phase transition, indexed [from * n_phases + to]; a number that is no
 * phase reads "?", as val_to_str_const() would say. */
static void
phase_tables(ms_proto_t *p)
{
    guint n = 0;
    for (const value_string *v = p->phase_vals; v->strptr; v++)
        n = MAX(n, v->value + 1);
    p->n_phases = (guint8)MIN(n, 255);
    p->phase_names = wmem_alloc0_array(wmem_epan_scope(), const char *, p->n_phases);
    for (guint v = 0; v < p->n_phases; v++)
        p->phase_names[v] = val_to_str_const(v, p->phase_vals, "?");
    n = 0;
    for (const value_string *v = p->state_vals; v && v->strptr; v++)
        n = MAX(n, v->value + 1);
    p->n_states = (guint8)MIN(n, 255);
    p->state_names = wmem_alloc0_array(wmem_epan_scope(), const char *, MAX(p->n_states, 1));
    for (guint v = 0; v < p->n_states; v++)
        p->state_names[v] = val_to_str_const(v, p->state_vals, "?");
    p->phase_change_texts = wmem_alloc0_array(wmem_epan_scope(), const char *,
                                              (gsize)p->n_phases * p->n_phases);
    for (guint from = 0; from < p->n_phases; from++)
        for (guint to = 0; to < p->n_phases; to++)
            p->phase_change_texts[from * p->n_phases + to] =
                wmem_strdup_printf(wmem_epan_scope(), "Phase: %s → %s",
                                   val_to_str_const(from, p->phase_vals, "?"),
                                   val_to_str_const(to, p->phase_vals, "?"));
}

/* The fields both protocols have, under the protocol's filter name. */
static void
register_common_fields(ms_proto_t *p, int proto_id)
{
    /* Wireshark keeps pointers into these arrays until epan_cleanup() and
     * never frees them: epan scope (g_new0 would be a definite leak at exit,
     * once the plugin holding the last pointer is unloaded). */
    hf_register_info *hf = wmem_alloc0_array(wmem_epan_scope(), hf_register_info,
                                             G_N_ELEMENTS(common_fields));
    int nhf = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(common_fields); i++) {
        const ms_hf_spec_t *sp = &common_fields[i];
        int *id = (int *)((char *)&p->hf + sp->id);
        *id = -1;
        if (sp->id == COMMON_HF(state) && !p->state_vals)
            continue;
        hf_register_info r = { id, { sp->name, wmem_strdup_printf(wmem_epan_scope(), "%s.%s",
                                                                      p->abbrev, sp->suffix),
                                          sp->type, sp->display, sp->strings, 0, sp->blurb,
                                          HFILL } };
        hf[nhf++] = r;
    }
    proto_register_field_array(proto_id, hf, nhf);
}

static void
register_common_subtrees(ms_proto_t *p)
{
    int *ett[] = { &p->ett_unit, &p->ett_fragment, &p->ett_fragments, &p->ett_content };
    for (size_t i = 0; i < G_N_ELEMENTS(ett); i++)
        *ett[i] = MS_ETT_INIT;
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));

    fragment_items fi = {
        &p->ett_fragment, &p->ett_fragments, &p->hf.fragments, &p->hf.fragment,
        &p->hf.fragment_overlap, &p->hf.fragment_overlap_conflicts, &p->hf.fragment_multiple_tails,
        &p->hf.fragment_too_long_fragment, &p->hf.fragment_error, &p->hf.fragment_count,
        &p->hf.reassembled_in, &p->hf.reassembled_length, NULL /* see render_message() */,
        "Message fragments"
    };
    p->frag_items = fi;
}

/* The expert infos both protocols have, then the protocol's own; their
 * severities and summaries are kept for the session views. */
static void
register_common_experts(ms_proto_t *p, int proto_id, const ei_register_info *proto_eis,
                        int n_proto_eis)
{
    int nei = (int)G_N_ELEMENTS(common_experts) + n_proto_eis;
    ei_register_info *ei = wmem_alloc0_array(wmem_epan_scope(), ei_register_info, nei);
    for (size_t i = 0; i < G_N_ELEMENTS(common_experts); i++) {
        ei_register_info r = { &p->ei[common_experts[i].id],
                               { wmem_strdup_printf(wmem_epan_scope(), "%s.%s", p->abbrev,
                                                    common_experts[i].suffix),
                                 common_experts[i].group, common_experts[i].severity, common_experts[i].summary, EXPFILL } };
        ei[i] = r;
        p->ei_live[common_experts[i].id] = &ei[i].eiinfo;
        p->ei_severity[common_experts[i].id] = common_experts[i].severity;
        p->ei_summary[common_experts[i].id] = common_experts[i].summary;
    }
    for (int i = 0; i < n_proto_eis; i++) {
        ei[G_N_ELEMENTS(common_experts) + i] = proto_eis[i];
        ptrdiff_t id = proto_eis[i].ids - p->ei;
        if (id >= 0 && id < MS_EI_MAX) {
            p->ei_live[id] = &ei[G_N_ELEMENTS(common_experts) + i].eiinfo;
            p->ei_severity[id] = proto_eis[i].eiinfo.severity;
            p->ei_summary[id] = proto_eis[i].eiinfo.summary;
        }
    }
    expert_register_field_array(expert_register_protocol(proto_id), ei, nei);
}

static void
register_common_prefs(ms_proto_t *p, module_t *module)
{
    p->pref_desegment = true;
    p->pref_reassemble = true;
    p->pref_mask_secrets = false;
    p->pref_imf_on_demand = true;
    range_convert_str(wmem_epan_scope(), &p->pref_ports, p->default_ports, 65535);
    range_convert_str(wmem_epan_scope(), &p->pref_tls_ports, p->default_tls_ports, 65535);
    prefs_register_range_preference(module, "ports", "Standard TCP ports",
        "TCP ports this dissector takes over from Wireshark's built-in one while the plugin is "
        "loaded (the heuristic finds the protocol on any other port). Clear to give them back.",
        &p->pref_ports, 65535);
    prefs_register_range_preference(module, "tls_ports", "Implicit TLS ports",
        "TCP ports carrying implicit TLS whose decrypted data this dissector takes over.",
        &p->pref_tls_ports, 65535);
    prefs_register_bool_preference(module, "desegment_lines", "Reassemble lines across TCP segments",
        "Wait for the end of a line (and of a multi-line reply) when it spans TCP segments. "
        "Needs TCP's \"Allow subdissector to reassemble TCP streams\".",
        &p->pref_desegment);
    prefs_register_bool_preference(module, "reassemble_bodies", "Reassemble message bodies",
        "Collect message content (DATA, BDAT, RETR, TOP), remove dot-stuffing and hand the "
        "message to the IMF dissector (File > Export Objects > IMF).",
        &p->pref_reassemble);
    prefs_register_bool_preference(module, "imf_on_demand", "Dissect messages as IMF only when read",
        "Hand a reassembled message to IMF only when something reads the result: a visible "
        "packet tree, a filter, field or column on any protocol that is not below this one "
        "(imf, mime_multipart, ...), Export Objects, expert info consumers or Protocol "
        "Hierarchy statistics. This skips about half the cost of mail traffic in tshark runs "
        "that only look at the session. Off: always, as Wireshark's built-in dissectors do "
        "(e.g. for hex dumps that should list IMF's decoded MIME parts).",
        &p->pref_imf_on_demand);
    prefs_register_bool_preference(module, "mask_secrets", "Mask secrets",
        "Show passwords and tokens, and the SASL data that carries them (AUTH initial "
        "responses, the client's SASL lines), as ******** in every field; user names and "
        "the APOP digest stay visible.",
        &p->pref_mask_secrets);
}

void
ms_register_common(ms_proto_t *p, int proto_id, module_t *module, dissector_t dissector,
                   const ei_register_info *proto_eis, int n_proto_eis)
{
    static bool table_registered;
    if (!table_registered) {
        /* One table for both protocols: message ids are unique across them. */
        reassembly_table_register(&ms_reassembly, &addresses_reassembly_table_functions);
        table_registered = true;
    }
    p->proto_id = proto_id;
    phase_tables(p);
    register_common_fields(p, proto_id);
    register_common_subtrees(p);
    register_common_experts(p, proto_id, proto_eis, n_proto_eis);
    p->handle = register_dissector(p->abbrev, dissector, proto_id);
    p->tap = register_tap(p->abbrev);
    credentials_tap = register_tap("credentials");   /* shared with the built-ins */

    register_common_prefs(p, module);
}

/* ======================================================================
 * Ports and handoff
 * ====================================================================== */

/* Calls fn for every port of a range (ranges may end at 65535). */
static void
for_each_port(const range_t *r, void (*fn)(guint32 port, void *arg), void *arg)
{
    for (guint i = 0; r && i < r->nranges; i++)
        for (guint32 port = r->ranges[i].low; port <= r->ranges[i].high; port++) {
            fn(port, arg);
            if (port == r->ranges[i].high)
                break;
        }
}

typedef struct {
    const char *table;
    dissector_handle_t handle;
    const range_t *wanted;
    bool over_tls;
} ms_port_job_t;

/* A port we hold but no longer want goes back to its initial (built-in)
 * owner; a port someone else holds now (Decode As) is not ours to reset. */
static void
release_port(guint32 port, void *arg)
{
    const ms_port_job_t *j = (const ms_port_job_t *)arg;
    if (!value_is_in_range(j->wanted, port) &&
        dissector_get_uint_handle(find_dissector_table(j->table), port) == j->handle)
        dissector_reset_uint(j->table, port);
}

/* Take a port from its built-in owner or from nobody, never from a user's
 * Decode As choice.  change, not add: the built-in dissector stays the
 * port's initial handle, so resetting gives the port back to it. */
static void
take_port(guint32 port, void *arg)
{
    const ms_port_job_t *j = (const ms_port_job_t *)arg;
    dissector_handle_t cur = dissector_get_uint_handle(find_dissector_table(j->table), port);
    if (cur && cur != j->handle && cur != dissector_get_default_uint_handle(j->table, port))
        return;
    dissector_change_uint(j->table, port, j->handle);
    if (j->over_tls && tls_handle &&
        !dissector_get_uint_handle(find_dissector_table("tcp.port"), port))
        dissector_change_uint("tcp.port", port, tls_handle);
}

static void
apply_port_range(const char *table, range_t **applied, range_t *wanted,
                 dissector_handle_t handle, bool over_tls)
{
    ms_port_job_t job = { table, handle, wanted, over_tls };
    if (*applied) {
        for_each_port(*applied, release_port, &job);
        wmem_free(wmem_epan_scope(), *applied);
    }
    *applied = range_copy(wmem_epan_scope(), wanted);
    for_each_port(wanted, take_port, &job);
}

/* The ports a protocol holds: its preferences while it is enabled, none
 * while it is disabled (Analyze > Enabled Protocols, --disable-protocol).
 * A disabled dissector's table entries would otherwise keep the built-in
 * smtp/pop off their standard ports: TCP would find our handle, see it
 * disabled and fall back to plain data. */
static void
apply_ports(ms_proto_t *p)
{
    bool enabled = proto_is_protocol_enabled(find_protocol_by_id(p->proto_id));
    range_t *none = enabled ? NULL : range_empty(wmem_epan_scope());
    apply_port_range("tcp.port", &p->applied_ports, enabled ? p->pref_ports : none,
                     p->handle, false);
    apply_port_range("tls.port", &p->applied_tls_ports, enabled ? p->pref_tls_ports : none,
                     p->handle, true);
    if (none)
        wmem_free(wmem_epan_scope(), none);
}

/* Runs whenever a capture is (re)dissected: after the preference files,
 * after the built-ins re-registered their ports, and after the Enabled
 * Protocols dialog or --disable-protocol changed what is enabled. */
static void
apply_all_port_preferences(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ms_protos); i++)
        if (ms_protos[i])
            apply_ports(ms_protos[i]);
}

void
ms_handoff_common(ms_proto_t *p, heur_dissector_t heur, const char *heur_tcp_name,
                  const char *heur_tls_name)
{
    if (!p->handed_off) {
        p->handed_off = true;
        imf_handle = find_dissector_add_dependency("imf", p->proto_id);
        tls_handle = find_dissector("tls");
        /* heur_dissector_add() keeps the display names without ever freeing
         * them: epan scope, so they live as long as the tables (and are not
         * a definite leak at exit). */
        char *tcp_display = wmem_strdup_printf(wmem_epan_scope(), "%s on any TCP port (mailscope)",
                                               p->name);
        char *tls_display = wmem_strdup_printf(wmem_epan_scope(),
                                               "%s inside TLS on any port (mailscope)", p->name);
        heur_dissector_add("tcp", heur, tcp_display, heur_tcp_name, p->proto_id, HEURISTIC_ENABLE);
        heur_dissector_add("tls", heur, tls_display, heur_tls_name, p->proto_id, HEURISTIC_ENABLE);
        /* Epan scope, like the names above (valgrind: g_strdup_printf here
         * was a definite leak). */
        dissector_add_for_decode_as("tcp.port", p->handle);
        dissector_add_for_decode_as("tls.port", p->handle);
        size_t slot = 0;   /* esmtp and pop3: two slots */
        while (slot + 1 < G_N_ELEMENTS(ms_protos) && ms_protos[slot])
            slot++;
        ms_protos[slot] = p;
        /* As a plugin tree: only those get a Statistics menu entry (4.0 to
         * 4.6), here Statistics > mailscope > SMTP sessions (esmtp).  tshark
         * sorts it by name, ascending; phases keep their order in any sort
         * (see stats_tree_init_for). */
        stats_tree_register_plugin(p->abbrev, p->abbrev,
                                   wmem_strdup_printf(wmem_epan_scope(),
                                                      "mailscope" MS_STATS_TREE_MENU_SEPARATOR
                                                      "%s sessions (%s)", p->name, p->abbrev),
                                   ST_SORT_COL_NAME << ST_FLG_SRTCOL_SHIFT,
                                   stats_tree_packet,
                                   slot == 0 ? stats_tree_init_0 : stats_tree_init_1, NULL);
        ms_views_register(p);
        /* The built-in dissectors re-register their ports when Wireshark
         * applies its preference files, after every plugin's handoff; taking
         * the ports again whenever a capture is (re)dissected keeps ours. */
        static bool init_registered;
        if (!init_registered) {
            register_init_routine(apply_all_port_preferences);
            register_init_routine(session_cache_clear);
            register_init_routine(frame_units_forget);
            init_registered = true;
        }
    }
    apply_ports(p);
}
