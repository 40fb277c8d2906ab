# check_env.cmake: one environment test, run by ctest as
#   cmake -DDRIVER=<env_driver> -DMODE=<mode> [-DVAR=.. -DVALUE=.. -DALLOWED=a|b|c]
#         [-DEXTRA=NAME=VALUE] [-DEXPECT_OUT=text] [-DEXPECT_ERR=text] [-DFORBID_ERR=text]
#         [-DWORK_DIR=..] [-DPYTHON=..]
#         [-DNO_RTM=ON|OFF] -P check_env.cmake
#
# EXTRA sets one more variable (HYTM_HTM=emulate, under which the HYTM_EMU_* are read);
# EXPECT_OUT is a string the driver's stdout must contain, EXPECT_ERR one its stderr must contain
# and FORBID_ERR one its stderr must not contain (accept mode).
#
# MODE
#   reject     VAR=VALUE must stop the program before main() with exit status 2 and the message
#              "hytm: VAR=VALUE is not valid: ..." naming every entry of ALLOWED ('|'-separated).
#   accept     VAR=VALUE must be accepted: exit 0, the driver's counter checked.
#   force      HYTM_HTM=force natively: accepted where the CPU has RTM, or where CPUID hides RTM
#              but xbegin executes (and always aborts); refused with exit 2 and
#              its message where it faults (decided from /proc/cpuinfo now, not at configure
#              time) or where the build has no RTM instructions (NO_RTM).
#   json_file  HYTM_STATS=json:PATH writes a JSON document that parses and counts every
#              transaction the driver ran as committed on exactly one path.
#   json       HYTM_STATS=json prints the same document on stderr at exit.
#   text       HYTM_STATS=text prints the statistics table on stderr at exit.
#   conflict_stats  `env_driver conflict` records a software conflict and calls statistics(),
#              stats_text() and stats_json() itself; then HYTM_STATS=text and HYTM_STATS=json
#              must still print at exit (exit status 0, the conflict in the report).
cmake_minimum_required(VERSION 3.25)

