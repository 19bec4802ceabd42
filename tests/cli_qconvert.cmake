# qconvert's command-line contract: exit codes 0/1/2, --dry-run, --force,
# refusing DST inside SRC, and the result passing qvalidate.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(ms "${SRC}/samples/tiny-llama-w8a8-dynamic-msmodelslim")
set(gs "${SRC}/samples/tiny-qwen-w8a8-golden-stick")

include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")

# 0: converted, and qvalidate passes on the result.
expect_rc(0 "${QCONVERT}" --from msmodelslim --to mindspore "${ms}" "${WORK}/gs")
if(NOT OUT MATCHES ": PASS \\(qvalidate --target any: " OR NOT EXISTS "${WORK}/gs/quantization_description.json")
  message(FATAL_ERROR "${OUT}")
endif()
# ... and back, with --from auto and the golden-stick alias.
expect_rc(0 "${QCONVERT}" --from auto --to msmodelslim --target vllm-ascend "${WORK}/gs" "${WORK}/ms")
expect_rc(2 "${QCONVERT}" --from golden-stick --to msmodelslim "${WORK}/gs" "${WORK}/ms")  # exists
expect_rc(0 "${QCONVERT}" --from golden-stick --to msmodelslim --force --quiet "${WORK}/gs" "${WORK}/ms")

# 1: smoothing on o_proj/down_proj cannot be expressed; nothing is written.
expect_rc(1 "${QCONVERT}" --from mindspore --to msmodelslim "${gs}" "${WORK}/refused")
if(NOT ERR MATCHES "refused: model.layers.0.self_attn.o_proj" OR EXISTS "${WORK}/refused")
  message(FATAL_ERROR "${ERR}")
endif()

# --dry-run prints the plan and writes nothing.
expect_rc(0 "${QCONVERT}" --from msmodelslim --to mindspore --dry-run "${ms}" "${WORK}/dry")
if(NOT OUT MATCHES "model.layers.1.mlp.down_proj.weight_scale  BF16 \\[64\\]  W8A8_DYNAMIC  <- " OR EXISTS "${WORK}/dry")
  message(FATAL_ERROR "${OUT}")
endif()

# 2: usage errors, a wrong --from, DST inside SRC.
expect_rc(2 "${QCONVERT}" --from msmodelslim --to mindspore "${ms}")
expect_rc(2 "${QCONVERT}" --from nowhere --to mindspore "${ms}" "${WORK}/x")
expect_rc(2 "${QCONVERT}" --from mindspore --to msmodelslim "${ms}" "${WORK}/x")
expect_rc(2 "${QCONVERT}" --from msmodelslim --to mindspore "${ms}" "${ms}/inside")
expect_rc(2 "${QCONVERT}" --from msmodelslim --to mindspore "${WORK}/missing" "${WORK}/x")
file(GLOB leftovers "${WORK}/.*qkit-tmp*")
if(leftovers)
  message(FATAL_ERROR "temporary directories left: ${leftovers}")
endif()
