"""PyTorch 2.13's public top-level names (``torch.<name>``) that tinygraph does not have, so
that asking for one says so (``tinygraph/names.py``) instead of a bare ``AttributeError``.
Generated from ``dir(torch)`` less tinygraph's names, the standard-library modules torch
re-exports and its TorchScript internals; ``tests/test_names_lists.py`` checks that every name
here is still missing from tinygraph and present in torch.
"""

TOP_LEVEL = """
        AcceleratorError AggregationType AliasDb AnyType Argument ArgumentSpec AwaitType
        BFloat16Storage BFloat16Tensor BenchmarkConfig BenchmarkExecutionStats Block BoolStorage
        BoolType BufferDict ByteStorage CallStack Capsule CharStorage ClassType Code CompilationUnit
        CompleteArgumentSpec ComplexDoubleStorage ComplexFloatStorage ComplexType ConcreteModuleType
        ConcreteModuleTypeBuilder DeepCopyMemoTable DeserializationStorageContext DeviceObjType
        DictType DisableTorchFunction DisableTorchFunctionSubclass DispatchKey DispatchKeySet
        DoubleStorage EnumType ErrorReport Event ExcludeDispatchKeyGuard ExecutionPlan FatalError
        FileCheck FloatStorage FloatType FunctionSchema Future FutureType GradScaler Gradient Graph
        GraphExecutorState HalfStorage IODescriptor InferredType IntStorage IntType InterfaceType
        JITException ListType LiteScriptModule LockingLogger LoggerBase LongStorage ModuleDict Node
        NoneType NoopLogger NumberType OperatorInfo OptionalType OutOfMemoryError ParameterDict
        PyObjectType PyTorchFileReader PyTorchFileWriter QInt32Storage QInt8Storage QUInt2x4Storage
        QUInt4x2Storage QUInt8Storage RRefType ScriptClass ScriptClassFunction ScriptDict
        ScriptDictIterator ScriptDictKeyIterator ScriptFunction ScriptList ScriptListIterator
        ScriptMethod ScriptModule ScriptModuleSerializer ScriptObject ScriptObjectProperty
        SerializationStorageContext ShortStorage StaticModule Storage StorageBase Stream
        StreamObjType StringType SymBool SymBoolType SymFloat SymInt SymIntType Tag TensorType
        ThroughputBenchmark TracingState TupleType Type TypedStorage UnionType UntypedStorage Use
        Value abs_ acos_ acosh_ addmv addmv_ adjoint alias_copy alpha_dropout_ angle ao arccos_
        arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ as_strided_ as_strided_copy as_strided_scatter
        asin_ asinh_ atan_ atanh_ autocast_decrement_nesting autocast_increment_nesting
        bartlett_window batch_norm batch_norm_backward_elemt batch_norm_backward_reduce
        batch_norm_elemt batch_norm_gather_stats batch_norm_gather_stats_with_counts
        batch_norm_stats batch_norm_update_stats bfloat16 binary_cross_entropy_with_logits binomial
        bit bits16 bits1x8 bits2x4 bits4x2 bits8 bitwise_left_shift bitwise_right_shift
        blackman_window ccol_indices_copy cdouble ceil_ celu_ cfloat chalf choose_qparams_optimized
        clamp_ clamp_max_ clamp_min_ clear_autocast_cache clip_ col_indices_copy complex complex128
        complex32 complex64 cond conj conj_physical conj_physical_ constant_pad_nd conv_tbc
        convolution cos_ cosh_ cosine_embedding_loss cpu crow_indices_copy ctc_loss
        cudnn_affine_grid_generator cudnn_batch_norm cudnn_convolution cudnn_convolution_add_relu
        cudnn_convolution_relu cudnn_convolution_transpose cudnn_grid_sampler cudnn_is_acceptable
        deg2rad_ dequantize detach_ detach_copy diagonal_copy diagonal_scatter dropout_ dsmm eig
        embedding_bag embedding_renorm_ empty_permuted empty_quantized erf_ erfc_ exp2_ exp_
        expand_copy expm1_ export fake_quantize_per_channel_affine fake_quantize_per_tensor_affine
        fbgemm_linear_fp16_weight fbgemm_linear_fp16_weight_fp32_activation
        fbgemm_linear_int8_weight fbgemm_linear_int8_weight_fp32_activation
        fbgemm_linear_quantize_weight fbgemm_pack_gemm_matrix_fp16 fbgemm_pack_quantized_matrix
        feature_alpha_dropout_ feature_dropout feature_dropout_ fft fill fill_ fix_ float4_e2m1fn_x2
        float8_e4m3fn float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz float8_e8m0fnu floor_ fork frac_
        frobenius_norm from_dlpack from_file frombuffer functional fused_moving_avg_obs_fake_quant
        futures fx gcd_ geqrf get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype
        get_autocast_ipu_dtype get_autocast_xla_dtype get_deterministic_debug_mode get_device
        get_device_module get_file_path gradient grid_sampler_2d grid_sampler_3d gru gru_cell
        hamming_window hann_window has_lapack has_mkl has_openmp has_spectral hash_tensor
        hinge_embedding_loss histogram histogramdd hsmm hspmm hub i0_ indices_copy init_num_threads
        instance_norm int1 int2 int3 int4 int5 int6 int7 int_repr is_autocast_cache_enabled
        is_autocast_cpu_enabled is_autocast_enabled is_autocast_ipu_enabled is_autocast_xla_enabled
        is_conj is_deterministic_algorithms_warn_only_enabled is_distributed is_inference is_neg
        is_storage is_vulkan_available is_warn_always_enabled istft jagged kaiser_window kl_div lcm_
        ldexp_ legacy_contiguous_format library lobpcg log10_ log1p_ log2_ log_ logit_ lstm
        lstm_cell lstsq lu lu_solve lu_unpack margin_ranking_loss masked masked_scatter matrix_rank
        max_pool1d_with_indices miopen_batch_norm miopen_convolution miopen_convolution_add_relu
        miopen_convolution_relu miopen_convolution_transpose miopen_ctc_loss
        miopen_depthwise_convolution miopen_rnn mkldnn_adaptive_avg_pool2d mkldnn_convolution
        mkldnn_linear_backward_weights mkldnn_max_pool2d mkldnn_max_pool3d mkldnn_rnn_layer monitor
        mps mtia nan_to_num_ native_batch_norm native_channel_shuffle native_dropout
        native_group_norm native_layer_norm native_norm neg_ negative_ nested newaxis nonzero_static
        norm_except_dim nuclear_norm orgqr ormqr overrides package pca_lowrank per_channel_affine
        per_channel_affine_float_qparams per_channel_symmetric per_tensor_affine
        per_tensor_symmetric permute_copy poisson_nll_loss polar prepare_multiprocessing_environment
        profiler_allow_cudagraph_cupti_lazy_reinit_cuda12 q_per_channel_axis q_per_channel_scales
        q_per_channel_zero_points q_scale q_zero_point qint32 qint8 qscheme quantization
        quantize_per_channel quantize_per_tensor quantize_per_tensor_dynamic quantized_batch_norm
        quantized_gru quantized_gru_cell quantized_lstm quantized_lstm_cell quantized_max_pool1d
        quantized_max_pool2d quantized_max_pool3d quantized_rnn_relu_cell quantized_rnn_tanh_cell
        quasirandom quint2x4 quint4x2 quint8 rad2deg_ reciprocal_ relu_ resize_as_sparse_
        resolve_conj resolve_neg rnn_relu rnn_relu_cell rnn_tanh rnn_tanh_cell round_
        row_indices_copy rrelu_ rsqrt_ saddmm segment_reduce select_copy select_scatter selu_
        set_anomaly_enabled set_autocast_cache_enabled set_autocast_cpu_dtype
        set_autocast_cpu_enabled set_autocast_dtype set_autocast_enabled set_autocast_gpu_dtype
        set_autocast_ipu_dtype set_autocast_ipu_enabled set_autocast_xla_dtype
        set_autocast_xla_enabled set_default_tensor_type set_deterministic_debug_mode
        set_flush_denormal set_warn_always sigmoid_ signal sin_ sinc_ sinh_ slice_copy slice_inverse
        slice_scatter smm solve sparse sparse_bsc sparse_bsc_tensor sparse_bsr sparse_bsr_tensor
        sparse_compressed_tensor sparse_coo sparse_coo_tensor sparse_csc sparse_csc_tensor
        sparse_csr sparse_csr_tensor split_copy split_with_sizes_copy spmm sqrt_ square_
        squeeze_copy sspaddmm stft storage svd_lowrank sym_constrain_range
        sym_constrain_range_for_size sym_float sym_fresh_size sym_int sym_ite sym_max sym_min
        sym_not sym_sqrt sym_sum symeig t_copy tan_ tanh_ thread_safe_generator threshold_ to_dlpack
        transpose_copy triplet_margin_loss trunc_ typename uint1 uint16 uint2 uint3 uint32 uint4
        uint5 uint6 uint64 uint7 unbind_copy unfold_copy unsafe_chunk unsafe_split
        unsafe_split_with_sizes unsqueeze_copy values_copy vdot view_as_complex view_as_complex_copy
        view_as_real view_as_real_copy view_copy wait while_loop windows xlogy_ xpu zero_
"""
