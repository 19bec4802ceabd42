//===- validate/profiles.cpp - the runtime profiles -----------------------===//
//
// The rows below are the only place qkit states what a runtime's loader
// does. Each was read in the loader's source at the cited commit (mirrors
// of vllm-project/vllm-ascend @182b75ea84ff and its release tags,
// mindspore-ai/vllm-mindspore @a7b56a427666, mindspore-lab/mindformers,
// Ascend/MindIE-LLM docs; upstream vllm-project/vllm's compressed-tensors
// loader file by file through the source index, docs/research/
// vllm-compressed-tensors.md); ../shared/reference/loaders-audit.md is the
// audit that found where qkit and the loaders disagreed (M1-M14).
//
// Reading a row: "vllm-ascend, versions >= 0.14, W4A8_DYNAMIC on a linear
// layer: refused, because ..., see <file>@<commit> <lines>".
//
//===----------------------------------------------------------------------===//
#include "validate/profiles.h"

#include "formats/scheme_doc.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

namespace qkit::validate {
namespace {

using V = RuntimeVersion;
using L = LoaderLayer;
using B = Behaviour;
using R = Role;
using P = Parallel;
using M = ModelCond;
using F = FamilyCond;
constexpr Target VA = Target::VllmAscend, MI = Target::MindIE, VMS = Target::VllmMindSpore, MF = Target::MindFormers,
                 VL = Target::Vllm;

constexpr VersionRange kAll{};
constexpr VersionRange since(V v) { return VersionRange{v, kOpenEnd}; }
constexpr VersionRange until(V v) { return VersionRange{V{0, 0}, v}; }
constexpr VersionRange between(V a, V b) { return VersionRange{a, b}; }

// --- sources --------------------------------------------------------------
constexpr std::string_view kVa = "vllm-project/vllm-ascend", kVaHead = "182b75ea84ff";
constexpr std::string_view kVms = "mindspore-ai/vllm-mindspore", kVmsHead = "a7b56a427666";
constexpr std::string_view kMf = "mindspore-lab/mindformers", kMfHead = "f52743ca27a5";
constexpr std::string_view kMie = "Ascend/MindIE-LLM", kMieHead = "8b4871ad31f5";
constexpr std::string_view kVaMs = "vllm_ascend/quantization/modelslim_config.py";
constexpr std::string_view kVaMeth = "vllm_ascend/quantization/methods/";

constexpr Citation va(std::string_view path, std::string_view lines) { return {kVa, path, kVaHead, lines}; }
constexpr Citation va_at(std::string_view path, std::string_view commit, std::string_view lines) {
  return {kVa, path, commit, lines};
}
constexpr Citation vms(std::string_view path, std::string_view lines) { return {kVms, path, kVmsHead, lines}; }
constexpr Citation mf(std::string_view path, std::string_view lines) { return {kMf, path, kMfHead, lines}; }

// Citations used by several rows.
constexpr Citation kVaRegistryMiss = va("vllm_ascend/quantization/modelslim_config.py", "L505-549");
constexpr Citation kVaW8a8Static = va("vllm_ascend/quantization/methods/w8a8_static.py", "L32, L64-85");
constexpr Citation kVaW8a8Mix = va("vllm_ascend/quantization/methods/w8a8_pdmix.py", "L36, L57-82");
constexpr Citation kVaW8a8DynLinear = va("vllm_ascend/quantization/methods/w8a8_dynamic.py", "L51, L72-82");
constexpr Citation kVaW8a8DynMoe = va("vllm_ascend/quantization/methods/w8a8_dynamic.py", "L165, L202-221");
constexpr Citation kVaW8a16 = va("vllm_ascend/quantization/methods/w8a16.py", "L29, L45-55");
constexpr Citation kVaW4a4 = va("vllm_ascend/quantization/methods/w4a4_laos_dynamic.py", "L27, L40-46");
constexpr Citation kVaW4a8 = va("vllm_ascend/quantization/methods/w4a8.py", "L36, L115-131, L142-194");
constexpr Citation kVaKvC8 = va("vllm_ascend/quantization/methods/kv_c8.py", "L30-72");
constexpr Citation kVaKvC8Test = va("tests/ut/quantization/methods/test_kv_c8.py", "L252-253");
constexpr Citation kVms8 = vms("vllm_mindspore/model_executor/layers/quantization/golden_stick/a8w8.py", "L38-99");
constexpr Citation kVmsTypes = vms("vllm_mindspore/model_executor/layers/quantization/golden_stick/golden_stick.py",
                                   "L130-134, L229-234");
constexpr Citation kMf8 = mf("mindformers/parallel_core/inference/quantization/golden_stick/a8w8.py", "L57-93");
constexpr Citation kMfTypes = mf("mindformers/parallel_core/inference/quantization/golden_stick/config.py", "L30-34");
constexpr Citation kMfA8w4 = mf("mindformers/parallel_core/inference/quantization/golden_stick/a8dynw4.py",
                                "L49-80, L133");

constexpr Citation kMieQc = {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead,
                             "L131-138"};
constexpr Citation kMieMoe = {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead,
                              "L150-161"};
constexpr Citation kMieQuantizeList = {kMie, "examples/atb_models/atb_llm/utils/quantize/quant_type.py", kMieHead, "L13-44"};
constexpr Citation kMieRouter = {kMie, "examples/atb_models/atb_llm/models/base/router.py", kMieHead, "L182-239"};
constexpr Citation kMieConfig = {kMie, "examples/atb_models/atb_llm/models/base/config.py", kMieHead, "L280-313"};
constexpr Citation kMieNames = {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead,
                                "L51-61"};
// Upstream vLLM. The source index holds each file at the commits that changed
// it, so no one commit has them all: each citation names its own (the wNA16
// scheme and utils.py versions read carry an index id, not a commit).
// docs/research/vllm-compressed-tensors.md has the line counts.
constexpr std::string_view kVl = "vllm-project/vllm";
constexpr std::string_view kVlCt = "vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors.py";
constexpr std::string_view kVlCtHead = "be696453ee1b";
constexpr std::string_view kVlMoe = "vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors_moe.py";
constexpr std::string_view kVlMoeHead = "13436117c52e";
constexpr Citation vl(std::string_view lines) { return {kVl, kVlCt, kVlCtHead, lines}; }
constexpr Citation vl_moe(std::string_view lines) { return {kVl, kVlMoe, kVlMoeHead, lines}; }
constexpr Citation kVlW8a8Int8 = {kVl, "vllm/model_executor/layers/quantization/compressed_tensors/schemes/compressed_tensors_w8a8_int8.py",
                                  "c45614b5d83b", "L35-94"};
constexpr Citation kVlWna16 = {kVl, "vllm/model_executor/layers/quantization/compressed_tensors/schemes/compressed_tensors_wNa16.py",
                               "", "L37-39, L85-200 (index id 126992685)"};
constexpr Citation kVlQuantMethods = {kVl, "vllm/model_executor/layers/quantization/__init__.py", "0034007debee",
                                      "L8-39, L81-83"};

constexpr Citation kMsMindieFormat = {"Ascend/msmodelslim", "example/DeepSeek/README.md", "3de0a3c4e965", "L96, L113"};

// --- known versions ---------------------------------------------------------
constexpr KnownVersion kVersions[] = {
    {VA, V{0, 11}, "tag v0.11.0"},
    {VA, V{0, 12}, "tag v0.12.0rc1"},
    {VA, V{0, 13}, "tag v0.13.0"},
    {VA, V{0, 14}, "tag v0.14.0rc1"},
    {VA, V{0, 15}, "tag v0.15.0rc1"},
    {VA, V{0, 16}, "tag v0.16.0rc1"},
    {VA, V{0, 17}, "tag v0.17.0rc1"},
    {VA, V{0, 18}, "tag v0.18.0"},
    {VA, V{0, 19}, "tag v0.19.1rc1"},
    {VA, V{0, 20}, "tag v0.20.2rc1"},
    {VA, V{0, 21}, "tag v0.21.0rc1"},
    {VA, V{0, 22}, "tag v0.22.1rc1"},
    {VA, V{0, 23}, "tag v0.23.0"},
    {VA, V{0, 24}, "tag v0.24.0rc1"},
    {VA, V{0, 25}, "tag v0.25.1rc1"},
    {VA, V{0, 26}, "main @182b75ea84ff (2026-08-22), the next release"},
    {MI, V{2, 1}, "2.1.RC1 and earlier, as msModelSlim's mindie_format output describes them (no source published)"},
    {MI, V{3, 0}, "master @8b4871ad31f5 (v3.0.0.beta.3, 2026-04-23)"},
    {VMS, V{0, 5}, "master @a7b56a427666 (2026-04-20), after tag v0.5.1"},
    {MF, V{1, 7}, "master @f52743ca27a5 (2026-01-15), after tag v1.7.0"},
    // No release tag could be tied to the commits read (the source index has
    // no tags): 0.11 is a lower bound by the code (Python 3.10 type syntax,
    // W4A8-FP8 and transforms), not a verified release.
    {VL, V{0, 11}, "main @be696453ee1b (compressed_tensors.py; release line not verified, 0.11 or later); MoE dispatch "
                   "read @13436117c52e"},
};

// --- 1. registered schemes ----------------------------------------------------
// vllm-ascend registers (type, layer kind) pairs with @register_scheme; a
// pair not in the registry raises NotImplementedError when the model is
// built. The "*" row closes each runtime.
constexpr SupportRow kSupport[] = {
    // vllm-ascend, linear layers. Up to 0.13 the registry was the
    // ASCEND_QUANTIZATION_METHOD_MAP dict (vllm_ascend/quantization/utils.py:
    // v0.11.0 @2f1aed98ccdb L13-33 has W4A8_DYNAMIC, W4A4_FLATQUANT_DYNAMIC,
    // W8A8, W8A8_DYNAMIC, C8; v0.12.0rc1 adds W8A8_MIX and W4A16 MoE; v0.13
    // adds W8A16); @register_scheme since 0.14. FAKQuant since 0.18.
    {VA, kAll, "W8A8", L::Linear, true, "", kVaW8a8Static},
    {VA, since(V{0, 12}), "W8A8_MIX", L::Linear, true, "", kVaW8a8Mix},
    {VA, kAll, "W8A8_DYNAMIC", L::Linear, true, "", kVaW8a8DynLinear},
    {VA, since(V{0, 13}), "W8A16", L::Linear, true, "", kVaW8a16},
    {VA, since(V{0, 14}), "W4A4_DYNAMIC", L::Linear, true, "", kVaW4a4},
    {VA, kAll, "W4A4_FLATQUANT_DYNAMIC", L::Linear, true, "", va("vllm_ascend/quantization/methods/w4a4_flatquant.py", "L77")},
    {VA, since(V{0, 20}), "W4A4_MXFP4_FLATQUANT", L::Linear, true, "", va("vllm_ascend/quantization/methods/w4a4_mxfp4_flatquant.py", "L66")},
    {VA, since(V{0, 19}), "W4A4_MXFP4", L::Linear, true, "", va("vllm_ascend/quantization/methods/w4a4_mxfp4.py", "L40")},
    {VA, since(V{0, 21}), "W4A8_MXFP", L::Linear, true, "", va("vllm_ascend/quantization/methods/w4a8_mxfp4.py", "L40")},
    {VA, since(V{0, 13}), "W8A8_MXFP8", L::Linear, true, "", va("vllm_ascend/quantization/methods/w8a8_mxfp8.py", "L42")},
    {VA, since(V{0, 22}), "W8A8FP8_DYNAMIC", L::Linear, true, "", va("vllm_ascend/quantization/methods/w8a8fp8_dynamic.py", "L27")},
    // W4A8Linear and W8A8 PDMix MoE were removed from main by efda0446db94
    // (#13713, 2026-08-08); every tag up to v0.25.1rc1 still has them.
    {VA, until(V{0, 26}), "W4A8_DYNAMIC", L::Linear, true, "", va_at("vllm_ascend/quantization/methods/w4a8.py", "9bf964cb4b87", "L38 (tag v0.25.1rc1)")},
    {VA, since(V{0, 26}), "W4A8_DYNAMIC", L::Linear, false,
     "vLLM-Ascend main registers W4A8_DYNAMIC for MoE experts only (linear layers removed in efda0446db94, #13713; "
     "0.25 and earlier load them)",
     va("vllm_ascend/quantization/methods/w4a8.py", "L36")},
    {VA, kAll, "W4A16", L::Linear, false, "vLLM-Ascend registers W4A16 for MoE experts only",
     va("vllm_ascend/quantization/methods/w4a16.py", "L110")},
    {VA, kAll, "WFP8AFP8_DYNAMIC", L::Linear, false,
     "vLLM-Ascend registers this layout as W8A8FP8_DYNAMIC, so the name WFP8AFP8_DYNAMIC is not found",
     va("vllm_ascend/quantization/methods/w8a8fp8_dynamic.py", "L27")},
    {VA, kAll, "W8A8S", L::Linear, false, "vLLM-Ascend loads sparse W8A8 on 310P devices only",
     va("vllm_ascend/_310p/quantization/methods/w8a8s.py", "L28")},
    {VA, kAll, "W8A8SC", L::Linear, false, "vLLM-Ascend loads sparse W8A8 on 310P devices only",
     va("vllm_ascend/_310p/quantization/methods/w8a8sc.py", "L31")},
    // vllm-ascend, MoE experts
    {VA, kAll, "W8A8_DYNAMIC", L::Moe, true, "", kVaW8a8DynMoe},
    {VA, until(V{0, 13}), "W8A8", L::Moe, true, "", va_at("vllm_ascend/quantization/utils.py", "42ceaf08a1ef", "L30-34 (tag v0.12.0rc1)")},
    {VA, between(V{0, 12}, V{0, 26}), "W8A8_MIX", L::Moe, true, "", va_at("vllm_ascend/quantization/methods/w8a8_pdmix.py", "9bf964cb4b87", "L88 (tag v0.25.1rc1)")},
    {VA, kAll, "W4A8_DYNAMIC", L::Moe, true, "", kVaW4a8},
    {VA, since(V{0, 16}), "W8A8_MXFP8", L::Moe, true, "", va("vllm_ascend/quantization/methods/w8a8_mxfp8.py", "L224")},
    {VA, since(V{0, 19}), "W4A4_MXFP4", L::Moe, true, "", va("vllm_ascend/quantization/methods/w4a4_mxfp4.py", "L132")},
    {VA, since(V{0, 21}), "W4A8_MXFP", L::Moe, true, "", va("vllm_ascend/quantization/methods/w4a8_mxfp4.py", "L108")},
    {VA, since(V{0, 22}), "W8A8FP8_DYNAMIC", L::Moe, true, "", va("vllm_ascend/quantization/methods/w8a8fp8_dynamic.py", "L70")},
    {VA, since(V{0, 23}), "W4A16_MXFP4", L::Moe, true, "", va("vllm_ascend/quantization/methods/w4a16_mxfp4.py", "L50")},
    {VA, kAll, "W4A16", L::Moe, false,
     "vLLM-Ascend's W4A16 MoE scheme reads LLM-Compressor's layout (weight_packed, weight_shape), not msModelSlim's",
     va("vllm_ascend/quantization/methods/w4a16.py", "L110, L206-239")},
    // vllm-ascend, attention
    {VA, since(V{0, 18}), "FAQuant", L::Attention, true, "", kVaKvC8},
    // KV-cache int8: the W8A8/C8 attention entry of the 0.11-0.12 dict, none
    // in 0.13-0.17, kv_cache_type "C8" since 0.18 (docs/research/va-registry.md).
    {VA, until(V{0, 13}), "C8", L::Attention, true, "", va_at("vllm_ascend/quantization/utils.py", "2f1aed98ccdb", "L13-33, L79-83 (tag v0.11.0)")},
    {VA, between(V{0, 13}, V{0, 18}), "C8", L::Attention, false,
     "vLLM-Ascend 0.13-0.17 has no KV-cache int8 method: the C8 tensors are ignored",
     va_at("vllm_ascend/quantization/utils.py", "6281c1207a7a", "L13-60 (tag v0.13.0)")},
    {VA, since(V{0, 18}), "C8", L::Attention, true, "", va("vllm_ascend/quantization/methods/kv_c8.py", "L99-140")},
    {VA, kAll, "*", L::Linear, false, "not registered by vLLM-Ascend for linear layers (NotImplementedError)", kVaRegistryMiss},
    {VA, kAll, "*", L::Moe, false,
     "not registered by vLLM-Ascend for MoE experts (NotImplementedError ... layer_type=moe; vllm-ascend#986)",
     kVaRegistryMiss},
    {VA, kAll, "*", L::Attention, false, "not registered by vLLM-Ascend for attention layers", kVaRegistryMiss},

    // MindIE: the runtime's QuantizationConfig (linear: FLOAT, W8A8,
    // W8A8_DYNAMIC, W8A8_MIX, W8A8_MXFP8, W8A8SC; FusedMoE: W8A8_DYNAMIC,
    // W4A8_DYNAMIC) and the ATB models' quantize list (W8A16, W4A16, W8A8S,
    // W16A16S/SC). Anything else loads unquantized after a warning.
    {MI, kAll, "W8A8", L::Linear, true, "", kMieQc},
    {MI, kAll, "W8A8_DYNAMIC", L::Linear, true, "", kMieQc},
    {MI, kAll, "W8A8_MIX", L::Linear, true, "", kMieQc},
    {MI, kAll, "W8A8_MXFP8", L::Linear, true, "", kMieQc},
    {MI, kAll, "W8A8SC", L::Linear, true, "", kMieQc},
    {MI, until(V{3, 0}), "W8A8S", L::Linear, true, "", kMieQuantizeList},
    {MI, since(V{3, 0}), "W8A8S", L::Linear, false,
     "MindIE 3.0's runtime has no W8A8S linear method: it warns and loads the layer unquantized", kMieQc},
    {MI, until(V{3, 0}), "W8A16", L::Linear, true, "", kMieQuantizeList},
    {MI, since(V{3, 0}), "W8A16", L::Linear, false,
     "MindIE 3.0's runtime has no W8A16 linear method: it warns and loads the layer unquantized", kMieQc},
    {MI, until(V{3, 0}), "W4A16", L::Linear, true, "", kMieQuantizeList},
    {MI, since(V{3, 0}), "W4A16", L::Linear, false,
     "MindIE 3.0's runtime has no W4A16 linear method: it warns and loads the layer unquantized", kMieQc},
    {MI, until(V{3, 0}), "W16A16S", L::Linear, true, "", kMieQuantizeList},
    {MI, since(V{3, 0}), "W16A16S", L::Linear, false,
     "MindIE 3.0's runtime has no W16A16S linear method: it warns and loads the layer unquantized", kMieQc},
    {MI, until(V{3, 0}), "W16A16SC", L::Linear, true, "", kMieQuantizeList},
    {MI, since(V{3, 0}), "W16A16SC", L::Linear, false,
     "MindIE 3.0's runtime has no W16A16SC linear method: it warns and loads the layer unquantized", kMieQc},
    {MI, kAll, "W4A8_DYNAMIC", L::Linear, false, "MindIE loads W4A8_DYNAMIC linear layers unquantized (warning): MoE experts only",
     {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead, "L139-145"}},
    {MI, kAll, "W8A8_DYNAMIC", L::Moe, true, "", kMieMoe},
    {MI, kAll, "W4A8_DYNAMIC", L::Moe, true, "", kMieMoe},
    {MI, kAll, "C8", L::Attention, true, "",
     {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead, "L168-170"}},
    {MI, kAll, "FAQuant", L::Attention, true, "", {kMie, "examples/atb_models/atb_llm/models/base/config.py", kMieHead, "L270"}},
    {MI, kAll, "*", L::Linear, false, "MindIE loads linear layers of other types unquantized (a warning, then garbage)", kMieQc},
    {MI, kAll, "*", L::Moe, false, "MindIE's FusedMoE takes W8A8_DYNAMIC and W4A8_DYNAMIC only; others load unquantized", kMieMoe},
    {MI, kAll, "*", L::Attention, false, "MindIE does not load this attention quantization", kMieQc},

    // vllm-mindspore: quantization_method_mapping has FLOAT, W8A8, W8A8S.
    {VMS, kAll, "W8A8", L::Linear, true, "", kVmsTypes},
    {VMS, kAll, "W8A8", L::Moe, true, "", kVmsTypes},
    {VMS, kAll, "W8A8S", L::Linear, false,
     "vllm-mindspore loads sparse W8A8S on 310P only ('Sparse quantization ... only supported on 310P platform')",
     vms("vllm_mindspore/model_executor/layers/quantization/golden_stick/golden_stick.py", "L184-209")},
    {VMS, kAll, "*", L::Linear, false, "vllm-mindspore accepts only FLOAT, W8A8 and W8A8S ('Unsupported quantization strategy')",
     kVmsTypes},
    {VMS, kAll, "*", L::Moe, false, "vllm-mindspore accepts only FLOAT, W8A8 and W8A8S ('Unsupported quantization strategy')",
     kVmsTypes},
    {VMS, kAll, "*", L::Attention, false, "vllm-mindspore has no attention quantization", kVmsTypes},

    // MindFormers: W8A8, W8A8_DYNAMIC, W4A8_DYNAMIC (grouped MoE only).
    {MF, kAll, "W8A8", L::Linear, true, "", kMfTypes},
    {MF, kAll, "W8A8", L::Moe, true, "", kMfTypes},
    {MF, kAll, "W8A8_DYNAMIC", L::Linear, true, "", kMfTypes},
    {MF, kAll, "W8A8_DYNAMIC", L::Moe, true, "", kMfTypes},
    {MF, kAll, "W4A8_DYNAMIC", L::Moe, true, "", kMfA8w4},
    {MF, kAll, "W4A8_DYNAMIC", L::Linear, false, "MindFormers loads W4A8_DYNAMIC (A8W4) for MoE experts only", kMfA8w4},
    {MF, kAll, "*", L::Linear, false, "MindFormers accepts FLOAT, W8A8, W8A8_DYNAMIC and W4A8_DYNAMIC only", kMfTypes},
    {MF, kAll, "*", L::Moe, false, "MindFormers accepts FLOAT, W8A8, W8A8_DYNAMIC and W4A8_DYNAMIC only", kMfTypes},
    {MF, kAll, "FAQuant", L::Attention, true, "", mf("mindformers/parallel_core/inference/quantization/golden_stick/config.py", "L61-62, L131-138")},
    {MF, kAll, "*", L::Attention, false, "MindFormers loads FA quantization (FAQuant) only", kMfTypes},
};

// --- 2. parameters created ------------------------------------------------------
// vLLM's linear weight_loader narrows by TP and asserts
// `param_data.shape == loaded_weight.shape`, then copy_() casts numerically
// (vllm-project/vllm vllm/model_executor/layers/linear.py@0036d38de46c).
// MindSpore's loaders assert the same and Parameter.set_data casts
// numerically too, so only deq_scale (an fp32 bit pattern in I64) has a
// dtype that matters.
constexpr ParamRow kParams[] = {
    // vllm-ascend W8A8 static
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::InputScale, P::Column, M::Any, "[1]", "", true,
     "per-tensor activation scale; merged (q/k/v, gate/up) layers need [1], not 0-dim", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::InputScale, P::Row, M::Any, "[1]|[]", "", true,
     "per-tensor activation scale; a 0-dim tensor is reshaped to [1]", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::InputOffset, P::Column, M::Any, "[1]", "", true,
     "per-tensor activation offset", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::InputOffset, P::Row, M::Any, "[1]|[]", "", true,
     "per-tensor activation offset; a 0-dim tensor is reshaped to [1]", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::QuantBias, P::None, M::Any, "[n]", "", true, "", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::DeqScale, P::None, M::Any, "[n]", "deq", true,
     "created F32 for bf16 models and I64 (fp32 bits) otherwise", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::WeightScale, P::None, M::Any, "[n,1]", "", false,
     "created per channel (unused by the matmul)", kVaW8a8Static},
    {VA, kAll, F::MsModelSlim, "W8A8", L::Linear, R::WeightOffset, P::None, M::Any, "[n,1]", "", false,
     "created per channel (unused by the matmul)", kVaW8a8Static},
    // W8A8_MIX: the static parameters plus the dynamic path's weight scale
    {VA, kAll, F::MsModelSlim, "W8A8_MIX", L::Linear, R::InputScale, P::Column, M::Any, "[1]", "", true, "", kVaW8a8Mix},
    {VA, kAll, F::MsModelSlim, "W8A8_MIX", L::Linear, R::InputScale, P::Row, M::Any, "[1]|[]", "", true, "", kVaW8a8Mix},
    {VA, kAll, F::MsModelSlim, "W8A8_MIX", L::Linear, R::InputOffset, P::Column, M::Any, "[1]", "", true, "", kVaW8a8Mix},
    {VA, kAll, F::MsModelSlim, "W8A8_MIX", L::Linear, R::InputOffset, P::Row, M::Any, "[1]|[]", "", true, "", kVaW8a8Mix},
    {VA, kAll, F::MsModelSlim, "W8A8_MIX", L::Linear, R::DeqScale, P::None, M::Any, "[n]", "deq", true, "", kVaW8a8Mix},
    {VA, kAll, F::MsModelSlim, "W8A8_MIX", L::Linear, R::WeightScale, P::None, M::Any, "[n,1]", "", true,
     "the per-token (decode) path dequantizes with it", kVaW8a8Mix},
    // per-channel dynamic and weight-only schemes create [n,1] scales
    {VA, kAll, F::MsModelSlim, "W8A8_DYNAMIC", L::Linear, R::WeightScale, P::None, M::Any, "[n,1]", "", true,
     "created per channel: per-group [n,G] or 1-D [n] scales fail the shape assert", kVaW8a8DynLinear},
    {VA, kAll, F::MsModelSlim, "W8A8_DYNAMIC", L::Linear, R::WeightOffset, P::None, M::Any, "[n,1]", "", false,
     "created per channel", kVaW8a8DynLinear},
    {VA, kAll, F::MsModelSlim, "W8A8_DYNAMIC", L::Moe, R::WeightScale, P::None, M::Any, "[n,1]", "", true,
     "per expert, stacked into w13/w2", kVaW8a8DynMoe},
    {VA, kAll, F::MsModelSlim, "W8A8_DYNAMIC", L::Moe, R::WeightOffset, P::None, M::Any, "[n,1]", "", false,
     "per expert, stacked into w13/w2", kVaW8a8DynMoe},
    {VA, kAll, F::MsModelSlim, "W8A16", L::Linear, R::WeightScale, P::None, M::Any, "[n,1]", "", true,
     "created per channel: per-group [n,G] or 1-D [n] scales fail the shape assert", kVaW8a16},
    {VA, kAll, F::MsModelSlim, "W8A16", L::Linear, R::WeightOffset, P::None, M::Any, "[n,1]", "", false,
     "created per channel", kVaW8a16},
    {VA, kAll, F::MsModelSlim, "W4A4_DYNAMIC", L::Linear, R::WeightScale, P::None, M::Any, "[n,1]", "", true,
     "created per channel: per-group scales fail the shape assert", kVaW4a4},
    {VA, kAll, F::MsModelSlim, "W4A4_DYNAMIC", L::Linear, R::WeightOffset, P::None, M::Any, "[n,1]", "", false,
     "created per channel", kVaW4a4},
    // W4A8_DYNAMIC experts: per-channel scales, scale_bias by parallel style
    {VA, since(V{0, 26}), F::MsModelSlim, "W4A8_DYNAMIC", L::Moe, R::WeightScale, P::None, M::Any, "[n,1]", "", true,
     "per channel (group_size > 0 is refused)", kVaW4a8},
    {VA, kAll, F::MsModelSlim, "W4A8_DYNAMIC", L::Moe, R::ScaleBias, P::Column, M::Any, "[n,1]", "", false,
     "w13 (gate/up) scale_bias is one value per output row", kVaW4a8},
    {VA, kAll, F::MsModelSlim, "W4A8_DYNAMIC", L::Moe, R::ScaleBias, P::Row, M::Any, "[n,16]", "", false,
     "w2 (down) scale_bias holds one value per row and k-chunk (16 chunks)", kVaW4a8},
    // FA quantization: one latent KV head on MLA
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaKScale, P::None, M::Mla, "[1,1]|[1]|[]", "", true,
     "MLA has one latent KV head: the loader fills any one-element tensor and otherwise narrows by TP and asserts",
     kVaKvC8Test},
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaKOffset, P::None, M::Mla, "[1,1]|[1]|[]", "", false,
     "MLA has one latent KV head", kVaKvC8Test},
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaVScale, P::None, M::Mla, "[1,1]|[1]|[]", "", false,
     "MLA has one latent KV head", kVaKvC8Test},
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaVOffset, P::None, M::Mla, "[1,1]|[1]|[]", "", false,
     "MLA has one latent KV head", kVaKvC8Test},
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaKScale, P::None, M::NotMla, "[Hkv,1]", "", true,
     "one scale per KV head", kVaKvC8},
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaVScale, P::None, M::NotMla, "[Hkv,1]", "", false,
     "one scale per KV head", kVaKvC8},
    {VA, kAll, F::MsModelSlim, "FAQuant", L::Attention, R::FaQScale, P::None, M::Any, "[H,1]", "", false,
     "fa_q is created but never read after loading (dynamic per-token writers store none)", kVaKvC8},

    // vllm-mindspore, Golden-Stick path (A8W8): per-input-channel activation
    // parameters, deq_scale always F32.
    {VMS, kAll, F::GoldenStick, "W8A8", L::Linear, R::InputScale, P::None, M::Any, "[k]", "", true,
     "created as a [k] vector: the plain [1] form cannot load", kVms8},
    {VMS, kAll, F::GoldenStick, "W8A8", L::Linear, R::InputOffset, P::None, M::Any, "[k]", "", true,
     "created as a [k] vector", kVms8},
    {VMS, kAll, F::GoldenStick, "W8A8", L::Linear, R::QuantBias, P::None, M::Any, "[n]", "", true, "", kVms8},
    {VMS, kAll, F::GoldenStick, "W8A8", L::Linear, R::DeqScale, P::None, M::Any, "[n]", "F32", true,
     "created F32 whatever the model dtype; MindSpore casts an I64 bit pattern numerically (garbage)", kVms8},
    {VMS, kAll, F::MsModelSlim, "W8A8", L::Linear, R::DeqScale, P::None, M::Any, "[n]", "F32", true,
     "created F32 whatever the model dtype; MindSpore casts an I64 bit pattern numerically (garbage)", kVms8},
    // MindFormers, Golden-Stick path
    {MF, kAll, F::GoldenStick, "W8A8", L::Linear, R::InputScale, P::None, M::Any, "[k]", "", true,
     "created as a [k] vector: the plain [1] form cannot load", kMf8},
    {MF, kAll, F::GoldenStick, "W8A8", L::Linear, R::InputOffset, P::None, M::Any, "[k]", "", true,
     "created as a [k] vector", kMf8},
    {MF, kAll, F::GoldenStick, "W8A8", L::Linear, R::QuantBias, P::None, M::Any, "[n]", "", true, "", kMf8},
    {MF, kAll, F::GoldenStick, "W8A8", L::Linear, R::DeqScale, P::None, M::Any, "[n]", "F32", true,
     "created F32 whatever the model dtype; MindSpore casts an I64 bit pattern numerically (garbage)", kMf8},
    {MF, kAll, F::MsModelSlim, "W8A8", L::Linear, R::DeqScale, P::None, M::Any, "[n]", "F32", true,
     "created F32 whatever the model dtype", kMf8},
    // upstream vLLM, compressed-tensors (the type is the CtSchemeRow's quant_type).
    // Static asymmetric inputs: the zero point is created with torch.empty and
    // loaded only if the checkpoint has it; the default loader checks that
    // every parameter was loaded only for unquantized models (docs/research/
    // vllm-compressed-tensors.md §6), and the kernel reads it after loading.
    {VL, kAll, F::CompressedTensors, "CompressedTensorsW8A8Int8", L::Linear, R::InputOffset, P::None, M::Any, "[1]", "",
     true,
     "input_zero_point is created with torch.empty when the inputs are static and asymmetric; when the checkpoint has "
     "none (msModelSlim's saver omits an all-zero one), nothing loads it and the layer computes with an uninitialised "
     "zero point",
     {kVl, "vllm/model_executor/layers/quantization/compressed_tensors/schemes/compressed_tensors_w8a8_int8.py",
      "c45614b5d83b", "L81-94"}},
};

