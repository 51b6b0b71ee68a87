"""Helpful ``AttributeError``\\ s: the closest existing name, and a plain statement when the name
is PyTorch's but tinygraph does not have it.

    >>> nn.Linear(2, 3).wieght
    AttributeError: 'Linear' object has no attribute 'wieght'. Did you mean 'weight'?
    >>> nn.LSTM
    AttributeError: module 'tinygraph.nn' has no attribute 'LSTM': PyTorch's nn.LSTM is not
    implemented in tinygraph. ...

Modules of the package end with ``__getattr__ = missing_name(__name__, globals())``.
"""

from __future__ import annotations

import difflib

from .torch_top_names import TOP_LEVEL

# Module methods PyTorch has and tinygraph does not (hooks, devices, compilation, sharing).
TORCH_MODULE_ONLY = frozenset("""
    bfloat16 call_super_init dump_patches get_extra_state ipu mtia register_backward_hook
    register_load_state_dict_post_hook register_state_dict_post_hook register_state_dict_pre_hook
    set_extra_state to_empty xpu
""".split())

# Public names of torch.nn, torch.distributions, torch.optim, torch.optim.lr_scheduler,
# torch.nn.init, torch.nn.utils, torch.utils.data, torch.func and torch.jit (PyTorch 2.13)
# that tinygraph may lack.
TORCH_NAMES = {
    "tinygraph.nn": """
        Container
        CrossMapLRN2d FractionalMaxPool2d FractionalMaxPool3d
        LPPool3d LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d
        LazyInstanceNorm1d LazyInstanceNorm2d LazyInstanceNorm3d SyncBatchNorm
        qat quantizable quantized""",
    "tinygraph.distributions": """
        CatTransform ContinuousBernoulli CorrCholeskyTransform FisherSnedecor
        GeneralizedPareto InverseGamma Kumaraswamy LKJCholesky LogisticNormal
        LowRankMultivariateNormal LowerCholeskyTransform Multinomial NegativeBinomial Pareto
        PositiveDefiniteTransform StackTransform VonMises Weibull Wishart""",
    "tinygraph.distributions.transforms": """
        CatTransform CorrCholeskyTransform LowerCholeskyTransform PositiveDefiniteTransform
        StackTransform""",
    "tinygraph": TOP_LEVEL,
    "tinygraph.autograd": """
        NestedIOFunction ProfilerActivity SavedTensor is_multithreading_enabled
        is_view_replay_enabled set_multithreading_enabled""",
    "tinygraph.linalg": """
        diagonal ldl_factor ldl_factor_ex ldl_solve lu lu_factor lu_factor_ex
        lu_solve matmul tensorinv tensorsolve vander""",
    "tinygraph.utils": """
        benchmark bundled_inputs cpp_extension dlpack flop_counter hooks model_zoo
        mobile_optimizer module_tracker swap_tensors tensorboard""",
    "tinygraph.optim": "Adafactor Muon SparseAdam",
    "tinygraph.special": """
        airy_ai bessel_j0 bessel_j1 bessel_y0 bessel_y1 chebyshev_polynomial_t
        hermite_polynomial_h modified_bessel_i0
        modified_bessel_k0 spherical_bessel_j0 zeta""",
    "tinygraph.utils.data": "DistributedSampler",
    "tinygraph.func": """
        debug_unwrap functionalize rearrange""",
    "tinygraph.jit": """
        CompilationUnit ScriptFunction ScriptModule fork interface isinstance script_method
        wait""",
}


class NotImplementedName(AttributeError, NotImplementedError):
    """A PyTorch name tinygraph does not implement: an ``AttributeError`` (so ``hasattr`` and
    ``from ... import`` behave as for any missing name) and a ``NotImplementedError``."""


def closest(name: str, candidates) -> str | None:
    """The candidate most like ``name`` (spelling, or the same letters in another case)."""
    candidates = [c for c in candidates if isinstance(c, str)]
    folded = {c.lower(): c for c in candidates}
    if name.lower() in folded:
        return folded[name.lower()]
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates) -> str:
    """`` Did you mean 'x'?`` for the closest candidate, or an empty string."""
    match = closest(name, candidates)
    return f" Did you mean {match!r}?" if match is not None and match != name else ""


def missing_module_attribute(module, name: str) -> AttributeError:
    """The error for ``module.name`` on an nn.Module that has no such attribute."""
    cls = type(module).__name__
    message = f"{cls!r} object has no attribute {name!r}."
    if name in TORCH_MODULE_ONLY:
        return AttributeError(
            f"{message} PyTorch's Module.{name} is not implemented in tinygraph (no hooks, "
            "devices other than the CPU, or compilation)."
        )
    names = set(dir(type(module))) | set(module.__dict__)
    for registry in ("_parameters", "_buffers", "_modules"):
        names |= set(module.__dict__.get(registry, ()))
    return AttributeError(message + did_you_mean(name, [n for n in names if n[:1] != "_"]))


_LISTED = 60  # a namespace with more public names suggests the closest ones instead


def _nearest(name: str, public, module_name: str) -> str:
    """The names of a large namespace most like ``name``, or where to look."""
    matches = difflib.get_close_matches(name, public, n=4, cutoff=0.5)
    if not matches:
        return f"See dir({module_name}) for what it has."
    return f"The closest names {module_name} has: {', '.join(matches)}."


def missing_name(module_name: str, namespace: dict):
    """A module-level ``__getattr__`` for ``module_name`` that explains a missing name."""
    torch_names = frozenset(TORCH_NAMES.get(module_name, "").split())
    torch_spelling = module_name.replace("tinygraph", "torch", 1)

    def __getattr__(name: str):  # noqa: N807 - the module hook's required name
        message = f"module {module_name!r} has no attribute {name!r}"
        if name.startswith("__"):
            raise AttributeError(message)
        public = list(namespace.get("__all__") or (n for n in namespace if n[:1] != "_"))
        if name in torch_names:
            has = (f"What {module_name} has: {', '.join(sorted(public, key=str.lower))}."
                   if len(public) <= _LISTED else _nearest(name, public, module_name))
            raise NotImplementedName(
                f"{message}: PyTorch's {torch_spelling}.{name} is not implemented in "
                f"tinygraph. {has}".rstrip())
        else:
            message += "." + did_you_mean(name, public)
        raise AttributeError(message)

    return __getattr__
