"""``torch.profiler``: ``profile``, ``record_function``, ``ProfilerActivity``, ``schedule``,
``tensorboard_trace_handler`` (see tinygraph/autograd/profiler.py: the ranges a program marks
are timed; ops are not timed one by one)."""

from .autograd.profiler import (
    EventList,
    FunctionEvent,
    FunctionEventAvg,
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg"]
