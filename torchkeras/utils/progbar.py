"""Keras 3's progress bar (`keras.utils.Progbar`), same text and the same averaging rules.

Display mode: on a terminal (or Jupyter / PyCharm) the bar is redrawn in place with `\\r`, bold and
coloured as Keras draws it. Anywhere else (a log file, a pipe, pytest's capture) only the final line
of each bar is printed, without colour codes: Keras 3 redraws with `\\r` even into files on Linux,
which fills logs with hundreds of overwritten lines; whole lines are what a log reader wants.
"""

import math
import os
import sys
import time

import numpy as np

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _is_interactive():
    from torchkeras import config

    if not config.is_interactive_logging_enabled():
        return False
    stdout = sys.stdout
    return ((hasattr(stdout, "isatty") and stdout.isatty()) or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ)


def _to_float(value):
    # The one place a device tensor is synced to the host: only when a line is actually drawn.
    if hasattr(value, "detach"):
        value = value.detach()
        return float(value.float().mean().cpu()) if value.numel() != 1 else float(value.cpu())
    return value


def format_time_per_unit(seconds, unit_name):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def format_value(value):
    if isinstance(value, (int, float, np.floating, np.integer)) or np.ndim(value) == 0:
        value = float(value)
        return f" {value:.4f}" if abs(value) > 1e-3 else f" {value:.4e}"
    return f" {value}"


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, None if unknown.
        width: progress bar width on screen.
        verbose: 0 (silent), 1 (bar), 2 (one line when the bar finishes).
        interval: minimum time (seconds) between two redraws.
        stateful_metrics: names whose values are shown as given (not averaged over steps).
        stateless_metrics: names averaged over steps (the others are shown as given).
        unit_name: display name for a step ("step", "sample").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be "
                             "provided. Received both.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._dynamic_display = _is_interactive()
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _is_stateless(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def will_draw(self, current, finalize=None):
        """Whether `update(current)` would draw now (lets callers skip computing values)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if self.verbose == 1:
            if finalize:
                return True
            return self._dynamic_display and time.time() - self._last_update >= self.interval
        return self.verbose == 2 and finalize

    def update(self, current, values=None, finalize=None):
        """Record step `current` with `values` [(name, value)] and redraw if due."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            value = _to_float(value)
            if self._is_stateless(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, (0.0, 0))
                self._values[name] = (total + value * steps, count + steps)
            else:
                self._values[name] = (value, 1)
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (now - self._last_update < self.interval
                                 or not self._dynamic_display):
                return
            self._draw_bar(current, finalize, now, time_per_unit)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            line += format_time_per_unit(time_per_unit, self.unit_name)
            sys.stdout.write(line + self._metrics_text() + "\n")
            sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _metrics_text(self):
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            text += f" - {name}:" + format_value(total / max(1, count))
        return text

    def _draw_bar(self, current, finalize, now, time_per_unit):
        colour = self._dynamic_display
        bold = (lambda s: f"{_BOLD}{s}{_RESET}") if colour else (lambda s: s)
        if self.target:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * current / self.target)
            bar = bold(f"{current:{digits}d}/{self.target}") + " "
            plain_len = digits + 1 + len(str(self.target)) + 1 + self.width
            if colour:
                if done > 0:
                    bar += f"{_GREEN}{'━' * done}{_RESET}"
                bar += f"{_GREY}{'━' * (self.width - done)}{_RESET}"
            else:
                bar += "━" * self.width
        else:
            bar = f"{current:7d}/Unknown"
            plain_len = len(bar)
        if self.target and not finalize:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_text = f"{int(eta)}s"
        else:
            eta_text = f"{now - self._start:.0f}s"
        info = " " + bold(eta_text) + format_time_per_unit(time_per_unit, self.unit_name)
        info += self._metrics_text()
        width = plain_len + 1 + len(eta_text) + len(info) - (len(bold(eta_text)) + 1)
        if colour:
            message = "\b" * self._prev_total_width + "\r" + bar + info
            if self._prev_total_width > width:
                message += " " * (self._prev_total_width - width)
        else:
            message = bar + info
        if finalize:
            message += "\n"
        sys.stdout.write(message)
        sys.stdout.flush()
        self._prev_total_width = width

    def _estimate_step_duration(self, current, now):
        # The first step (graph warm-up, lazy builds) is left out of the average once
        # later steps exist, as Keras does.
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit
