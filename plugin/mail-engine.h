/* mail-engine.h — what SMTP and POP3 share.
 *
 * Both protocols are line-based request/response dialogues over TCP that may
 * switch to TLS, carry SASL credentials and transfer RFC 5322 messages as
 * dot-stuffed text.  The engine owns everything of that kind, written once:
 *
 *   - framing: lines reassembled across TCP segments, several per segment
 *     (pipelining), bounded so that a line without end is never buffered
 *     without limit; streamed message content with dot-unstuffing and
 *     <CRLF>.<CRLF> detection; counted octet chunks (SMTP BDAT);
 *   - a per-session record of what happened (session state on the first pass,
 *     one "unit" record per dissected PDU), so one-pass, two-pass and GUI
 *     re-dissection show the same thing;
 *   - request/response matching that survives pipelining (FT_FRAMENUM links
 *     and response time), commands sent before the greeting, and TCP data
 *     that never reached the dissector;
 *   - session phases (the teaching view) and their change markers;
 *   - STARTTLS/STLS hand-over to TLS (when a TLS handshake follows the
 *     answer), command-injection detection, cleartext continuation;
 *   - SASL (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER) decoding and the
 *     cleartext-credential warnings;
 *   - message reassembly handed to the IMF dissector;
 *   - the fields, expert infos and preferences both protocols have, registered
 *     under each protocol's own filter name (esmtp.*, pop3.*).
 *
 * packet-esmtp.c and packet-pop3.c hold only protocol knowledge: command
 * words, reply syntax, state rules, capability lists.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_MAIL_ENGINE_H
#define MAILSCOPE_MAIL_ENGINE_H

#include "ws-compat.h"
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/range.h>
#include <epan/reassemble.h>

/* ---- Limits (named, with their reasons) --------------------------------- */

/* Longest line the engine waits for before dissecting what it has as a
 * partial line.  RFC 5321 allows 512-octet commands and 1000-octet text
 * lines, RFC 2449 512-octet POP3 responses; real software exceeds them a
 * little, attackers a lot.  Past this bound the line is shown in parts with
 * an expert info, so TCP reassembly never holds more than this per line. */
#define MS_MAX_LINE_WAIT        8192
/* A multi-line reply is grouped into one PDU up to this size; longer ones
 * (a reply of a million lines) are shown in parts so grouping stays linear. */
#define MS_MAX_GROUP_WAIT       65536
/* TCP segments one line or multi-line reply may be held back for.  Each time
 * one more segment arrives, Wireshark's TCP reassembly rebuilds the held PDU
 * from all its segments, so waiting over k segments costs O(k^2): a 32 KB
 * reply sent one octet per segment took 100 s of CPU (tools/pathological,
 * docs/robustness.md).  512 still covers an RFC 5321 command line (512
 * octets) sent one octet per segment; past it what is complete is shown, in
 * parts, with an expert info. */
#define MS_MAX_WAIT_SEGMENTS    512
/* Pieces one message body is reassembled from (one per TCP segment of
 * content, at most).  Wireshark's fragment_add_seq_next() walks the list of
 * pieces held so far on every call, so reassembly costs O(k^2): a 25 MiB
 * body (18,000 pieces) took 22 s of CPU, a 100 MiB one over 5 minutes
 * (tools/pathological, docs/robustness.md).  8192 pieces are ~12 MB in
 * full-size segments; a longer body is dissected but not reassembled (no
 * IMF, no export), with an expert info. */
#define MS_MAX_MESSAGE_PIECES   8192
/* Outstanding requests remembered for matching.  RFC 2920 pipelining is
 * bounded by the TCP window in practice; past this depth requests are counted
 * but no longer matched one by one, so session state stays bounded. */
#define MS_MAX_PENDING          4096
/* Longest decoded user name or secret kept for display. */
#define MS_MAX_CRED_LEN         256
/* What a secret shows as with <proto>.mask_secrets on. */
#define MS_MASK                 "********"

/* ---- Directions, modes, unit kinds -------------------------------------- */

enum { MS_FROM_CLIENT = 0, MS_FROM_SERVER = 1 };

