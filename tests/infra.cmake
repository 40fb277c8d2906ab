# infra.cmake: tests of the package, the environment and the forced-RTM path under valgrind.
# Included from tests/CMakeLists.txt.  Every test here is a CMake script run by ctest, with its
# own TIMEOUT; each script's header says what it checks.
#
#   package.consumer      install into a private prefix, build tests/package/consumer against it
#   env.*                 HYTM_* validation at start-up and HYTM_STATS output (tests/env)
#   valgrind.forced_rtm   HYTM_HTM=force under valgrind: every xbegin aborts, all commit elsewhere

set(_infra_dir ${CMAKE_CURRENT_LIST_DIR})
find_package(Python3 COMPONENTS Interpreter QUIET)
set(_infra_python "")
if(Python3_Interpreter_FOUND)
  set(_infra_python ${Python3_EXECUTABLE})
endif()

# ---- package.consumer ----------------------------------------------------------------------
set(_infra_san_flags "")
if(HYTM_SANITIZER STREQUAL "address")
  set(_infra_san_flags "-fsanitize=address,undefined")
elseif(HYTM_SANITIZER STREQUAL "thread")
  set(_infra_san_flags "-fsanitize=thread")
endif()
add_test(NAME package.consumer
  COMMAND ${CMAKE_COMMAND}
          -DBUILD_DIR=${PROJECT_BINARY_DIR}
          -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DCONSUMER_DIR=${_infra_dir}/package/consumer
          -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/package-consumer
          -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          -DC_COMPILER=${CMAKE_C_COMPILER}
          -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
          "-DSAN_FLAGS=${_infra_san_flags}"
          -P ${_infra_dir}/package/run.cmake)
# RUN_SERIAL: it builds a project, which competes with the stress tests for the two cores.
set_tests_properties(package.consumer PROPERTIES TIMEOUT 300 RUN_SERIAL ON LABELS infra)

# ---- env.* ---------------------------------------------------------------------------------
add_executable(env_driver ${_infra_dir}/env/env_driver.cpp)
target_link_libraries(env_driver PRIVATE hytm::hytm Threads::Threads)
hytm_warnings(env_driver)

function(_infra_env_test name mode)
  add_test(NAME env.${name}
    COMMAND ${CMAKE_COMMAND} -DDRIVER=$<TARGET_FILE:env_driver> -DMODE=${mode} ${ARGN}
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/env-${name} -DPYTHON=${_infra_python}
            -DNO_RTM=${HYTM_NO_RTM} -P ${_infra_dir}/env/check_env.cmake)
  set_tests_properties(env.${name} PROPERTIES TIMEOUT 120 LABELS infra)
endfunction()

