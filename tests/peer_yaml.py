# SPDX-License-Identifier: GPL-2.0-or-later
"""peer_yaml -- the subset of YAML that suricata-verify's test.yaml files use.

Standard library only (ctest may run a python without Debian's python3-yaml).
Supported: block mappings and block sequences (a sequence may sit at its key's
indentation), flow sequences [a, "b"], flow mappings {k: v}, plain, single-
and double-quoted scalars, comments.  Plain scalars become int, bool (true/
false/yes/no), None (null, ~, empty) or str, as YAML 1.1 loaders do.  Block
scalars (| and >), anchors, tags and multi-document files are refused with
an error naming the line: none of the peer files has them, and a silent
misreading would compare against the wrong expectation.
"""

import re


class YamlError(ValueError):
    pass


def _strip_comment(text):
    """The line without a trailing comment (a '#' at the start or after a
    blank, outside quotes)."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i]
    return text


def _lines(text):
    """(line number, indentation, content) of every non-blank line."""
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise YamlError(f"line {n}: tab in indentation")
        body = _strip_comment(raw).rstrip()
        if not body.strip():
            continue
        if body.strip() in ("---", "..."):
            if out:
                raise YamlError(f"line {n}: several documents")
            continue
        indent = len(body) - len(body.lstrip(" "))
        out.append((n, indent, body.strip()))
    return out


_INT = re.compile(r"^[-+]?[0-9]+$")


def _plain(text, n):
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE", "yes", "Yes"):
        return True
    if text in ("false", "False", "FALSE", "no", "No"):
        return False
    if _INT.match(text):
        return int(text)
    if text[0] in "&*!|>%@`":
        raise YamlError(f"line {n}: unsupported YAML construct {text[:20]!r}")
    return text


def _quoted(text, pos, n):
    """The quoted scalar starting at text[pos]: (value, position after it)."""
    q = text[pos]
    i = pos + 1
    out = []
    while i < len(text):
        ch = text[i]
        if q == "'" and ch == "'":
            if text[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        if q == '"' and ch == "\\":
            esc = text[i + 1:i + 2]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/",
                        "r": "\r", "0": "\0"}.get(esc, "\\" + esc))
            i += 2
            continue
        if q == '"' and ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise YamlError(f"line {n}: unterminated quoted scalar")


def _flow(text, pos, n):
    """A flow collection or scalar inside one: (value, position after it)."""
    while pos < len(text) and text[pos] == " ":
        pos += 1
    if pos >= len(text):
        raise YamlError(f"line {n}: unterminated flow collection")
    ch = text[pos]
    if ch in "[{":
        close = "]" if ch == "[" else "}"
        items = [] if ch == "[" else {}
        pos += 1
        while True:
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos < len(text) and text[pos] == close:
                return items, pos + 1
            if ch == "[":
                value, pos = _flow(text, pos, n)
                items.append(value)
            else:
                key, pos = _flow(text, pos, n)
                while pos < len(text) and text[pos] == " ":
                    pos += 1
                if text[pos:pos + 1] != ":":
                    raise YamlError(f"line {n}: ':' expected in flow mapping")
                value, pos = _flow(text, pos + 1, n)
                items[key] = value
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if text[pos:pos + 1] == ",":
                pos += 1
            elif text[pos:pos + 1] != close:
                raise YamlError(f"line {n}: ',' or '{close}' expected in flow collection")
    if ch in "'\"":
        return _quoted(text, pos, n)
    end = pos
    while end < len(text) and text[end] not in ",]}" and not (
            text[end] == ":" and text[end + 1:end + 2] in (" ", "")):
        end += 1
    return _plain(text[pos:end].strip(), n), end


def _scalar(text, n):
    """A value written on the same line as its key or dash."""
    if not text:
        return None
    if text[0] in "[{'\"":
        value, end = _flow(text, 0, n)
        if text[end:].strip():
            raise YamlError(f"line {n}: text after a value: {text[end:]!r}")
        return value
    return _plain(text, n)


def _split_key(text, n):
    """'key: value' -> (key, value text), or None when the line is no mapping entry."""
    if text[0] in "'\"":
        key, end = _quoted(text, 0, n)
        rest = text[end:]
        if not rest.startswith(":"):
            return None
        return key, rest[1:].strip()
    m = re.match(r"^([^\s:'\"\[\]{},#][^:]*?):(?:\s+(.*))?$", text)
    if not m:
        return None
    return m.group(1), (m.group(2) or "").strip()


class _Parser:
    def __init__(self, lines):
        self.lines = lines
        self.i = 0

    def peek(self):
        return self.lines[self.i] if self.i < len(self.lines) else None

    def block(self, indent):
        """The block (mapping or sequence) whose lines start at indent."""
        first = self.peek()
        if first is None or first[1] < indent:
            return None
        if first[2] == "-" or first[2].startswith("- "):
            return self.sequence(first[1])
        return self.mapping(first[1])

    def mapping(self, indent):
        out = {}
        while True:
            line = self.peek()
            if line is None or line[1] < indent:
                return out
            n, ind, text = line
            if ind > indent:
                raise YamlError(f"line {n}: unexpected indentation")
            if text == "-" or text.startswith("- "):
                return out      # a sequence at its key's indentation ends here
            kv = _split_key(text, n)
            if kv is None:
                raise YamlError(f"line {n}: 'key: value' expected, got {text!r}")
            key, rest = kv
            self.i += 1
            if rest:
                out[key] = _scalar(rest, n)
                continue
            nxt = self.peek()
            if nxt is not None and (nxt[1] > indent or (
                    nxt[1] == indent and (nxt[2] == "-" or nxt[2].startswith("- ")))):
                out[key] = self.block(nxt[1])
            else:
                out[key] = None

    def sequence(self, indent):
        out = []
        while True:
            line = self.peek()
            if line is None or line[1] != indent or not (line[2] == "-" or line[2].startswith("- ")):
                if line is not None and line[1] > indent:
                    raise YamlError(f"line {line[0]}: unexpected indentation")
                return out
            n, ind, text = line
            rest = text[1:].lstrip(" ")
            if not rest:
                self.i += 1
                nxt = self.peek()
                out.append(self.block(nxt[1]) if nxt is not None and nxt[1] > indent else None)
                continue
            item_indent = indent + (len(text) - len(rest))
            if _split_key(rest, n) is not None and rest[0] not in "[{":
                # "- key: value" opens a mapping whose keys sit at item_indent.
                self.lines[self.i] = (n, item_indent, rest)
                out.append(self.mapping(item_indent))
            else:
                self.i += 1
                out.append(_scalar(rest, n))


def loads(text):
    lines = _lines(text)
    if not lines:
        return None
    p = _Parser(lines)
    value = p.block(lines[0][1])
    if p.peek() is not None:
        n = p.peek()[0]
        raise YamlError(f"line {n}: text after the document's top-level block")
    return value


def load(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return loads(f.read())
