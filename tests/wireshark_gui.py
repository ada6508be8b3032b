# SPDX-License-Identifier: GPL-2.0-or-later
"""Drive the real Wireshark GUI under Xvfb (tests/gui-check, tools/screenshots).

Wireshark runs through tests/tshark-wrapper (MAILSCOPE_TSHARK pointing at
the wireshark binary): the plugin from the build tree, an empty
configuration, privileges dropped when run as root (Wireshark ignores
personal plugin folders as root).  Windows are found and driven with
xdotool; there is no window manager, so dialogs open at their default
place and size.  Standard library only.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "tests" / "tshark-wrapper"

SCREEN = (1280, 800)


class Skip(Exception):
    """No display server can be started here: the GUI cannot be tested."""


class GuiError(Exception):
    pass


def missing_tools():
    return [t for t in ("Xvfb", "xdotool", "wireshark") if not shutil.which(t)]


class Xvfb:
    """A virtual X server on a free display number (-displayfd)."""

    def __init__(self, size=SCREEN):
        if not shutil.which("Xvfb"):
            raise Skip("Xvfb is not installed (Debian package xvfb)")
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{size[0]}x{size[1]}x24",
             "-nolisten", "tcp", "-ac", "-noreset"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        os.close(w)
        number = b""
        deadline = time.time() + 20
        with os.fdopen(r, "rb", buffering=0) as f:
            while time.time() < deadline and not number.endswith(b"\n"):
                chunk = f.read(16)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            err = self.proc.stderr.read(2000).decode("utf-8", "replace") if self.proc.poll() \
                is not None else ""
            self.stop()
            raise Skip(f"Xvfb did not start a display{': ' + err.strip() if err else ''}")
        self.display = f":{number.decode().strip()}"

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Wireshark:
    """One wireshark process with mailscope loaded from build_dir."""

    def __init__(self, xvfb, build_dir, args, wireshark="wireshark", profile=None):
        self.x = xvfb
        extra = {"MAILSCOPE_PROFILE": str(profile)} if profile else {}
        self.env = dict(os.environ, **extra, DISPLAY=xvfb.display,
                        MAILSCOPE_TSHARK=shutil.which(wireshark) or wireshark,
                        MAILSCOPE_BUILD_DIR=str(build_dir),
                        QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=tempfile.mkdtemp())
        # Wireshark runs as uid 65534 (tests/tshark-wrapper); Qt wants its
        # runtime folder private to that user.
        if os.geteuid() == 0:
            os.chown(self.env["XDG_RUNTIME_DIR"], 65534, 65534)
        os.chmod(self.env["XDG_RUNTIME_DIR"], 0o700)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([str(WRAPPER), "--build-dir", str(build_dir), "--"]
                                     + [str(a) for a in args],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.env,
                                     start_new_session=True)

    # --- X helpers ----------------------------------------------------------
    def xdo(self, *args, check=True):
        r = subprocess.run(["xdotool", *map(str, args)], capture_output=True, text=True,
                           env=self.env, timeout=30)
        if check and r.returncode != 0:
            raise GuiError(f"xdotool {' '.join(map(str, args))}: {r.stderr.strip()}")
        return r.stdout

    def windows(self):
        """{window id: name} of every visible window."""
        out = self.xdo("search", "--onlyvisible", "--name", ".", check=False)
        names = {}
        for w in out.split():
            names[w] = self.xdo("getwindowname", w, check=False).strip()
        return names

    def wait_window(self, pattern, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.check_alive()
            for w, name in self.windows().items():
                if re.search(pattern, name):
                    return w, name
            time.sleep(0.5)
        raise GuiError(f"no window named like {pattern!r} after {timeout}s; windows: "
                       f"{sorted(self.windows().values())}")

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise GuiError(f"wireshark exited (status {self.proc.returncode}):\n" + self.output())

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def key(self, window, *keys, pause=0.6):
        for k in keys:
            self.xdo("windowfocus", window, check=False)
            self.xdo("key", "--clearmodifiers", k)
            time.sleep(pause)

    def click(self, x, y, button=1):
        """Click at screen coordinates (windows are placed at 0,0)."""
        self.xdo("mousemove", "--sync", x, y)
        self.xdo("click", button)
        time.sleep(0.6)

    def settle(self, seconds=1.5):
        time.sleep(seconds)
        self.check_alive()

    # --- what the tests and screenshots do -------------------------------------
    def main_window(self, capture_name, size=SCREEN):
        # Where the wrapper has to copy the capture (setpriv, in a chroot) the
        # copy's name is "<n>-<capture>".
        w, _ = self.wait_window(r"^(\d+-)?" + re.escape(capture_name))
        self.xdo("windowmove", w, 0, 0)
        self.xdo("windowsize", w, size[0], size[1])
        self.settle(2)
        return w

    def open_stats_tree(self, main, protocol_label):
        """Statistics > mailscope > <protocol_label>: the plugin trees are the
        last entries of the Statistics menu (Wireshark appends them)."""
        self.key(main, "alt+s", "Up", "Right")
        entries = {"POP3": 0, "SMTP": 1}     # the submenu is sorted by name
        for _ in range(entries[protocol_label]):
            self.key(main, "Down")
        self.key(main, "Return")
        return self.wait_window(re.escape(f"{protocol_label} sessions"), timeout=60)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        shutil.rmtree(self.env["XDG_RUNTIME_DIR"], ignore_errors=True)


def screenshot(xvfb, path, window=None, crop=None):
    """PNG of the screen (or one window), optionally cropped to (w, h, x, y)."""
    env = dict(os.environ, DISPLAY=xvfb.display)
    imagemagick = Path(shutil.which("import") or "/usr/bin/import").parent
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.png"
        subprocess.run([str(imagemagick / "import"), "-window", window or "root", str(raw)],
                       check=True, env=env, timeout=60)
        args = [str(imagemagick / "convert"), str(raw)]
        if crop:
            w, h, x, y = crop
            args += ["-crop", f"{w}x{h}+{x}+{y}", "+repage"]
        # A window's few colours fit a 64-colour palette: a quarter of the
        # size of a 16-bit RGB PNG, text still crisp.
        args += ["+dither", "-colors", "64", "-strip", "-define", "png:compression-level=9",
                 f"PNG8:{path}"]
        subprocess.run(args, check=True, timeout=60)