// --- 3. behaviours ------------------------------------------------------------------
constexpr BehaviourRow kBehaviours[] = {
    // vllm-ascend
    {VA, kAll, B::ReadsMsModelSlim, "", "the ascend quantization method reads msModelSlim descriptions", va(kVaMs, "L95")},
    // Exact name since #6645 (v0.15), reverted in v0.16 (#6873), exact again
    // since #7111 (v0.17). Before, vLLM's get_quant_config matched every
    // *.json whose name ends with the listed one.
    {VA, since(V{0, 17}), B::DescriptionName, "quant_model_description.json",
     "only this exact name is found ('ModelSlim Quantization Config Not Found')", va(kVaMs, "L95, L893, L902-958")},
    {VA, between(V{0, 15}, V{0, 16}), B::DescriptionName, "quant_model_description.json", "only this exact name is found",
     va_at(kVaMs, "3953dcf784aa", "L46, L488-489 (#6645)")},
    {VA, until(V{0, 15}), B::DescriptionName, "*quant_model_description.json",
     "vLLM's get_quant_config matches any *.json ending with the name ('Found multiple config files' for two)",
     va_at("vllm_ascend/quantization/quant_config.py", "6281c1207a7a", "L91-92 (tag v0.13.0)")},
    {VA, between(V{0, 16}, V{0, 17}), B::DescriptionName, "*quant_model_description.json",
     "suffix match again (#6873 reverted the exact name)", va_at(kVaMs, "a78a00e0b1b6", "L452-453 (tag v0.16.0rc1)")},
    {VA, kAll, B::QuantConfigReplacesDescription, "",
     "a quantization_config in config.json without quant_method is handed to from_config and replaces the "
     "description: a small script-added dict gives KeyError on the first layer (PR #9734); one holding the whole "
     "description loads (#633)",
     va(kVaMs, "L591-597, L888-890")},
    {VA, until(V{0, 13}), B::KvCacheKey, "kv_quant_type", "KV-cache int8 is read when kv_quant_type is \"C8\"",
     va_at("vllm_ascend/quantization/utils.py", "2f1aed98ccdb", "L79-83 (tag v0.11.0)")},
    {VA, since(V{0, 18}), B::KvCacheKey, "kv_cache_type", "KV-cache int8 layers are selected when kv_cache_type is \"C8\"",
     va(kVaMs, "L1034-1052")},
    {VA, since(V{0, 18}), B::FaQuantType, "FAKQuant", "fa_quant_type selects the attention scheme", va(kVaMs, "L473-501")},
    {VA, since(V{0, 18}), B::FaTensorNames, "fa_k.scale", "FA layers are found by this key substring", va(kVaMs, "L1034-1052")},
    {VA, since(V{0, 26}), B::RejectsPerGroupW4A8, "",
     "W4A8_DYNAMIC raises 'Per-Group quantization, which is no longer supported' when the description's group_size > 0 "
     "(removed from main by efda0446db94; 0.25 and earlier read weight_scale_second)",
     va("vllm_ascend/quantization/methods/w4a8.py", "L116-120")},
    {VA, until(V{0, 26}), B::W4A8PackedWhenVersion, "1.0.0",
     "new_quant_version = (version == \"1.0.0\"): packed [n/2,k] weights with scale_bias; otherwise unpacked [n,k] "
     "with scale_bias computed at load",
     va_at("vllm_ascend/quantization/methods/w4a8.py", "efda0446db94^", "L349-354, L401-416")},
    {VA, since(V{0, 26}), B::W4A8PackedOnly, "",
     "version is no longer read: experts are always packed [n/2,k] with scale_bias from the checkpoint",
     va("vllm_ascend/quantization/methods/w4a8.py", "L142-194, L412-421")},
    {VA, kAll, B::Int4GroupSizes, "64,128", "the int4 weight kernel: 'antiquantGroupSize should be 128 or 64'",
     {kVa, "issues/8770, issues/10834 (torch_npu npu_weight_quant_batchmatmul)", "", ""}},
    {VA, kAll, B::FusedGroupsAgree, "",
     "every shard of a packed module (q/k/v, gate/up, q_a/kv_a, in_proj pairs, experts) must have one type: ValueError",
     va(kVaMs, "L98-363, L460-467, L795-800")},
    {VA, kAll, B::DescribesEveryLayer, "",
     "each layer's type is desc[<prefix>.weight]: a missing key raises KeyError", va(kVaMs, "L431-470")},
    {VA, kAll, B::MtpOnlyWithDrafter, "",
     "MTP layers are looked up only when the MTP drafter is loaded (--speculative-config); "
     "vllm-ascend#5794, #4093",
     va(kVaMs, "L167-169")},
    // MindIE
    {MI, kAll, B::ReadsMsModelSlim, "", "MindIE reads msModelSlim descriptions", kMieRouter},
    {MI, until(V{3, 0}), B::DescriptionName, "quant_model_description_*.json",
     "the description named after config.json's quantize (msModelSlim's mindie_format output)", kMsMindieFormat},
    {MI, since(V{3, 0}), B::DescriptionName, "quant_model_description.json", "", kMieNames},
    {MI, since(V{3, 0}), B::DescriptionNameDeprecated, "*quant_model_description_w8a8.json",
     "old-format name: read, but 'degraded after 2026/06/30'", kMieNames},
    {MI, since(V{3, 0}), B::DescriptionNameDeprecated, "*quant_model_description_w8a8_mix.json", "old-format name", kMieNames},
    {MI, since(V{3, 0}), B::DescriptionNameDeprecated, "*quant_model_description_w8a8s.json", "old-format name", kMieNames},
    {MI, since(V{3, 0}), B::DescriptionNameDeprecated, "*quant_model_description_w8a8sc.json", "old-format name", kMieNames},
    {MI, since(V{3, 0}), B::DescriptionNameDeprecated, "*quant_model_description_w8a8_dynamic.json", "old-format name",
     kMieNames},
    {MI, since(V{3, 0}), B::DescriptionNameDeprecated, "*quant_model_description_w8a16.json", "old-format name", kMieNames},
    {MI, kAll, B::NeedsQuantizeKey,
     "w8a8,w8a8s,w8a8sc,w8a16,w4a16,w8a8_dynamic,w8a8_pdmix,w4a8_dynamic,w8a8_mix,w16a16s,w16a16sc",
     "config.json quantize must be one of these ('linear type not matched' without it)", kMieQuantizeList},
    {MI, since(V{3, 0}), B::QuantizeFromDescription, "",
     "quantize is taken from the description's model_quant_type (lower-cased) when config.json has none", kMieRouter},
    {MI, until(V{3, 0}), B::ConfigKeyValues, "group_size=0,64,128,256",
     "MindIE 2.1 rejects other values (gpustack#3295: -1; 256 unverified, so accepted)",
     {"gpustack/gpustack", "issues/3295", "", ""}},
    {MI, since(V{3, 0}), B::ConfigKeyValues, "group_size=0,64,128,256", "the description's keys are merged in too", kMieConfig},
    {MI, kAll, B::ConfigKeyValues, "kv_quant_type=null,C8", "", kMieConfig},
    {MI, kAll, B::ConfigKeyValues, "reduce_quant_type=null,per_channel", "", kMieConfig},
    {MI, kAll, B::KvCacheKey, "kv_quant_type", "KV-cache int8 needs kv_quant_type \"C8\" and k_proj.kv_cache_scale",
     {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead, "L46-48, L168-170"}},
    {MI, kAll, B::FusedGroupsAgree, "", "'contains multiple quantization types'",
     {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead, "L67-100"}},
    {MI, kAll, B::DescribesEveryLayer, "", "'Weight key [...] is not found in quantization descriptions'",
     {kMie, "mindie_llm/runtime/layers/quantization/ms_model_slim/quantization_config.py", kMieHead, "L67-100"}},
    // vllm-mindspore
    {VMS, kAll, B::ReadsGoldenStick, "", "golden_stick quantization method", kVmsTypes},
    {VMS, kAll, B::ReadsMsModelSlim, "", "the ascend method (--quantization ascend) reads msModelSlim W8A8", kVms8},
    {VMS, kAll, B::DescriptionName, "*quantization_description.json", "", kVmsTypes},
    {VMS, kAll, B::DescriptionName, "*quant_model_description.json", "", kVmsTypes},
    {VMS, kAll, B::DescriptionName, "*quant_model_description_w8a8sc.json", "", kVmsTypes},
    {VMS, kAll, B::ModuleTagsAgree, "", "every tensor of a module shares one tag, and q/k/v and gate/up agree (inner_conflict)",
     vms("vllm_mindspore/model_executor/layers/quantization/golden_stick/golden_stick.py", "L40-121")},
    {VMS, kAll, B::FusedGroupsAgree, "", "q/k/v and gate/up must agree",
     vms("vllm_mindspore/model_executor/layers/quantization/golden_stick/golden_stick.py", "L40-121")},
    // MindFormers
    {MF, kAll, B::ReadsGoldenStick, "", "golden_stick quantization config", kMfTypes},
    {MF, kAll, B::ReadsMsModelSlim, "", "reads msModelSlim W8A8 too", kMf8},
    {MF, kAll, B::DescriptionName, "*quantization_description*", "", kMfTypes},
    {MF, kAll, B::DescriptionName, "*quant_model_description*", "", kMfTypes},
    {MF, kAll, B::A8W4NeedsGroupSize, "", "A8W4 raises without a positive group_size", kMfA8w4},
    {MF, kAll, B::FaQuantType, "FAQuant", "FA quantization is enabled for fa_quant_type FAQuant or FAKQuant",
     mf("mindformers/parallel_core/inference/quantization/golden_stick/config.py", "L61-62")},
    {MF, kAll, B::FaQuantType, "FAKQuant", "FA quantization is enabled for fa_quant_type FAQuant or FAKQuant",
     mf("mindformers/parallel_core/inference/quantization/golden_stick/config.py", "L61-62")},
    {MF, kAll, B::FaTensorNames, "fa_q.scale", "FA layers are found by ^model.layers.N.self_attn.fa_q.scale$",
     mf("mindformers/parallel_core/inference/quantization/golden_stick/config.py", "L131-138")},
    // upstream vLLM (GPUs)
    {VA, since(V{0, 26}), B::ReadsCompressedTensors, "compressed-tensors",
     "AscendCompressedTensorsConfig replaces upstream's method under the same name (older versions not read)",
     va("vllm_ascend/quantization/compressed_tensors_config.py", "L46-57")},
    {VL, kAll, B::ReadsCompressedTensors, "compressed-tensors",
     "vLLM's registered quantization methods include compressed-tensors but neither msModelSlim's \"ascend\" (registered "
     "only by the vllm-ascend plugin, which adds it to --quantization's choices) nor Golden-Stick's: --quantization ascend "
     "raises \"Invalid quantization method\", and without it the checkpoint is read as an unquantized model whose "
     "parameters have none of these tensors' names",
     kVlQuantMethods},
    // TP = 1: input_size_per_partition is k. With actorder "group" the scales
    // are not partitioned (marlin_repeat_scales_on_all_ranks, marlin_utils.py
    // index id 20149404) and the assert is not reached.
    {VL, kAll, B::GroupSizeDividesK, "CompressedTensorsWNA16",
     "create_weights asserts input_size_per_partition % group_size == 0 whenever the scales are partitioned (group "
     "strategy without actorder \"group\"), so a group size that does not divide k fails at load",
     {kVl, "vllm/model_executor/layers/quantization/compressed_tensors/schemes/compressed_tensors_wNa16.py", "",
      "L122-133 (index id 126992685)"}},
    {VL, kAll, B::ChecksGpuCapability, "",
     "get_scheme raises RuntimeError ('Quantization scheme is not supported for the current GPU') when the GPU's compute "
     "capability is below the scheme's minimum (75 for int8 W8A8 and wNA16); fp8 W8A8 falls back to weight-only below 89; "
     "a fact of the GPU, not of the checkpoint",
     vl("L270-295, L589-607, L729-731")},
};


