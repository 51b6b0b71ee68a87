"""The Optimizer base: parameter groups, lazily created per-parameter state, state_dict.

A subclass states its hyper-parameters and checks them (``check``: run on the defaults at
construction and on every group added later), the initial state of one parameter
(``init_state``) and one update rule (``update``): given the parameter's array, its gradient's
array, its state dict and its group's options, it changes the parameter's array in place,
with the formulas and order of operations of ``torch.optim``'s single-tensor code. The base
does the bookkeeping around it, as ``torch.optim.Optimizer`` does.

A PyTorch-style subclass that overrides ``step()`` itself works too: ``param_groups``,
``state`` (a ``defaultdict(dict)`` keyed by parameter) and ``defaults`` are PyTorch's.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad, no_grad
from ..autograd.node import new_tensor
from ..autograd.versions import note_mutations
from ..backend import namespace_of
from ..tensor import Tensor


class Optimizer:
    """Base of every optimizer.

    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> opt.zero_grad(); loss.backward(); opt.step()

    ``params`` is an iterable of leaf Tensors, of ``(name, tensor)`` pairs
    (``model.named_parameters()``), or of param-group dicts (``{"params": [...], "lr": ...}``;
    options a group leaves out come from the defaults). With ``params=None`` the optimizer
    starts empty and gets its parameters from ``register_layers`` (or from the model, in
    ``fit``). ``learning_rate=`` is accepted everywhere as an alias of ``lr=``. PyTorch's
    ``foreach=``, ``fused=`` and ``capturable=`` are accepted and kept in the groups (with
    ``differentiable=False``), as in PyTorch; tinygraph always updates parameter by parameter
    (a multi-tensor step was measured and not kept: docs/performance.md).
    """

    @property
    def param_groups(self) -> list[dict]:
        """The parameter groups: dicts with ``"params"``, ``"lr"`` and the other options."""
        return self._param_groups

    @param_groups.setter
    def param_groups(self, groups: list[dict]) -> None:
        self._param_groups = groups

    def __init__(self, params: Iterable | None = None, defaults: dict | None = None,
                 **options: Any) -> None:
        defaults = {**(defaults or {}), **options}
        learning_rate = defaults.pop("learning_rate", None)
        if learning_rate is not None:
            defaults["lr"] = learning_rate
        if defaults.get("differentiable"):
            raise NotImplementedError(
                f"{type(self).__name__}: differentiable=True is not supported: tinygraph's "
                "optimizer steps are not recorded by autograd. Write the update with tensor ops "
                "in your own loop to differentiate through it."
            )
        self.check(defaults)
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: defaultdict = defaultdict(dict)  # parameter -> its state (by identity)
        if params is None:
            return
        if isinstance(params, (Tensor, dict, set)) or hasattr(params, "parameters"):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or of "
                f"param-group dicts, in a fixed order, got {type(params).__name__}. Pass "
                "model.parameters() or [tensor]."
            )
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list.")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def check(self, options: dict) -> None:
        """Raise ``ValueError`` for hyper-parameters out of range (subclasses override)."""

    # -- parameters ------------------------------------------------------------------------

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing ones from the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: expected a dict, got {type(param_group).__name__}.")
        group = dict(param_group)
        if "learning_rate" in group:
            group["lr"] = group.pop("learning_rate")
        params = group.get("params")
        if params is None:
            raise ValueError("add_param_group: the group has no 'params' entry.")
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be in an ordered collection (a set's "
                            "order changes between runs): use a list.")
        params = [params] if isinstance(params, Tensor) else list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            group["param_names"] = [n for n, _ in params]  # model.named_parameters()
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} can only optimize Tensors, got {type(p).__name__}.")
            if not p.is_leaf:
                raise ValueError(
                    f"{name} can't optimize a non-leaf Tensor (shape {tuple(p.shape)}); optimize "
                    "the leaf it was computed from, or detach() it first."
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError("add_param_group: a parameter appears twice in the group.")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if taken.intersection(id(p) for p in params):
            raise ValueError("add_param_group: some parameters appear in more than one group.")
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check(group)
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
        """Forget the gradients (``.grad = None``, PyTorch's default; or zero them in place)."""
        zero_grads(self.parameters(), set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        self._opt_called = True  # for the schedulers' order check, as torch's
        if not self.param_groups:
            raise RuntimeError(
                f"{type(self).__name__}.step(): the optimizer has no parameters. Pass them to "
                "the constructor or call register_layers(model.layers)."
            )
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        updated = []  # stamped together at the end, even when a later parameter raises
        try:
            with no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            self._update_one(p, group)
                            updated.append(p)
        finally:
            if updated:
                note_mutations(updated)  # graphs that saved these arrays must refuse
        return loss

    def _update_one(self, p: Tensor, group: dict) -> None:
        data, grad = p._data, p.grad._data
        if grad.shape != data.shape:
            raise ValueError(f"{type(self).__name__}.step(): a parameter of shape "
                             f"{tuple(data.shape)} has a gradient of shape {tuple(grad.shape)}; "
                             "they must match.")
        if group.get("maximize", False):
            grad = -grad
        state = self.state[p]
        if not state:  # the one place where state is created
            state.update(self.init_state(data, group))
        # The rule changes p's array in place (views of it stay valid) and never writes
        # into the gradient's array, which may be shared.
        self.update(data, grad, state, group)
        p._version += 1

    def init_state(self, param: np.ndarray, group: dict) -> dict:
        """The state of one parameter before its first update (subclasses override)."""
        return {}

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """The update rule: change ``param`` in place (subclasses override)."""
        raise NotImplementedError(f"{type(self).__name__} must define update() or step().")

    # -- persistence -----------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered by position across groups, as in PyTorch; the arrays are
        copies, so the dict is a snapshot that later steps do not change.
        """
        index = {id(p): i for i, p in enumerate(self.parameters())}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()
                 if id(p) in index and s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict()``; checks
        everything first, so a state dict that does not fit changes nothing."""
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
        state = defaultdict(dict)
        for key, saved_state in state_dict["state"].items():
            p = params.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {key}.")
            state[p] = _copy_state(saved_state, p, name, key)
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("  # torch's layout: a blank line between groups
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group)
                            if key != "params")
        return text + ")"


def zero_grads(params, set_to_none: bool = True) -> None:
    """``.grad = None`` for each of ``params``, or (``set_to_none=False``) zero it in place,
    detached from any graph a ``create_graph`` backward made it part of."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad = p.grad.detach()
            with no_grad():
                p.grad.zero_()


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start += weight * (end - start)`` in place, rounded as torch's ``lerp_``: from the
    nearer end, so a weight near 1 loses no precision. (Adam's and RMSprop's running means.)"""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
    return start


def non_negative(optimizer: str, options: dict, *names: str) -> None:
    """PyTorch's checks: each of ``names`` must be a number (``TypeError``, as torch's
    comparison raises) >= 0 (``ValueError``)."""
    for name in names:
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"{optimizer}: {name} must be a number, got "
                            f"{type(value).__name__} {value!r}.")
        if not value >= 0:
            raise ValueError(f"{optimizer}: Invalid {name} value: {value!r} (it must be a "
                             "number >= 0).")


