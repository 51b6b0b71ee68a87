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
abs_ absolute_ acos acos_ acosh acosh_ add_ addbmm addbmm_ addcdiv addcdiv_ addcmul addcmul_
addmm addmm_ addmv addmv_ addr addr_ adjoint angle arccos arccos_ arccosh
arccosh_ arcsin arcsin_ arcsinh arcsinh_ arctan arctan2 arctan2_ arctan_ arctanh arctanh_
argsort argwhere as_strided_ as_strided_scatter as_subclass asin asin_ asinh asinh_
atan atan2 atan2_ atan_ atanh atanh_ baddbmm baddbmm_ bernoulli bernoulli_ bfloat16 bincount
bitwise_and bitwise_and_ bitwise_left_shift bitwise_left_shift_ bitwise_not bitwise_not_
bitwise_or bitwise_or_ bitwise_right_shift bitwise_right_shift_ bitwise_xor bitwise_xor_ bmm
byte cauchy_ ccol_indices cdouble ceil ceil_ cfloat chalf char cholesky cholesky_inverse
cholesky_solve chunk clamp_ clamp_max clamp_max_ clamp_min clamp_min_ clip_ coalesce col_indices
conj conj_physical conj_physical_ const_data_ptr copy_ copysign copysign_ corrcoef cos cos_ cosh
cosh_ count_nonzero cov cross crow_indices cummax cummin cumprod cumprod_ cumsum cumsum_
deg2rad deg2rad_ dense_dim dequantize det detach_ diag diag_embed diagonal
diagonal_scatter diff dim_order dist div_ divide_ dot eig eq_ erf erf_
erfc erfc_ exp2 exp2_ exp_ expand expand_as expm1 expm1_ exponential_
fill_diagonal_ fix fix_ flip fliplr flipud float_power float_power_ floor floor_ floor_divide
floor_divide_ fmax fmin fmod fmod_ frac frac_ frexp gather gcd gcd_ ge_ geometric_ geqrf ger
get_device grad_dtype greater_ greater_equal_ gt_ hardshrink hash_tensor heaviside heaviside_
histc histogram hypot hypot_ i0 i0_ igamma igamma_ igammac igammac_ index index_add
index_add_ index_fill index_fill_ index_reduce
index_reduce_ index_select indices inner int_repr inverse ipu is_coalesced is_conj
is_contiguous is_distributed is_inference is_ipu is_maia is_meta is_mkldnn is_mps is_mtia is_neg
is_nested is_nonzero is_quantized is_same_size is_set_to is_signed is_sparse
is_sparse_csr is_vulkan is_xla is_xpu isneginf isposinf istft itemsize kron kthvalue
layout lcm lcm_ ldexp ldexp_ le_ lerp lerp_ less_ less_equal_ log10 log10_ log1p
log1p_ log2 log2_ log_ log_normal_ logaddexp logaddexp2 logcumsumexp logdet logical_and
logical_and_ logical_not logical_not_ logical_or logical_or_ logical_xor logical_xor_ logit
logit_ lstsq lt_ lu lu_solve map2_ masked_fill masked_fill_ masked_scatter
masked_scatter_ masked_select matrix_exp matrix_power median mm module_load moveaxis
movedim mtia mul_ multinomial multiply_ mv nan_to_num nan_to_num_
nanmean nanquantile nansum narrow nbytes ne_ neg_ negative_
new_empty_strided nextafter nextafter_ nonzero
nonzero_static norm normal_ not_equal_ orgqr ormqr outer output_nr permute pinverse
positive pow_ prelu prod q_per_channel_axis q_per_channel_scales
q_per_channel_zero_points q_scale q_zero_point qr qscheme rad2deg rad2deg_ random_
ravel reciprocal reciprocal_ record_stream register_post_accumulate_grad_hook reinforce
relu_ remainder remainder_ renorm renorm_ repeat repeat_interleave reshape_as resize
resize_as resize_as_sparse_ resolve_conj resolve_neg retains_grad roll rot90 round
round_ row_indices rsqrt rsqrt_ scatter scatter_ scatter_add scatter_reduce
scatter_reduce_ select_scatter set_ sgn sgn_ short sigmoid_ sign sign_
signbit sin sin_ sinc sinc_ sinh sinh_ slice_inverse slice_scatter slogdet smm solve sort
sparse_dim sparse_mask sparse_resize_ sparse_resize_and_clear_ split sqrt_
square square_ squeeze_ sspaddmm std stft storage storage_type stride sub_
subtract_ sum_to_size svd swapaxes_ swapdims_ symeig t t_ take_along_dim tan tan_ tanh_
tensor_split tile to_dense to_mkldnn to_padded_tensor to_sparse to_sparse_bsc to_sparse_bsr
to_sparse_coo to_sparse_csc to_sparse_csr topk trace transpose_ triangular_solve tril tril_ triu
triu_ true_divide_ trunc trunc_ type_as unbind unflatten uniform_ unique
unique_consecutive unsafe_chunk unsafe_split unsafe_split_with_sizes unsqueeze_ untyped_storage
values vdot view view_as volatile where xlogy xlogy_ xpu
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
