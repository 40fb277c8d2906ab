// fork.cpp: the child of a fork() gets an engine that works, whatever the
// other threads of the parent were doing (docs/lifetime.md).
//
// Only the forking thread exists in the child.  Had another thread been
// inside a transaction at that moment, the child would inherit its half:
// the serial lock held, an activity slot active (every later serial
// transaction would drain forever), the NOrec sequence word odd (every
// software transaction would wait forever), engine mutexes held, and
// memory half written by a serial body or a software write-back.
//
// So the prepare handler quiesces the engine before the fork: it takes the
// serial lock, which waits until every software and emulated transaction
// has left its slot and aborts every hardware transaction (S2, S3), and
// new ones wait outside.  A drained engine has no transaction between its
// start and its end: seq is even, `software` counts only the forking
// thread's own transaction, and no write-back or serial body is half done,
// so the child's memory is a state between transactions.  Then it takes the
// engine's mutexes, so that none is caught mid-update.  The fork waits, at
// most, for the transactions in flight to end.
//
// In the child, the serial lock and the mutexes are released (the forking
// thread holds them), and the contexts and activity slots of the threads
// that do not exist there are given back for the next threads to adopt.
// In the parent, the serial lock and the mutexes are released.
//
// A fork() called inside a transaction body is not supported (a hardware
// attempt aborts at the system call; a software or serial one would go on
// in both processes).
#include <pthread.h>

#include <cstdio>
#include <cstdlib>

#include "fork_hooks.hpp"
#include "hytm/core/activity.hpp"
#include "hytm/fallback/serial_lock.hpp"
#include "hytm/hybrid/solo.hpp"

namespace hytm {
namespace {

// Written by the prepare handler, read by the parent and child handlers,
// all on the forking thread (fork() itself serializes them).
bool g_took_serial = false;

void prepare() {
  thread_ctx* self = detail::this_thread_ctx();
  // A serial body that forks already holds the lock (and runs alone).
  g_took_serial = !(self && self->depth > 0 && self->path == path_kind::serial);
  if (g_took_serial) g_serial_lock.lock(self ? self->slot : nullptr);
  // Lock order as elsewhere: the baseline before the registry
  // (statistics() looks sites up under the baseline), contexts last.
  detail::stats_fork_prepare();
  detail::contexts_fork_prepare();
  detail::sampling_fork_prepare();
}

void parent() {
  detail::sampling_fork_after();
  detail::contexts_fork_parent();
  detail::stats_fork_after();
  if (g_took_serial) g_serial_lock.unlock();
}

void child() {
  thread_ctx* self = detail::this_thread_ctx();
  detail::sampling_fork_after();
  detail::contexts_fork_child(self);
  activity().reset_after_fork(self ? self->slot : nullptr);
  detail::solo_after_fork();
  detail::stats_fork_after();
  if (g_took_serial) g_serial_lock.unlock();
}

[[gnu::constructor]] void register_fork_handlers() {
  if (pthread_atfork(prepare, parent, child) != 0) {
    std::fputs("hytm: pthread_atfork failed: fork() would not be safe\n", stderr);
    std::abort();
  }
}

}  // namespace
}  // namespace hytm