// --- 4. compressed-tensors schemes ------------------------------------------------
// Upstream vLLM, in the order its loader tries them. Linear layers:
// CompressedTensorsConfig._get_scheme_from_parts (compressed_tensors.py
// L532-640 @be696453); fused MoE experts: CompressedTensorsMoEMethod.
// get_moe_method (compressed_tensors_moe.py L126-239 @13436117). The
// hardware-gated branches (W4A8-FP8 on SM90 only, NVFP4 by kernel support)
// are not conditions on the checkpoint: the nvfp4/mxfp4 formats are not
// checked tensor by tensor, and the SM90 branch is an info row below.

using CV = CtGroupView;
using St = ct::Strategy;

bool act_format(const CV& g) {  // utils.py is_activation_quantization_format
  return g.format == "naive-quantized" || g.format == "int-quantized" || g.format == "float-quantized" ||
         g.format == "nvfp4-pack-quantized";
}
bool dyn(const ct::QuantArgs& a) { return a.dynamic || a.dynamic_local; }
bool is_float(const ct::QuantArgs& a) { return a.type == ct::ArgType::Float; }
bool tensor_or_channel(const ct::QuantArgs& a) { return a.strategy == St::Tensor || a.strategy == St::Channel; }

// L246-256: an activation format with no input_activations asserts float weights.
bool ct_parse_assert(const CV& g) { return act_format(g) && !g.inputs && g.weights && !is_float(*g.weights); }
// L520-530 _is_wNa16_group_channel
bool wna16_shape(const CV& g) {
  return !g.inputs && (g.weights->strategy == St::Channel || g.weights->strategy == St::Group) && !dyn(*g.weights);
}
bool wna16(const CV& g) {  // L554, L565-575: pack-quantized, num_bits in WNA16_SUPPORTED_BITS (wNa16.py L37-39)
  return wna16_shape(g) && g.format == "pack-quantized" && (g.weights->num_bits == 4 || g.weights->num_bits == 8);
}
// L445-468 _is_fp8_w4a8 (no type check): SM90 only (L469-476)
bool fp8_w4a8_shape(const CV& g) {
  return g.inputs && g.weights->num_bits == 4 && g.inputs->num_bits == 8 && g.weights->strategy == St::Group &&
         g.inputs->strategy == St::Token && !dyn(*g.weights) && dyn(*g.inputs) && g.weights->symmetric && g.inputs->symmetric;
}
bool fp8_w4a8_outside_act_format(const CV& g) { return !act_format(g) && fp8_w4a8_shape(g); }
// L408-443 _is_fp8_w8a8
bool fp8_w8a8(const CV& g) {
  const ct::QuantArgs *w = g.weights, *in = g.inputs;
  if (!w || !in || !is_float(*w) || !is_float(*in) || !w->symmetric || dyn(*w)) return false;
  if (!(tensor_or_channel(*w) || w->strategy == St::Block)) return false;
  return dyn(*in) || (in->symmetric && in->strategy == St::Tensor);
}
// L493-517 _is_fp8_w8a16 (inputs may be absent)
bool fp8_w8a16(const CV& g) {
  const ct::QuantArgs* w = g.weights;
  return is_float(*w) && w->symmetric && !dyn(*w) && (tensor_or_channel(*w) || w->strategy == St::Block);
}
// L346-363 _is_static_tensor_w8a8: inputs symmetric or not, weights symmetric
bool static_w8a8(const CV& g) {
  const ct::QuantArgs *w = g.weights, *in = g.inputs;
  return in && w->num_bits == 8 && in->num_bits == 8 && tensor_or_channel(*w) && in->strategy == St::Tensor && !dyn(*w) &&
         !dyn(*in) && w->symmetric;
}
// L365-381 _is_dynamic_token_w8a8
bool dynamic_w8a8(const CV& g) {
  const ct::QuantArgs *w = g.weights, *in = g.inputs;
  return in && w->num_bits == 8 && in->num_bits == 8 && tensor_or_channel(*w) && in->strategy == St::Token && !dyn(*w) &&
         dyn(*in) && w->symmetric;
}
// L383-406 _is_dynamic_token_w4a8_int
bool dynamic_w4a8(const CV& g) {
  const ct::QuantArgs *w = g.weights, *in = g.inputs;
  return in && w->num_bits == 4 && in->num_bits == 8 && (w->strategy == St::Group || w->strategy == St::Channel) &&
         in->strategy == St::Token && !dyn(*w) && dyn(*in) && w->symmetric;
}
bool in_act_format(bool (*f)(const CV&), const CV& g) { return act_format(g) && f(g); }
bool act_fp8_w8a8(const CV& g) { return in_act_format(fp8_w8a8, g); }
bool act_fp8_w8a16(const CV& g) { return in_act_format(fp8_w8a16, g); }
bool act_static_w8a8(const CV& g) { return in_act_format(static_w8a8, g); }
bool act_dynamic_w8a8(const CV& g) { return in_act_format(dynamic_w8a8, g); }
bool act_dynamic_w4a8(const CV& g) { return in_act_format(dynamic_w4a8, g); }
bool always(const CV&) { return true; }

