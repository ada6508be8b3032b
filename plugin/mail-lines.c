/* mail-lines.c — lines and tokens in a tvb, commands by their word, and the
 * text fields built from them.
 *
 * Owns: where a line ends (LF, as servers see it; a CR at the end of what
 * is in reach may be half a CRLF), tokens and their lengths, command lookup
 * in the protocol's table and the argument after it, strings cut from a
 * line (wmem, bounded), and text fields that keep bytes as sent.
 *
 * Must not touch: session state or units (these are pure functions of the
 * tvb and the protocol's constant tables).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mail-engine-private.h"

/* Finds the end of the line starting at offset, looking at no more than
 * max_len octets.  Returns the line length without its end, or -1 when no
 * line end is in reach; *next_offset is the first octet after the line end.
 * A CR as the last octet in reach may be the first half of a CRLF split
 * across segments, so it does not count as a line end. */
int
ms_find_line(tvbuff_t *tvb, int offset, int max_len, int *next_offset, ms_eol_t *eol)
{
    /* Lines end at LF, as real servers see them: Postfix, Exim and Dovecot
     * take a bare LF as a line end but keep a bare CR inside the line. */
    int avail = tvb_captured_length_remaining(tvb, offset);
    if (avail <= 0)
        return -1;
    if (max_len > avail || max_len < 0)   /* < 0: to the end, as tvb_find_uint8() */
        max_len = avail;
    if (max_len == 0)
        return -1;
    /* Raw octets (this runs several times for every PDU): for the data TCP
     * and TLS hand over, tvb_get_ptr() copies nothing. */
    const guint8 *d = tvb_get_ptr(tvb, offset, max_len);
    const guint8 *lf = memchr(d, '\n', (size_t)max_len);
    if (!lf)
        return -1;
    int len = (int)(lf - d);
    *next_offset = offset + len + 1;
    if (len > 0 && d[len - 1] == '\r') {
        len--;
        *eol = MS_EOL_CRLF;
    } else {
        *eol = MS_EOL_LF;
    }
    /* A CR inside the line is a bare CR (one servers disagree about). */
    if (len > 0 && memchr(d, '\r', (size_t)len))
        *eol = *eol == MS_EOL_CRLF ? MS_EOL_CR : MS_EOL_LF;
    return len;
}

/* Is the token at offset (up to len octets, ending at SP, ':' or the end)
 * the given word, compared case-insensitively? */
bool
ms_token_is(tvbuff_t *tvb, int offset, int len, const char *word)
{
    size_t wl = strlen(word);
    if ((int)wl > len)
        return false;
    if (tvb_strncaseeql(tvb, offset, word, wl) != 0)
        return false;
    if ((int)wl == len)
        return true;
    guint8 next = tvb_get_uint8(tvb, offset + (int)wl);
    return next == ' ' || next == '\t';
}

/* Length of the first space-delimited token of a line. */
int
ms_token_len(tvbuff_t *tvb, int offset, int len)
{
    int sp = tvb_find_uint8(tvb, offset, len, ' ');
    return sp < 0 ? len : sp - offset;
}

/* len octets known to hold no NUL as a string: one copy (wmem_strndup()
 * would test every octet for a NUL again, one at a time). */
static char *
copy_octets(wmem_allocator_t *scope, const guint8 *d, int len)
{
    char *s = (char *)wmem_alloc(scope, (size_t)len + 1);
    memcpy(s, d, (size_t)len);
    s[len] = '\0';
    return s;
}

char *
ms_line_string(ms_ctx_t *c, int offset, int len)
{
    if (!c->want_text)
        return (char *)"";   /* no tree, no columns: nobody reads it */
    /* Printable ASCII is shown as it is: the line itself, without
     * format_text()'s per-character escaping (every PDU's Info text). */
    if (len > 0) {
        const guint8 *d = tvb_get_ptr(c->tvb, offset, len);
        int i = 0;
        while (i < len && d[i] >= 0x20 && d[i] < 0x7f)
            i++;
        if (i == len)
            return copy_octets(c->pinfo->pool, d, len);
    }
    return tvb_format_text(c->pinfo->pool, c->tvb, offset, len);
}

/* The text of octets of a mail line.  Mail lines must not hold NUL octets;
 * when one does (the engine notes line.nul), each NUL becomes U+2400
 * (SYMBOL FOR NULL) so that nothing after it is hidden from display,
 * filters and the user names kept for credential warnings. */
