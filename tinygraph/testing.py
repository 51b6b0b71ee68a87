"""``torch.testing`` for tinygraph: ``assert_close`` (with torch's default tolerances per dtype,
its handling of containers and Python scalars, and its messages) and ``make_tensor``.

    >>> tg.testing.assert_close(model(x), expected)                 # tolerances from the dtype
    >>> tg.testing.assert_close({"w": a}, {"w": b}, rtol=0, atol=1e-6)
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 3 (33.3%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-06 allowed)
    Greatest relative difference: 0.2 at index (1,) (up to 0 allowed)
    <BLANKLINE>
    The failure occurred for item ['w']
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from . import random as _random
from .names import missing_name
from .tensor import Tensor

__all__ = ["assert_allclose", "assert_close", "make_tensor"]

# torch.testing's (rtol, atol) per dtype; dtypes not listed are compared exactly.
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}


class _Mismatch(Exception):
    """A failed comparison: the message, and the path of the item (``[1]['a']``)."""

    def __init__(self, message: str, kind=AssertionError) -> None:
        super().__init__(message)
        self.message, self.kind, self.path = message, kind, ""


def _tolerances(dtypes, rtol, atol):
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return float(rtol), float(atol)
    pairs = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _is_tensor_like(value) -> bool:
    return isinstance(value, (Tensor, np.ndarray))


def _array(value) -> np.ndarray:
    return np.asarray(value.detach()._data if isinstance(value, Tensor) else value)


def _number(value):
    return value.item() if isinstance(value, np.generic) else value


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride):
    a, e = _array(actual), _array(expected)
    shape = type(actual.shape) if isinstance(actual, Tensor) else tuple
    for name, left, right, check in (
            ("shape", actual.shape, expected.shape, True),
            ("dtype", a.dtype, e.dtype, check_dtype),
            ("stride()", _stride(actual), _stride(expected), check_stride)):
        if check and left != right:
            if name == "shape" and shape is not tuple:
                left, right = shape(left), shape(right)
            if name == "dtype":
                left, right = f"tg.{left.name}", f"tg.{right.name}"
            raise _Mismatch(f"The values for attribute '{name}' do not match: {left} != "
                            f"{right}.")
    rtol, atol = _tolerances({a.dtype, e.dtype}, rtol, atol)
    if a.dtype != e.dtype:
        common = np.result_type(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    if a.dtype.kind in "fc":
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    else:
        a, e = a.astype(np.int64), e.astype(np.int64)
        close = np.abs(a - e) <= atol + rtol * np.abs(e)
    if close.all():
        return
    exact = rtol == 0 and atol == 0
    if a.ndim == 0:
        raise _Mismatch(_scalar_message(a.item(), e.item(), rtol, atol, exact))
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        if a.dtype.kind in "fc":
            rel_diff = abs_diff / np.abs(e)
        else:
            rel_diff = abs_diff.astype(np.float32) / np.abs(e).astype(np.float32)
    total, bad = close.size, int((~close).sum())
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)"]
    for what, diff, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        flat = diff.reshape(-1)
        k = int(np.argmax(flat))
        index = tuple(int(i) for i in np.unravel_index(k, diff.shape))
        allowed = "" if exact else f" (up to {tol} allowed)"
        lines.append(f"Greatest {what} difference: {flat[k].item()} at index {index}{allowed}")
    raise _Mismatch("\n".join(lines))


def _stride(value):
    if isinstance(value, Tensor):
        return tuple(value.stride())
    return tuple(s // value.itemsize for s in value.strides)


def _scalar_message(actual, expected, rtol, atol, exact) -> str:
    with np.errstate(all="ignore"):
        diff = abs(actual - expected)
        rel = diff / abs(expected) if expected != 0 else (float("nan") if diff == 0
                                                          else float("inf"))
    if exact:
        return (f"Scalars are not equal!\n\nExpected {expected} but got {actual}.\n"
                f"Absolute difference: {diff}\nRelative difference: {rel}")
    return (f"Scalars are not close!\n\nExpected {expected} but got {actual}.\n"
            f"Absolute difference: {diff} (up to {atol} allowed)\n"
            f"Relative difference: {rel} (up to {rtol} allowed)")


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype):
    actual, expected = _number(actual), _number(expected)
    if isinstance(actual, bool) or isinstance(expected, bool):
        if not (isinstance(actual, bool) and isinstance(expected, bool)):
            raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
        if actual is not expected:
            raise _Mismatch(f"Booleans mismatch: {actual} is not {expected}")
        return
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    kinds = {complex: np.complex128, float: np.float64, int: np.int64}
    dtypes = [kinds.get(type(v), np.float64) for v in (actual, expected)]
    rtol, atol = _tolerances(dtypes, rtol, atol)
    if actual == expected:
        return
    if equal_nan and _isnan(actual) and _isnan(expected):
        return
    if abs(actual - expected) <= atol + rtol * abs(expected):
        return
    raise _Mismatch(_scalar_message(actual, expected, rtol, atol, rtol == 0 and atol == 0))


def _isnan(value) -> bool:
    return value != value


def _compare(actual, expected, path: str, options: dict) -> None:
    try:
        _compare_pair(actual, expected, options)
    except _Mismatch as mismatch:
        mismatch.path = path + mismatch.path
        raise


def _compare_pair(actual, expected, options: dict) -> None:
    rtol, atol, equal_nan = options["rtol"], options["atol"], options["equal_nan"]
    if _is_tensor_like(actual) and _is_tensor_like(expected) and (
            isinstance(actual, Tensor) == isinstance(expected, Tensor)):
        return _compare_tensors(actual, expected, rtol, atol, equal_nan,
                                options["check_dtype"], options["check_stride"])
    if actual is None and expected is None:
        return None
    numberish = (numbers.Number, np.generic)
    if (isinstance(actual, numberish) and isinstance(expected, numberish)
            and not _is_tensor_like(actual) and not _is_tensor_like(expected)):
        return _compare_numbers(actual, expected, rtol, atol, equal_nan, options["check_dtype"])
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != "
                            f"{len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, f"[{i}]", options)
        return None
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            lines = ["The keys of the mappings do not match:"]
            if missing:
                lines.append(f"Missing keys in the actual mapping: {sorted(missing, key=repr)}")
            if extra:
                lines.append(f"Additional keys in the actual mapping: "
                             f"{sorted(extra, key=repr)}")
            raise _Mismatch("\n".join(lines))
        for key in expected:
            _compare(actual[key], expected[key], f"[{key!r}]", options)
        return None
    raise _Mismatch(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                    f"{type(expected)}.", TypeError)


def _is_sequence(value) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """``torch.testing.assert_close``: ``actual`` and ``expected`` (Tensors, NumPy arrays,
    Python numbers, or sequences/mappings of them, compared item by item) are close when
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with the same shape and
    (unless ``check_dtype=False``) dtype. Without ``rtol``/``atol`` the dtype decides: float64
    (1e-7, 1e-7), float32 (1.3e-6, 1e-5), float16 (1e-3, 1e-5), integers and bools exactly.

    Raises ``AssertionError`` with torch's message (mismatched elements, greatest absolute and
    relative differences and their index, the failing item of a container); ``msg`` (a string,
    or a function of the generated message) replaces it. Pairs it cannot compare (a Tensor and
    a float, a Tensor and a list) raise ``TypeError``. tinygraph has one device and one layout,
    so ``check_device``/``check_layout`` always pass.
    """
    options = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan, "check_dtype": check_dtype,
               "check_stride": check_stride}
    if (rtol is None) != (atol is None):
        _tolerances([], rtol, atol)  # raises torch's ValueError
    try:
        _compare(actual, expected, "", options)
    except _Mismatch as mismatch:
        message = mismatch.message
        if mismatch.path and mismatch.kind is AssertionError:
            message += f"\n\nThe failure occurred for item {mismatch.path}"
        if mismatch.kind is AssertionError and msg is not None:
            message = msg(message) if callable(msg) else msg
        raise mismatch.kind(message) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan: bool = True,
                    msg: str = "") -> None:
    """``torch.testing.assert_allclose`` (deprecated in torch, with a ``FutureWarning``):
    ``assert_close`` on ``actual`` and ``expected`` as arrays, dtypes not checked, NaNs
    equal by default."""
    import warnings

    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead.", FutureWarning, stacklevel=2)
    from .factories import as_tensor

    if not isinstance(actual, Tensor):
        actual = as_tensor(actual)
    if not isinstance(expected, Tensor):
        expected = as_tensor(expected, dtype=actual.dtype)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None) -> Tensor:
    """``torch.testing.make_tensor``: random values of ``shape`` (ints or one sequence) and
    ``dtype``, drawn from tinygraph's generator: floats uniform in ``[low, high)`` (default
    ``[-9, 9)``), integers in ``[low, high)`` (default ``[-9, 10)``, ``[0, 10)`` unsigned),
    bools fair coins. ``exclude_zero`` replaces zeros (by 1, or the dtype's tiny for
    floats). ``noncontiguous``/``memory_format`` are accepted; tinygraph's tensors are
    contiguous."""
    from .device import as_device
    from .factories import from_numpy

    as_device(device, "make_tensor")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(dtype)
    rng = _random.generator()
    if dtype.kind == "b":
        values = rng.integers(0, 2, shape).astype(bool)
    else:
        lo_default, hi_default = (-9, 9) if dtype.kind in "fc" else (
            (0, 10) if dtype.kind == "u" else (-9, 10))
        low = lo_default if low is None else low
        high = hi_default if high is None else high
        if low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        if dtype.kind in "fc":
            values = rng.uniform(low, high, shape)
            if dtype.kind == "c":
                values = values + 1j * rng.uniform(low, high, shape)
        else:
            values = rng.integers(int(np.ceil(low)), int(np.ceil(high)), shape)
        values = values.astype(dtype)
        if exclude_zero:
            values[values == 0] = np.finfo(dtype).tiny if dtype.kind in "fc" else 1
    out = from_numpy(np.ascontiguousarray(values))
    if requires_grad:
        out.requires_grad_(True)
    return out


__getattr__ = missing_name(__name__, globals())