// vllm-ascend @182b75ea, compressed_tensors_config.py. Its "dynamic" tests
// are Python truthiness: dynamic "local" counts as dynamic (dyn()).
bool va_inputs(const CV& g) { return act_format(g) && g.inputs; }  // L137-150, L360
bool va_sym(const CV& g) { return g.weights->symmetric && g.inputs->symmetric; }
bool va_w8a8(const CV& g) {  // L378-387 _is_static_tensor_w8a8 (no type check)
  return va_inputs(g) && g.weights->num_bits == 8 && g.inputs->num_bits == 8 && g.weights->strategy == St::Channel &&
         g.inputs->strategy == St::Tensor && !dyn(*g.weights) && !dyn(*g.inputs) && va_sym(g);
}
bool va_dynamic_w8a8(const CV& g) {  // L389-398 _is_dynamic_token_w8a8
  return va_inputs(g) && g.weights->num_bits == 8 && g.inputs->num_bits == 8 && g.weights->strategy == St::Channel &&
         g.inputs->strategy == St::Token && !dyn(*g.weights) && dyn(*g.inputs) && va_sym(g);
}
bool va_fp8_dynamic(const CV& g) {  // L364-366
  return va_dynamic_w8a8(g) && is_float(*g.weights) && is_float(*g.inputs);
}
bool va_dynamic_w4a8(const CV& g) {  // L400-421 _is_dynamic_token_w4a8
  return va_inputs(g) && g.weights->num_bits == 4 && g.inputs->num_bits == 8 &&
         (g.weights->strategy == St::Channel || g.weights->strategy == St::Group) && g.inputs->strategy == St::Token &&
         !dyn(*g.weights) && dyn(*g.inputs) && va_sym(g);
}
bool va_w4a16(const CV& g) {  // L423-437 _is_w4a16: input_quant is None when dropped (L137-150)
  return g.weights->type == ct::ArgType::Int && !va_inputs(g) && g.weights->num_bits == 4 &&
         g.weights->strategy == St::Group && !dyn(*g.weights);
}
bool va_asymmetric_inputs(const CV& g) { return va_inputs(g) && !g.inputs->symmetric; }
// W4A8_DYNAMIC's method reads quant_description["group_size"], which L412-413
// sets to the weights' group_size (0 when unset).
bool weights_grouped(const CV& g) { return g.weights->group_size.value_or(0) > 0; }
// W4A16's MoE method reads quant_description.get("group_size", 32) (w4a16.py L186).
bool group_size_not_32(const CV& g) { return g.weights->group_size.value_or(0) != 32; }

