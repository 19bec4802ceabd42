# qvalidate's command-line contract: exit codes 0/1/2, the three formats,
# colour only on a terminal, --list-rules, --suppress.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(good "${SRC}/samples/tiny-llama-w8a8-dynamic-msmodelslim")

include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")

# 0: a good checkpoint; text report, no colour when not a terminal.
expect_rc(0 "${QVALIDATE}" "${good}")
if(NOT OUT MATCHES "PASS: 0 errors" OR OUT MATCHES "\033")
  message(FATAL_ERROR "bad text report: ${OUT}")
endif()

# 1: a broken one (config says fp16: deq_scale F32 is wrong), all three formats.
file(COPY "${SRC}/samples/tiny-qwen-w8a8-msmodelslim" DESTINATION "${WORK}")
set(bad "${WORK}/tiny-qwen-w8a8-msmodelslim")
file(READ "${bad}/config.json" cfg)
string(REPLACE "bfloat16" "float16" cfg "${cfg}")
file(WRITE "${bad}/config.json" "${cfg}")
expect_rc(1 "${QVALIDATE}" "${bad}")
if(NOT OUT MATCHES "scheme.deq-scale-dtype" OR NOT OUT MATCHES "FAIL")
  message(FATAL_ERROR "text report lacks the finding: ${OUT}")
endif()
expect_rc(1 "${QVALIDATE}" "${bad}" --format json)
string(JSON n GET "${OUT}" counts error)
string(JSON rule GET "${OUT}" findings 0 rule)
if(n LESS 1 OR NOT rule STREQUAL "scheme.deq-scale-dtype")
  message(FATAL_ERROR "json: ${n} errors, first rule ${rule}")
endif()
expect_rc(1 "${QVALIDATE}" "${bad}" --format junit -o "${WORK}/report.xml")
file(READ "${WORK}/report.xml" xml)
if(NOT xml MATCHES "<testsuites name=\"qvalidate\" tests=\"[0-9]+\" failures=\"1\">" OR
   NOT xml MATCHES "name=\"scheme.deq-scale-dtype\">\n      <failure")
  message(FATAL_ERROR "junit: ${xml}")
endif()
# --suppress with a reason turns it green.
expect_rc(0 "${QVALIDATE}" "${bad}" "--suppress=scheme.deq-scale-dtype=deployment converts deq_scale")
if(NOT OUT MATCHES "deployment converts deq_scale")
  message(FATAL_ERROR "suppression reason not shown: ${OUT}")
endif()

# 2: usage errors and paths that are not checkpoints.
expect_rc(2 "${QVALIDATE}" "${good}" --target nowhere)
expect_rc(2 "${QVALIDATE}" "${good}" --format yaml)
expect_rc(2 "${QVALIDATE}" "${good}" --suppress no.such-rule)
expect_rc(2 "${QVALIDATE}" "${WORK}/does-not-exist")
file(MAKE_DIRECTORY "${WORK}/empty")
expect_rc(2 "${QVALIDATE}" "${WORK}/empty")
expect_rc(2 "${QVALIDATE}")

expect_rc(0 "${QVALIDATE}" --list-rules)
if(NOT OUT MATCHES "numeric.quant-bias" OR NOT OUT MATCHES "target.coverage")
  message(FATAL_ERROR "--list-rules: ${OUT}")
endif()
