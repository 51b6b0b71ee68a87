"""Neural-network building blocks on the graph, with ``torch.nn``'s names: Module and
Parameter, containers, layers, activations, losses, ``init``, ``functional``, ``utils``; and
the seeds' Keras-style layer (``Dense``, ``Sequential.fit``, ``NeuralNetwork``).

>>> from tinygraph import nn
>>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
>>> model = nn.Sequential(nn.Dense(2, 8, activation="relu"), nn.Dense(8, 1, "sigmoid"))
>>> history = model.fit(X, Y, epochs=200, learning_rate=0.1)
"""

from ..names import missing_name
from . import functional, grad, init, parallel, utils
from .activations import (
    ELU,
    GELU,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    get_activation,
)
from .adaptive_pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
)
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention, TransformerEncoderLayer
from .composed_activations import (
    CELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    RReLU,
    Softmax2d,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .conv import (
    BatchNorm2d,
    BatchNorm3d,
    Bilinear,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    GroupNorm,
    Unflatten,
)
from .ctc_loss import CTCLoss
from .embedding_bag import EmbeddingBag
from .fold import Fold, Unfold
from .instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers import BatchNorm1d, Dense, Dropout, Flatten, Linear
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyLinear,
)
from .losses import (
    MSE,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    get_loss,
)
from .margin_losses import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .module import Module, Parameter
from .norm import Embedding, LayerNorm
from .parallel import DataParallel
from .parameter import Buffer, UninitializedBuffer, UninitializedParameter
from .pooling import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)
from .pooling_extras import ChannelShuffle, LocalResponseNorm, LPPool1d, LPPool2d
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sequential import NeuralNetwork, Sequential
from .similarity import CosineSimilarity, PairwiseDistance
from .simple_layers import (
    AlphaDropout,
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    RMSNorm,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .state import IncompatibleKeys, StateDictError
from .training import DivergenceError, History
from .transformer import TransformerEncoder
from .transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "functional", "grad", "init", "parallel", "utils", "DataParallel", "Module", "Parameter",
    "StateDictError", "IncompatibleKeys",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Linear", "Dense", "Dropout", "BatchNorm1d", "Flatten",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Identity", "get_activation",
    "MSELoss", "MSE", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "get_loss",
    "NeuralNetwork", "History", "DivergenceError",
    "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d",
    "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "GroupNorm", "Bilinear",
    "Unflatten",
    "LayerNorm", "Embedding", "EmbeddingBag", "GELU", "SiLU", "ELU", "Softplus", "Hardtanh",
    "LogSoftmax",
    "NLLLoss", "KLDivLoss", "SmoothL1Loss", "HuberLoss", "MultiheadAttention",
    "TransformerEncoderLayer", "TransformerEncoder", "RNN", "LSTM", "GRU", "RNNCell",
    "LSTMCell", "GRUCell", "RNNBase", "RNNCellBase",
    "ReLU6", "Hardsigmoid", "Hardswish", "SELU", "CELU", "Mish", "LogSigmoid", "Softsign",
    "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU", "PReLU", "Softmin",
    "Softmax2d", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "InstanceNorm1d",
    "InstanceNorm2d", "CosineSimilarity", "PairwiseDistance", "TransformerDecoderLayer",
    "TransformerDecoder", "Transformer", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "PixelShuffle",
    "PixelUnshuffle",
    "RMSNorm",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "CosineEmbeddingLoss",
    "SoftMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "TripletMarginLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "TripletMarginWithDistanceLoss",
    "ChannelShuffle",
    "LocalResponseNorm",
    "LPPool1d",
    "LPPool2d",
    "AlphaDropout",
    "FeatureAlphaDropout",
    "RReLU",
    "Conv3d",
    "ConvTranspose3d",
    "BatchNorm3d",
    "MaxPool3d",
    "AvgPool3d",
    "InstanceNorm3d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool3d",
    "Fold",
    "Unfold",
    "Buffer", "modules",
    "CTCLoss",
    "AdaptiveLogSoftmaxWithLoss",
    "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "MultiLabelMarginLoss",
    "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyBatchNorm1d",
    "LazyBatchNorm2d", "LazyBatchNorm3d", "UninitializedParameter", "UninitializedBuffer",
]

from . import modules  # noqa: E402 - torch.nn.modules' paths to the names bound above

__getattr__ = missing_name(__name__, globals())
