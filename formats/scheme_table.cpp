//===- formats/scheme_table.cpp - THE scheme table -----------------------===//
//
// The single source of truth for what each quant type stores. Every fact is
// from the producers' code or the consumers' parameter declarations, as
// collected in ../shared/reference (msmodelslim-format.md §3, golden-stick-
// format.md §4, consumers.md §1.5); "source" names the section.
//
// Where producer generations disagree, the table accepts what each writes
// (e.g. "F32|md" for scales V1 writes as F32 and V0 in the calibration
// dtype) and the note says which is which. Where consumers are stricter than
// producers, the validator's target rules say so, not this table.
//
//===----------------------------------------------------------------------===//
#include "formats/scheme.h"

#include <array>

namespace qkit {
namespace {

using A = ActQuant;
using G = WeightGrouping;
using F = DequantFormula;
using QB = QuantBiasConvention;
using D = DeqScaleEncoding;

using P = Presence;
constexpr bool kI4 = true;  // Golden-Stick "Int4" metadata marker required
constexpr bool kNo = false;

// --- msModelSlim ------------------------------------------------------------

constexpr TensorRule kMsFloat[] = {
    {"weight", P::Required, "md|F32", "*", "=", kNo, "any shape; fp32 when calibrated in fp32"},
    {"bias", P::IfBias, "md|F32", "[n]", "=", kNo, ""},
};

constexpr TensorRule kMsW8A8[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "per-channel symmetric int8"},
    {"quant_bias", P::Required, "I32", "[n]", "=", kNo, "round(bias/deq_scale - input_offset*sum_k(weight)); float bias folded in"},
    {"input_scale", P::Required, "F32|md", "[1]", "=", kNo, "per-tensor activation scale (divisor); V1 F32, V0 calibration dtype"},
    {"input_offset", P::Required, "F32|md|I8", "[1]", "=", kNo, "activation zero point, integral, in [-128, 127]"},
    {"deq_scale", P::Required, "deq", "[n]", "=", kNo, "input_scale*weight_scale; F32 for bf16 models, I64 fp32 bits otherwise"},
    {"weight_scale", P::Optional, "F32|md", "[n,1]", "=", kNo, "written by V0 only"},
    {"weight_offset", P::Optional, "F32|md", "[n,1]", "=", kNo, "written by V0 only (zeros)", true},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, "kept for reference; tagged FLOAT since 2026-03 (before: the quant type)"},
};

constexpr TensorRule kMsW8A8Mix[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "per-channel symmetric int8"},
    {"quant_bias", P::Required, "I32", "[n]", "=", kNo, "as W8A8 (decode path)"},
    {"input_scale", P::Required, "F32|md", "[1]", "=", kNo, "decode (static) path"},
    {"input_offset", P::Required, "F32|md|I8", "[1]", "=", kNo, "decode (static) path"},
    {"deq_scale", P::Required, "deq", "[n]", "=", kNo, "decode (static) path"},
    {"weight_scale", P::Required, "F32|md", "[n,1]", "=", kNo, "prefill (dynamic) path"},
    {"weight_offset", P::Required, "F32|md", "[n,1]", "=", kNo, "zeros (symmetric weights)", true},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, "used by the prefill path"},
};

constexpr TensorRule kMsW8A8Dyn[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "per-channel symmetric int8"},
    {"weight_scale", P::Required, "F32|md", "[n,1]", "=", kNo, "V1/MindIE-SD F32; V0 calibration dtype"},
    {"weight_offset", P::Required, "F32|md", "[n,1]", "=", kNo, "zeros", true},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW8A8DynGroup[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "per-group int8 (V1)"},
    {"weight_scale", P::Required, "F32|md", "[n,G]", "=", kNo, "G = k / group_size"},
    {"weight_offset", P::Required, "F32|md", "[n,G]", "=", kNo, "V1 writes zeros even for asymmetric groups"},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};

constexpr TensorRule kMsW8A16[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "int8, symmetric or asymmetric"},
    {"weight_scale", P::Required, "F32|md", "[n,1]|[n]", "=", kNo, "V0 documentation says [n]; the code writes [n,1]"},
    {"weight_offset", P::Required, "F32|md", "[n,1]|[n]", "=", kNo, "zero point to subtract"},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW8A16Group[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, ""},
    {"weight_scale", P::Required, "F32|md", "[n,G]", "=", kNo, "scale[r, g] covers weight[r, g*gs:(g+1)*gs]"},
    {"weight_offset", P::Required, "F32|md", "[n,G]", "=", kNo, ""},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};