/* What the bytes in one direction currently are. */
typedef enum {
    MS_MODE_LINES = 0,   /* commands (client) or replies (server) */
    MS_MODE_CONTENT,     /* dot-stuffed message text until <CRLF>.<CRLF> */
    MS_MODE_LISTING,     /* dot-terminated lines parsed one by one (POP3 LIST/UIDL/CAPA) */
    MS_MODE_CHUNK,       /* a counted number of raw octets (SMTP BDAT) */
    MS_MODE_TLS          /* handed over to TLS; plaintext here is injected */
} ms_mode_t;

/* What one dissected PDU ("unit") is. */
typedef enum {
    MS_UNIT_REQUEST = 0, /* a client command line */
    MS_UNIT_SASL,        /* a client line answering a SASL challenge */
    MS_UNIT_REPLY,       /* a server reply (SMTP: all lines of a multi-line reply) */
    MS_UNIT_CONTENT,     /* a piece of message content */
    MS_UNIT_LISTING,     /* complete lines of a multi-line listing */
    MS_UNIT_CHUNK,       /* a piece of a BDAT chunk */
    MS_UNIT_FRAGMENT,    /* part of an over-long line, or bytes that follow one */
    MS_UNIT_INJECTED,    /* plaintext sent after STARTTLS/STLS was accepted */
} ms_unit_kind_t;

/* How a line ended: CRLF, a bare LF, or CRLF/LF with a bare CR inside the
 * line (MS_EOL_CR), or not at all. */
typedef enum { MS_EOL_CRLF = 0, MS_EOL_LF, MS_EOL_CR, MS_EOL_NONE } ms_eol_t;

/* Unit flags. */
#define MS_UF_PROTECTED     0x0001  /* carried inside TLS */
#define MS_UF_ENDS_BODY     0x0002  /* content/listing/chunk: the message or listing ends here */
#define MS_UF_STARTS_BODY   0x0004  /* content/listing/chunk: first piece */
#define MS_UF_PARTIAL       0x0008  /* reply shown in parts (too large to group) */
#define MS_UF_TLS_START     0x0010  /* reply accepting STARTTLS/STLS: TLS takes over after it */
#define MS_UF_NO_MATCH      0x0020  /* reply that answers no known request */
#define MS_UF_CONTINUED     0x0040  /* further lines of a reply shown in parts */
#define MS_UF_OPEN_TAIL     0x0080  /* content/chunk: the latest piece of a message whose end
                                     * has not come (yet): after the first pass, the last
                                     * piece of a message the capture ends inside */
#define MS_UF_WHOLE_MESSAGE 0x0100  /* content/chunk: ends a message that came whole in this
                                     * unit, as its first msg_len octets: not reassembled */

/* Engine expert infos, registered per protocol as "<abbrev>.<name>". */
typedef enum {
    MS_EI_PHASE_CHANGE = 0,
    MS_EI_AUTH_CLEARTEXT,
    MS_EI_AUTH_CHALLENGE_CLEARTEXT,
    MS_EI_AUTH_FAILED,
    MS_EI_AUTH_CANCELLED,
    MS_EI_AUTH_BAD_BASE64,
    MS_EI_TLS_REFUSED,
    MS_EI_TLS_INJECTION,
    MS_EI_NO_REQUEST,
    MS_EI_OUT_OF_ORDER,
    MS_EI_AFTER_QUIT,
    MS_EI_UNKNOWN_COMMAND,
    MS_EI_LINE_TOO_LONG,
    MS_EI_LINE_UNTERMINATED,
    MS_EI_BARE_LF,
    MS_EI_BARE_CR,
    MS_EI_LINE_NUL,
    MS_EI_BODY_UNTERMINATED,
    MS_EI_BODY_SMUGGLING,
    MS_EI_BODY_LINE_TOO_LONG,
    MS_EI_PIPELINE_OVERFLOW,
    MS_EI_BODY_NOT_REASSEMBLED,
    MS_EI_BODY_INCOMPLETE,
    MS_EI_BEFORE_GREETING,
    MS_EI_TLS_NOT_STARTED,
    MS_EI_DATA_MISSING,
    MS_EI_PROTO_FIRST          /* protocols number their own from here */
} ms_ei_id_t;

#define MS_EI_MAX 40

/* ---- Records ------------------------------------------------------------ */

