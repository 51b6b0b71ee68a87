"""``torch.nn.modules`` and its submodules, for code that imports from them: ``from
torch.nn.modules.loss import _Loss`` (custom losses), ``from torch.nn.modules.batchnorm import
_BatchNorm`` (freezing norm layers), ``from torch.nn.modules.utils import _pair`` (custom
convolutions). Every name is the very class or function of ``tinygraph.nn`` (no copies), so
``isinstance`` checks agree whichever path a program imports it by.

Each submodule (``tinygraph.nn.modules.loss`` ...) is a plain module object registered in
``sys.modules``, so ``import`` and ``from ... import`` find it without a file per submodule.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from itertools import repeat

from ... import nn as _nn  # the package being initialised: its public names are all bound
from ...names import missing_name
from .. import conv, hooks, instance_norm, layers, losses, pooling, state


def _ntuple(n: int, name: str = "parse"):
    """A function that repeats a single value ``n`` times and turns an iterable into a tuple,
    as ``torch.nn.modules.utils._ntuple``: ``_pair(3) == (3, 3)``, ``_pair((1, 2)) == (1, 2)``."""

    def parse(x):
        if isinstance(x, Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single, _pair, _triple, _quadruple = (_ntuple(n, f"_{w}") for n, w in
                                       ((1, "single"), (2, "pair"), (3, "triple"),
                                        (4, "quadruple")))

# torch.nn.modules.<submodule>: the public names of tinygraph.nn it holds.
_PUBLIC = {
    "module": "Module",
    "container": "Sequential ModuleList ModuleDict ParameterList ParameterDict",
    "linear": "Bilinear Identity Linear LazyLinear",
    "conv": """Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d
        LazyConv2d LazyConv3d""",
    "batchnorm": """BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d
        LazyBatchNorm3d""",
    "instancenorm": "InstanceNorm1d InstanceNorm2d InstanceNorm3d",
    "normalization": "LocalResponseNorm LayerNorm GroupNorm RMSNorm",
    "pooling": """MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d LPPool1d LPPool2d
        AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d AdaptiveAvgPool1d
        AdaptiveAvgPool2d AdaptiveAvgPool3d MaxUnpool1d MaxUnpool2d MaxUnpool3d""",
    "activation": """Threshold ReLU RReLU Hardtanh ReLU6 Sigmoid Hardsigmoid Tanh SiLU Mish
        Hardswish ELU CELU SELU GLU GELU Hardshrink LeakyReLU LogSigmoid Softplus Softshrink
        MultiheadAttention PReLU Softsign Tanhshrink Softmin Softmax Softmax2d LogSoftmax""",
    "loss": """L1Loss NLLLoss PoissonNLLLoss GaussianNLLLoss KLDivLoss MSELoss BCELoss
        BCEWithLogitsLoss HingeEmbeddingLoss SmoothL1Loss HuberLoss SoftMarginLoss
        CrossEntropyLoss MultiLabelSoftMarginLoss CosineEmbeddingLoss MarginRankingLoss
        MultiMarginLoss TripletMarginLoss TripletMarginWithDistanceLoss MultiLabelMarginLoss
        CTCLoss""",
    "adaptive": "AdaptiveLogSoftmaxWithLoss",
    "dropout": "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout",
    "rnn": "RNNBase RNN LSTM GRU RNNCellBase RNNCell LSTMCell GRUCell",
    "sparse": "Embedding EmbeddingBag",
    "transformer": """Transformer TransformerEncoder TransformerDecoder TransformerEncoderLayer
        TransformerDecoderLayer""",
    "padding": """CircularPad1d CircularPad2d CircularPad3d ConstantPad1d ConstantPad2d
        ConstantPad3d ReflectionPad1d ReflectionPad2d ReflectionPad3d ReplicationPad1d
        ReplicationPad2d ReplicationPad3d ZeroPad1d ZeroPad2d ZeroPad3d""",
    "flatten": "Flatten Unflatten",
    "pixelshuffle": "PixelShuffle PixelUnshuffle",
    "upsampling": "Upsample UpsamplingNearest2d UpsamplingBilinear2d",
    "distance": "PairwiseDistance CosineSimilarity",
    "fold": "Fold Unfold",
    "channelshuffle": "ChannelShuffle",
}

# The private bases programs subclass or test with isinstance, where tinygraph defines them.
_PRIVATE = {
    "module": {name: getattr(hooks, name) for name in (
        "register_module_forward_pre_hook", "register_module_forward_hook",
        "register_module_full_backward_pre_hook", "register_module_full_backward_hook")},
    "conv": {"_ConvNd": conv._ConvNd, "_ConvTransposeNd": conv._ConvTransposeNd},
    "batchnorm": {"_BatchNorm": layers._BatchNorm, "_NormBase": layers._NormBase},
    "instancenorm": {"_InstanceNorm": instance_norm._InstanceNorm,
                     "_NormBase": layers._NormBase},
    "pooling": {"_MaxPoolNd": pooling._MaxPoolNd, "_AvgPoolNd": pooling._AvgPoolNd},
    "loss": {"_Loss": losses._Loss, "_WeightedLoss": losses._WeightedLoss},
    "dropout": {"_DropoutNd": layers._DropoutNd},
    "utils": {"_single": _single, "_pair": _pair, "_triple": _triple,
              "_quadruple": _quadruple, "_ntuple": _ntuple,
              "consume_prefix_in_state_dict_if_present":
                  state.consume_prefix_in_state_dict_if_present},
}

__all__ = []
for _name in sorted(set(_PUBLIC) | set(_PRIVATE)):
    _names = _PUBLIC.get(_name, "").split()
    _sub = types.ModuleType(f"{__name__}.{_name}", f"``torch.nn.modules.{_name}``: "
                            f"tinygraph.nn's {', '.join(_names) or 'helpers'}.")
    _sub.__dict__.update({n: getattr(_nn, n) for n in _names})
    _sub.__dict__.update(_PRIVATE.get(_name, {}))
    _sub.__all__ = list(_names)
    _sub.__getattr__ = missing_name(_sub.__name__, _sub.__dict__)
    sys.modules[_sub.__name__] = _sub
    globals()[_name] = _sub
    globals().update({n: getattr(_nn, n) for n in _names})
    __all__ += _names

__getattr__ = missing_name(__name__, globals())
