"""A small profiler with ``torch.profiler``'s and ``torch.autograd.profiler``'s names: it times
the ranges a program marks with ``record_function("name")`` (a context manager or a
decorator), each range's self time excluding the ranges nested in it, while a ``profile``
records.

    with tg.profiler.profile(activities=[ProfilerActivity.CPU]) as prof:
        with tg.profiler.record_function("model_inference"):
            model(x)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

What it does not do (a deliberate difference): time every op as torch's does, count memory
or FLOPs; ``activities`` other than the CPU record nothing. ``schedule`` and
``on_trace_ready`` (``tensorboard_trace_handler``, ``export_chrome_trace``) work as torch's.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import time

_recording: list = []  # profiles recording now
_open: list = []  # the ranges entered and not yet left: [name, start, time of children]


class ProfilerActivity(enum.Enum):
    """What a profile records (tinygraph times CPU ranges only)."""

    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0):
    """The action at each step: skip ``skip_first``, then cycles of ``wait`` idle steps,
    ``warmup`` steps and ``active`` recorded ones (the last of which saves), ``repeat``
    times (0: for ever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError("schedule: wait, warmup, repeat and skip_first must be >= 0 and "
                         "active > 0.")

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        at = step % cycle
        if at < wait:
            return ProfilerAction.NONE
        if at < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if at < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


class record_function(contextlib.ContextDecorator):  # noqa: N801 - torch's name
    """Mark a range (a ``with`` block or a decorated function) for the profiler."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args

    def __enter__(self):
        _open.append([self.name, time.perf_counter(), 0.0])
        return self

    def __exit__(self, *exc) -> bool:
        name, start, children = _open.pop()
        end = time.perf_counter()
        if _open:
            _open[-1][2] += end - start
        for prof in _recording:
            prof._events.append(FunctionEvent(name, start, end, end - start - children))
        return False


class FunctionEvent:
    """One recorded range; times in microseconds, as torch's."""

    def __init__(self, name: str, start: float, end: float, self_time: float) -> None:
        self.key = self.name = name
        self.time_range = (start * 1e6, end * 1e6)
        self.cpu_time_total = (end - start) * 1e6
        self.self_cpu_time_total = self_time * 1e6
        self.count = 1
        self.is_user_annotation = True


class FunctionEventAvg:
    """The events of one name summed: ``count``, ``cpu_time_total``, ``self_cpu_time_total``
    and the average ``cpu_time`` (microseconds)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.device_time_total = self.self_device_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.is_user_annotation = True

    def add(self, event) -> FunctionEventAvg:
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / max(self.count, 1)


class EventList(list):
    """Events (or their averages) with ``table()`` and ``total_average()``."""

    def table(self, sort_by: str | None = None, row_limit: int = 100, **_) -> str:
        rows = list(self)
        if sort_by:
            key = sort_by.replace("self_cpu_time_total", "self_cpu_time_total")
            if key in ("count", "cpu_time", "cpu_time_total", "self_cpu_time_total"):
                rows.sort(key=lambda e: getattr(e, key), reverse=True)
        rows = rows[:row_limit] if row_limit and row_limit > 0 else rows
        total = sum(e.self_cpu_time_total for e in self) or 1.0
        width = max([len("Name")] + [len(e.key) for e in rows]) + 2
        head = ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "# of Calls")
        line = "-" * width + "  " + "  ".join("-" * 12 for _ in head[1:])
        out = [line, f"{head[0]:>{width}}  " + "  ".join(f"{h:>12}" for h in head[1:]), line]
        for e in rows:
            cells = (f"{100 * e.self_cpu_time_total / total:.2f}%",
                     _us(e.self_cpu_time_total), f"{100 * e.cpu_time_total / total:.2f}%",
                     _us(e.cpu_time_total), _us(e.cpu_time_total / max(e.count, 1)),
                     str(e.count))
            out.append(f"{e.key:>{width}}  " + "  ".join(f"{c:>12}" for c in cells))
        out += [line, f"Self CPU time total: {_us(total if self else 0.0)}", ""]
        return "\n".join(out)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for event in self:
            total.add(event)
        return total


def _us(micros: float) -> str:
    if micros >= 1e6:
        return f"{micros / 1e6:.3f}s"
    if micros >= 1e3:
        return f"{micros / 1e3:.3f}ms"
    return f"{micros:.3f}us"


class profile:  # noqa: N801 - torch's name
    """Record the ``record_function`` ranges run inside ``with profile(...) as prof:``
    (torch.profiler.profile and torch.autograd.profiler.profile both accept their own
    options; those about devices, memory, shapes and stacks change nothing here)."""

    def __init__(self, activities=None, *, schedule=None, on_trace_ready=None,
                 enabled: bool = True, **options) -> None:
        self.activities = set(activities or [ProfilerActivity.CPU])
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.enabled = enabled
        self.options = options
        self.step_num = 0
        self._events: list = []
        self._saved: list = []

    def _action(self) -> ProfilerAction:
        return ProfilerAction.RECORD if self.schedule is None else self.schedule(self.step_num)

    def _sync(self) -> None:
        recording = (self.enabled and ProfilerActivity.CPU in self.activities
                     and self._action() in (ProfilerAction.RECORD,
                                            ProfilerAction.RECORD_AND_SAVE))
        if recording and self not in _recording:
            _recording.append(self)
        elif not recording and self in _recording:
            _recording.remove(self)

    def start(self) -> None:
        self._sync()

    def stop(self) -> None:
        if self in _recording:
            _recording.remove(self)
        if self._events and (self.schedule is None
                             or self._action() in (ProfilerAction.RECORD,
                                                   ProfilerAction.RECORD_AND_SAVE)):
            self._trace_ready()

    def step(self) -> None:
        """End a step: a RECORD_AND_SAVE step hands its trace to ``on_trace_ready``."""
        if self.schedule is not None and self._action() == ProfilerAction.RECORD_AND_SAVE:
            self._trace_ready()
        self.step_num += 1
        self._sync()

    def _trace_ready(self) -> None:
        self._saved = list(self._events)
        self._events = []
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> bool:
        self.stop()
        return False

    def events(self) -> EventList:
        return EventList(self._events or self._saved)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     **_) -> EventList:
        averages: dict = {}
        for event in self.events():
            averages.setdefault(event.key, FunctionEventAvg(event.key)).add(event)
        return EventList(averages.values())

    def export_chrome_trace(self, path) -> None:
        """The ranges as a Chrome trace (chrome://tracing, Perfetto)."""
        trace = [{"name": e.name, "ph": "X", "cat": "user_annotation", "pid": os.getpid(),
                  "tid": 0, "ts": e.time_range[0], "dur": e.cpu_time_total}
                 for e in self.events()]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)


def tensorboard_trace_handler(dir_name, worker_name: str | None = None,
                              use_gzip: bool = False):
    """An ``on_trace_ready`` that writes each trace into ``dir_name`` (as JSON)."""

    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{os.uname().nodename}_{os.getpid()}"
        stamp = int(time.time() * 1000)
        prof.export_chrome_trace(os.path.join(dir_name, f"{worker}.{stamp}.pt.trace.json"))

    return handler


__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg"]