constexpr TensorRule kMsW4A16Channel[] = {
    {"weight", P::Required, "I8", "[n,k/2]", "=", kNo, "two int4 per byte along k (V0 ascendV1 naming)"},
    {"weight_scale", P::Required, "F32|md", "[n,1]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32|md", "[n,1]", "=", kNo, ""},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW4A16Group[] = {
    {"weight", P::Required, "I8", "[n/2,k]", "=", kNo, "two int4 per byte along n (V0 ascendV1 naming)"},
    {"weight_scale", P::Required, "F32|md", "[n,G]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32|md", "[n,G]", "=", kNo, ""},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW4A16Unpacked[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "one int4 value in [-8, 7] per byte (V0 MindIE naming)"},
    {"weight_scale", P::Required, "F32|md", "[n,1]|[n,G]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32|md", "[n,1]|[n,G]", "=", kNo, ""},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};

constexpr TensorRule kMsW4A8[] = {
    {"weight", P::Required, "I8", "[n/2,k]", "=", kNo, "per-channel symmetric int4, two per byte along n"},
    {"weight_scale", P::Required, "F32", "[n,1]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32", "[n,1]", "=", kNo, "zeros", true},
    {"scale_bias", P::Required, "F32", "[n,1]|[n,16]|[n,k]", "=", kNo,
     "8*sum_k(dequantized weight): [n,1] for column-parallel, [n,16] for o_proj/down_proj"},
    {"bias", P::IfBias, "F32", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW4A8TwoStage[] = {
    {"weight", P::Required, "I8", "[n/2,k]|[n,k]", "=", kNo, "packed along n (V0 ascendV1) or unpacked (V0 MindIE)"},
    {"weight_scale", P::Required, "F32|md", "[n,1]", "=", kNo, "int8 stage"},
    {"weight_offset", P::Required, "F32|md", "[n,1]", "=", kNo, "int8 stage"},
    {"weight_scale_second", P::Required, "F32|md", "[n,G]", "=", kNo, "int4 stage, per group"},
    {"weight_offset_second", P::Required, "F32|md", "[n,G]", "=", kNo, "int4 stage, per group"},
    {"scale_bias", P::Optional, "F32", "[n,1]|[n,16]|[n,k]", "=", kNo, "V0 ascendV1 naming only"},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};

constexpr TensorRule kMsW4A4[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "int4 values in [-8, 7], NOT packed (the runtime packs at load)"},
    {"weight_scale", P::Required, "F32", "[n,1]|[n,G]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32", "[n,1]|[n,G]", "=", kNo, ""},
    {"bias", P::IfBias, "F32", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW4A4Flat[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "int4 values in [-8, 7], not packed"},
    {"weight_scale", P::Required, "F32", "[n,1]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32", "[n,1]", "=", kNo, ""},
    {"left_trans", P::Required, "md|F32", "*", "=|FLOAT_FLATQUANT", kNo, "square transform (Kronecker factor)"},
    {"right_trans", P::Required, "md|F32", "*", "=|FLOAT_FLATQUANT", kNo, "square transform (Kronecker factor)"},
    {"clip_ratio", P::Required, "F32", "[1]", "=|FLOAT_FLATQUANT", kNo, ""},
    {"bias", P::IfBias, "F32", "[n]", "FLOAT|FLOAT_FLATQUANT|=", kNo, ""},
};

constexpr TensorRule kMsW8A8S[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "sparsified int8, before compression"},
    {"quant_bias", P::Required, "I32", "[n]", "=", kNo, ""},
    {"input_scale", P::Required, "F32|md", "[1]", "=", kNo, ""},
    {"input_offset", P::Required, "F32|md|I8", "[1]", "=", kNo, ""},
    {"deq_scale", P::Required, "deq", "[n]", "=", kNo, ""},
    {"bias", P::IfBias, "F32|md", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW8A8SC[] = {
    {"weight", P::Required, "I8", "*", "=", kNo, "1-D compressed stream"},
    {"index", P::Required, "I8", "*", "=", kNo, "1-D compression index"},
    {"info", P::Required, "I64", "[5]", "=", kNo, "[tiling_k, tiling_n, k, n, 1]"},
    {"quant_bias", P::Required, "I32", "*", "W8A8S", kNo, "kept from W8A8S (tag W8A8S)"},
    {"input_scale", P::Required, "F32|md", "[1]", "W8A8S", kNo, "kept from W8A8S"},
    {"input_offset", P::Required, "F32|md|I8", "[1]", "W8A8S", kNo, "kept from W8A8S"},
    {"deq_scale", P::Required, "deq", "*", "W8A8S", kNo, "kept from W8A8S"},
    {"bias", P::IfBias, "F32|md", "*", "FLOAT|W8A8S|=", kNo, ""},
};
constexpr TensorRule kMsW16A16S[] = {
    {"weight", P::Required, "md", "[n,k]", "=", kNo, "sparsified float"},
    {"bias", P::IfBias, "md", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsW16A16SC[] = {
    {"weight", P::Required, "I8", "*", "=", kNo, "1-D compressed stream"},
    {"index", P::Required, "I8", "*", "=", kNo, ""},
    {"info", P::Required, "I64", "[5]", "=", kNo, "[tiling_k, tiling_n, k, n, 1]"},
    {"bias", P::IfBias, "md", "*", "FLOAT|=", kNo, ""},
};

constexpr TensorRule kMsFp8Dyn[] = {
    {"weight", P::Required, "F8_E4M3", "[n,k]", "=", kNo, ""},
    {"weight_scale", P::Required, "F32", "[n,1]", "=", kNo, ""},
    {"weight_offset", P::Required, "F32", "[n,1]", "=", kNo, "zeros", true},
    {"bias", P::IfBias, "F32", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsMxfp8[] = {
    {"weight", P::Required, "F8_E4M3", "[n,k]", "=", kNo, ""},
    {"weight_scale", P::Required, "U8", "[n,B]", "=", kNo, "E8M0 exponent + 127 per block of 32 inputs"},
    {"bias", P::IfBias, "F32", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsMxfp4[] = {
    {"weight", P::Required, "U8", "[n,k/2]", "=", kNo, "FP4 E2M1 codes, two per byte along k (even index low)"},
    {"weight_scale", P::Required, "U8", "[n,B]", "=", kNo, "E8M0 exponent + 127 per block of 32 inputs"},
    {"bias", P::IfBias, "F32", "[n]", "FLOAT|=", kNo, ""},
};
constexpr TensorRule kMsMxfp4Dual[] = {
    {"weight", P::Required, "U8", "[n,k/2]", "=", kNo, "FP4 E2M1 codes, two per byte along k"},
    {"weight_scale", P::Required, "U8", "[n,B]", "=", kNo, "E8M0"},
    {"weight_dual_scale", P::Required, "F32", "*", "=", kNo, "second scale per block (shape not pinned down)"},
    {"bias", P::IfBias, "F32", "[n]", "=|FLOAT", kNo, "V1 tags it with the type, MindIE-SD with FLOAT"},
};
constexpr TensorRule kMsRecognisedOnly[] = {
    {"weight", P::Required, "I8|U8|md|F32", "*", "=", kNo, "not validated"},
};

constexpr TensorRule kMsFaQuant[] = {
    {"fa_q.scale", P::Optional, "md|F32", "[H,1]|[H,D]", "FAQuant", kNo,
     "[H,1] current writers; [H,D] in older MindIE docs; absent when q is quantized per token (dynamic)"},
    {"fa_q.offset", P::Optional, "I8|md|F32", "[H,1]|[H,D]", "FAQuant", kNo, "I8 zeros (INT8) or F32 zeros (FP8)"},
    {"fa_k.scale", P::Required, "md|F32", "[Hkv,1]|[Hkv,D]", "FAQuant", kNo, ""},
    {"fa_k.offset", P::Required, "I8|md|F32", "[Hkv,1]|[Hkv,D]", "FAQuant", kNo, ""},
    {"fa_v.scale", P::Optional, "md|F32", "[Hkv,1]|[Hkv,D]", "FAQuant", kNo, "absent when v is dynamic"},
    {"fa_v.offset", P::Optional, "I8|md|F32", "[Hkv,1]|[Hkv,D]", "FAQuant", kNo, ""},
};
constexpr TensorRule kMsFaQuantFa3[] = {
    {"fa3_q.scale", P::Optional, "F32|md", "[H,1]|[1,1]", "FAQuant", kNo, "V1 FA3 adapters; absent when q is dynamic"},
    {"fa3_q.offset", P::Optional, "I8|F32", "[H,1]|[1,1]", "FAQuant", kNo, ""},
    {"fa3_k.scale", P::Required, "F32|md", "[Hkv,1]|[1,1]", "FAQuant", kNo, ""},
    {"fa3_k.offset", P::Required, "I8|F32", "[Hkv,1]|[1,1]", "FAQuant", kNo, ""},
    {"fa3_v.scale", P::Required, "F32|md", "[Hkv,1]|[1,1]", "FAQuant", kNo, ""},
    {"fa3_v.offset", P::Required, "I8|F32", "[Hkv,1]|[1,1]", "FAQuant", kNo, ""},
};
constexpr TensorRule kMsC8[] = {
    {"k_proj.kv_cache_scale", P::Required, "F32|md", "[Hkv*D]", "C8", kNo, "one scale per (kv head, head_dim) channel"},
    {"k_proj.kv_cache_offset", P::Required, "F32|md|I32", "[Hkv*D]", "C8", kNo, "zeros when symmetric"},
    {"v_proj.kv_cache_scale", P::Required, "F32|md", "[Hkv*D]", "C8", kNo, ""},
    {"v_proj.kv_cache_offset", P::Required, "F32|md|I32", "[Hkv*D]", "C8", kNo, ""},
};

// --- Golden-Stick -------------------------------------------------------------

constexpr TensorRule kGsFloat[] = {
    {"weight", P::Required, "md|F32", "*", "=", kNo, ""},
    {"bias", P::IfBias, "md|F32", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW8A8Smooth[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "quantize(W*diag(s)): smoothing folded into the weight"},
    {"weight_scale", P::Required, "md", "[n]", "=", kNo, "per-channel, symmetric (2*amax/255)"},
    {"weight_offset", P::Required, "I32", "[n]", "=", kNo, "zeros", true},
    {"input_scale", P::Required, "md", "[k]", "=", kNo, "x_scale*s_k per input channel (divisor)"},
    {"input_offset", P::Required, "I8|I32", "[k]", "=", kNo, "x_zp repeated; I32 in older wrappers"},
    {"smooth_scale", P::Optional, "md|F32", "[k]", "=", kNo, "1/s; redundant for inference"},
    {"deq_scale", P::Required, "deq|F32", "[n]", "=", kNo,
     "x_scale*weight_scale; Golden-Stick writes I64 bits for fp16 models (hal.py AllQuantMatmul), but vllm-mindspore "
     "and MindFormers create F32 and cast numerically, so F32 is what loads (the target rules decide)"},
    {"quant_bias", P::Required, "I32", "[n]", "=|FLOAT", kNo, "-x_zp*sum_k(weight) only; float bias NOT folded"},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, "added after dequantization"},
};
constexpr TensorRule kGsW8A8Plain[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, "no smoothing (ACLNN kernel)"},
    {"weight_scale", P::Required, "md", "[n]", "=", kNo, ""},
    {"weight_offset", P::Required, "I32", "[n]", "=", kNo, "zeros", true},
    {"input_scale", P::Required, "md", "[1]", "=", kNo, "1/x_scale: a multiplier (float input_offset marks this form)"},
    {"input_offset", P::Required, "md", "[1]", "=", kNo, "x_zp as a float"},
    {"smooth_scale", P::Optional, "md|F32", "[k]", "=", kNo, "ones in some versions"},
    {"deq_scale", P::Required, "deq|F32", "[n]", "=", kNo, "as the smoothed form"},
    {"quant_bias", P::Required, "I32", "[n]", "=|FLOAT", kNo, "float bias NOT folded"},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW8A8Dyn[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, ""},
    {"weight_scale", P::Required, "md", "[n]", "=", kNo, ""},
    {"weight_offset", P::Required, "I32", "[n]", "=", kNo, "zeros", true},
    {"bias", P::IfBias, "md", "[n]", "=|W4A8_DYNAMIC", kNo, "Golden-Stick tags it W4A8_DYNAMIC (producer bug)"},
};
constexpr TensorRule kGsW8A16[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, ""},
    {"weight_scale", P::Required, "md", "[n]", "=", kNo, ""},
    {"weight_offset", P::Required, "I32", "[n]", "=", kNo, "zero point, not negated"},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW8A16Group[] = {
    {"weight", P::Required, "I8", "[n,k]", "=", kNo, ""},
    {"weight_scale", P::Required, "md", "[G,n]", "=", kNo, "scale[g, j] covers inputs [g*gs, (g+1)*gs) of output j"},
    {"weight_offset", P::Required, "I32", "[G,n]", "=", kNo, ""},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW4A16Channel[] = {
    {"weight", P::Required, "I8", "[k,n/2]", "=", kI4, "qint4x2: transposed to [k,n], packed along n"},
    {"weight_scale", P::Required, "md", "[n]", "=", kNo, ""},
    {"weight_offset", P::Required, "I32", "[n]", "=", kNo, ""},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW4A16Group[] = {
    {"weight", P::Required, "I8", "[k,n/2]", "=", kI4, "qint4x2: transposed to [k,n], packed along n"},
    {"weight_scale", P::Required, "md", "[G,n]", "=", kNo, "group_size 64 or 128"},
    {"weight_offset", P::Required, "I32", "[G,n]", "=", kNo, ""},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW4A8[] = {
    {"weight", P::Required, "I8", "[k,n/2]", "=", kI4, "qint4x2, GPTQ per-group"},
    {"weight_scale", P::Required, "BF16|F32", "[G,n]", "=", kNo, "BF16 for bf16 models, else F32"},
    {"weight_offset", P::Required, "I32", "[G,n]", "=", kNo, ""},
    {"bias", P::IfBias, "md", "[n]", "=", kNo, ""},
};
constexpr TensorRule kGsW4A8Moe[] = {
    {"weight", P::Required, "I8", "[E,k,n/2]", "=", kI4, "stacked experts, qint4x2"},
    {"weight_scale", P::Required, "U64", "[E,G,n]", "=", kNo, "fp32 bit pattern, zero-extended"},
    {"weight_offset", P::Required, "I32", "[E,G,n]", "=", kNo, ""},
    {"gmm_bias", P::Optional, "F32", "[E,n]", "=|FLOAT", kNo, "8*sum_k(q*scale); runtimes recompute it"},
};
// Golden-Stick's MindFormers processor splits the stacked experts per
// expert and transposes weight, weight_scale and weight_offset, keeping
// their dtypes (mindspore_gs/ptq/models/mindformers_models/
// param_processor.py@6fbc7f003463 MoeParamProcessor._split_route_moe_weight,
// about L278-312): int4 packed along n as [n/2,k], scales [n,G]. MindFormers'
// grouped loader takes exactly this (grouped_layers.py@f52743ca27a5
// L329-378, L567-605). docs/research/ms-runtimes.md Q3.
constexpr TensorRule kGsW4A8PerExpert[] = {
    {"weight", P::Required, "I8", "[n/2,k]", "=", kI4, "qint4x2 per expert, packed along n"},
    {"weight_scale", P::Required, "U64", "[n,G]", "=", kNo, "fp32 bit pattern, zero-extended (as the stacked form)"},
    {"weight_offset", P::Required, "I32", "[n,G]", "=", kNo, ""},
    {"gmm_bias", P::Optional, "F32", "[n]", "=|FLOAT", kNo, "8*sum_k(q*scale); runtimes recompute it"},
};

// --- compressed-tensors ----------------------------------------------------
//
// What compressed-tensors stores for a Linear, per scheme qkit binds and
// converts (neuralmagic/compressed-tensors @52792be: compressors/
// quantized_compressors/base.py L86-161, naive_quantized.py,
// pack_quantized.py L70-309; quantization/lifecycle/initialize.py L155-280;
// docs/research/compressed-tensors.md §4). There is no description: tags
// are empty. These rows give the tensors' names and roles (binding,
// converter, inspector, docs/schemes.md); the exact shapes of each layer
// follow from its config group's arguments (strategy, group_size, format),
// which validate/checks_ct.cpp checks through ct::expected_tensors (packed
// shapes round up: "[n,k/8]" binds k as the padded word count, and
// module_k() in formats/tensor_values.h reads the real k off weight_shape).
// Scales are in the model dtype (LLM-Compressor) or F32 (msModelSlim's
// saver keeps F32); zero points are I8 unpacked, I32 packed along n.

constexpr TensorRule kCtW8A8[] = {
    {"weight", P::Required, "I8", "[n,k]", "", kNo, "int8, symmetric"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[1]", "", kNo, "channel or tensor strategy"},
    {"input_scale", P::Required, "md|F32", "[1]", "", kNo, "static per-tensor activation scale"},
    {"input_zero_point", P::Optional, "I8|md|F32", "[1]", "", kNo,
     "asymmetric inputs only; msModelSlim's saver writes the float offset and omits an all-zero one"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, "the float bias, unchanged"},
};
constexpr TensorRule kCtW8A8Dyn[] = {
    {"weight", P::Required, "I8", "[n,k]", "", kNo, "int8, symmetric"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[1]", "", kNo, "channel or tensor strategy"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, ""},
};
constexpr TensorRule kCtW8A16[] = {
    {"weight", P::Required, "I8", "[n,k]", "", kNo, "int8 unpacked (int- or naive-quantized)"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[n,G]", "", kNo, "channel or group strategy"},
    {"weight_zero_point", P::Optional, "I8", "[n,1]|[n,G]", "", kNo, "asymmetric weights only"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, ""},
};
constexpr TensorRule kCtW8A16Packed[] = {
    {"weight_packed", P::Required, "I32", "[n,k/4]", "", kNo, "four (value + 128) bytes per word along k, first in the lowest bits"},
    {"weight_shape", P::Required, "I64|I32", "[2]", "", kNo, "the unpacked [n, k]"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[n,G]", "", kNo, "channel or group strategy"},
    {"weight_zero_point", P::Optional, "I32", "*", "", kNo, "asymmetric only: packed along n, [ceil(n/4), G]"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, ""},
};
constexpr TensorRule kCtW4A16Packed[] = {
    {"weight_packed", P::Required, "I32", "[n,k/8]", "", kNo, "eight (value + 8) nibbles per word along k, first in the lowest bits"},
    {"weight_shape", P::Required, "I64|I32", "[2]", "", kNo, "the unpacked [n, k]"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[n,G]", "", kNo, "channel or group strategy"},
    {"weight_zero_point", P::Optional, "I32", "*", "", kNo, "asymmetric only: packed along n, [ceil(n/8), G]"},
    {"weight_g_idx", P::Optional, "I32", "[k]", "", kNo, "actorder group"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, ""},
};
constexpr TensorRule kCtW4A8Packed[] = {
    {"weight_packed", P::Required, "I32", "[n,k/8]", "", kNo, "eight (value + 8) nibbles per word along k"},
    {"weight_shape", P::Required, "I64|I32", "[2]", "", kNo, "the unpacked [n, k]"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[n,G]", "", kNo, "channel or group strategy"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, ""},
};
constexpr TensorRule kCtFp8Dyn[] = {
    {"weight", P::Required, "F8_E4M3", "[n,k]", "", kNo, "float8 e4m3"},
    {"weight_scale", P::Required, "md|F32", "[n,1]|[1]", "", kNo, "channel or tensor strategy"},
    {"bias", P::IfBias, "md|F32", "[n]", "", kNo, ""},
};

#define QKIT_RULES(a) std::span<const TensorRule>(a)
constexpr auto kNoInt4 = std::optional<Int4Layout>{};

const std::array kSchemes = {
    // msModelSlim
    Scheme{SchemeId::MsFloat, scheme_id_name(SchemeId::MsFloat), Family::MsModelSlim, QuantType::FLOAT, "", "unquantized tensor", QKIT_RULES(kMsFloat),
           "msmodelslim-format.md §3.1", true, kNoInt4,
           SchemeTraits{A::None, G::None, F::Float, QB::None, D::None}},
    Scheme{SchemeId::MsW8A8, scheme_id_name(SchemeId::MsW8A8), Family::MsModelSlim, QuantType::W8A8, "", "static W8A8: quant_bias folds the float bias",
           QKIT_RULES(kMsW8A8), "msmodelslim-format.md §3.2, §4.2; consumers.md §1.5", true, kNoInt4,
           SchemeTraits{A::StaticPerTensor, G::PerChannel, F::DeqScale, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    Scheme{SchemeId::MsW8A8Mix, scheme_id_name(SchemeId::MsW8A8Mix), Family::MsModelSlim, QuantType::W8A8_MIX, "", "PDMIX: the W8A8 set plus weight scales",
           QKIT_RULES(kMsW8A8Mix), "msmodelslim-format.md §3.3; PDMIX seed table", true, kNoInt4,
           SchemeTraits{A::MixedPD, G::PerChannel, F::DeqScale, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    Scheme{SchemeId::MsW8A8Dynamic, scheme_id_name(SchemeId::MsW8A8Dynamic), Family::MsModelSlim, QuantType::W8A8_DYNAMIC, "per-channel", "per-token activations",
           QKIT_RULES(kMsW8A8Dyn), "msmodelslim-format.md §3.4", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW8A8DynamicPerGroup, scheme_id_name(SchemeId::MsW8A8DynamicPerGroup), Family::MsModelSlim, QuantType::W8A8_DYNAMIC, "per-group",
           "per-group weight scales (V1)", QKIT_RULES(kMsW8A8DynGroup), "msmodelslim-format.md §3.4", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW8A16, scheme_id_name(SchemeId::MsW8A16), Family::MsModelSlim, QuantType::W8A16, "per-channel", "int8 weight-only",
           QKIT_RULES(kMsW8A16), "msmodelslim-format.md §3.5", true, kNoInt4,
           SchemeTraits{A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW8A16PerGroup, scheme_id_name(SchemeId::MsW8A16PerGroup), Family::MsModelSlim, QuantType::W8A16, "per-group", "int8 weight-only, grouped",
           QKIT_RULES(kMsW8A16Group), "msmodelslim-format.md §3.5", true, kNoInt4,
           SchemeTraits{A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A16PerChannel, scheme_id_name(SchemeId::MsW4A16PerChannel), Family::MsModelSlim, QuantType::W4A16, "per-channel", "packed along k",
           QKIT_RULES(kMsW4A16Channel), "msmodelslim-format.md §3.6, §4.5", true, Int4Layout::PackedK,
           SchemeTraits{A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A16PerGroup, scheme_id_name(SchemeId::MsW4A16PerGroup), Family::MsModelSlim, QuantType::W4A16, "per-group", "packed along n",
           QKIT_RULES(kMsW4A16Group), "msmodelslim-format.md §3.6, §4.5", true, Int4Layout::PackedN,
           SchemeTraits{A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A16Unpacked, scheme_id_name(SchemeId::MsW4A16Unpacked), Family::MsModelSlim, QuantType::W4A16, "unpacked", "MindIE naming: one value per byte",
           QKIT_RULES(kMsW4A16Unpacked), "msmodelslim-format.md §3.6", true, kNoInt4,
           SchemeTraits{A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A8Dynamic, scheme_id_name(SchemeId::MsW4A8Dynamic), Family::MsModelSlim, QuantType::W4A8_DYNAMIC, "", "per-channel int4 (V1)",
           QKIT_RULES(kMsW4A8), "msmodelslim-format.md §3.7, §4.6", true, Int4Layout::PackedN,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A8DynamicTwoStage, scheme_id_name(SchemeId::MsW4A8DynamicTwoStage), Family::MsModelSlim, QuantType::W4A8_DYNAMIC, "two-stage",
           "int8 per-channel then int4 per-group (V0)", QKIT_RULES(kMsW4A8TwoStage), "msmodelslim-format.md §3.7",
           true, Int4Layout::PackedN,
           SchemeTraits{A::DynamicPerToken, G::TwoStage, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A4Dynamic, scheme_id_name(SchemeId::MsW4A4Dynamic), Family::MsModelSlim, QuantType::W4A4_DYNAMIC, "", "int4 weights stored unpacked",
           QKIT_RULES(kMsW4A4), "msmodelslim-format.md §3.8", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW4A4FlatQuantDynamic, scheme_id_name(SchemeId::MsW4A4FlatQuantDynamic), Family::MsModelSlim, QuantType::W4A4_FLATQUANT_DYNAMIC, "",
           "W4A4 with FlatQuant transforms", QKIT_RULES(kMsW4A4Flat), "msmodelslim-format.md §3.12; consumers.md §1.5",
           true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::MsW8A8S, scheme_id_name(SchemeId::MsW8A8S), Family::MsModelSlim, QuantType::W8A8S, "", "sparse W8A8", QKIT_RULES(kMsW8A8S),
           "msmodelslim-format.md §3.9", true, kNoInt4,
           SchemeTraits{A::StaticPerTensor, G::PerChannel, F::DeqScale, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    Scheme{SchemeId::MsW8A8SC, scheme_id_name(SchemeId::MsW8A8SC), Family::MsModelSlim, QuantType::W8A8SC, "", "compressed sparse W8A8", QKIT_RULES(kMsW8A8SC),
           "msmodelslim-format.md §3.9", true, kNoInt4,
           SchemeTraits{A::StaticPerTensor, G::PerChannel, F::Other, QB::MsFoldsBiasAndOffset, D::F32OrI64Bits}},
    Scheme{SchemeId::MsW16A16S, scheme_id_name(SchemeId::MsW16A16S), Family::MsModelSlim, QuantType::W16A16S, "", "sparse float", QKIT_RULES(kMsW16A16S),
           "msmodelslim-format.md §3.9", true, kNoInt4,
           SchemeTraits{A::None, G::None, F::Float, QB::None, D::None}},
    Scheme{SchemeId::MsW16A16SC, scheme_id_name(SchemeId::MsW16A16SC), Family::MsModelSlim, QuantType::W16A16SC, "", "compressed sparse float",
           QKIT_RULES(kMsW16A16SC), "msmodelslim-format.md §3.9", true, kNoInt4,
           SchemeTraits{A::None, G::None, F::Other, QB::None, D::None}},
    Scheme{SchemeId::MsWfp8Afp8Dynamic, scheme_id_name(SchemeId::MsWfp8Afp8Dynamic), Family::MsModelSlim, QuantType::WFP8AFP8_DYNAMIC, "", "FP8 weights",
           QKIT_RULES(kMsFp8Dyn), "msmodelslim-format.md §3.10", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::Fp8Scale, QB::None, D::None}},
    Scheme{SchemeId::MsW8A8Mxfp8, scheme_id_name(SchemeId::MsW8A8Mxfp8), Family::MsModelSlim, QuantType::W8A8_MXFP8, "", "MX FP8", QKIT_RULES(kMsMxfp8),
           "msmodelslim-format.md §3.11", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    Scheme{SchemeId::MsW4A8Mxfp, scheme_id_name(SchemeId::MsW4A8Mxfp), Family::MsModelSlim, QuantType::W4A8_MXFP, "", "MX FP4 weights", QKIT_RULES(kMsMxfp4),
           "msmodelslim-format.md §3.11", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    Scheme{SchemeId::MsW4A4Mxfp4, scheme_id_name(SchemeId::MsW4A4Mxfp4), Family::MsModelSlim, QuantType::W4A4_MXFP4, "", "MX FP4", QKIT_RULES(kMsMxfp4),
           "msmodelslim-format.md §3.11", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    Scheme{SchemeId::MsW4A4Mxfp4DualScale, scheme_id_name(SchemeId::MsW4A4Mxfp4DualScale), Family::MsModelSlim, QuantType::W4A4_MXFP4_DUALSCALE, "",
           "MX FP4 with dual scales", QKIT_RULES(kMsMxfp4Dual), "msmodelslim-format.md §3.11", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::Block, F::MxBlock, QB::None, D::None}},
    Scheme{SchemeId::MsNF4, scheme_id_name(SchemeId::MsNF4), Family::MsModelSlim, QuantType::NF4, "", "recognised only", QKIT_RULES(kMsRecognisedOnly),
           "msmodelslim-format.md §2.2", false, kNoInt4,
           SchemeTraits{A::None, G::PerGroup, F::Other, QB::None, D::None}},
    Scheme{SchemeId::MsW8A8Timestep, scheme_id_name(SchemeId::MsW8A8Timestep), Family::MsModelSlim, QuantType::W8A8_TIMESTEP, "", "recognised only",
           QKIT_RULES(kMsRecognisedOnly), "msmodelslim-format.md §2.2", false, kNoInt4,
           SchemeTraits{A::Other, G::PerChannel, F::Other, QB::None, D::None}},
    Scheme{SchemeId::MsFaQuant, scheme_id_name(SchemeId::MsFaQuant), Family::MsModelSlim, QuantType::FAQuant, "", "per-head q/k/v scales and offsets",
           QKIT_RULES(kMsFaQuant), "msmodelslim-format.md §3.14; consumers.md §1.5", true, kNoInt4,
           SchemeTraits{A::StaticPerChannel, G::None, F::Other, QB::None, D::None}},
    Scheme{SchemeId::MsFaQuantFa3, scheme_id_name(SchemeId::MsFaQuantFa3), Family::MsModelSlim, QuantType::FAQuant, "fa3", "FA3 adapters' names",
           QKIT_RULES(kMsFaQuantFa3), "msmodelslim-format.md §3.14", true, kNoInt4,
           SchemeTraits{A::StaticPerChannel, G::None, F::Other, QB::None, D::None}},
    Scheme{SchemeId::MsC8, scheme_id_name(SchemeId::MsC8), Family::MsModelSlim, QuantType::C8, "", "KV cache int8 per channel", QKIT_RULES(kMsC8),
           "msmodelslim-format.md §3.15", true, kNoInt4,
           SchemeTraits{A::StaticPerChannel, G::None, F::Other, QB::None, D::None}},
    // Golden-Stick
    Scheme{SchemeId::GsFloat, scheme_id_name(SchemeId::GsFloat), Family::GoldenStick, QuantType::FLOAT, "", "unquantized tensor", QKIT_RULES(kGsFloat),
           "golden-stick-format.md §4.7", true, kNoInt4,
           SchemeTraits{A::None, G::None, F::Float, QB::None, D::None}},
    Scheme{SchemeId::GsW8A8Smoothed, scheme_id_name(SchemeId::GsW8A8Smoothed), Family::GoldenStick, QuantType::W8A8, "smoothed",
           "per-input-channel activation scale vectors (INTERNAL kernel)", QKIT_RULES(kGsW8A8Smooth),
           "golden-stick-format.md §4.1, §5.2-5.3", true, kNoInt4,
           SchemeTraits{A::StaticPerChannel, G::PerChannel, F::DeqScale, QB::GsPrecisionAligned, D::F32OrI64Bits}},
    Scheme{SchemeId::GsW8A8Plain, scheme_id_name(SchemeId::GsW8A8Plain), Family::GoldenStick, QuantType::W8A8, "plain",
           "no smoothing: scalar 1/x_scale (ACLNN kernel)", QKIT_RULES(kGsW8A8Plain), "golden-stick-format.md §4.1",
           true, kNoInt4,
           SchemeTraits{A::StaticPerTensor, G::PerChannel, F::DeqScale, QB::GsPrecisionAligned, D::F32OrI64Bits}},
    Scheme{SchemeId::GsW8A8Dynamic, scheme_id_name(SchemeId::GsW8A8Dynamic), Family::GoldenStick, QuantType::W8A8_DYNAMIC, "", "per-token activations",
           QKIT_RULES(kGsW8A8Dyn), "golden-stick-format.md §4.2", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW8A16, scheme_id_name(SchemeId::GsW8A16), Family::GoldenStick, QuantType::W8A16, "per-channel", "int8 weight-only",
           QKIT_RULES(kGsW8A16), "golden-stick-format.md §4.3", true, kNoInt4,
           SchemeTraits{A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW8A16PerGroup, scheme_id_name(SchemeId::GsW8A16PerGroup), Family::GoldenStick, QuantType::W8A16, "per-group", "scales stored [G, n]",
           QKIT_RULES(kGsW8A16Group), "golden-stick-format.md §4.3", true, kNoInt4,
           SchemeTraits{A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW4A16, scheme_id_name(SchemeId::GsW4A16), Family::GoldenStick, QuantType::W4A16, "per-channel", "qint4x2 weights",
           QKIT_RULES(kGsW4A16Channel), "golden-stick-format.md §4.3", true, Int4Layout::TransposedPackedN,
           SchemeTraits{A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW4A16PerGroup, scheme_id_name(SchemeId::GsW4A16PerGroup), Family::GoldenStick, QuantType::W4A16, "per-group", "qint4x2, scales [G, n]",
           QKIT_RULES(kGsW4A16Group), "golden-stick-format.md §4.3", true, Int4Layout::TransposedPackedN,
           SchemeTraits{A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW4A8Dynamic, scheme_id_name(SchemeId::GsW4A8Dynamic), Family::GoldenStick, QuantType::W4A8_DYNAMIC, "dense", "GPTQ per-group int4",
           QKIT_RULES(kGsW4A8), "golden-stick-format.md §4.4", true, Int4Layout::TransposedPackedN,
           SchemeTraits{A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW4A8DynamicMoe, scheme_id_name(SchemeId::GsW4A8DynamicMoe), Family::GoldenStick, QuantType::W4A8_DYNAMIC, "moe-stacked",
           "stacked experts before the per-expert split", QKIT_RULES(kGsW4A8Moe), "golden-stick-format.md §4.4",
           true, Int4Layout::TransposedPackedN,
           SchemeTraits{A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::GsW4A8DynamicPerExpert, scheme_id_name(SchemeId::GsW4A8DynamicPerExpert), Family::GoldenStick,
           QuantType::W4A8_DYNAMIC, "moe-per-expert", "experts split and transposed by the MindFormers processor",
           QKIT_RULES(kGsW4A8PerExpert), "docs/research/ms-runtimes.md Q3", true, Int4Layout::PackedN,
           SchemeTraits{A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    // compressed-tensors
    Scheme{SchemeId::CtW8A8, scheme_id_name(SchemeId::CtW8A8), Family::CompressedTensors, QuantType::W8A8, "",
           "int-quantized: static per-tensor inputs (symmetric or with a zero point), int8 weights",
           QKIT_RULES(kCtW8A8), "compressed-tensors.md §4, §9", true, kNoInt4,
           SchemeTraits{A::StaticPerTensor, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::CtW8A8Dynamic, scheme_id_name(SchemeId::CtW8A8Dynamic), Family::CompressedTensors, QuantType::W8A8_DYNAMIC, "",
           "int-quantized: per-token inputs", QKIT_RULES(kCtW8A8Dyn), "compressed-tensors.md §4", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::CtW8A16, scheme_id_name(SchemeId::CtW8A16), Family::CompressedTensors, QuantType::W8A16, "unpacked",
           "int8 weight-only, int- or naive-quantized", QKIT_RULES(kCtW8A16), "compressed-tensors.md §4", true, kNoInt4,
           SchemeTraits{A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::CtW8A16Packed, scheme_id_name(SchemeId::CtW8A16Packed), Family::CompressedTensors, QuantType::W8A16, "packed",
           "int8 weight-only, pack-quantized", QKIT_RULES(kCtW8A16Packed), "compressed-tensors.md §4.3", true, kNoInt4,
           SchemeTraits{A::None, G::PerChannel, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::CtW4A16Packed, scheme_id_name(SchemeId::CtW4A16Packed), Family::CompressedTensors, QuantType::W4A16, "packed",
           "int4 weight-only, pack-quantized", QKIT_RULES(kCtW4A16Packed), "compressed-tensors.md §4.3", true, kNoInt4,
           SchemeTraits{A::None, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::CtW4A8DynamicPacked, scheme_id_name(SchemeId::CtW4A8DynamicPacked), Family::CompressedTensors,
           QuantType::W4A8_DYNAMIC, "packed", "int4 weights, per-token int8 inputs", QKIT_RULES(kCtW4A8Packed),
           "compressed-tensors.md §4.3, §7.2", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerGroup, F::IntScaleOffset, QB::None, D::None}},
    Scheme{SchemeId::CtWfp8Afp8Dynamic, scheme_id_name(SchemeId::CtWfp8Afp8Dynamic), Family::CompressedTensors,
           QuantType::WFP8AFP8_DYNAMIC, "", "float-quantized: FP8 weights, per-token FP8 inputs", QKIT_RULES(kCtFp8Dyn),
           "compressed-tensors.md §4", true, kNoInt4,
           SchemeTraits{A::DynamicPerToken, G::PerChannel, F::Fp8Scale, QB::None, D::None}},
};
#undef QKIT_RULES

}  // namespace

std::span<const Scheme> all_schemes() { return kSchemes; }

}  // namespace qkit