static char *
line_text(wmem_allocator_t *scope, tvbuff_t *tvb, int offset, int len, unsigned enc)
{
    if (len <= 0 || tvb_find_uint8(tvb, offset, len, 0) < 0)
        return ms_get_string(scope, tvb, offset, len, enc);
    wmem_strbuf_t *text = wmem_strbuf_new(scope, "");
    int pos = offset, end = offset + len;
    while (pos < end) {
        int nul = tvb_find_uint8(tvb, pos, end - pos, 0);
        int piece = (nul < 0 ? end : nul) - pos;
        if (piece > 0)
            wmem_strbuf_append(text, ms_get_string(scope, tvb, pos, piece, enc));
        if (nul < 0)
            break;
        wmem_strbuf_append(text, "\xe2\x90\x80");   /* U+2400 */
        pos = nul + 1;
    }
    return wmem_strbuf_finalize(text);
}

const char *
ms_strdup_line(ms_ctx_t *c, int offset, int len)
{
    return line_text(wmem_file_scope(), c->tvb, offset, len, ENC_UTF_8 | ENC_NA);
}

/* Adds octets of a mail line as an FT_STRING item.  A line with a NUL gets
 * its value from line_text(), which also keeps Wireshark's generic
 * "Trailing stray characters" check out of it: 4.0 runs that check even for
 * items it does not build, 4.4 and later only for built ones, so the same
 * capture would otherwise give different expert infos per release. */
proto_item *
ms_add_text(ms_ctx_t *c, proto_tree *tree, int hf, int offset, int len, unsigned enc)
{
    if (!tree)
        return NULL;
    if (len > 0 && PTREE_DATA(tree)->visible) {
        /* Octets below 0x80 other than NUL read as themselves in ASCII and
         * UTF-8 alike: then they are the string, without the decoder's
         * per-octet work (mail lines usually are such text, and every
         * request and reply has several string items). */
        const guint8 *d = tvb_get_ptr(c->tvb, offset, len);
        int i = 0;
        while (i < len && d[i] && d[i] < 0x80)
            i++;
        if (i == len) {
            /* The item keeps a copy of its own: the string is needed only
             * for the call (on the stack when it is short, as most are). */
            char buf[256];
            char *text = len < (int)sizeof buf ? buf : (char *)wmem_alloc(c->pinfo->pool, (size_t)len + 1);
            memcpy(text, d, (size_t)len);
            text[len] = '\0';
            return proto_tree_add_string(tree, hf, c->tvb, offset, len, text);
        }
    }
    if (len <= 0 || tvb_find_uint8(c->tvb, offset, len, 0) < 0)
        return proto_tree_add_item(tree, hf, c->tvb, offset, len, enc | ENC_NA);
    return proto_tree_add_string(tree, hf, c->tvb, offset, len,
                                 line_text(c->pinfo->pool, c->tvb, offset, len, enc));
}

proto_item *
ms_add_string(ms_ctx_t *c, proto_tree *tree, int hf, int offset, int len)
{
    return ms_add_text(c, tree, hf, offset, len, ENC_UTF_8);
}

const ms_command_t *
ms_lookup_command(const ms_proto_t *p, tvbuff_t *tvb, int offset, int len)
{
    int wl = ms_token_len(tvb, offset, len);
    if (wl <= 0)
        return NULL;
    /* Runs once per request (its analysis on the first pass, which stores
     * the id in the unit; later, ms_command_by_id()): raw octets, the
     * first letter first, no tvb call per command.  The words are upper
     * case. */
    const guint8 *w = tvb_get_ptr(tvb, offset, wl);
    guint8 first = (guint8)g_ascii_toupper(w[0]);
    for (size_t i = 0; i < p->n_commands; i++) {
        const char *word = p->commands[i].word;
        if ((guint8)word[0] == first && strlen(word) == (size_t)wl &&
            g_ascii_strncasecmp((const char *)w, word, (gsize)wl) == 0)
            return &p->commands[i];
    }
    return NULL;
}

/* The command a unit's id names (ms_unit_t.cmd, stored by the protocol's
 * analysis); NULL for 0 (unknown) and ids of no table entry. */
const ms_command_t *
ms_command_by_id(const ms_proto_t *p, guint16 id)
{
    for (size_t i = 0; id && i < p->n_commands; i++)
        if (p->commands[i].id == id)
            return &p->commands[i];
    return NULL;
}

/* The argument: after the command word and the spaces that follow it. */
int
ms_command_argument(tvbuff_t *tvb, int offset, int len, int *arg_off)
{
    int end = offset + len;
    int a = offset + ms_token_len(tvb, offset, len);
    while (a < end && tvb_get_uint8(tvb, a) == ' ')
        a++;
    *arg_off = a;
    return end - a;
}