constexpr Citation kVlParse = vl("L206-263");
constexpr Citation kVaCt(std::string_view lines) { return va("vllm_ascend/quantization/compressed_tensors_config.py", lines); }
constexpr Citation kVlNoScheme = vl("L532-640");
constexpr Citation kVlMoeDispatch = vl_moe("L126-239");
constexpr std::string_view kNoWhy = "";

constexpr CtSchemeRow kCtSchemes[] = {
    {VL, kAll, std::nullopt, "an activation format (naive-, int-, float-quantized) group with no input_activations and int weights",
     ct_parse_assert, "", false, Rule::TargetUnsupportedType, Severity::Error,
     "fails an assert while reading config.json (an activation-format group without input_activations must have float "
     "weights): int weight-only schemes (W8A16, W4A16) load only as pack-quantized",
     kVlParse},
    // linear layers
    {VL, kAll, L::Linear, "no inputs; weights channel or group, static, 4 or 8 bits; pack-quantized", wna16,
     "CompressedTensorsWNA16", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy, kVlWna16, CtRowKind::Scheme,
     "CompressedTensorsWNA16"},
    {VL, kAll, L::Linear, "weights 4-bit group, inputs 8-bit token dynamic, both symmetric; not an activation format",
     fp8_w4a8_outside_act_format, "", false, Rule::TargetUnsupportedType, Severity::Info,
     "only an SM90 GPU (exact capability 90) builds CompressedTensorsW4A8Fp8 for it; any other GPU raises \"No "
     "compressed-tensors compatible scheme was found.\" (the GPU decides, not the checkpoint)",
     vl("L445-476, L545-552, L640")},
    {VL, kAll, L::Linear, "activation format; fp8 weights symmetric static tensor/channel/block; fp8 inputs dynamic, or static "
     "symmetric tensor", act_fp8_w8a8, "CompressedTensorsW8A8Fp8 (W8A16Fp8 below capability 89)", true,
     Rule::TargetUnsupportedType, Severity::Error, kNoWhy, vl("L408-443, L589-607")},
    {VL, kAll, L::Linear, "activation format; fp8 weights symmetric static tensor/channel/block", act_fp8_w8a16,
     "CompressedTensorsW8A16Fp8", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy, vl("L493-517, L609-614")},
    {VL, kAll, L::Linear, "activation format; weights 8-bit tensor or channel, symmetric, static; inputs 8-bit tensor static, "
     "symmetric or asymmetric", act_static_w8a8, "CompressedTensorsW8A8Int8 (static; input_zero_point I8 [1] when asymmetric)",
     true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy, vl("L346-363, L616-621"), CtRowKind::Scheme,
     "CompressedTensorsW8A8Int8"},
    {VL, kAll, L::Linear, "activation format; weights 8-bit tensor or channel, symmetric, static; inputs 8-bit token dynamic",
     act_dynamic_w8a8, "CompressedTensorsW8A8Int8 (dynamic)", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy,
     vl("L365-381, L623-628"), CtRowKind::Scheme, "CompressedTensorsW8A8Int8"},
    {VL, kAll, L::Linear, "activation format; weights 4-bit group or channel, symmetric, static; inputs 8-bit token dynamic",
     act_dynamic_w4a8, "CompressedTensorsW4A8Int", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy,
     vl("L383-406, L630-638")},
    {VL, kAll, L::Linear, "anything else (asymmetric weights, token or group inputs with static weights, W4A16 outside "
     "pack-quantized, ...)", always, "", false, Rule::TargetUnsupportedType, Severity::Error,
     "raises \"No compressed-tensors compatible scheme was found.\"", kVlNoScheme},
    // fused MoE experts
    {VL, kAll, L::Moe, "no inputs; weights channel or group, static; pack-quantized, 4 or 8 bits", wna16,
     "CompressedTensorsWNA16MarlinMoEMethod (or WNA16MoEMethod where Marlin cannot)", true, Rule::TargetUnsupportedType,
     Severity::Error, kNoWhy, kVlMoeDispatch},
    {VL, kAll, L::Moe, "no inputs; weights channel or group, static; another format or bit width", wna16_shape, "", false,
     Rule::TargetUnsupportedType, Severity::Error,
     "raises ValueError 'For Fused MoE layers, only format: pack-quantized and bits: [4, 8] is supported'",
     vl_moe("L163-180")},
    {VL, kAll, L::Moe, "fp8 W8A8 (as for linear layers)", fp8_w8a8, "CompressedTensorsW8A8Fp8MoEMethod", true,
     Rule::TargetUnsupportedType, Severity::Error, kNoWhy, vl_moe("L214-222")},
    {VL, kAll, L::Moe, "weights 8-bit tensor or channel, symmetric, static; inputs 8-bit token dynamic", dynamic_w8a8,
     "CompressedTensorsW8A8Int8MoEMethod", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy, vl_moe("L223-226")},
    {VL, kAll, L::Moe, "weights 4-bit group or channel, symmetric, static; inputs 8-bit token dynamic", dynamic_w4a8,
     "CompressedTensorsW4A8Int8MoEMethod", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy, vl_moe("L232-235")},
    {VL, kAll, L::Moe, "anything else (static int8 W8A8 included)", always, "", false, Rule::TargetUnsupportedType,
     Severity::Error, "raises RuntimeError 'Unsupported FusedMoe scheme' (int8 W8A8 experts load only with dynamic token "
     "inputs)", vl_moe("L236-239")},
    // vllm-ascend >= 0.26 (main @182b75ea = qkit's 0.26; older versions not
    // read): AscendCompressedTensorsConfig (compressed_tensors_config.py).
    // _create_scheme_for_layer_type (L307-338) names the group's quant type
    // (_detect_quant_type, L340-376), then get_scheme_class(quant_type,
    // layer_type) asks the method registry the msModelSlim path uses too
    // (section 1); a type it lacks raises "No compressed-tensors compatible
    // scheme was found for quant_type=..., layer_type=..." (L331-336).
    // input_activations are kept only in an activation format (L137-150).
    {VA, since(V{0, 26}), std::nullopt, "activation format with input_activations; weights 8-bit channel, inputs 8-bit "
     "tensor, both static, both symmetric", va_w8a8, "", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy,
     kVaCt("L356-362, L378-387"), CtRowKind::QuantType, "W8A8"},
    {VA, since(V{0, 26}), std::nullopt, "activation format with input_activations; weights 8-bit channel static, inputs "
     "8-bit token dynamic, both symmetric; weights and inputs float", va_fp8_dynamic, "", true,
     Rule::TargetUnsupportedType, Severity::Error, kNoWhy, kVaCt("L364-366, L389-398"), CtRowKind::QuantType,
     "W8A8FP8_DYNAMIC"},
    {VA, since(V{0, 26}), std::nullopt, "the same, unless weights and inputs are both float", va_dynamic_w8a8, "", true,
     Rule::TargetUnsupportedType, Severity::Error, kNoWhy, kVaCt("L364-368, L389-398"), CtRowKind::QuantType,
     "W8A8_DYNAMIC"},
    {VA, since(V{0, 26}), std::nullopt, "activation format with input_activations; weights 4-bit channel or group static, "
     "inputs 8-bit token dynamic, both symmetric", va_dynamic_w4a8, "", true, Rule::TargetUnsupportedType, Severity::Error,
     kNoWhy, kVaCt("L370-371, L400-421"), CtRowKind::QuantType, "W4A8_DYNAMIC"},
    {VA, since(V{0, 26}), std::nullopt, "int weights 4-bit group static; no input_activations (outside an activation "
     "format they are dropped)", va_w4a16, "", true, Rule::TargetUnsupportedType, Severity::Error, kNoWhy,
     kVaCt("L137-150, L373-374, L423-437"), CtRowKind::QuantType, "W4A16"},
    {VA, since(V{0, 26}), std::nullopt, "activation format; input_activations declared asymmetric", va_asymmetric_inputs, "",
     false, Rule::TargetUnsupportedType, Severity::Error,
     "raises \"No compressed-tensors compatible quantization type was found.\": every quant type it detects needs "
     "symmetric inputs, and msModelSlim's static W8A8 saver declares them symmetric: false even when every offset is 0",
     kVaCt("L360-376, L383, L394, L408")},
    {VA, since(V{0, 26}), std::nullopt, "anything else (asymmetric or tensor-strategy weights, W8A16, int4 channel "
     "weight-only, ...)", always, "", false, Rule::TargetUnsupportedType, Severity::Error,
     "raises \"No compressed-tensors compatible quantization type was found.\" (it detects W8A8, W8A8_DYNAMIC, "
     "W8A8FP8_DYNAMIC, W4A8_DYNAMIC and W4A16 only)",
     kVaCt("L340-376")},
    // What the registered methods then do with a compressed-tensors group
    // (docs/research/compressed-tensors.md §7.2).
    {VA, since(V{0, 26}), L::Moe, "with per-group weights (a group_size > 0)", weights_grouped, "", false,
     Rule::TargetUnsupportedType, Severity::Error,
     "refuses when the method is created: _detect_quant_type writes the weights' group_size into the config "
     "(compressed_tensors_config.py L412-413) and AscendW4A8DynamicFusedMoEMethod raises \"The current weights use "
     "Per-Group quantization, which is no longer supported.\" for any group_size > 0",
     va("vllm_ascend/quantization/methods/w4a8.py", "L113-120"), CtRowKind::Method, "W4A8_DYNAMIC"},
    {VA, since(V{0, 26}), L::Moe, "with a group_size other than 32", group_size_not_32, "", false, Rule::TargetGroupSize,
     Severity::Error,
     "takes group_size from the top level of quantization_config, which compressed-tensors configs do not have, so it "
     "creates weight_scale for groups of 32 (the shape assert fails at load)",
     va("vllm_ascend/quantization/methods/w4a16.py", "L186, L215-245"), CtRowKind::Method, "W4A16"},
    // Registered for MoE (w4a16.py L110). The registry row above refuses
    // W4A16 experts for msModelSlim's layout; this method reads
    // compressed-tensors' names, so for this layout it loads.
    {VA, since(V{0, 26}), L::Moe, "with group_size 32", always,
     "AscendW4A16FusedMoEMethod (reads weight_packed, weight_scale, weight_shape)", true, Rule::TargetUnsupportedType,
     Severity::Error, kNoWhy, va("vllm_ascend/quantization/methods/w4a16.py", "L110-135, L181-247"), CtRowKind::Method,
     "W4A16"},
    // MindIE reads msModelSlim's layout only.
    {MI, kAll, std::nullopt, "any config group", always, "", false, Rule::TargetFamily, Severity::Error,
     "reads msModelSlim's layout only: its loader starts from msModelSlim's description (quant_model_description*.json), "
     "which a compressed-tensors checkpoint does not have",
     kMieNames},
};

}  // namespace

