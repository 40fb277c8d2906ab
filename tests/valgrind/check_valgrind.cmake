# check_valgrind.cmake: the forced-RTM-under-valgrind test (ctest: valgrind.forced_rtm).
#
#   cmake -DVALGRIND=<valgrind> -DPROGRAM=<forced_rtm> -DWORK_DIR=<scratch>
#         [-DITERATIONS=N] [-DSTM=norec|off] [-DPYTHON=<python3>] -P check_valgrind.cmake
#
# Runs PROGRAM under `valgrind --tool=none` with HYTM_HTM=force, HYTM_STM=STM (default norec) and
# HYTM_STATS=json:FILE, then checks from the statistics that
#   - machine.htm is "forced" (the real xbegin instructions ran),
#   - every hardware start aborted with capacity: paths.htm.starts == aborts.capacity > 0,
#     no other abort cause, no retry hint, paths.htm.commits == 0,
#   - every transaction committed on another path: stm + serial commits == the number of
#     transactions the program says it ran (with STM=off: all of them serial).
cmake_minimum_required(VERSION 3.25)

foreach(v VALGRIND PROGRAM WORK_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_valgrind.cmake: -D${v}=... is required")
  endif()
endforeach()
if(NOT DEFINED ITERATIONS)
  set(ITERATIONS 20000)
endif()
if(NOT DEFINED STM)
  set(STM norec)
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(stats_file "${WORK_DIR}/stats.json")

foreach(v HYTM_HTM_RETRIES HYTM_STM_RETRIES)
  unset(ENV{${v}})
endforeach()
set(ENV{HYTM_HTM} force)
set(ENV{HYTM_STM} ${STM})
set(ENV{HYTM_STATS} "json:${stats_file}")

string(TIMESTAMP t0 "%s")
# --fair-sched=yes: valgrind runs one thread at a time; fair scheduling keeps a waiting thread
# from starving the one it waits for.
execute_process(
  COMMAND "${VALGRIND}" --tool=none --fair-sched=yes -q "${PROGRAM}" ${ITERATIONS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 150)
string(TIMESTAMP t1 "%s")
math(EXPR seconds "${t1} - ${t0}")

function(fail)
  string(JOIN "" msg ${ARGN})
  message(FATAL_ERROR "${msg}\n--- exit status: ${rc}\n--- stdout:\n${out}\n--- stderr:\n${err}")
endfunction()

if(NOT rc STREQUAL "0")
  fail("forced_rtm under valgrind failed")
endif()
string(REGEX MATCH "forced_rtm: transactions ([0-9]+)" m "${out}")
if(NOT m)
  fail("forced_rtm printed no transaction count")
endif()
set(transactions ${CMAKE_MATCH_1})
if(NOT EXISTS "${stats_file}")
  fail("HYTM_STATS=json:${stats_file} wrote nothing")
endif()
if(PYTHON)
  execute_process(COMMAND "${PYTHON}" -c "import json,sys; json.load(open(sys.argv[1]))"
                  "${stats_file}" RESULT_VARIABLE prc ERROR_VARIABLE perr)
  if(NOT prc EQUAL 0)
    fail("the statistics are not valid JSON:\n${perr}")
  endif()
endif()
file(READ "${stats_file}" json)

function(get var)
  string(JSON v ERROR_VARIABLE e GET "${json}" ${ARGN})
  if(e)
    fail("statistics: no ${ARGN}: ${e}")
  endif()
  set(${var} "${v}" PARENT_SCOPE)
endfunction()

get(htm machine htm)
get(stm machine stm)
get(starts paths htm starts)
get(commits paths htm commits)
get(capacity paths htm aborts capacity)
get(retry paths htm aborts retry)
get(stm_commits paths stm commits)
get(serial_commits paths serial commits)
set(others 0)
foreach(cause explicit conflict debug nested other)
  get(n paths htm aborts ${cause})
  math(EXPR others "${others} + ${n}")
endforeach()
math(EXPR elsewhere "${stm_commits} + ${serial_commits}")

set(summary "machine.htm=${htm} machine.stm=${stm}; htm starts=${starts} commits=${commits} capacity=${capacity} "
            "other causes=${others} retry=${retry}; stm commits=${stm_commits} "
            "serial commits=${serial_commits}; transactions=${transactions}; ${seconds} s")
string(JOIN "" summary ${summary})
message(STATUS "${summary}")

if(NOT htm STREQUAL "forced")
  fail("machine.htm is '${htm}', expected 'forced': ${summary}")
endif()
if(NOT starts GREATER 0)
  fail("no hardware transaction started: ${summary}")
endif()
if(NOT starts EQUAL capacity OR NOT others EQUAL 0 OR NOT retry EQUAL 0)
  fail("not every hardware start aborted with capacity (status 0x08): ${summary}")
endif()
if(NOT commits EQUAL 0)
  fail("a hardware transaction committed under valgrind: ${summary}")
endif()
if(NOT stm STREQUAL STM)
  fail("machine.stm is '${stm}', expected '${STM}': ${summary}")
endif()
if(STM STREQUAL "off" AND NOT stm_commits EQUAL 0)
  fail("HYTM_STM=off, yet software transactions committed: ${summary}")
endif()
if(NOT elsewhere EQUAL transactions)
  fail("stm + serial commits (${elsewhere}) != transactions run (${transactions}): ${summary}")
endif()
