# Runs hytm-interp once and checks what it did:
#   cmake -DINTERP=... -DOPTIONS=a;b -DPROGRAM=p.hy [-DARGS=x;y] [-DEXPECTED=file]
#         [-DEXPECT_STATUS=n] [-DEXPECT_STDERR=regex] -P run_program.cmake
if(NOT DEFINED EXPECT_STATUS)
  set(EXPECT_STATUS 0)
endif()
execute_process(COMMAND ${INTERP} ${OPTIONS} ${PROGRAM} ${ARGS}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
set(cmd "${INTERP} ${OPTIONS} ${PROGRAM} ${ARGS}")
if(NOT status STREQUAL EXPECT_STATUS)
  message(FATAL_ERROR "${cmd}: exit status ${status}, expected ${EXPECT_STATUS}\n"
                      "stdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED EXPECTED)
  file(READ ${EXPECTED} want)
  if(NOT out STREQUAL want)
    message(FATAL_ERROR "${cmd}: wrong output\n--- got:\n${out}--- expected:\n${want}"
                        "--- stderr:\n${err}")
  endif()
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "${cmd}: standard error does not match '${EXPECT_STDERR}':\n${err}")
endif()
