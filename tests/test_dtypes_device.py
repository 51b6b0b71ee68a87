"""dtypes under PyTorch's names, conversions between them, and the one device (SPEC "Tensors"):
conversions between floating dtypes are differentiable, to integers detached; any device but
the CPU is refused with one message that names the way out."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

NAMES = {"float16": "float16", "half": "float16", "float32": "float32", "float": "float32",
         "float64": "float64", "double": "float64", "int8": "int8", "int16": "int16",
         "short": "int16", "int32": "int32", "int": "int32", "int64": "int64", "long": "int64",
         "uint8": "uint8", "bool": "bool"}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_dtype_names_are_numpy_dtypes_under_torchs_names(name, torch):
    dtype = getattr(tg, name)
    assert isinstance(dtype, np.dtype) and dtype == np.dtype(NAMES[name])
    assert str(getattr(torch, name)) == f"torch.{NAMES[name]}"
    assert tg.zeros(1, dtype=dtype).dtype == dtype


def test_dtype_names_do_not_shadow_builtins_in_a_star_import():
    assert not {"float", "int", "bool"} & set(tg.__all__)


@pytest.mark.parametrize("method, dtype", [("float", "float32"), ("double", "float64"),
                                           ("half", "float16"), ("long", "int64"),
                                           ("int", "int32"), ("bool", "bool")])
@pytest.mark.parametrize("data", [[1.5, -2.7, 0.0], [3, -1, 0], [True, False, True]],
                         ids=["float", "int", "bool"])
def test_conversion_methods_match_torch(method, dtype, data, torch):
    ours = getattr(tg.tensor(data), method)()
    theirs = getattr(torch.tensor(data), method)()
    assert ours.dtype == np.dtype(dtype) and str(theirs.dtype) == f"torch.{dtype}"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_floating_conversions_are_differentiable_and_the_rest_detach(torch):
    x = tg.tensor([1.5, -2.7], requires_grad=True)
    t = torch.tensor([1.5, -2.7], requires_grad=True)
    (x.double() * 3).sum().backward()
    (t.double() * 3).sum().backward()
    assert x.grad.dtype == tg.float32
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    for method in ("long", "int", "bool"):
        out = getattr(x, method)()
        assert not out.requires_grad and out.is_leaf and out.grad_fn is None
        assert not getattr(t, method)().requires_grad


def test_a_conversion_to_the_same_dtype_is_the_tensor_itself(torch):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for ours, theirs in [(x.float(), t.float()), (x.to(tg.float32), t.to(torch.float32)),
                         (x.to("cpu"), t.to("cpu")), (x.cpu(), t.cpu()),
                         (x.type(tg.float32), t.type(torch.float32))]:
        assert (ours is x) == (theirs is t) == True  # noqa: E712
    copy = x.to("cpu", copy=True)
    assert copy is not x and copy.grad_fn is not None
    assert not np.shares_memory(copy.numpy(), x.numpy())


@pytest.mark.parametrize("args, kwargs", [
    (("float64",), {}), (("cpu", "float64"), {}), ((), {"dtype": "float64"}),
    ((), {"device": "cpu", "dtype": "float64"}), (("cpu",), {"dtype": "float64"}),
    (("int64",), {}), (("float16",), {}),
], ids=repr)
def test_to_takes_torchs_argument_forms(args, kwargs, torch):
    def spell(library, values):
        return {k: getattr(library, v) if v != "cpu" else v for k, v in values.items()}

    ours = tg.tensor([1.5, -2.5]).to(*[getattr(tg, a) if a != "cpu" else a for a in args],
                                       **spell(tg, kwargs))
    theirs = torch.tensor([1.5, -2.5]).to(
        *[getattr(torch, a) if a != "cpu" else a for a in args], **spell(torch, kwargs))
    assert str(theirs.dtype) == f"torch.{ours.dtype.name}"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_to_another_tensor_takes_its_dtype_and_python_types_are_dtypes(torch):
    assert tg.tensor([1.0]).to(tg.zeros(1, dtype=tg.float64)).dtype == tg.float64
    assert tg.tensor([1.0]).to(float).dtype == tg.float64
    assert str(torch.tensor([1.0]).to(float).dtype) == "torch.float64"
    assert tg.tensor([1.0], dtype=float).dtype == tg.float64
    assert tg.tensor([1.7], dtype=int).dtype == tg.int64
    with pytest.raises(TypeError, match=r"x.to\(\): dtype='nope' is not a dtype"):
        tg.tensor([1.0]).to("nope")
    with pytest.raises(TypeError, match="takes a device and a dtype"):
        tg.tensor([1.0]).to("cpu", tg.float64, tg.float32)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
def test_type_names_are_torchs_so_comparisons_run_unchanged(dtype, torch):
    ours = tg.zeros(1, dtype=getattr(tg, dtype)).type()
    assert ours == torch.zeros(1, dtype=getattr(torch, dtype)).type()
    assert tg.zeros(1).type(ours).dtype == np.dtype(dtype)  # x.type("torch.DoubleTensor")


def test_is_floating_point_and_element_size(torch):
    for data in ([1.0], [1], [True]):
        assert tg.tensor(data).is_floating_point() == torch.tensor(data).is_floating_point()
        assert tg.is_floating_point(tg.tensor(data)) == torch.is_floating_point(
            torch.tensor(data))
        assert tg.tensor(data).element_size() == torch.tensor(data).element_size()


# -- the device -------------------------------------------------------------------------------

def test_device_is_torch_like(torch):
    cpu = tg.device("cpu")
    assert repr(cpu) == repr(torch.device("cpu")) == "device(type='cpu')"
    assert cpu.type == "cpu" and cpu.index is None and str(cpu) == "cpu"
    assert repr(tg.device("cpu:0")) == repr(torch.device("cpu:0"))
    assert repr(tg.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert tg.device(cpu) == cpu and hash(tg.device("cpu")) == hash(cpu)
    assert (tg.device("cpu:0") == cpu) == (torch.device("cpu:0") == torch.device("cpu"))
    assert cpu == "cpu" and cpu != "cuda"  # comparing with a string: a tinygraph convenience
    x = tg.zeros(2)
    assert x.device == cpu and x.is_cuda is False and x.is_cpu is True


def test_device_arguments_follow_the_common_pytorch_idiom():
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    model = nn.Linear(2, 1).to(device)
    out = model(tg.randn(3, 2).to(device))
    assert out.device == device


@pytest.mark.parametrize("request_", [
    lambda: tg.device("cuda"), lambda: tg.device("cuda:1"), lambda: tg.device("mps"),
    lambda: tg.device(0), lambda: tg.zeros(2).to("cuda"), lambda: tg.zeros(2).cuda(),
    lambda: tg.zeros(2).to(tg.float64).to("mps"), lambda: tg.ones(2, device="cuda:0"),
    lambda: tg.tensor([1.0], device="cuda"), lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).cuda(), lambda: tg.cuda.current_device(),
    lambda: tg.cuda.synchronize(),
], ids=range(13))
def test_another_device_raises_the_one_cpu_only_message(request_):
    with pytest.raises(RuntimeError, match="runs on the CPU only") as info:
        request_()
    assert "tg.onnx.export" in str(info.value) and "safetensors" in str(info.value)


def test_an_unknown_device_is_refused():
    with pytest.raises(RuntimeError, match=r"unknown device type 'gpu'"):
        tg.device("gpu")
    with pytest.raises(RuntimeError, match=r"non-negative int"):
        tg.device("cpu", -1)


def test_cuda_namespace_answers_as_a_cpu_only_torch(torch):
    assert tg.cuda.is_available() is torch.cuda.is_available() is False
    assert tg.cuda.device_count() == torch.cuda.device_count() == 0
    assert tg.cuda.manual_seed(0) is None and tg.cuda.manual_seed_all(0) is None
    assert not hasattr(tg.cuda, "_private_probe")
    # what scripts call unconditionally: the same answers as CPU-only torch
    for call in ("empty_cache()", "is_initialized()", "is_bf16_supported()", "seed()",
                 "seed_all()", "memory_allocated()", "max_memory_allocated()",
                 "memory_reserved()", "max_memory_reserved()"):
        assert eval(f"tg.cuda.{call}") == eval(f"torch.cuda.{call}"), call
    assert tg.version.cuda is torch.version.cuda is None
    assert tg.version.hip is torch.version.hip is None
    assert tg.version.__version__ == tg.__version__
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.cuda.synchronize()
