"""A live progress line for long conformance runs, and a filter for TensorFlow's native log noise.

The progress line redraws in place on a terminal and prints a line every 10 % otherwise (CI logs), with
the elapsed time and an ETA from the mean time per case so far."""

import os
import re
import sys
import threading
import time


class Progress:
    def __init__(self, total, stream=None, width=28):
        self.total = max(total, 1)
        self.stream = stream or sys.stdout
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.perf_counter()
        self.done = 0
        self.failed = 0
        self._next_pct = 10

    def update(self, label, passed):
        self.done += 1
        self.failed += not passed
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / self.done * (self.total - self.done)
        frac = self.done / self.total
        bar = "#" * int(frac * self.width)
        line = (f"[{bar:{self.width}s}] {self.done}/{self.total} {frac:4.0%}  {elapsed:5.0f}s elapsed, "
                f"ETA {eta:4.0f}s  failing {self.failed}  {label[:40]}")
        if self.tty:
            self.stream.write("\r" + line.ljust(120)[:120])
            self.stream.flush()
        elif frac * 100 >= self._next_pct or self.done == self.total:
            while frac * 100 >= self._next_pct:
                self._next_pct += 10
            self.stream.write(line + "\n")
            self.stream.flush()

    def clear(self):
        """Erase the live line before a normal row is printed (terminal only)."""
        if self.tty:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()

    def close(self):
        if self.tty:
            self.clear()


# Lines that TensorFlow's C++ runtime writes straight to file descriptor 2 before (and regardless of)
# TF_CPP_MIN_LOG_LEVEL: the absl pre-init banner and glog-style notices (oneDNN, CPU features). A real
# failure inside TensorFlow still reaches the report as the failing case's error.
_NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|[IWEF]\d{4} [\d:.]+\s+\d+ \w+\.cc:\d+\].*"
    rb"|To enable the following instructions: .*"
    rb"|.*This TensorFlow binary is optimized to use available CPU instructions.*)\s*$")


def filter_native_stderr():
    """Route fd 2 through a thread that drops TensorFlow's native log noise and forwards the rest.

    Used only by command-line entry points (never under pytest, which captures fd 2 itself).
    Returns a function that restores fd 2 and flushes what is pending."""
    if os.environ.get("CONFORMANCE_RAW_STDERR"):
        return lambda: None
    sys.stderr.flush()
    saved = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def pump():
        with os.fdopen(read_fd, "rb", buffering=0) as src:
            pending = b""
            while True:
                chunk = src.read(4096)
                if not chunk:
                    break
                pending += chunk
                # forward partial lines at once (the live progress line uses \r, never \n)
                *lines, pending = re.split(rb"(?<=[\n\r])", pending)
                for ln in lines:
                    if not _NOISE.match(ln):
                        os.write(saved, ln)
                if pending and not pending.startswith((b"W", b"I", b"E")):
                    os.write(saved, pending)
                    pending = b""
            if pending and not _NOISE.match(pending):
                os.write(saved, pending)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()

    def restore():
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's last writer, so the pump sees EOF
        thread.join(timeout=2)
        os.close(saved)

    return restore