// --- small types -----------------------------------------------------------------

std::string Citation::to_string() const {
  std::string s(repo);
  if (!path.empty()) s += " " + std::string(path);
  if (!commit.empty()) s += "@" + std::string(commit);
  if (!lines.empty()) s += " " + std::string(lines);
  return s;
}

std::string RuntimeVersion::to_string() const { return std::to_string(major) + "." + std::to_string(minor); }

std::optional<RuntimeVersion> parse_runtime_version(std::string_view s) {
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  auto num = [&](std::uint16_t& out) {
    const char* b = s.data();
    auto [p, ec] = std::from_chars(b, b + s.size(), out);
    if (ec != std::errc() || p == b) return false;
    s.remove_prefix(static_cast<std::size_t>(p - b));
    return true;
  };
  RuntimeVersion v;
  if (!num(v.major)) return std::nullopt;
  if (s.empty() || s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!num(v.minor)) return std::nullopt;
  // The rest (".0rc1", ".RC2", ".3") names a release inside the line.
  if (!s.empty() && s[0] != '.' && s[0] != '-' && s[0] != 'r' && s[0] != 'R') return std::nullopt;
  return v;
}

std::string VersionRange::to_string() const {
  if (all()) return "all versions";
  if (since == RuntimeVersion{0, 0}) return "< " + until.to_string();
  if (until == kOpenEnd) return ">= " + since.to_string();
  return ">= " + since.to_string() + ", < " + until.to_string();
}

