# qinspect's command-line contract: summary, layer map, JSON, tensor list,
# --diff, and exit codes 0/1/2.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(s "${SRC}/samples")

include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")

expect_rc(0 "${QINSPECT}" "${s}/tiny-qwen-w8a8-msmodelslim")
foreach(want "msmodelslim-v1" "model: qwen2, bfloat16, 2 layers" "W8A8 +14 +70" "FLOAT +- +13" "83 tensors" "layer map:" "legend: 8s=W8A8")
  if(NOT OUT MATCHES "${want}")
    message(FATAL_ERROR "summary lacks '${want}':\n${OUT}")
  endif()
endforeach()
if(OUT MATCHES "problems")
  message(FATAL_ERROR "a good sample listed problems:\n${OUT}")
endif()

expect_rc(0 "${QINSPECT}" --json "${s}/tiny-llama-w4a16-golden-stick")
string(JSON layout GET "${OUT}" layout)
string(JSON n LENGTH "${OUT}" tensors)
string(JSON int4 GET "${OUT}" summary by_quant_type W4A16 weights)
if(NOT layout STREQUAL "golden-stick" OR NOT n EQUAL 49 OR NOT int4 EQUAL 73728)
  message(FATAL_ERROR "json: layout ${layout}, ${n} tensors, ${int4} int4 weights")
endif()

expect_rc(0 "${QINSPECT}" --filter "*.layers.1.mlp.down_proj.*" "${s}/tiny-llama-w4a8-dynamic-msmodelslim")
if(NOT OUT MATCHES "down_proj.scale_bias  F32 \\[64, 16\\]")
  message(FATAL_ERROR "tensor list:\n${OUT}")
endif()

# --diff: 0 for the same checkpoint, 1 for different ones.
expect_rc(0 "${QINSPECT}" --diff "${s}/tiny-llama-float" "${s}/tiny-llama-float")
expect_rc(1 "${QINSPECT}" --diff "${s}/tiny-llama-float" "${s}/tiny-llama-w8a8-dynamic-msmodelslim")
if(NOT OUT MATCHES "only in B")
  message(FATAL_ERROR "diff:\n${OUT}")
endif()

# A broken .safetensors file: a report (the file UNREADABLE, the finding),
# exit 1; a file that is not safetensors at all: exit 2, like qvalidate.
file(WRITE "${WORK}/not.safetensors" "this is not a safetensors file")
expect_rc(1 "${QINSPECT}" "${WORK}/not.safetensors")
if(NOT OUT MATCHES "not.safetensors +30 bytes +UNREADABLE" OR NOT OUT MATCHES "container.shard-unreadable")
  message(FATAL_ERROR "unexpected report: ${OUT}")
endif()
file(WRITE "${WORK}/notes.txt" "plain text")
expect_rc(2 "${QINSPECT}" "${WORK}/notes.txt")
expect_rc(2 "${QINSPECT}" "${WORK}/missing")
expect_rc(2 "${QINSPECT}" --diff "${s}/tiny-llama-float")
expect_rc(2 "${QINSPECT}" --bogus "${s}/tiny-llama-float")
