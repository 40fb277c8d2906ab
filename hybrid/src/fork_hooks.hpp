// fork_hooks.hpp: what each part of the engine does around fork() (fork.cpp
// calls them from its pthread_atfork handlers; docs/lifetime.md).  Private to
// libhytm.
#pragma once

#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

// context.cpp
thread_ctx* this_thread_ctx() noexcept;  // null before the thread's first transaction
// Takes the call-site registry's mutex, then every context's sites_mutex.
void contexts_fork_prepare();
void contexts_fork_parent();
// Gives back every context but `self`'s: their threads do not exist in the
// child.  Their mutexes are released or, if prepare did not take them (a
// context published after it looked), made anew.
void contexts_fork_child(thread_ctx* self);

// stats.cpp: the reset baseline (which also covers the symbol cache, only
// used under it) and the tick calibration.
void stats_fork_prepare();
void stats_fork_after();  // in the parent and in the child

// sampling.cpp: the writers' ring's mutex, a leaf (held with no other lock).
void sampling_fork_prepare();
void sampling_fork_after();  // in the parent and in the child

}  // namespace hytm::detail
