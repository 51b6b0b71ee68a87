"""The Optimizer base: parameter groups, lazily created per-parameter state, state_dict.

A subclass states its hyper-parameters (validated with ``ValueError``), the initial state of
one parameter (``init_state``) and one update rule (``update``): given the parameter's values,
its gradient, its state dict and its group's options, return the update ``u`` (the new value
is ``p - u``). The base does the bookkeeping around it, the way ``torch.optim.Optimizer`` does,
and subtracts ``u`` from ``p._data`` in place, counting it as an in-place change of ``p``.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..autograd.mode import per_thread
from ..autograd.versions import note_mutations
from ..tensor import Tensor


class Optimizer:
    """Base of every optimizer.

    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> opt.zero_grad(); loss.backward(); opt.step()

    ``params`` is an iterable of leaf Tensors or of param-group dicts (``{"params": [...],
    "lr": ...}``; options a group leaves out come from the defaults). With ``params=None`` the
    optimizer starts empty and gets its parameters from ``register_layers`` (or from the model,
    in ``fit``). ``learning_rate=`` is accepted everywhere as an alias of ``lr=``.
    """

    @property
    def param_groups(self) -> list[dict]:
        """The parameter groups: dicts with ``"params"``, ``"lr"`` and the other options."""
        return self._param_groups

    @param_groups.setter
    def param_groups(self, groups: list[dict]) -> None:
        self._param_groups = groups

    def __init__(self, params: Iterable | None = None, **defaults: Any) -> None:
        if "learning_rate" in defaults:
            learning_rate = defaults.pop("learning_rate")
            if learning_rate is not None:
                defaults["lr"] = learning_rate
        self.defaults = defaults
        self._param_groups: list[dict] = []
        self.state: dict[Tensor, dict] = {}  # keyed by the parameter (Tensors hash by identity)
        if params is None:
            return
        if isinstance(params, Tensor) or isinstance(params, dict) or hasattr(params, "parameters"):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or of "
                f"param-group dicts, got {type(params).__name__}. Pass model.parameters() or "
                "[tensor]."
            )
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list.")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    # -- parameters ------------------------------------------------------------------------

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing ones from the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: expected a dict, got {type(param_group).__name__}.")
        group = dict(param_group)
        if "learning_rate" in group:
            group["lr"] = group.pop("learning_rate")
        params = group.get("params")
        if params is None:
            raise ValueError("add_param_group: the group has no 'params' entry.")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}."
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__} can't optimize a non-leaf Tensor (shape {p.shape}); "
                    "optimize the leaf it was computed from, or detach() it first."
                )
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError("add_param_group: a parameter appears twice in the group.")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if taken.intersection(ids):
            raise ValueError("add_param_group: some parameters appear in more than one group.")
        group["params"] = params
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        lr = group.get("lr")
        if not isinstance(lr, numbers.Real) or lr < 0:
            raise ValueError(f"Invalid learning rate: {lr!r} (expected a number >= 0).")
        self.param_groups.append(group)

    def register_layers(self, layers) -> Optimizer:
        """Optimize the parameters of ``layers`` (a Module or a list of them).

        Parameters already optimized are skipped, so calling it twice, or with layers that
        share weights, is harmless; new ones form a group with the default options.
        """
        if hasattr(layers, "parameters"):
            layers = [layers]
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        new = []
        for layer in layers:
            for p in layer.parameters():
                if id(p) not in taken:
                    taken.add(id(p))
                    new.append(p)
        if new:
            self.add_param_group({"params": new})
        return self

    def parameters(self) -> list[Tensor]:
        """Every parameter of every group, in order."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def learning_rate(self) -> float:
        """The learning rate (of the first group; setting it sets every group's)."""
        return self.param_groups[0]["lr"] if self.param_groups else self.defaults["lr"]

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.defaults["lr"] = value
        for group in self.param_groups:
            group["lr"] = value

    # -- the step --------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (set ``.grad`` to None, PyTorch's default)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(np.zeros_like(p.grad._data))

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        if not self.param_groups:
            raise RuntimeError(
                f"{type(self).__name__}.step(): the optimizer has no parameters. Pass them to "
                "the constructor or call register_layers(model.layers)."
            )
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # no_grad() by hand (the context manager's Python frames cost more than the update
        # of a small parameter): the rule sees arrays, but a custom one may use Tensor ops.
        flags = per_thread.flags
        previous = flags.grad_enabled
        flags.grad_enabled = False
        updated = []  # stamped together at the end, even when a later parameter raises
        state_of = self.state
        update = self.update
        try:
            for group in self._param_groups:
                rate = self._plain_rate(group)
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    data, g = p._data, grad._data
                    if g.shape != data.shape:
                        raise ValueError(
                            f"{type(self).__name__}.step(): a parameter of shape {data.shape} "
                            f"has a gradient of shape {g.shape}; they must match."
                        )
                    state = state_of.get(p)
                    if state is None:  # the one place where state is created
                        state = state_of[p] = self.init_state(data, group)
                    # The rule never writes into the gradient's array (it may be shared). The
                    # array's own in-place subtraction, not Tensor.__isub__ and its per-call
                    # checks (a no-grad update of a leaf is always allowed): views of p._data
                    # stay valid. Counted as an in-place change of p, so a graph that saved p
                    # before this step refuses its backward instead of using new values.
                    if rate is None:
                        data -= update(data, g, state, group)
                    else:  # the rule is u = rate * g: no call per parameter
                        data -= rate * g
                    p._version += 1
                    updated.append(p)
        finally:
            flags.grad_enabled = previous
            if updated:
                note_mutations(updated)
        return loss

    def init_state(self, param: np.ndarray, group: dict) -> dict:
        """The state of one parameter before its first update (subclasses override)."""
        return {}

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict):
        """The update rule: return ``u`` such that the new parameter is ``p - u``."""
        raise NotImplementedError

    def _plain_rate(self, group: dict):
        """``r`` when ``update`` returns exactly ``r * grad`` for every parameter of ``group``
        (and keeps no state), so that ``step`` can apply it without a call per parameter;
        None otherwise (the default: always call ``update``)."""
        return None

    # -- persistence -----------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered by position across groups, as in PyTorch; the arrays are
        copies, so the dict is a snapshot that later steps do not change.
        """
        index = {id(p): i for i, p in enumerate(self.parameters())}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict()``."""
        name = type(self).__name__
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}."
            )
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameters "
                    f"in the saved state and {len(group['params'])} here."
                )
        params = {}  # saved index -> parameter
        for saved, group in zip(groups, self.param_groups):
            params.update(zip(saved["params"], group["params"]))
        state = {}
        for key, saved_state in state_dict["state"].items():
            p = params.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {key}.")
            state[p] = _copy_state(saved_state, p, name, key)
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            options = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {options}")
        return "\n".join(lines + [")"])


def _copy_state(saved: dict, param: Tensor, name: str, key) -> dict:
    """A copy of one parameter's saved state, its arrays checked against the parameter."""
    state = {}
    for k, v in saved.items():
        if isinstance(v, Tensor):
            v = v._data
        if isinstance(v, np.ndarray) and (v.ndim > 0 or param.ndim == 0):
            if v.shape != param.shape:
                raise ValueError(
                    f"{name}.load_state_dict: state {k!r} of parameter {key} has shape "
                    f"{v.shape}, but the parameter has shape {param.shape}."
                )
            v = v.astype(param.dtype, copy=True)
        state[k] = copy.deepcopy(v)
    return state