# Bad values: exit status 2 before main(), a message naming variable, value and allowed values.
_infra_env_test(reject.htm.bogus reject -DVAR=HYTM_HTM -DVALUE=bogus "-DALLOWED=auto|off|force|emulate")
_infra_env_test(reject.htm.uppercase reject -DVAR=HYTM_HTM -DVALUE=AUTO "-DALLOWED=auto|off|force|emulate")
_infra_env_test(reject.htm_retries.negative reject -DVAR=HYTM_HTM_RETRIES -DVALUE=-1 "-DALLOWED=0 to 1000")
_infra_env_test(reject.htm_retries.too_big reject -DVAR=HYTM_HTM_RETRIES -DVALUE=5000 "-DALLOWED=0 to 1000")
_infra_env_test(reject.htm_retries.word reject -DVAR=HYTM_HTM_RETRIES -DVALUE=abc "-DALLOWED=0 to 1000")
_infra_env_test(reject.htm_retries.trailing reject -DVAR=HYTM_HTM_RETRIES -DVALUE=8x "-DALLOWED=0 to 1000")
_infra_env_test(reject.stm.tl2 reject -DVAR=HYTM_STM -DVALUE=tl2 "-DALLOWED=norec|orec|off")
_infra_env_test(reject.stm.case reject -DVAR=HYTM_STM -DVALUE=OREC "-DALLOWED=norec|orec|off")
_infra_env_test(reject.stm_retries.word reject -DVAR=HYTM_STM_RETRIES -DVALUE=x "-DALLOWED=0 to 1000000")
_infra_env_test(reject.stm_retries.too_big reject -DVAR=HYTM_STM_RETRIES -DVALUE=1000001 "-DALLOWED=0 to 1000000")
_infra_env_test(reject.solo.on reject -DVAR=HYTM_SOLO -DVALUE=on "-DALLOWED=auto|off")
_infra_env_test(reject.policy.fast reject -DVAR=HYTM_POLICY -DVALUE=fast "-DALLOWED=cost|rules")
_infra_env_test(reject.policy.uppercase reject -DVAR=HYTM_POLICY -DVALUE=COST "-DALLOWED=cost|rules")
_infra_env_test(reject.stats.xml reject -DVAR=HYTM_STATS -DVALUE=xml "-DALLOWED=off|text|json|json:PATH")
_infra_env_test(reject.stats.no_path reject -DVAR=HYTM_STATS -DVALUE=json: "-DALLOWED=off|text|json|json:PATH")
# The RTM model's settings, read when HYTM_HTM=emulate.
_infra_env_test(reject.emu_l1.ways reject -DVAR=HYTM_EMU_L1 -DVALUE=48K:7 -DEXTRA=HYTM_HTM=emulate "-DALLOWED=SIZE:WAYS")
_infra_env_test(reject.emu_l1.word reject -DVAR=HYTM_EMU_L1 -DVALUE=big -DEXTRA=HYTM_HTM=emulate "-DALLOWED=SIZE:WAYS")
_infra_env_test(reject.emu_read_lines.zero reject -DVAR=HYTM_EMU_READ_LINES -DVALUE=0 -DEXTRA=HYTM_HTM=emulate "-DALLOWED=1 to 16777216")
_infra_env_test(reject.emu_seed.word reject -DVAR=HYTM_EMU_SEED -DVALUE=abc -DEXTRA=HYTM_HTM=emulate "-DALLOWED=0 to 18446744073709551615")
# ... and checked whatever HYTM_HTM says: a typo must not wait for the day the model runs.
_infra_env_test(reject.emu_l1.without_emulate reject -DVAR=HYTM_EMU_L1 -DVALUE=48K:7 "-DALLOWED=SIZE:WAYS")
_infra_env_test(reject.emu_interrupt.without_emulate reject -DVAR=HYTM_EMU_INTERRUPT -DVALUE=often "-DALLOWED=0 to 1099511627776")
_infra_env_test(reject.emu_seed.without_emulate reject -DVAR=HYTM_EMU_SEED -DVALUE=-1 "-DALLOWED=0 to 18446744073709551615")
# Past the limit: the message names the limit and the suffixes.
_infra_env_test(reject.emu_l1.too_big reject -DVAR=HYTM_EMU_L1 -DVALUE=32M:8 -DEXTRA=HYTM_HTM=emulate "-DALLOWED=the limit, 1M|suffix K (x1024) or M (x1048576)")
_infra_env_test(reject.emu_l1.too_big.without_emulate reject -DVAR=HYTM_EMU_L1 -DVALUE=32M:8 "-DALLOWED=the limit, 1M")
_infra_env_test(reject.emu_l1.no_ways reject -DVAR=HYTM_EMU_L1 -DVALUE=32K: "-DALLOWED=SIZE:WAYS")
# A statistics file that cannot be written stops the program at start.
_infra_env_test(reject.stats.unwritable reject -DVAR=HYTM_STATS -DVALUE=json:/nonexistent/x "-DALLOWED=cannot open /nonexistent/x for writing|json:PATH")
# Good values, including the bounds, are accepted.
_infra_env_test(accept.htm.off accept -DVAR=HYTM_HTM -DVALUE=off)
_infra_env_test(accept.htm.auto accept -DVAR=HYTM_HTM -DVALUE=auto)
_infra_env_test(accept.htm.emulate accept -DVAR=HYTM_HTM -DVALUE=emulate -DEXPECT_OUT=htm=emulated)
_infra_env_test(accept.emu_l1 accept -DVAR=HYTM_EMU_L1 -DVALUE=32K:8 -DEXTRA=HYTM_HTM=emulate -DEXPECT_OUT=htm=emulated)
_infra_env_test(accept.emu_l1.1M accept -DVAR=HYTM_EMU_L1 -DVALUE=1M:16 -DEXTRA=HYTM_HTM=emulate -DEXPECT_OUT=htm=emulated)
_infra_env_test(accept.emu_l1.without_emulate accept -DVAR=HYTM_EMU_L1 -DVALUE=48K:12 -DEXPECT_OUT=htm=)
# A near miss of a setting's name is warned about (and ignored); other HYTM_* names pass.
_infra_env_test(warn.near_miss accept -DVAR=HYTM_STAT -DVALUE=text "-DEXPECT_ERR=hytm: warning: HYTM_STAT is not a hytm setting and is ignored; did you mean HYTM_STATS?")
_infra_env_test(warn.case accept -DVAR=hytm_htm -DVALUE=off "-DEXPECT_ERR=did you mean HYTM_HTM?")
_infra_env_test(warn.not_near accept -DVAR=HYTM_TEST_SLOW -DVALUE=10 "-DFORBID_ERR=hytm: warning")
_infra_env_test(accept.htm_retries.0 accept -DVAR=HYTM_HTM_RETRIES -DVALUE=0)
_infra_env_test(accept.htm_retries.1000 accept -DVAR=HYTM_HTM_RETRIES -DVALUE=1000)
_infra_env_test(accept.stm.off accept -DVAR=HYTM_STM -DVALUE=off -DEXPECT_OUT=stm=off)
_infra_env_test(accept.stm.norec accept -DVAR=HYTM_STM -DVALUE=norec -DEXPECT_OUT=stm=norec)
# The driver's two threads' counter increments run on the orec algorithm, and the statistics
# name it (machine().stm).
_infra_env_test(accept.stm.orec accept -DVAR=HYTM_STM -DVALUE=orec -DEXPECT_OUT=stm=orec)
_infra_env_test(accept.stm.orec_emulate accept -DVAR=HYTM_STM -DVALUE=orec -DEXTRA=HYTM_HTM=emulate
                "-DEXPECT_OUT=htm=emulated stm=orec")