/* An expert item decided on the first pass and shown on every pass. */
typedef struct ms_note {
    struct ms_note *next;
    guint16 ei;                /* index into ms_proto_t.ei */
    const char *text;          /* file-scope text; NULL: the registered summary */
} ms_note_t;

/* One dissected PDU.  Created on the first pass, replayed afterwards. */
typedef struct ms_unit {
    guint32 len;               /* octets of the tvb this unit covers */
    guint8  kind;              /* ms_unit_kind_t */
    guint8  from_server;
    guint8  phase;             /* session phase this PDU belongs to */
    guint8  prev_phase;        /* phase before it, when this PDU changed it */
    guint8  state;             /* protocol state (POP3: RFC 1939 state) */
    guint8  eol;               /* ms_eol_t of a line unit */
    guint16 flags;             /* MS_UF_* */
    guint16 cmd;               /* request: its command id; reply: the answered command id */
    guint16 aux;               /* protocol use (e.g. SASL step, listing kind) */
    guint32 link;              /* request: response frame; reply: request frame */
    guint32 msg_id;            /* reassembly id of the message this piece belongs to */
    guint32 msg_len;           /* content/chunk: octets of the message so far, this unit
                                * included (dot-unstuffed, without the "." line) */
    nstime_t delta;            /* reply: time since the request */
    struct ms_sasl_info *sasl; /* credentials and SASL data: few units have them */
    ms_note_t *notes;
} ms_unit_t;

/* What a unit of an authentication exchange carries (kept apart from
 * ms_unit_t, which every message-body segment has one of). */
typedef struct ms_sasl_info {
    const char *mech;          /* SASL mechanism of the exchange */
    const char *user;          /* decoded user name */
    const char *secret;        /* decoded password/token (shown masked by preference) */
    const char *decoded;       /* decoded SASL challenge/response text */
    const char *authzid;       /* SASL PLAIN authorization identity */
    /* The credential this PDU completes, for Wireshark's credentials tap
     * (decided on the first pass, reported on every pass). */
    const char *cred_kind;     /* "AUTH PLAIN", "USER/PASS", "APOP"...; NULL: none */
    guint32 cred_user_frame;   /* frame that carried the user name (0: not seen) */
    bool cred_challenge;       /* a challenge-response digest, not the secret itself */
} ms_sasl_info_t;

/* A unit's SASL record, created when first written (first pass). */
static inline ms_sasl_info_t *
ms_unit_sasl(ms_unit_t *u)
{
    if (!u->sasl)
        u->sasl = wmem_new0(wmem_file_scope(), ms_sasl_info_t);
    return u->sasl;
}

/* Reads one SASL field of a unit: NULL when it has none. */
#define MS_SASL(u, field) ((u)->sasl ? (u)->sasl->field : NULL)

typedef struct ms_proto ms_proto_t;
typedef struct ms_session ms_session_t;
typedef struct ms_tap ms_tap_t;

/* SASL mechanisms the engine decodes. */
typedef enum {
    MS_SASL_NONE = 0, MS_SASL_PLAIN, MS_SASL_LOGIN, MS_SASL_CRAM_MD5,
    MS_SASL_XOAUTH2, MS_SASL_OAUTHBEARER, MS_SASL_OTHER
} ms_sasl_mech_t;

/* After an accepted STARTTLS/STLS answer (ms_session_t.tls_active). */
typedef enum {
    MS_TLS_NONE = 0,
    MS_TLS_EXPECTED,           /* a TLS handshake must follow the answer */
    MS_TLS_NOT_STARTED         /* cleartext followed: the next unit says so */
} ms_tls_t;

/* Per-direction framing state (first pass only). */
typedef struct {
    guint8  mode;              /* ms_mode_t */
    guint8  scan;              /* content scanner: position in "<CRLF>.<CRLF>" */
    guint8  mid_line;          /* the previous unit ended inside a line */
    guint8  mid_reply;         /* a multi-line reply shown in parts goes on */
    guint8  chunk_last;        /* BDAT ... LAST */
    guint64 chunk_left;        /* BDAT octets still to come */
    const ms_unit_t *chunk_owner; /* the BDAT request whose chunk is being read */
    guint32 line_len;          /* content: length of the current text line */
    guint32 msg_id;            /* reassembly id of the open message */
    guint32 msg_len;           /* octets of the open message so far */
    guint16 body_flags;        /* notes already raised for this body (once each) */
    guint16 listing;           /* protocol's listing kind */
    guint16 wait_segments;     /* TCP segments the pending PDU has waited for */
    guint32 msg_pieces;        /* reassembly pieces of the open message so far */
    guint8  msg_open;          /* a message (content or BDAT chunks) has begun, not ended */
    struct ms_unit *msg_tail;  /* its latest piece (flagged MS_UF_OPEN_TAIL) */
    guint32 next_seq;          /* TCP sequence number the next data should start at */
    guint8  seq_known;         /* next_seq is set */
    guint32 missing;           /* octets lost before this data: noted on the next unit */
} ms_direction_t;

