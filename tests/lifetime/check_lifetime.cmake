# check_lifetime.cmake: runs one lifetime driver under one configuration, as
#   cmake -DPROGRAM=<driver> -DEXPECT=<text> [-DARGS=a;b] [-DSETTINGS=HYTM_HTM=off;HYTM_STM=off]
#         -P check_lifetime.cmake
# and requires exit status 0 and EXPECT in its standard output.  Whatever HYTM_* the caller
# exported is cleared first, so that only SETTINGS decide the test.
cmake_minimum_required(VERSION 3.25)
foreach(v HYTM_HTM HYTM_HTM_RETRIES HYTM_STM HYTM_STM_RETRIES HYTM_STATS
          HYTM_EMU_L1 HYTM_EMU_READ_LINES HYTM_EMU_INTERRUPT HYTM_EMU_SEED)
  unset(ENV{${v}})
endforeach()
foreach(kv ${SETTINGS})
  string(FIND "${kv}" "=" eq)
  string(SUBSTRING "${kv}" 0 ${eq} k)
  math(EXPR eq "${eq} + 1")
  string(SUBSTRING "${kv}" ${eq} -1 val)
  set(ENV{${k}} "${val}")
endforeach()
execute_process(COMMAND "${PROGRAM}" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 120)
string(FIND "${out}" "${EXPECT}" pos)
if(NOT rc STREQUAL "0" OR pos EQUAL -1)
  message(FATAL_ERROR "${PROGRAM} ${ARGS} with ${SETTINGS}: expected exit status 0 and "
                      "\"${EXPECT}\" on stdout\n--- exit status: ${rc}\n--- stdout:\n${out}\n"
                      "--- stderr:\n${err}")
endif()
message(STATUS "${SETTINGS}: ${out}")
