"""The seeds' weight penalties for custom loops: ``l1_penalty``, ``l2_penalty`` and
``elastic_net_penalty`` of a tensor, a list of them or a Module's weights, each term one graph
node (re-exported by ``nn.functional``)."""

from __future__ import annotations

from ..ops import functions as ops
from ..ops import nn as fused


def _weights(weight) -> list:
    """The tensors a penalty applies to: one tensor, a list of them, or a Module's weights
    (parameters named ``weight``, never biases)."""
    if isinstance(weight, (list, tuple)):
        return list(weight)
    if hasattr(weight, "named_parameters"):
        return [p for name, p in weight.named_parameters() if name.split(".")[-1] == "weight"]
    return [weight]


def _sum_terms(weight, make):
    terms = [make(w) for w in _weights(weight)]
    if not terms:
        raise ValueError("penalty: no weights to regularize.")
    total = terms[0]
    for term in terms[1:]:
        total = ops.add(total, term)
    return total


def l1_penalty(weight, l1_lambda: float = 1.0):
    """l1_lambda * sum(|weight|), one graph node labelled ``l1_penalty`` (per weight, when
    given a list or a Module)."""
    return _sum_terms(weight, lambda w: fused.l1_penalty(w, l1_lambda))


def l2_penalty(weight, l2_lambda: float = 1.0):
    """l2_lambda * sum(weight ** 2), one graph node labelled ``l2_penalty`` (Keras convention:
    no factor 1/2)."""
    return _sum_terms(weight, lambda w: fused.l2_penalty(w, l2_lambda))


def elastic_net_penalty(weight, l1_lambda: float = 0.0, l2_lambda: float = 0.0):
    """l1_lambda * sum(|W|) + l2_lambda * sum(W ** 2); zero terms are left out of the graph."""
    terms = []
    if l1_lambda:
        terms.append(l1_penalty(weight, l1_lambda))
    if l2_lambda:
        terms.append(l2_penalty(weight, l2_lambda))
    if not terms:
        return l1_penalty(weight, 0.0)  # a zero that still names the weight
    return terms[0] if len(terms) == 1 else ops.add(terms[0], terms[1])