/* A request waiting for its reply. */
typedef struct {
    struct ms_unit *unit;
    guint32 frame;
    nstime_t ts;
} ms_pending_t;

/* The requests of a session waiting for a reply, oldest first: a ring that
 * grows up to MS_MAX_PENDING entries; requests beyond are only counted. */
typedef struct {
    ms_pending_t *ring;
    guint16 len, cap, head;
    guint32 overflow;          /* requests beyond MS_MAX_PENDING, unmatched */
} ms_pending_queue_t;

/* Session (conversation) state: mutated on the first pass only. */
struct ms_session {
    const ms_proto_t *proto;
    address  server_addr;
    guint32  server_port;
    address  client_addr;      /* with the server's: the conversation's 4-tuple */
    guint32  client_port;
    ms_direction_t dir[2];
    guint8   phase;
    guint8   state;            /* protocol state */
    guint8   greeted;          /* greeting seen */
    guint8   quit_sent;
    guint8   tls_offered;      /* server offered STARTTLS/STLS */
    guint8   tls_pending;      /* STARTTLS/STLS sent, answer outstanding */
    guint8   tls_active;       /* ms_tls_t: after an accepted STARTTLS/STLS */
    guint8   server_spoke;     /* the server has sent something */
    guint8   early;            /* requests were sent before the server's greeting */
    guint8   start_captured;   /* the connection's SYN was seen: 0 not asked yet, 1 no, 2 yes */
    guint8   authenticated;
    guint8   sasl_mech;        /* ms_sasl_mech_t of the running exchange */
    guint8   sasl_step;        /* client SASL lines so far */
    guint8   sasl_active;
    guint8   sasl_awaiting;    /* a challenge waits for the client's answer */
    guint8   sasl_cancelled;   /* the client answered "*" */
    guint8   any_request;      /* a client request has been seen */
    guint32  tls_answer_frame; /* frame of the accepted STARTTLS/STLS answer */
    ms_pending_queue_t pending;   /* requests waiting for a reply */
    const char *user;          /* last user name seen (USER, SASL) */
    guint32  user_frame;       /* frame that carried it */
    const char *sasl_mech_name;
    const char *sasl_challenge;/* last decoded server challenge (CRAM-MD5) */
    void    *proto_data;       /* protocol's own session state */
};

/* Everything one PDU's analysis and rendering needs. */
typedef struct {
    ms_proto_t  *proto;
    tvbuff_t    *tvb;
    packet_info *pinfo;
    proto_tree  *tree;         /* the protocol tree of this call */
    proto_tree  *unit_tree;    /* this unit's subtree */
    proto_item  *unit_item;
    ms_session_t *s;
    ms_unit_t   *u;
    int          offset;       /* start of the unit in tvb */
    int          line_len;     /* line units: length without line end */
    bool         first_pass;
    bool         from_server;  /* the data of this call comes from the server */
    bool         from_tcp;     /* data came straight from TCP (not TLS) */
    bool         want_text;    /* a tree or columns will show the Info text */
    guint16      tcp_flags;
    tvbuff_t    *message;      /* the reassembled message this unit ends, if any */
    guint8       n_render_eis; /* expert infos raised while rendering (for taps) */
    guint16      render_eis[4];
} ms_ctx_t;

/* ---- What a protocol provides ------------------------------------------- */

/* Heuristic verdicts on the first data of a conversation. */
typedef enum { MS_LOOKS_UNKNOWN = 0, MS_LOOKS_CLIENT, MS_LOOKS_SERVER } ms_looks_t;