foreach(v DRIVER MODE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_env.cmake: -D${v}=... is required")
  endif()
endforeach()

# Start from a clean slate: whatever HYTM_* the caller exported must not decide the test.
foreach(v HYTM_HTM HYTM_HTM_RETRIES HYTM_STM HYTM_STM_RETRIES HYTM_STM_READ_ONLY HYTM_STATS
          HYTM_SOLO HYTM_POLICY HYTM_EMU_L1 HYTM_EMU_READ_LINES HYTM_EMU_INTERRUPT HYTM_EMU_SEED)
  unset(ENV{${v}})
endforeach()

function(fail)
  string(JOIN "" msg ${ARGN})
  message(FATAL_ERROR "${msg}\n--- exit status: ${rc}\n--- stdout:\n${out}\n--- stderr:\n${err}")
endfunction()

# Runs the driver with NAME=VALUE pairs set; leaves rc, out, err in the caller's scope.
macro(run_driver)
  foreach(kv ${ARGN})
    string(FIND "${kv}" "=" eq)
    string(SUBSTRING "${kv}" 0 ${eq} k)
    math(EXPR eq "${eq} + 1")
    string(SUBSTRING "${kv}" ${eq} -1 val)
    set(ENV{${k}} "${val}")
  endforeach()
  execute_process(COMMAND "${DRIVER}" ${DRIVER_ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 60)
endmacro()

macro(expect_contains text what)
  string(FIND "${${text}}" "${what}" pos)
  if(pos EQUAL -1)
    fail("expected ${text} to contain \"${what}\"")
  endif()
endmacro()

macro(expect_ok)
  if(NOT rc STREQUAL "0")
    fail("expected exit status 0")
  endif()
  expect_contains(out "env_driver: transactions ")
endmacro()

# Every transaction the driver ran committed on exactly one path.
function(check_document json what)
  string(JSON htm_mode ERROR_VARIABLE e GET "${json}" machine htm)
  if(e)
    fail("${what}: no machine.htm: ${e}")
  endif()
  string(JSON policy ERROR_VARIABLE e GET "${json}" machine policy)
  if(e OR NOT policy MATCHES "^(cost|rules)$")
    fail("${what}: machine.policy is not cost or rules: ${policy} ${e}")
  endif()
  string(JSON n ERROR_VARIABLE e GET "${json}" fallbacks cost)
  if(e)
    fail("${what}: no fallbacks.cost: ${e}")
  endif()
  set(sum 0)
  foreach(p htm stm serial)
    string(JSON n ERROR_VARIABLE e GET "${json}" paths ${p} commits)
    if(e)
      fail("${what}: no paths.${p}.commits: ${e}")
    endif()
    math(EXPR sum "${sum} + ${n}")
  endforeach()
  string(REGEX MATCH "env_driver: transactions ([0-9]+)" m "${out}")
  if(NOT sum EQUAL CMAKE_MATCH_1)
    fail("${what}: htm+stm+serial commits = ${sum}, but the driver ran ${CMAKE_MATCH_1} transactions")
  endif()
  message(STATUS "${what}: machine.htm=${htm_mode}, ${sum} commits for ${CMAKE_MATCH_1} transactions")
endfunction()

function(validate_with_python file what)
  if(PYTHON)
    execute_process(COMMAND "${PYTHON}" -c "import json,sys; json.load(open(sys.argv[1]))" "${file}"
                    RESULT_VARIABLE prc ERROR_VARIABLE perr)
    if(NOT prc EQUAL 0)
      fail("${what}: python3's json module rejects ${file}:\n${perr}")
    endif()
  endif()
endfunction()

# The statistics document HYTM_STATS=json printed: the last line of stderr,
# into `out`, checked by python3's json module (if there is one).
function(stderr_document out what)
  string(STRIP "${err}" e)
  string(FIND "${e}" "\n" nl REVERSE)
  math(EXPR nl "${nl} + 1")
  string(SUBSTRING "${e}" ${nl} -1 json)
  file(REMOVE_RECURSE "${WORK_DIR}")
  file(WRITE "${WORK_DIR}/stderr.json" "${json}")
  validate_with_python("${WORK_DIR}/stderr.json" "${what}")
  set(${out} "${json}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "reject")
  run_driver("${VAR}=${VALUE}" ${EXTRA})
  if(NOT rc STREQUAL "2")
    fail("${VAR}=${VALUE}: expected exit status 2")
  endif()
  expect_contains(err "hytm: ${VAR}=${VALUE} is not valid: ")
  string(REPLACE "|" ";" allowed "${ALLOWED}")
  foreach(a ${allowed})
    expect_contains(err "${a}")
  endforeach()
  string(FIND "${out}" "env_driver:" pos)
  if(NOT pos EQUAL -1)
    fail("${VAR}=${VALUE}: main() ran; the value must be refused at start-up")
  endif()

elseif(MODE STREQUAL "accept")
  run_driver("${VAR}=${VALUE}" ${EXTRA})
  expect_ok()
  if(DEFINED EXPECT_OUT)
    expect_contains(out "${EXPECT_OUT}")
  endif()
  if(DEFINED EXPECT_ERR)
    expect_contains(err "${EXPECT_ERR}")
  endif()
  if(DEFINED FORBID_ERR)
    string(FIND "${err}" "${FORBID_ERR}" pos)
    if(NOT pos EQUAL -1)
      fail("${VAR}=${VALUE}: stderr must not contain \"${FORBID_ERR}\"")
    endif()
  endif()

elseif(MODE STREQUAL "force")
  set(has_rtm OFF)
  if(EXISTS /proc/cpuinfo)
    file(STRINGS /proc/cpuinfo flags REGEX "^flags")
    if(flags MATCHES "[ \t]rtm([ \t]|$)")
      set(has_rtm ON)
    endif()
  endif()
  run_driver("HYTM_HTM=force" "HYTM_STATS=text")
  if(NO_RTM)
    if(NOT rc STREQUAL "2")
      fail("HYTM_HTM=force in a build without RTM instructions: expected exit status 2")
    endif()
    expect_contains(err "hytm: HYTM_HTM=force is not valid: ")
    expect_contains(err "auto, off")
    message(STATUS "no RTM in this build: HYTM_HTM=force refused as expected")
  elseif(has_rtm)
    expect_ok()
    expect_contains(out "htm=forced")
    message(STATUS "CPU has RTM: HYTM_HTM=force accepted")
  elseif(rc STREQUAL "0")
    # Some Intel CPUs hide RTM from CPUID (TSX disabled by microcode or by the kernel's
    # TSX_CTRL) but still execute xbegin, which then always aborts with status 0: the
    # start-up probe finds no SIGILL and accepts "force".  Seen on this project's Xeons
    # (family 6 model 207) whose /proc/cpuinfo lists no rtm.  Accepted only if the
    # hardware path really ran and committed nothing.
    expect_contains(out "htm=forced")
    if(NOT err MATCHES "\n  htm +[1-9][0-9]* +0 +[1-9]")
      fail("HYTM_HTM=force accepted on a CPU whose CPUID has no RTM, but the statistics do not "
           "show hardware attempts that all aborted")
    endif()
    message(STATUS "CPUID has no RTM, yet xbegin executes (and aborts): HYTM_HTM=force accepted")
  else()
    if(rc MATCHES "[Ii]llegal|132")
      fail("HYTM_HTM=force on a CPU without RTM died of SIGILL instead of refusing at start-up")
    endif()
    if(NOT rc STREQUAL "2")
      fail("HYTM_HTM=force on a CPU without RTM: expected exit status 2")
    endif()
    expect_contains(err "hytm: HYTM_HTM=force is not valid: ")
    expect_contains(err "auto, off")
    message(STATUS "CPU has no RTM: HYTM_HTM=force refused as expected")
  endif()

elseif(MODE STREQUAL "json_file")
  file(REMOVE_RECURSE "${WORK_DIR}")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  set(file "${WORK_DIR}/stats.json")
  run_driver("HYTM_STATS=json:${file}")
  expect_ok()
  if(NOT EXISTS "${file}")
    fail("HYTM_STATS=json:${file} wrote no file")
  endif()
  validate_with_python("${file}" "HYTM_STATS=json:PATH")
  file(READ "${file}" json)
  check_document("${json}" "HYTM_STATS=json:PATH")
  string(FIND "${err}" "{\"machine\"" pos)
  if(NOT pos EQUAL -1)
    fail("HYTM_STATS=json:PATH also printed the document on stderr")
  endif()

elseif(MODE STREQUAL "json")
  run_driver("HYTM_STATS=json")
  expect_ok()
  stderr_document(json "HYTM_STATS=json")
  check_document("${json}" "HYTM_STATS=json")

elseif(MODE STREQUAL "text")
  run_driver("HYTM_STATS=text")
  expect_ok()
  expect_contains(err "hytm statistics")
  foreach(row "path" "htm" "stm" "serial" "fallbacks")
    if(NOT err MATCHES "\n  ${row}[ :]")
      fail("HYTM_STATS=text: no '${row}' row in the table")
    endif()
  endforeach()

elseif(MODE STREQUAL "conflict_stats")
  set(DRIVER_ARGS conflict)
  run_driver("HYTM_HTM=off" "HYTM_STATS=text")
  expect_ok()
  expect_contains(out "env_driver: conflicts recorded 1,")
  expect_contains(err "hytm statistics")
  expect_contains(err "conflicts (most time lost first):")
  expect_contains(err "g_hot")
  run_driver("HYTM_HTM=off" "HYTM_STATS=json")
  expect_ok()
  stderr_document(json "HYTM_STATS=json after stats_json()")
  check_document("${json}" "HYTM_STATS=json after stats_json()")
  expect_contains(json "\"symbol\":\"(anonymous namespace)::g_hot")

else()
  message(FATAL_ERROR "check_env.cmake: unknown MODE '${MODE}'")
endif()
