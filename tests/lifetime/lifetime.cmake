# lifetime.cmake: transactions at the edges of a thread's and a process's life
# (docs/lifetime.md).  Included from tests/CMakeLists.txt.  Each driver is a program of its
# own, because what it tests happens at thread exit, at process exit or across fork().
#
#   lifetime.exit.<path>   transactions in thread_local, pthread key and static destructors
#                          (lifetime_driver.cpp)
#   lifetime.fork.<path>   fork() while another thread is inside a transaction; the child runs
#                          transactions on every path (fork_driver.cpp)
#   Paths/Signals.*        signal handlers that run transactions (signal_test.cpp)
set(_lifetime_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(lifetime_driver ${_lifetime_dir}/lifetime_driver.cpp)
target_link_libraries(lifetime_driver PRIVATE hytm::hytm Threads::Threads)
hytm_warnings(lifetime_driver)
add_executable(fork_driver ${_lifetime_dir}/fork_driver.cpp)
target_link_libraries(fork_driver PRIVATE hytm::hytm Threads::Threads)
hytm_warnings(fork_driver)

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
set(_fork_args "")
if(HYTM_SANITIZER STREQUAL "thread")
  # ThreadSanitizer cannot follow threads started after a multi-threaded fork ("dup thread"):
  # there the children run their transactions on their one thread.
  set(_fork_args -DARGS=one-thread)
endif()
_lifetime_test(fork.stm fork_driver "fork_driver: ok" "-DSETTINGS=HYTM_HTM=off" ${_fork_args})
_lifetime_test(fork.emulated fork_driver "fork_driver: ok" "-DSETTINGS=HYTM_HTM=emulate" ${_fork_args})
_lifetime_test(fork.serial fork_driver "fork_driver: ok" "-DSETTINGS=HYTM_HTM=off\;HYTM_STM=off" ${_fork_args})
_lifetime_test(fork.default fork_driver "fork_driver: ok" "-DSETTINGS=HYTM_HTM=auto" ${_fork_args})
if(HYTM_SANITIZER STREQUAL "thread")
  set_tests_properties(lifetime.fork.stm lifetime.fork.emulated lifetime.fork.serial
                       lifetime.fork.default PROPERTIES
                       ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1 die_after_fork=0")
endif()

# Transactions and signal handlers (GoogleTest, death tests).
hytm_test(signal_test ${_lifetime_dir}/signal_test.cpp)