def _copy_state(saved: dict, param: Tensor, name: str, key) -> dict:
    """A copy of one parameter's saved state, its arrays checked against the parameter."""
    state = {}
    for k, v in saved.items():
        if isinstance(v, Tensor):  # a custom optimizer's: stays a Tensor, as in PyTorch
            state[k] = _tensor_state(k, v, param)
            continue
        if isinstance(v, np.ndarray) and (v.ndim > 0 or param.ndim == 0):
            if v.shape != param.shape:
                raise ValueError(
                    f"{name}.load_state_dict: state {k!r} of parameter {key} has shape "
                    f"{tuple(v.shape)}, but the parameter has shape {tuple(param.shape)}."
                )
            v = namespace_of(param._data).asarray(v, dtype=param.dtype).copy()
        state[k] = copy.deepcopy(v)
    return state


def _tensor_state(key, value: Tensor, param: Tensor) -> Tensor:
    """A copy of a Tensor in a saved state, floats cast to the parameter's dtype except the
    step count (PyTorch's rule); any shape, since a custom optimizer's state may have its
    own."""
    array = value._data
    if key != "step" and array.dtype.kind == "f":
        array = namespace_of(param._data).asarray(array, dtype=param.dtype)
    return new_tensor(copy.deepcopy(array), None)
