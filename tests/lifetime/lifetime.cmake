# lifetime.cmake: transactions at the edges of a thread's and a process's life
# (docs/lifetime.md).  Included from tests/CMakeLists.txt.  Each driver is a program of its
# own, because what it tests happens at thread exit, at process exit or across fork().
#
#   lifetime.exit.<path>   transactions in thread_local, pthread key and static destructors
#                          (lifetime_driver.cpp)
set(_lifetime_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(lifetime_driver ${_lifetime_dir}/lifetime_driver.cpp)
target_link_libraries(lifetime_driver PRIVATE hytm::hytm Threads::Threads)
hytm_warnings(lifetime_driver)

# One test per path: the software path (RTM off), the RTM model, the serial path (no software
# path), the default (real RTM where the CPU has it), and the default with the exit printer.
function(_lifetime_test name program expect)
  add_test(NAME lifetime.${name}
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${program}> "-DEXPECT=${expect}" ${ARGN}
            -P ${_lifetime_dir}/check_lifetime.cmake)
  set_tests_properties(lifetime.${name} PROPERTIES TIMEOUT 180 LABELS lifetime)
endfunction()
_lifetime_test(exit.stm lifetime_driver "lifetime_driver: ok" "-DSETTINGS=HYTM_HTM=off")
_lifetime_test(exit.emulated lifetime_driver "lifetime_driver: ok" "-DSETTINGS=HYTM_HTM=emulate")
_lifetime_test(exit.serial lifetime_driver "lifetime_driver: ok" "-DSETTINGS=HYTM_HTM=off\;HYTM_STM=off")
_lifetime_test(exit.default lifetime_driver "lifetime_driver: ok" "-DSETTINGS=HYTM_HTM=auto")
_lifetime_test(exit.stats lifetime_driver "lifetime_driver: ok" "-DSETTINGS=HYTM_HTM=off\;HYTM_STATS=text")
