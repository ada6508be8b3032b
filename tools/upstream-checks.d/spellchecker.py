# SPDX-License-Identifier: GPL-2.0-or-later
"""Stand-in for pyspellchecker's `spellchecker` module, for Wireshark's
tools/check_spelling.py where pyspellchecker is not installed (Debian does
not package it).  It answers from Debian's English word lists (packages
wamerican and wbritish: /usr/share/dict/american-english, british-english)
plus the words the checker loads itself (tools/wireshark_words.txt and the
protocol names).  It knows no word frequencies, so correction() returns the
word unchanged; check_spelling.py only uses it in a commented-out line.
"""
import os
import re

_DICTS = ("/usr/share/dict/american-english", "/usr/share/dict/british-english")


class _WordFrequency:
    def __init__(self, words):
        self._words = words

    def load_text_file(self, filename, encoding="utf-8", tokenizer=None):
        with open(filename, encoding=encoding, errors="replace") as f:
            self.load_text(f.read())

    def load_text(self, text, tokenizer=None):
        self._words.update(w.lower() for w in re.findall(r"[A-Za-z']+", text))

    def load_words(self, words):
        self._words.update(str(w).lower() for w in words)

    def add(self, word, val=1):
        self._words.add(str(word).lower())

    def __contains__(self, word):
        return str(word).lower() in self._words


class SpellChecker:
    def __init__(self, language="en", local_dictionary=None, distance=2,
                 tokenizer=None, case_sensitive=False):
        words = set()
        found = False
        for path in _DICTS:
            if os.path.exists(path):
                found = True
                with open(path, encoding="utf-8", errors="replace") as f:
                    words.update(w.strip().lower() for w in f if w.strip())
        if not found:
            raise RuntimeError("no English word list: apt-get install wamerican wbritish")
        self.word_frequency = _WordFrequency(words)

    def known(self, words):
        return {w for w in words if w in self.word_frequency}

    def unknown(self, words):
        return {w for w in words if w not in self.word_frequency}

    def correction(self, word):
        return word

    def candidates(self, word):
        return {word}

    def __contains__(self, word):
        return word in self.word_frequency
