"""``tg.backends``: the backend switches PyTorch scripts set before training
(``torch.backends.cudnn.benchmark = True``, ``torch.backends.cuda.matmul.allow_tf32 = True``),
kept as plain attributes, and the availability questions, answered for the CPU: no cuDNN, no
MPS. tinygraph's results do not depend on any of them."""

from __future__ import annotations

from types import SimpleNamespace

cudnn = SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                        is_available=lambda: False, version=lambda: None)
cuda = SimpleNamespace(matmul=SimpleNamespace(allow_tf32=False,
                                              allow_fp16_reduced_precision_reduction=True,
                                              allow_bf16_reduced_precision_reduction=True),
                       is_built=lambda: False, flash_sdp_enabled=lambda: False,
                       enable_flash_sdp=lambda enabled: None,
                       enable_mem_efficient_sdp=lambda enabled: None,
                       enable_math_sdp=lambda enabled: None)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
mkldnn = SimpleNamespace(enabled=False, is_available=lambda: False)
openmp = SimpleNamespace(is_available=lambda: False)

__all__ = ["cudnn", "cuda", "mps", "mkldnn", "openmp"]
