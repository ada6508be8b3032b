# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for tools/make-synthetic: pcapng writing (wire) and a small TCP
session simulator (session).  Standard library only."""
