# qinspect on a file that is not safetensors: exit 1 and an error naming the
# file and the error id.
set(f "${WORK}/not-safetensors.safetensors")
file(WRITE "${f}" "this is not a safetensors file")
execute_process(COMMAND "${QINSPECT}" "${f}" RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit 1, got ${rc}")
endif()
if(NOT err MATCHES "not-safetensors.safetensors: at byte 0: st-header-too-large")
  message(FATAL_ERROR "unexpected message: ${err}")
endif()