_infra_env_test(accept.stm_retries.1000000 accept -DVAR=HYTM_STM_RETRIES -DVALUE=1000000)
_infra_env_test(accept.stats.off accept -DVAR=HYTM_STATS -DVALUE=off)
_infra_env_test(accept.solo.auto accept -DVAR=HYTM_SOLO -DVALUE=auto)
_infra_env_test(accept.solo.off accept -DVAR=HYTM_SOLO -DVALUE=off)
_infra_env_test(accept.policy.cost accept -DVAR=HYTM_POLICY -DVALUE=cost -DEXPECT_OUT=policy=cost)
_infra_env_test(accept.policy.rules accept -DVAR=HYTM_POLICY -DVALUE=rules -DEXPECT_OUT=policy=rules)
# The cost rule, like solo mode, only where the engine picks the paths (HYTM_HTM=auto).
_infra_env_test(accept.policy.cost.htm_off accept -DVAR=HYTM_POLICY -DVALUE=cost -DEXTRA=HYTM_HTM=off -DEXPECT_OUT=policy=rules)
# HYTM_HTM=force natively: accepted with RTM, refused with exit 2 (never SIGILL) without.
_infra_env_test(force_native force)
# Statistics at exit.
_infra_env_test(stats.json_file json_file)
_infra_env_test(stats.json_stderr json)
_infra_env_test(stats.text text)
# The exit printer after the program read the statistics itself, with a conflict recorded.
_infra_env_test(stats.after_own_report conflict_stats)

# ---- valgrind.forced_rtm -------------------------------------------------------------------
# Not with sanitizers (they do not run under valgrind) nor without RTM instructions (nothing to
# force).  valgrind runs the two threads one at a time; 20000 iterations per thread (165000
# transactions, C++ and C) take a few seconds.  Two variants: capacity aborts fall back to the software path
# (HYTM_STM=norec), or straight to the serial path (HYTM_STM=off).
find_program(HYTM_VALGRIND valgrind)
if(HYTM_VALGRIND AND HYTM_SANITIZER STREQUAL "" AND NOT HYTM_NO_RTM)
  add_executable(forced_rtm ${_infra_dir}/valgrind/forced_rtm.cpp ${_infra_dir}/valgrind/forced_rtm_c.c)
  target_link_libraries(forced_rtm PRIVATE hytm::hytm Threads::Threads)
  hytm_warnings(forced_rtm)
  foreach(_stm norec off)
    set(_name valgrind.forced_rtm)
    if(_stm STREQUAL "off")
      set(_name valgrind.forced_rtm.serial)
    endif()
    add_test(NAME ${_name}
      COMMAND ${CMAKE_COMMAND} -DVALGRIND=${HYTM_VALGRIND} -DPROGRAM=$<TARGET_FILE:forced_rtm>
              -DSTM=${_stm} -DITERATIONS=20000 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/${_name}
              -DPYTHON=${_infra_python} -P ${_infra_dir}/valgrind/check_valgrind.cmake)
    set_tests_properties(${_name} PROPERTIES TIMEOUT 180 LABELS "infra;valgrind")
  endforeach()
elseif(NOT HYTM_VALGRIND)
  message(STATUS "valgrind not found: valgrind.forced_rtm is not registered (Debian: valgrind)")
endif()
