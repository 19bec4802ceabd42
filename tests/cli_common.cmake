# Shared by the cli_*.cmake scripts: run a command, require its exit code,
# and leave its stdout/stderr in OUT/ERR for the caller to check.
function(expect_rc rc)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE got OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT got EQUAL rc)
    message(FATAL_ERROR "expected exit ${rc}, got ${got}: ${ARGN}\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()