std::span<const KnownVersion> known_versions() { return kVersions; }

std::vector<const KnownVersion*> known_versions(Target runtime) {
  std::vector<const KnownVersion*> out;
  for (const KnownVersion& k : kVersions)
    if (k.runtime == runtime) out.push_back(&k);
  return out;
}

TargetSpec newest(Target runtime) {
  TargetSpec t{runtime, {}};
  for (const KnownVersion* k : known_versions(runtime)) t.version = std::max(t.version, k->version);
  return t;
}

std::string TargetSpec::to_string() const {
  if (runtime == Target::Any) return "any";
  return std::string(target_name(runtime)) + "@" + version.to_string();
}

std::optional<TargetSpec> parse_target_spec(std::string_view s, std::string& error) {
  auto at = s.find('@');
  std::string_view name = s.substr(0, at);
  auto rt = parse_target(name);
  if (!rt) {
    error = "unknown runtime '" + std::string(name) + "' (any, vllm-ascend, mindie, vllm-mindspore, mindformers, vllm)";
    return std::nullopt;
  }
  TargetSpec t = newest(*rt);
  if (at == std::string_view::npos) return t;
  std::string_view ver = s.substr(at + 1);
  auto known = known_versions(*rt);
  std::string list;
  for (const KnownVersion* k : known) list += (list.empty() ? "" : ", ") + k->version.to_string();
  if (*rt == Target::Any) {
    error = "'any' has no versions";
    return std::nullopt;
  }
  auto v = parse_runtime_version(ver);
  if (!v) {
    error = "cannot read version '" + std::string(ver) + "' of " + std::string(name) + " (known: " + list + ")";
    return std::nullopt;
  }
  // MindIE 2.1 stands for "2.1.RC1 and earlier" (mindie_format's range).
  if (*rt == Target::MindIE && *v < known.front()->version) *v = known.front()->version;
  if (std::none_of(known.begin(), known.end(), [&](const KnownVersion* k) { return k->version == *v; })) {
    error = std::string(name) + " " + v->to_string() + " is not a version qkit has read (" + list + ")";
    return std::nullopt;
  }
  t.version = *v;
  return t;
}

std::string_view loader_layer_name(LoaderLayer k) {
  switch (k) {
    case LoaderLayer::Linear: return "linear";
    case LoaderLayer::Moe: return "moe";
    case LoaderLayer::Attention: return "attention";
  }
  return "linear";
}

LoaderLayer loader_layer_of(const Module& m) {
  if (m.scope == QuantScope::Attention) return LoaderLayer::Attention;
  const ModuleName mn = parse_module_name(m.prefix);
  if (mn.expert && !mn.shared_expert) return LoaderLayer::Moe;
  return LoaderLayer::Linear;
}

// --- lookups ----------------------------------------------------------------------

std::span<const SupportRow> support_rows() { return kSupport; }
std::span<const ParamRow> param_rows() { return kParams; }
std::span<const BehaviourRow> behaviour_rows() { return kBehaviours; }
std::span<const CtSchemeRow> ct_scheme_rows() { return kCtSchemes; }

CtDecision ct_scheme_for(const TargetSpec& t, const ct::Recipe& r, const ct::SchemeGroup& g, LoaderLayer layer) {
  if (t.runtime == Target::Any || !g.weights) return {};
  const CtGroupView view{&*g.weights, g.input_activations ? &*g.input_activations : nullptr,
                         g.format ? std::string_view(*g.format) : std::string_view(r.format)};
  auto applies = [&](const CtSchemeRow& row) {
    return row.runtime == t.runtime && row.versions.contains(t.version) && (!row.layer || *row.layer == layer);
  };
  // The first Scheme or QuantType row that holds.
  const CtSchemeRow* first = nullptr;
  for (const CtSchemeRow& row : kCtSchemes)
    if (row.kind != CtRowKind::Method && applies(row) && row.holds(view)) {
      first = &row;
      break;
    }
  if (!first || first->kind == CtRowKind::Scheme) return {first, nullptr, nullptr};
  // A quant type: what its method does with the group, else the registry.
  for (const CtSchemeRow& row : kCtSchemes)
    if (row.kind == CtRowKind::Method && row.quant_type == first->quant_type && applies(row) && row.holds(view))
      return {&row, first, nullptr};
  return {first, first, support_for(t, first->quant_type, layer)};
}

bool has_ct_rows(const TargetSpec& t) {
  return std::any_of(std::begin(kCtSchemes), std::end(kCtSchemes),
                     [&](const CtSchemeRow& r) { return r.runtime == t.runtime && r.versions.contains(t.version); });
}

std::string ct_rows_coverage() {
  std::string out;
  for (Target rt : {Target::VllmAscend, Target::MindIE, Target::VllmMindSpore, Target::MindFormers, Target::Vllm}) {
    std::vector<VersionRange> seen;
    for (const CtSchemeRow& r : kCtSchemes)
      if (r.runtime == rt && std::find(seen.begin(), seen.end(), r.versions) == seen.end()) seen.push_back(r.versions);
    for (const VersionRange& v : seen) out += (out.empty() ? "" : ", ") + std::string(target_name(rt)) + " " + v.to_string();
  }
  return out;
}

std::string_view ct_row_kind_name(CtRowKind k) {
  switch (k) {
    case CtRowKind::Scheme: return "scheme";
    case CtRowKind::QuantType: return "quant type";
    case CtRowKind::Method: return "method";
  }
  return "scheme";
}

const SupportRow* support_for(const TargetSpec& t, std::string_view type, LoaderLayer layer) {
  if (t.runtime == Target::Any || type == "FLOAT") return nullptr;
  for (const SupportRow& r : kSupport)
    if (r.runtime == t.runtime && r.layer == layer && r.versions.contains(t.version) && (r.type == type || r.type == "*"))
      return &r;
  return nullptr;
}

std::vector<const ParamRow*> params_for(const TargetSpec& t, Family fam, std::string_view type, LoaderLayer layer,
                                        Parallel parallel, bool mla) {
  std::vector<const ParamRow*> out;
  if (t.runtime == Target::Any) return out;
  for (const ParamRow& r : kParams) {
    if (r.runtime != t.runtime || r.type != type || r.layer != layer || !r.versions.contains(t.version)) continue;
    if (r.family == FamilyCond::MsModelSlim && fam != Family::MsModelSlim) continue;
    if (r.family == FamilyCond::GoldenStick && fam != Family::GoldenStick) continue;
    if (r.family == FamilyCond::CompressedTensors && fam != Family::CompressedTensors) continue;
    if (r.parallel != Parallel::None && r.parallel != parallel) continue;
    if ((r.model == ModelCond::Mla && !mla) || (r.model == ModelCond::NotMla && mla)) continue;
    out.push_back(&r);
  }
  return out;
}

std::vector<const BehaviourRow*> behaviours(const TargetSpec& t, Behaviour b) {
  std::vector<const BehaviourRow*> out;
  for (const BehaviourRow& r : kBehaviours)
    if (r.runtime == t.runtime && r.behaviour == b && r.versions.contains(t.version)) out.push_back(&r);
  return out;
}

const BehaviourRow* behaviour(const TargetSpec& t, Behaviour b) {
  auto v = behaviours(t, b);
  return v.empty() ? nullptr : v.front();
}

std::string_view behaviour_name(Behaviour b) {
  switch (b) {
    case B::ReadsMsModelSlim: return "reads msModelSlim checkpoints";
    case B::ReadsGoldenStick: return "reads Golden-Stick checkpoints";
    case B::DescriptionName: return "description file name";
    case B::DescriptionNameDeprecated: return "deprecated description file name";
    case B::QuantConfigReplacesDescription: return "config.json quantization_config replaces the description";
    case B::NeedsQuantizeKey: return "config.json \"quantize\" values";
    case B::QuantizeFromDescription: return "quantize derived from model_quant_type";
    case B::ConfigKeyValues: return "quantization_config values accepted";
    case B::KvCacheKey: return "KV-cache int8 key";
    case B::FaQuantType: return "fa_quant_type registered";
    case B::FaTensorNames: return "FA layers found by";
    case B::RejectsPerGroupW4A8: return "per-group W4A8_DYNAMIC refused";
    case B::W4A8PackedWhenVersion: return "W4A8_DYNAMIC packed weights when version says so";
    case B::W4A8PackedOnly: return "W4A8_DYNAMIC weights always packed";
    case B::Int4GroupSizes: return "int4 group sizes";
    case B::A8W4NeedsGroupSize: return "A8W4 needs a positive group_size";
    case B::ModuleTagsAgree: return "one tag per module";
    case B::FusedGroupsAgree: return "fused shards share one type";
    case B::DescribesEveryLayer: return "every layer described";
    case B::MtpOnlyWithDrafter: return "MTP layers only with the drafter";
    case B::ReadsCompressedTensors: return "reads compressed-tensors checkpoints";
    case B::ChecksGpuCapability: return "GPU compute capability checked per scheme";
    case B::GroupSizeDividesK: return "group size must divide k";
  }
  return "?";
}