/* A command word and what the engine needs to know of it. */
#define MS_PHASE_KEEP   0xff   /* the command leaves the session's phase alone */
#define MS_CMD_HIDE_ARG 0x80   /* the argument is a secret: not shown as request.arg */
#define MS_CMD_SASL     0x20   /* AUTH: an initial response in the argument may carry secrets */
typedef struct {
    const char *word;          /* canonical (upper-case) spelling */
    guint16 id;                /* protocol's command id (ms_unit_t.cmd) */
    guint8 phase;              /* phase the command opens, or MS_PHASE_KEEP */
    guint8 flags;              /* MS_CMD_* and protocol bits (e.g. POP3 states) */
    const char *meaning;       /* shown as <abbrev>.command.meaning */
} ms_command_t;

/* A line start only this protocol sends (for claiming cut-short lines). */
typedef struct {
    const char *text;
    ms_looks_t looks;
} ms_marker_t;

/* Engine-registered common header fields, per protocol. */
typedef struct {
    int pdu, phase, state, command, command_meaning, request_arg, reply_line,
        response_in, response_to, response_time, no_request,
        auth_mechanism, auth_username, auth_secret, auth_authzid,
        auth_decoded, auth_base64,
        protected_, content_len, message_len, listing_line,

        fragments, fragment, fragment_overlap, fragment_overlap_conflicts,
        fragment_multiple_tails, fragment_too_long_fragment, fragment_error,
        fragment_count, reassembled_in, reassembled_length, reassembled_data;
} ms_common_hf_t;

struct ms_proto {
    /* Filled by the protocol file. */
    const char *name;              /* Protocol column, e.g. "SMTP" */
    const char *long_name;
    const char *abbrev;            /* filter name, e.g. "esmtp" */
    const char *default_ports;     /* standard TCP ports taken by preference */
    const char *default_tls_ports; /* implicit-TLS ports for decrypted data */
    const value_string *phase_vals;
    const value_string *state_vals;  /* NULL when the protocol has no states */
    guint8 phase_unknown, phase_connection;
    const char *tls_command;       /* "STARTTLS" / "STLS", for messages */
    const ms_command_t *commands;
    size_t n_commands;

    /* Heuristic: what does this first line look like? */
    ms_looks_t (*looks_like)(tvbuff_t *tvb, int offset, int len);
    const ms_marker_t *line_starts;   /* NULL-terminated */
    /* Could this reply line be the server's greeting (SMTP 220/421/554,
     * POP3 an +OK line of its own)?  Decides whether the first reply after
     * commands sent before the greeting is the greeting. */
    bool (*is_greeting)(tvbuff_t *tvb, int offset, int len);
    /* Server side: does this reply line announce another line of the same
     * reply (SMTP "250-")?  NULL: every reply is one line. */
    bool (*reply_continues)(tvbuff_t *tvb, int offset, int len);
    /* Line limits (octets including CRLF; 0: none): RFC 5321 4.5.3.1,
     * RFC 2449 4. */
    int max_request_line, max_reply_line, max_text_line;
    /* First pass: update the session from a request/reply; fill the unit. */
    void (*analyze_request)(ms_ctx_t *c);
    void (*analyze_reply)(ms_ctx_t *c, ms_unit_t *request);
    void (*analyze_listing_line)(ms_ctx_t *c, int offset, int len);
    void (*content_ended)(ms_ctx_t *c);   /* a message/listing ended */
    /* Every pass: add the protocol's fields for a unit; return Info text. */
    const char *(*render_request)(ms_ctx_t *c);
    const char *(*render_reply)(ms_ctx_t *c);
    void (*render_listing_line)(ms_ctx_t *c, proto_tree *tree, int offset, int len);
    void (*init_session)(ms_session_t *s);
    /* Tap listeners only: fill the protocol's part of a request's or
     * reply's tap record (paths, reply code, status, class). */
    void (*tap_fill)(ms_ctx_t *c, ms_tap_t *t);
    guint16 cmd_end_of_data;       /* pseudo-command id of the end-of-data line (0: none) */

