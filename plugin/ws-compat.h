/* ws-compat.h — the one place that knows Wireshark API versions.
 *
 * mailscope builds from one source against Wireshark 4.0 (Debian 12), 4.4
 * (Debian 13) and 4.6 (Debian unstable).  Every API difference met between
 * those releases is absorbed here, so the dissectors never test versions.
 * Where an API function was renamed, dissector code uses the newest name
 * (tvb_get_uint8, tvb_find_uint8, tvb_ws_mempbrk_pattern_uint8) and this
 * header maps it back onto older releases; where a type changed (bool or
 * gboolean heuristics and preferences, a statistic's init callback), the
 * code uses the ms_* type defined here.  GLib's integer types (guint8,
 * gboolean) stay: Wireshark 4.0's API is written in them, and 4.4 and 4.6
 * still accept them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_WS_COMPAT_H
#define MAILSCOPE_WS_COMPAT_H

#include <stdbool.h>
#include <ws_version.h>
#include <epan/packet.h>
/* 4.6: packet.h no longer includes tfs.h (true_false_string, TFS()). */
#include <epan/tfs.h>

#define MS_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/* Heuristic dissectors return gboolean up to 4.2 and bool from 4.4 on. */
#if MS_WS_AT_LEAST(4, 4)
typedef bool ms_heur_result_t;
#else
typedef gboolean ms_heur_result_t;
#endif

/* The guint8-style tvb accessors and the guint32 number formatter were
 * renamed in 4.4 (the old names are deprecated since); provide the new
 * names on older releases. */
#if !MS_WS_AT_LEAST(4, 4)
#define tvb_get_uint8(tvb, off)                  tvb_get_guint8(tvb, off)
#define tvb_find_uint8(tvb, off, len, needle)    tvb_find_guint8(tvb, off, len, needle)
#define tvb_ws_mempbrk_pattern_uint8(tvb, off, len, pat, found) \
    tvb_ws_mempbrk_pattern_guint8(tvb, off, len, pat, found)
#define uint32_to_str_buf(u, buf, len)           guint32_to_str_buf(u, buf, len)
#endif

/* Boolean preferences are gboolean up to 4.2 and bool from 4.4 on. */
#if MS_WS_AT_LEAST(4, 4)
typedef bool ms_pref_bool_t;
#else
typedef gboolean ms_pref_bool_t;
#endif

/* A tshark statistic's init callback (stat_tap_ui.tap_init_cb) returns
 * nothing up to 4.4 and whether it started from 4.6 on (4.5 development). */
#if MS_WS_AT_LEAST(4, 5)
typedef bool ms_stat_init_result_t;
#define MS_STAT_INIT_DONE true
#else
typedef void ms_stat_init_result_t;
#define MS_STAT_INIT_DONE
#endif

/* format_text() takes guchar* in 4.0 and char* later; a void* argument
 * converts to either. */
#include <epan/strutil.h>
#define ms_format_text(scope, str, len) format_text((scope), (const void *)(str), (len))

/* tvb_get_string_enc() returns guint8* (4.0) or uint8_t*; we want text. */
#define ms_get_string(scope, tvb, off, len, enc) \
    ((char *)tvb_get_string_enc((scope), (tvb), (off), (len), (enc)))

/* Subtree indices: 4.4 and later initialise them to 0, older releases to -1;
 * both accept -1 at registration. */
#define MS_ETT_INIT (-1)

/* Plugin description (plugin_describe) exists from 4.2 on. */
#if MS_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#define MS_HAVE_PLUGIN_DESCRIBE 1
#else
#define MS_HAVE_PLUGIN_DESCRIBE 0
#endif

/* ssl_starttls_post_ack() (TLS starts with the current frame) is exported by
 * libwireshark in every supported release, but its header drags in
 * libgcrypt; declare the one function we use. */
WS_DLL_PUBLIC guint32 ssl_starttls_post_ack(dissector_handle_t tls_handle, packet_info *pinfo,
                                            dissector_handle_t app_handle);

/* Statistics menu paths of stats trees: 4.2 and later split them at "//"
 * (STATS_TREE_MENU_SEPARATOR) and show the last part as the title; 4.0
 * splits at "/" and would show a "//" in the title and in tshark's output. */
#include <epan/stats_tree.h>
#ifdef STATS_TREE_MENU_SEPARATOR
#define MS_STATS_TREE_MENU_SEPARATOR STATS_TREE_MENU_SEPARATOR
#else
#define MS_STATS_TREE_MENU_SEPARATOR "/"
#endif

/* Wireshark's "credentials" tap (Tools > Credentials, tshark -z credentials)
 * takes this record.  Its type lives in ui/tap-credentials.h, which no
 * release installs, so mailscope declares the same layout here.  Checked
 * against 4.0.17's ui/tap-credentials.h (guint/gchar * members); 4.4 and
 * 4.6 keep the members, order and sizes, spelled unsigned/char *.  The
 * `credentials` ctest test reads the tap's output on each release (tools/
 * versions), so a layout change there fails a test instead of passing
 * silently. */
typedef struct {
    unsigned num;             /* frame of the secret (the packet the row selects) */
    unsigned username_num;    /* frame of the user name (0: not seen) */
    unsigned password_hf_id;  /* field the GUI selects in that packet */
    char *username;
    const char *proto;        /* "SMTP", "POP3": what users know the protocols as */
    char *info;
} ms_tap_credential_t;
/* What the tap's consumers show for a user name that was never seen. */
#define MS_TAP_CREDENTIALS_PLACEHOLDER "n.a."

#endif /* MAILSCOPE_WS_COMPAT_H */
