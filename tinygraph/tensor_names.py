"""The ``AttributeError`` of an unknown Tensor attribute: the closest existing name, or, for a
name PyTorch's Tensor has and tinygraph's lacks, a plain statement of that.

    >>> tg.zeros(2).szie
    AttributeError: 'Tensor' object has no attribute 'szie'. Did you mean 'size'?
"""

from __future__ import annotations

from .names import did_you_mean

# Public attributes of torch.Tensor (PyTorch 2.13) that tinygraph's Tensor does not have
# (tests/test_tensor_protocols.py keeps this list honest against the installed torch).
TORCH_ONLY = frozenset("""
acos_ addcdiv_ addcmul_ addmv addmv_ adjoint angle arccos_ arcsin_ arctan2_ arctan_ as_strided_
as_strided_scatter as_subclass asin_ atan2_ atan_ bfloat16 bitwise_and_ bitwise_left_shift
bitwise_left_shift_ bitwise_not_ bitwise_or_ bitwise_right_shift bitwise_right_shift_
bitwise_xor_ cauchy_ ccol_indices cdouble cfloat chalf clamp_max_ clamp_min_
coalesce col_indices conj conj_physical conj_physical_ const_data_ptr cos_ cosh_ crow_indices
cumprod_ cumsum_ deg2rad_ dense_dim dequantize diagonal_scatter dim_order divide_ eig eq_ erf_
erfc_ exp2_ expm1_ floor_divide_ ge_ geometric_ geqrf ger get_device grad_dtype greater_
greater_equal_ gt_ hardshrink hash_tensor heaviside_ histogram hypot_ index
indices inner int_repr ipu is_coalesced is_conj is_distributed is_inference is_ipu
is_maia is_meta is_mkldnn is_mps is_mtia is_neg is_nested is_quantized is_same_size is_set_to
is_signed is_sparse is_sparse_csr is_vulkan is_xla is_xpu istft le_ lerp_ less_ less_equal_
log10_ log1p_ log2_ log_normal_ logical_and_ logical_not_ logical_or_ logical_xor_ logit_ lstsq
lt_ lu lu_solve map2_ masked_scatter masked_scatter_ module_load mtia multiply_ nan_to_num_
ne_ new_empty_strided nonzero_static not_equal_ orgqr ormqr output_nr prelu
q_per_channel_axis q_per_channel_scales q_per_channel_zero_points q_scale q_zero_point qscheme
rad2deg_ reciprocal_ record_stream register_post_accumulate_grad_hook reinforce remainder_
resize resize_as resize_as_sparse_ resolve_conj resolve_neg row_indices rsqrt_ select_scatter
set_ sin_ sinh_ slice_inverse slice_scatter smm solve sparse_dim sparse_mask sparse_resize_
sparse_resize_and_clear_ square_ sspaddmm stft storage storage_type subtract_ sum_to_size
swapaxes_ swapdims_ symeig tan_ to_dense to_mkldnn to_padded_tensor to_sparse to_sparse_bsc
to_sparse_bsr to_sparse_coo to_sparse_csc to_sparse_csr tril_ triu_ true_divide_ unsafe_chunk
unsafe_split unsafe_split_with_sizes untyped_storage values vdot volatile xlogy_ xpu
""".split())


def missing_attribute(tensor, name: str) -> AttributeError:
    """The error for ``tensor.name`` when no such attribute exists."""
    cls = type(tensor).__name__
    message = f"{cls!r} object has no attribute {name!r}"
    if name.startswith("_"):  # probes by Python, NumPy, IPython (hasattr): no search, stay cheap
        return AttributeError(message)
    if name in TORCH_ONLY:
        return AttributeError(
            f"{message}: PyTorch's Tensor.{name} is not implemented in tinygraph."
            + did_you_mean(name, _public_names(type(tensor)) - {name}))
    return AttributeError(message + "." + did_you_mean(name, _public_names(type(tensor))))


def _public_names(cls) -> set:
    return {n for n in dir(cls) if not n.startswith("_")}