    /* Filled by the engine. */
    int proto_id;
    dissector_handle_t handle;
    int tap;                       /* statistics tap, named like the protocol */
    ms_common_hf_t hf;
    int ett_unit, ett_fragment, ett_fragments, ett_content;
    expert_field ei[MS_EI_MAX];
    const char **phase_change_texts; /* "Phase: A → B", [from * n_phases + to] */
    guint8 n_phases, n_states;
    /* val_to_str_const() of every phase and state, by number (read for
     * every PDU: no search through the value_string). */
    const char **phase_names, **state_names;
    int ei_severity[MS_EI_MAX];    /* PI_* severity of each, for the session views */
    /* The registered records themselves: the Expert Info Severity Level
     * table (a UAT) changes a severity there. */
    const expert_field_info *ei_live[MS_EI_MAX];
    const char *ei_summary[MS_EI_MAX];
    fragment_items frag_items;
    /* Preferences. */
    ms_pref_bool_t pref_desegment, pref_reassemble, pref_mask_secrets, pref_imf_on_demand;
    range_t *pref_ports, *pref_tls_ports;
    range_t *applied_ports, *applied_tls_ports;
    bool handed_off;
};

/* ---- Tap records --------------------------------------------------------- */

/* RFC 5322 header fields of a finished message, as the session views show
 * them: raw text (no RFC 2047 decoding), continuation lines unfolded,
 * each cut at MS_HEADER_VALUE_MAX octets; NULL when the field is absent. */
typedef struct {
    const char *from;
    const char *subject;
    const char *message_id;
} ms_msg_headers_t;

/* How far into a message its header section is looked for, and how much of
 * a field value is kept: the scan is bounded whatever the message. */
#define MS_HEADER_SCAN_MAX  32768
#define MS_HEADER_VALUE_MAX 256

/* What one PDU tells a tap listener ("esmtp" / "pop3" taps; packet scope).
 * Built only when a listener exists: the statistics tree reads the first
 * four fields, the session views (mail-views.c) the rest.  Taps run with
 * no protocol tree in tshark -q, so everything is here, not in fields. */
struct ms_tap {
    const char *phase;         /* phase name */
    const char *token;         /* command word or reply code/status (stats tree) */
    guint8 kind;               /* ms_unit_kind_t */
    guint8 cleartext;          /* a cleartext-credential warning was raised */
    guint8 phase_num;          /* the phase's number, which follows the session's course
                                * (the statistics tree's order) */

    const ms_proto_t *proto;
    const ms_unit_t *u;        /* the PDU's record (file scope): flags, phases, links,
                                * SASL facts, notes, message length */
    guint32 frame;
    nstime_t abs_ts;
    guint32 session;           /* conversation index: one per TCP connection */
    guint32 stream;            /* tcp.stream of the connection */
    const address *src, *dst;  /* this packet's (pinfo scope) */
    guint32 srcport, destport;
    const char *summary;       /* the PDU's Info text (never holds secrets) */
    const char *cmd_word;      /* request: canonical command word (NULL: unknown);
                                * reply: the answered command's word, "." for the
                                * end of data, NULL when unmatched */
    guint32 octets;            /* content/chunk/listing: octets of this PDU */
    guint32 lines;             /* listing: text lines in this PDU */
    const ms_msg_headers_t *headers;  /* unit ending a reassembled message */
    const guint16 *render_eis; /* expert infos raised while rendering */
    guint8 n_render_eis;
    /* Filled by the protocol (tap_fill). */
    const char *arg;           /* HELO domain, MAIL/RCPT path, USER name... */
    gboolean last_chunk;       /* BDAT ... LAST */
    int code;                  /* SMTP reply code; -1 when none */
    const char *status;        /* SMTP enhanced status code, POP3 +OK/-ERR/+ */
    const char *text;          /* reply text after code and status */
    const char *class_word;    /* e.g. "2xx positive completion" */
    gboolean positive;         /* 2xx/3xx, +OK */
    gboolean intermediate;     /* 3xx (SMTP), "+" SASL continuation (POP3) */
    gboolean have_stat;        /* POP3 STAT answer: count and octets */
    guint32 stat_count, stat_octets;
};

/* ---- Engine API --------------------------------------------------------- */

/* Registration: call from proto_register_X after proto_register_protocol. */
void ms_register_common(ms_proto_t *p, int proto_id, module_t *prefs, dissector_t dissector,
                        const ei_register_info *proto_eis, int n_proto_eis);
/* Handoff (called again when preferences change): heuristics on tcp and
 * tls once, then the port preferences. */