Rule rule_of(Behaviour b) {
  switch (b) {
    case B::ReadsMsModelSlim:
    case B::ReadsGoldenStick:
    case B::ReadsCompressedTensors: return Rule::TargetFamily;
    case B::ChecksGpuCapability: return Rule::TargetUnsupportedType;
    case B::DescriptionName:
    case B::DescriptionNameDeprecated: return Rule::TargetDescriptionName;
    case B::QuantConfigReplacesDescription: return Rule::TargetQuantizationConfig;
    case B::NeedsQuantizeKey:
    case B::QuantizeFromDescription:
    case B::ConfigKeyValues: return Rule::TargetMindieConfig;
    case B::KvCacheKey: return Rule::TargetKvCacheKey;
    case B::FaQuantType:
    case B::FaTensorNames: return Rule::TargetFaQuantKey;
    case B::W4A8PackedWhenVersion:
    case B::W4A8PackedOnly: return Rule::TargetPackedVersion;
    case B::RejectsPerGroupW4A8:
    case B::Int4GroupSizes:
    case B::A8W4NeedsGroupSize:
    case B::GroupSizeDividesK: return Rule::TargetGroupSize;
    case B::ModuleTagsAgree: return Rule::GroupModuleType;
    case B::FusedGroupsAgree: return Rule::GroupFusedType;
    case B::DescribesEveryLayer:
    case B::MtpOnlyWithDrafter: return Rule::TargetCoverage;
  }
  return Rule::TargetFamily;
}

// --- rendering --------------------------------------------------------------------

namespace {

constexpr Target kRuntimes[] = {Target::VllmAscend, Target::MindIE, Target::VllmMindSpore, Target::MindFormers, Target::Vllm};

std::string versions_line(Target rt) {
  std::string s;
  for (const KnownVersion* k : known_versions(rt)) s += (s.empty() ? "" : ", ") + k->version.to_string();
  return s;
}

std::string md(std::string_view s) { return markdown_cell(s); }

std::string role_text(Role r) { return std::string(suffix_of(r)); }

std::string ct_condition(const CtSchemeRow& c) {
  if (c.kind == CtRowKind::Method) return std::string(c.quant_type) + " " + std::string(c.when);
  return std::string(c.when);
}

std::string ct_result(const CtSchemeRow& c) {
  switch (c.kind) {
    case CtRowKind::QuantType: return "quant type " + std::string(c.quant_type);
    case CtRowKind::Method:
    case CtRowKind::Scheme:
      if (c.loads) return std::string(c.scheme);
      return c.severity == Severity::Error ? "refused" : "";
  }
  return {};
}

// How a runtime's rows are read (its first rows' kinds say which loader shape it has).
std::string ct_table_intro(Target rt) {
  const bool typed = std::any_of(std::begin(kCtSchemes), std::end(kCtSchemes),
                                 [&](const CtSchemeRow& c) { return c.runtime == rt && c.kind == CtRowKind::QuantType; });
  if (!typed)
    return "The first row whose condition holds decides a config group (its format: the group's own, else the global "
           "one).\n\n";
  return "The first row whose condition holds names the group's quant type, or refuses it (its format: the group's "
         "own, else the global one). A quant type is then decided by the first row for that type and layer whose "
         "condition holds (what the registered method does with the group), else by the method registry (\"Registered "
         "schemes\" above: loads \"registry\").\n\n";
}

std::string param_what(const ParamRow& p) {
  std::string s = std::string(p.type) + " " + std::string(loader_layer_name(p.layer)) + ": " + role_text(p.role);
  if (!p.shape.empty()) s += " " + std::string(p.shape);
  if (!p.dtypes.empty()) s += " " + std::string(p.dtypes);
  if (p.parallel == Parallel::Column) s += " (column-parallel)";
  if (p.parallel == Parallel::Row) s += " (row-parallel)";
  if (p.model == ModelCond::Mla) s += " (MLA)";
  if (p.model == ModelCond::NotMla) s += " (not MLA)";
  if (p.family == FamilyCond::GoldenStick) s += " (Golden-Stick)";
  if (p.family == FamilyCond::MsModelSlim) s += " (msModelSlim)";
  if (p.family == FamilyCond::CompressedTensors) s += " (compressed-tensors)";
  return s;
}

}  // namespace

std::string render_target_list() {
  std::ostringstream o;
  o << "any  (no runtime: structure and values only)\n";
  for (Target rt : kRuntimes) {
    o << target_name(rt) << "  versions " << versions_line(rt) << " (default " << newest(rt).version.to_string() << ")\n";
    for (const KnownVersion* k : known_versions(rt)) o << "    " << k->version.to_string() << "  " << k->source << "\n";
  }
  return o.str();
}

std::string render_explain(std::string_view rule_id) {
  const RuleInfo* r = find_rule(rule_id);
  if (r == nullptr) return {};
  std::ostringstream o;
  o << r->id << "  [" << severity_name(r->severity) << (r->reads_data ? ", reads tensor data" : "") << "]\n  "
    << r->summary << "\n";
  std::size_t rows = 0;
  auto head = [&]() {
    if (rows++ == 0) o << "\nruntime facts it mirrors:\n";
  };
  for (Target rt : kRuntimes) {
    if (r->rule == Rule::TargetUnsupportedType)
      for (const SupportRow& s : kSupport) {
        if (s.runtime != rt) continue;
        head();
        o << "  " << target_name(rt) << " [" << s.versions.to_string() << "] " << s.type << " " << loader_layer_name(s.layer)
          << ": " << (s.loads ? "loads" : "refused");
        if (!s.why.empty()) o << " - " << s.why;
        o << "\n      " << s.cite.to_string() << "\n";
      }
    for (const CtSchemeRow& c : kCtSchemes) {
        if (c.runtime != rt || !(c.rule == r->rule || (c.kind == CtRowKind::QuantType && r->rule == Rule::TargetUnsupportedType)))
          continue;
        head();
        o << "  " << target_name(rt) << " [" << c.versions.to_string() << "] compressed-tensors "
          << (c.layer ? loader_layer_name(*c.layer) : std::string_view("any layer")) << ", " << ct_condition(c) << ": "
          << ct_result(c);
        if (!c.why.empty()) o << " - " << c.why;
        o << "\n      " << c.cite.to_string() << "\n";
      }
    if (r->rule == Rule::TargetParameter)
      for (const ParamRow& p : kParams) {
        if (p.runtime != rt) continue;
        head();
        o << "  " << target_name(rt) << " [" << p.versions.to_string() << "] " << param_what(p);
        if (!p.why.empty()) o << " - " << p.why;
        o << "\n      " << p.cite.to_string() << "\n";
      }
    for (const BehaviourRow& b : kBehaviours) {
      if (b.runtime != rt || rule_of(b.behaviour) != r->rule) continue;
      head();
      o << "  " << target_name(rt) << " [" << b.versions.to_string() << "] " << behaviour_name(b.behaviour);
      if (!b.detail.empty()) o << ": " << b.detail;
      if (!b.why.empty()) o << " - " << b.why;
      o << "\n      " << b.cite.to_string() << "\n";
    }
  }
  if (rows == 0) o << "\nno runtime facts: the rule holds for every target.\n";
  return o.str();
}

std::string render_targets_markdown() {
  std::ostringstream o;
  o << "<!-- Generated by qkit-gendocs from validate/profiles.cpp. Do not edit. -->\n"
       "# Target runtimes\n\n"
       "`qvalidate --target RUNTIME[@VERSION]` checks a checkpoint against what that\n"
       "runtime's loader does. Each fact below is one row of the runtime profiles\n"
       "(`validate/profiles.cpp`), read in the loader's source at the cited commit.\n"
       "`--target RUNTIME` means the newest version listed; a row holds for the\n"
       "versions shown. `qvalidate --explain RULE` prints the rows a rule reads.\n\n";
  for (Target rt : kRuntimes) {
    o << "## " << target_name(rt) << "\n\nVersions: ";
    bool first = true;
    for (const KnownVersion* k : known_versions(rt)) {
      o << (first ? "" : "; ") << "**" << k->version.to_string() << "** (" << k->source << ")";
      first = false;
    }
    o << ".\n";
    bool support = false;
    for (const SupportRow& s : kSupport)
      if (s.runtime == rt) {
        if (!support)
          o << "\n### Registered schemes\n\n| versions | type | layer | loads | why | source |\n|---|---|---|---|---|---|\n";
        support = true;
        o << "| " << s.versions.to_string() << " | `" << s.type << "` | " << loader_layer_name(s.layer) << " | "
          << (s.loads ? "yes" : "**no**") << " | " << md(s.why) << " | " << md(s.cite.to_string()) << " |\n";
      }
    bool ct_rows = false;
    for (const CtSchemeRow& c : kCtSchemes)
      if (c.runtime == rt) {
        if (!ct_rows)
          o << "\n### compressed-tensors config groups\n\n" << ct_table_intro(rt)
            << "| versions | layer | condition | result | loads | rule | why | source |\n|---|---|---|---|---|---|---|---|\n";
        ct_rows = true;
        o << "| " << c.versions.to_string() << " | " << (c.layer ? loader_layer_name(*c.layer) : std::string_view("any")) << " | "
          << md(ct_condition(c)) << " | " << md(ct_result(c)) << " | "
          << (c.kind == CtRowKind::QuantType ? "registry"
              : c.loads                      ? "yes"
              : c.severity == Severity::Error ? "**no**"
                                              : "depends on the GPU")
          << " | " << (c.loads ? std::string() : "`" + std::string(rule_info(c.rule).id) + "`") << " | " << md(c.why) << " | "
          << md(c.cite.to_string()) << " |\n";
      }
    bool any = false;
    for (const ParamRow& p : kParams)
      if (p.runtime == rt) {
        if (!any)
          o << "\n### Parameters the loader creates\n\nShapes are asserted after TP narrowing; values are cast to the "
               "parameter's dtype.\n\n| versions | parameter | needed | note | source |\n|---|---|---|---|---|\n";
        any = true;
        o << "| " << p.versions.to_string() << " | " << md(param_what(p)) << " | " << (p.required ? "yes" : "if present")
          << " | " << md(p.why) << " | " << md(p.cite.to_string()) << " |\n";
      }
    o << "\n### How it reads the files\n\n| versions | behaviour | detail | rule | source |\n|---|---|---|---|---|\n";
    for (const BehaviourRow& b : kBehaviours)
      if (b.runtime == rt)
        o << "| " << b.versions.to_string() << " | " << behaviour_name(b.behaviour) << " | "
          << md(b.detail.empty() ? b.why : (std::string(b.detail) + (b.why.empty() ? "" : ": " + std::string(b.why))))
          << " | `" << rule_info(rule_of(b.behaviour)).id << "` | " << md(b.cite.to_string()) << " |\n";
    o << "\n";
  }
  o << "## compressed-tensors checkpoints\n\n"
       "Each runtime's compressed-tensors rows are its section's \"compressed-tensors config groups\" table\n"
       "(qkit has rows for " << md(ct_rows_coverage()) << "). For any other runtime or version,\n"
       "how it loads compressed-tensors is not verified; qvalidate says so as information.\n";
  return o.str();
}


}  // namespace qkit::validate
