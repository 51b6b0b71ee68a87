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

# Module methods PyTorch has and tinygraph does not (hooks, devices, compilation, sharing).
TORCH_MODULE_ONLY = frozenset("""
    bfloat16 call_super_init compile dump_patches get_extra_state ipu mtia register_backward_hook
    register_load_state_dict_post_hook register_state_dict_post_hook register_state_dict_pre_hook
    set_extra_state set_submodule share_memory to_empty type xpu
""".split())

# Public names of torch.nn, torch.distributions, torch.optim, torch.optim.lr_scheduler,
# torch.nn.init, torch.nn.utils, torch.utils.data and torch.func (PyTorch 2.13) that tinygraph
# may lack.
TORCH_NAMES = {
    "tinygraph.nn": """
        AdaptiveLogSoftmaxWithLoss CTCLoss Container
        CrossMapLRN2d DataParallel FractionalMaxPool2d FractionalMaxPool3d
        LPPool3d LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d LazyConv1d LazyConv2d
        LazyConv3d LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d
        LazyInstanceNorm1d LazyInstanceNorm2d LazyInstanceNorm3d LazyLinear MaxUnpool1d
        MaxUnpool2d MaxUnpool3d MultiLabelMarginLoss SyncBatchNorm
        parallel qat quantizable quantized""",
    "tinygraph.distributions": """
        AbsTransform AffineTransform Binomial CatTransform Cauchy Chi2 ComposeTransform
        ContinuousBernoulli CorrCholeskyTransform CumulativeDistributionTransform
        ExpTransform FisherSnedecor GeneralizedPareto Geometric Gumbel
        HalfCauchy HalfNormal IndependentTransform InverseGamma Kumaraswamy LKJCholesky
        LogNormal LogisticNormal LowRankMultivariateNormal LowerCholeskyTransform
        Multinomial NegativeBinomial Pareto PositiveDefiniteTransform PowerTransform
        RelaxedBernoulli RelaxedOneHotCategorical ReshapeTransform SigmoidTransform
        SoftmaxTransform SoftplusTransform StackTransform StickBreakingTransform StudentT
        TanhTransform Transform TransformedDistribution VonMises Weibull Wishart biject_to
        identity_transform transform_to""",
    "tinygraph.nn.init": "dirac_ eye_ sparse_",
    "tinygraph.optim": "Adafactor Muon SparseAdam",
    "tinygraph.special": """
        airy_ai bessel_j0 bessel_j1 bessel_y0 bessel_y1 chebyshev_polynomial_t entr erfcx
        gammainc gammaincc hermite_polynomial_h i0 i0e i1 i1e log_ndtr modified_bessel_i0
        modified_bessel_k0 ndtri sinc spherical_bessel_j0 xlog1py zeta""",
    "tinygraph.utils.data": "DistributedSampler",
    "tinygraph.func": """
        debug_unwrap functionalize grad grad_and_value hessian jacfwd jacrev jvp linearize
        rearrange replace_all_batch_norm_modules_ stack_module_state vjp vmap""",
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
            raise NotImplementedName(
                f"{message}: PyTorch's {torch_spelling}.{name} is not implemented in "
                f"tinygraph. What {module_name} has: "
                f"{', '.join(sorted(public, key=str.lower))}.")
        else:
            message += "." + did_you_mean(name, public)
        raise AttributeError(message)

    return __getattr__