void ms_handoff_common(ms_proto_t *p, heur_dissector_t heur, const char *heur_tcp_name,
                       const char *heur_tls_name);

/* Dissector entry points (the protocol wraps them in its own functions). */
int  ms_dissect(ms_proto_t *p, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
ms_heur_result_t ms_dissect_heur(ms_proto_t *p, tvbuff_t *tvb, packet_info *pinfo,
                                 proto_tree *tree, void *data);

/* Line helpers (never throw). */
int  ms_find_line(tvbuff_t *tvb, int offset, int max_len, int *next_offset, ms_eol_t *eol);
bool ms_token_is(tvbuff_t *tvb, int offset, int len, const char *word);
int  ms_token_len(tvbuff_t *tvb, int offset, int len);
char *ms_line_string(ms_ctx_t *c, int offset, int len);

/* Commands (both passes). */
const ms_command_t *ms_lookup_command(const ms_proto_t *p, tvbuff_t *tvb, int offset, int len);
const ms_command_t *ms_command_by_id(const ms_proto_t *p, guint16 id);
int  ms_command_argument(tvbuff_t *tvb, int offset, int len, int *arg_off);
const ms_command_t *ms_render_command(ms_ctx_t *c, int *arg_off, int *arg_len);
const char *ms_auth_summary(ms_ctx_t *c, int arg_off, int arg_len);

/* First-pass helpers for the protocol analyzers. */
void ms_note(ms_ctx_t *c, int ei, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void ms_set_phase(ms_ctx_t *c, guint8 phase);
void ms_set_state(ms_ctx_t *c, guint8 state);
void ms_set_unit_kind(ms_ctx_t *c, ms_unit_kind_t kind);
void ms_set_greeting_phase(ms_ctx_t *c);
bool ms_connection_start_captured(ms_ctx_t *c);
void ms_request_expects_reply(ms_ctx_t *c);
void ms_expect_content(ms_ctx_t *c, int direction, bool reassemble_as_message);
void ms_expect_listing(ms_ctx_t *c, int direction, guint16 listing_kind);
void ms_expect_chunk(ms_ctx_t *c, guint64 octets, bool last);
void ms_cancel_content(ms_ctx_t *c, int direction);
void ms_abandon_message(ms_ctx_t *c, int direction);
guint64 ms_cancel_chunk(ms_ctx_t *c, const ms_unit_t *request);
void ms_tls_requested(ms_ctx_t *c);
void ms_tls_answer(ms_ctx_t *c, bool accepted);
const char *ms_strdup_line(ms_ctx_t *c, int offset, int len);

/* SASL, shared by SMTP AUTH and POP3 AUTH. */
void ms_sasl_start(ms_ctx_t *c, int mech_off, int mech_len, int ir_off, int ir_len);
void ms_sasl_challenge(ms_ctx_t *c, int off, int len);
void ms_auth_result(ms_ctx_t *c, bool success, const char *how);
/* Credentials that are not SASL (POP3 USER/PASS, APOP). */
void ms_credentials_exposed(ms_ctx_t *c, const char *mech, const char *user,
                            bool challenge_response);

/* Header fields of the reassembled message msg (whose reassembly id is
 * msg_id): From, Subject and Message-ID from a bounded scan of its header
 * section, computed once per message and kept (file scope) for every pass. */
const ms_msg_headers_t *ms_message_headers(guint32 msg_id, tvbuff_t *msg);
/* Remembers an expert info raised while rendering, for the session views
 * (notes decided on the first pass are in the unit already). */
void ms_tap_expert(ms_ctx_t *c, int ei);

/* Rendering helpers. */
proto_item *ms_add_text(ms_ctx_t *c, proto_tree *tree, int hf, int offset, int len,
                        unsigned enc);
proto_item *ms_add_string(ms_ctx_t *c, proto_tree *tree, int hf, int offset, int len);
void ms_render_sasl(ms_ctx_t *c, proto_tree *tree);

/* Protocol registration (plugin.c calls these). */
void proto_register_esmtp(void);
void proto_reg_handoff_esmtp(void);
void proto_register_pop3(void);
void proto_reg_handoff_pop3(void);

#endif /* MAILSCOPE_MAIL_ENGINE_H */
