"""Probability distributions with differentiable ``log_prob``, ``entropy`` and ``rsample``, as
``torch.distributions``; draws come from tinygraph's generator (``tg.manual_seed``).

    >>> from tinygraph.distributions import Categorical, Normal, kl_divergence
    >>> m = Categorical(logits=policy(state))
    >>> action = m.sample()
    >>> loss = -m.log_prob(action) * reward
"""

from ..names import missing_name
from . import (
    constraints,
    kl_more,  # noqa: F401 - registers the KL divergences of Gamma, Beta, Dirichlet, ...
)
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .mixture_same_family import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential",
    "ExponentialFamily", "Gamma", "Independent", "Laplace", "MixtureSameFamily",
    "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough",
    "Poisson", "Uniform", "constraints", "kl_divergence", "register_kl",
]

__getattr__ = missing_name(__name__, globals())
