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
#   profiler.report   runs profiler_json_writer (stats_json() to a file; software path and RTM
#                     model), then tools/hytm-report on the file: it must name the counter; also
#                     the JSON's per-site sums and the tool's errors (needs python3)

set(_profiler_dir ${CMAKE_CURRENT_LIST_DIR})

hytm_test(profiler_test ${_profiler_dir}/profiler_test.cpp ${_profiler_dir}/globals.cpp)
hytm_test(profiler_hardware_test ${_profiler_dir}/hardware_attribution_test.cpp)

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
