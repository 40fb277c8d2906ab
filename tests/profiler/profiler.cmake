# profiler.cmake: the conflict profiler's tests (issue 6, docs/conflicts.md).
# Included from tests/CMakeLists.txt.
#
#   profiler_test     GoogleTest: the shared global counter is the top conflict of its site on the
#                     software path and under the RTM model; a static is named with its file and
#                     writer; per-site counts add up to the totals
#   profiler_hardware_test  GoogleTest, on the RTM model: a false-sharing pair of per-thread
#                     counters in one line is named by its line (and never seen on the software
#                     path), and reported as false sharing with both variables; a capacity
#                     overflow is counted as capacity, falls back, and is reported as capacity
#                     (footprint, fullest L1 set), not as a conflict
#   profiler_sampled_test  GoogleTest, scripted hardware path: sites whose hardware attempts abort
#                     (conflict, capacity) take samples on the software path, which name the shared
#                     counter, the false-sharing pair with both variables, and the footprint of a
#                     capacity overflow, marked sampled with the sample size (report and JSON)
#   profiler_sampled_rtm_test  the same three on the real hardware path (label rtm; each skips with
#                     "no usable RTM on this CPU" elsewhere)
#   line_set_test     GoogleTest: the footprint's distinct-line count (profiler/line_set.hpp) equals
#                     sort + unique for every log size it takes
#   profiler.report   runs profiler_json_writer (stats_json() to a file; software path and RTM
#                     model), then tools/hytm-report on the file: it must name the counter; also
#                     the JSON's per-site sums and the tool's errors (needs python3)

set(_profiler_dir ${CMAKE_CURRENT_LIST_DIR})

hytm_test(profiler_test ${_profiler_dir}/profiler_test.cpp ${_profiler_dir}/globals.cpp)
hytm_test(line_set_test ${_profiler_dir}/line_set_test.cpp)
target_include_directories(line_set_test PRIVATE ${PROJECT_SOURCE_DIR}/hybrid/src)
hytm_test(profiler_hardware_test ${_profiler_dir}/hardware_attribution_test.cpp)
hytm_test(profiler_sampled_test ${_profiler_dir}/sampled_attribution_test.cpp)
add_executable(profiler_sampled_rtm_test ${_profiler_dir}/sampled_attribution_test.cpp)
target_link_libraries(profiler_sampled_rtm_test PRIVATE hytm::hytm GTest::gtest GTest::gtest_main
                      Threads::Threads)
target_include_directories(profiler_sampled_rtm_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(profiler_sampled_rtm_test PRIVATE HYTM_SAMPLED_ON_RTM=1
                           HYTM_STRESS_SCALE=${HYTM_STRESS_SCALE})
hytm_warnings(profiler_sampled_rtm_test)
# No LD_BIND_NOW: lazy binding is what the hardware path must survive (tests/CMakeLists.txt, rtm).
gtest_discover_tests(profiler_sampled_rtm_test TEST_PREFIX rtm. DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 240 LABELS rtm
                     ENVIRONMENT_MODIFICATION "LD_BIND_NOW=unset:;HYTM_SOLO=set:off")

add_executable(profiler_json_writer ${_profiler_dir}/json_writer.cpp ${_profiler_dir}/globals.cpp)
target_link_libraries(profiler_json_writer PRIVATE hytm::hytm Threads::Threads)
target_compile_definitions(profiler_json_writer PRIVATE HYTM_STRESS_SCALE=${HYTM_STRESS_SCALE})
hytm_warnings(profiler_json_writer)

find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  add_test(NAME profiler.report
    COMMAND ${Python3_EXECUTABLE} ${_profiler_dir}/report_test.py
            --writer $<TARGET_FILE:profiler_json_writer>
            --tool ${PROJECT_SOURCE_DIR}/tools/hytm-report
            --work ${CMAKE_CURRENT_BINARY_DIR}/profiler-report)
  set_tests_properties(profiler.report PROPERTIES TIMEOUT 180 LABELS profiler)
else()
  message(STATUS "python3 not found: profiler.report (tools/hytm-report) is not registered")
endif()
