/*
 * threads.c: where the interpreter's global lock becomes transactions.
 *
 * Each interpreter thread runs its program as a sequence of slices
 * (run_slice in vm.c).  Under --gil a slice holds the global lock (kept over
 * the next slices until a waiting thread's turn is due); under --tm it is one
 * hytm transaction:
 *
 *     checkpoint the thread's private state (stack, frames, alloc chain)
 *     HYTM_BEGIN
 *         hytm_on_abort(restore the checkpoint)
 *         run_slice
 *     HYTM_END
 *
 * A conflict, a capacity overflow or hytm_irrevocable() restarts the
 * transaction at the sigsetjmp inside HYTM_BEGIN.  hytm rolls back shared
 * memory; the abort handler rolls back the private state hytm does not see,
 * so the slice re-runs from its first bytecode.  Nothing else needs undoing:
 * side effects of a slice that outlive it (starting a thread, waking
 * takers) are deferred to hytm_on_commit.
 *
 * Waiting (take on an empty queue, join on a running thread) happens between
 * slices, outside any transaction, on a condition variable: a transaction
 * cannot sleep, and a GIL holder must not.
 */
#include "heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* The checkpoint */

static void take_checkpoint(vm_thread *t)
{
    t->cp.sp = t->sp;
    t->cp.nframes = t->nframes;
    t->cp.allocs = t->allocs;
    memcpy(t->cp.stack, t->stack, (size_t)t->sp * sizeof(value));
    memcpy(t->cp.frames, t->frames, (size_t)t->nframes * sizeof(frame));
}

/* hytm_on_abort handler.  Slots above cp.sp may have been written by the
 * aborted attempt, but they are dead: the re-run writes them before reading. */
static void restore_checkpoint(void *arg)
{
    vm_thread *t = arg;
    t->sp = t->cp.sp;
    t->nframes = t->cp.nframes;
    t->allocs = t->cp.allocs;
    memcpy(t->stack, t->cp.stack, (size_t)t->cp.sp * sizeof(value));
    memcpy(t->frames, t->cp.frames, (size_t)t->cp.nframes * sizeof(frame));
    t->aborted++;
}

/* The site a slice is counted under: the interpreted function it starts in,
 * so that statistics and the conflict report name functions. */
static const char *slice_site(const vm_thread *t)
{
    return t->frames[t->nframes - 1].fn->site;
}

/* ------------------------------------------------------------------ */
/* The GIL */

static void gil_acquire(interp *vm)
{
    pthread_mutex_lock(&vm->gil_mutex);
    uint64_t ticket = vm->gil_next++;
    while (vm->gil_serving != ticket)
        pthread_cond_wait(&vm->gil_turn, &vm->gil_mutex);
    pthread_mutex_unlock(&vm->gil_mutex);
}

static void gil_release(interp *vm)
{
    pthread_mutex_lock(&vm->gil_mutex);
    vm->gil_serving++;
    if (vm->gil_next != vm->gil_serving)
        pthread_cond_broadcast(&vm->gil_turn);
    pthread_mutex_unlock(&vm->gil_mutex);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether the holder, at the end of a slice, hands the lock over: only once
 * it has held it for the switch interval, and only to a thread that waits
 * (CPython's forced switching, sys.setswitchinterval).  Handing it over at
 * every slice end (10000 bytecodes, some 35 us) cost a wake-up and a sleep
 * each time: two threads ran at 0.77 times the speed of one. */
static int gil_switch_due(interp *vm, uint64_t held_since)
{
    if (now_ns() - held_since < vm->switch_ns)
        return 0;
    pthread_mutex_lock(&vm->gil_mutex);
    int waiting = vm->gil_next - vm->gil_serving > 1;
    pthread_mutex_unlock(&vm->gil_mutex);
    return waiting;
}

/* ------------------------------------------------------------------ */
/* Waiting between slices */

static void wake_takers(void *arg)
{
    interp *vm = arg;
    pthread_mutex_lock(&vm->lock);
    /* (2) Pairs with the acquire load in run_thread. */
    atomic_fetch_add_explicit(&vm->queue_epoch, 1, memory_order_release);
    pthread_cond_broadcast(&vm->changed);
    pthread_mutex_unlock(&vm->lock);
}

void queue_put_committed(vm_thread *t)
{
    /* Waking a taker before the put commits would let it find the queue
     * still empty and sleep again, possibly for good.  One wake-up per slice
     * is enough, whatever the number of puts. */
    if (!t->tx) {
        wake_takers(t->vm);
    } else if (!t->wake_registered) {
        t->wake_registered = 1;
        hytm_on_commit(t->tx, wake_takers, t->vm);
    }
}

/* `seen` was read before the slice that found the queue empty began, so a
 * put that committed after that slice's snapshot has moved the epoch. */
static void wait_for_put(interp *vm, uint64_t seen)
{
    pthread_mutex_lock(&vm->lock);
    while (atomic_load_explicit(&vm->queue_epoch, memory_order_relaxed) == seen)
        pthread_cond_wait(&vm->changed, &vm->lock);
    pthread_mutex_unlock(&vm->lock);
}

static void wait_for_exit(interp *vm, vm_thread *target)
{
    pthread_mutex_lock(&vm->lock);
    while (!atomic_load_explicit(&target->finished, memory_order_relaxed))
        pthread_cond_wait(&vm->changed, &vm->lock);
    pthread_mutex_unlock(&vm->lock);
}

/* ------------------------------------------------------------------ */
/* Running a thread */

/* One slice as one transaction. */
static void tm_slice(vm_thread *t)
{
    interp *vm = t->vm;
    take_checkpoint(t);
    HYTM_BEGIN_NAMED(tx, slice_site(t)) {
        t->tx = tx;
        t->wake_registered = 0;
        hytm_on_abort(tx, restore_checkpoint, t);
        run_slice(t);
        /* Fault injection for tests: a conflict can strike any
         * slice, but on a quiet machine rarely does. */
        if (vm->restart_every && ++t->attempts % (uint64_t)vm->restart_every == 0 &&
            strcmp(hytm_path_name(tx), "serial") != 0)
            hytm_restart(tx);
    } HYTM_END(tx);
    t->tx = NULL;
}

static void run_thread(vm_thread *t)
{
    interp *vm = t->vm;
    int holding = 0; /* the GIL, across slices */
    uint64_t held_since = 0;
    while (t->state != TS_FINISHED) {
        /* Read before the slice, so that a put committed after the slice
         * began cannot be missed (see wait_for_put).  (2) Acquire: a slice
         * that starts after seeing a put's wake-up sees the put. */
        uint64_t epoch = atomic_load_explicit(&vm->queue_epoch, memory_order_acquire);
        if (vm->mode == MODE_TM) {
            tm_slice(t);
        } else {
            if (!holding) {
                gil_acquire(vm);
                holding = 1;
                held_since = now_ns();
            }
            run_slice(t);
            /* Keeping the lock from one slice to the next is what a longer
             * slice would do: slices still end at yield points only. */
            if (t->state != TS_RUNNING || gil_switch_due(vm, held_since)) {
                gil_release(vm);
                holding = 0;
            }
        }
        t->slices++;
        t->instructions += t->slice_instructions;
        if (t->state == TS_WAIT_QUEUE)
            wait_for_put(vm, epoch);
        else if (t->state == TS_WAIT_JOIN)
            wait_for_exit(vm, t->join_target);
    }
    pthread_mutex_lock(&vm->lock);
    /* (1) Pairs with the acquire load in join (vm.c). */
    atomic_store_explicit(&t->finished, 1, memory_order_release);
    pthread_cond_broadcast(&vm->changed);
    pthread_mutex_unlock(&vm->lock);
}

void *alloc_lines(size_t n)
{
    n = (n + INTERP_LINE - 1) / INTERP_LINE * INTERP_LINE;
    void *p = aligned_alloc(INTERP_LINE, n ? n : INTERP_LINE);
    return p ? memset(p, 0, n) : NULL;
}

vm_thread *thread_new(interp *vm, const function *fn, const value *args, int nargs)
{
    /* Not calloc: see vm_thread (interp.h). */
    vm_thread *t = alloc_lines(sizeof *t);
    if (!t) {
        fputs("hytm-interp: out of memory\n", stderr);
        abort();
    }
    t->vm = vm;
    for (int i = 0; i < fn->nlocals; i++)
        t->stack[i] = i < nargs ? args[i] : NIL;
    t->sp = fn->nlocals;
    t->frames[0] = (frame){.fn = fn, .ip = 0, .base = 0};
    t->nframes = 1;
    return t;
}

static void *thread_main(void *arg)
{
    run_thread(arg);
    return NULL;
}

static void start_thread(void *arg)
{
    vm_thread *t = arg;
    interp *vm = t->vm;
    pthread_mutex_lock(&vm->lock);
    int err = pthread_create(&t->os_thread, NULL, thread_main, t);
    if (err) {
        fprintf(stderr, "hytm-interp: cannot start a thread: %s\n", strerror(err));
        abort();
    }
    t->next = vm->threads;
    vm->threads = t;
    pthread_mutex_unlock(&vm->lock);
}

void thread_spawn(vm_thread *parent, vm_thread *child)
{
    /* An OS thread cannot be taken back: start it only once the slice that
     * spawned it has committed, and forget it if that slice aborts. */
    if (parent->tx) {
        hytm_on_commit(parent->tx, start_thread, child);
        hytm_on_abort(parent->tx, free, child);
    } else {
        start_thread(child);
    }
}

/* ------------------------------------------------------------------ */

interp *interp_new(program *p, enum mode m, int nthreads, int slice_limit, int restart_every,
                   int argc, char **argv)
{
    interp *vm = alloc_lines(sizeof *vm);
    value *globals = alloc_lines(((size_t)p->nglobals + 1) * sizeof(value));
    if (!vm || !globals) {
        free(vm);
        free(globals);
        return NULL;
    }
    vm->globals = globals;
    vm->mode = m;
    vm->prog = p;
    vm->nthreads = nthreads;
    vm->slice_limit = slice_limit;
    vm->switch_ns = 5000000; /* CPython's default switch interval */
    vm->restart_every = restart_every;
    vm->argc = argc;
    vm->argv = argv;
    pthread_mutex_init(&vm->gil_mutex, NULL);
    pthread_cond_init(&vm->gil_turn, NULL);
    pthread_mutex_init(&vm->lock, NULL);
    pthread_cond_init(&vm->changed, NULL);
    vm->main_thread = thread_new(vm, p->fns[0], NULL, 0);
    return vm;
}

void interp_run(interp *vm, uint64_t counters[3])
{
    run_thread(vm->main_thread);
    /* Like a Python process, wait for every thread the program started,
     * including threads started by threads that are still running. */
    for (vm_thread *joined = NULL;;) {
        pthread_mutex_lock(&vm->lock);
        vm_thread *newest = vm->threads;
        pthread_mutex_unlock(&vm->lock);
        if (newest == joined)
            break;
        for (vm_thread *t = newest; t != joined; t = t->next)
            pthread_join(t->os_thread, NULL);
        joined = newest;
    }
    counters[0] = counters[1] = counters[2] = 0;
    for (vm_thread *t = vm->main_thread; t; t = t == vm->main_thread ? vm->threads : t->next) {
        counters[0] += t->slices;
        counters[1] += t->aborted;
        counters[2] += t->instructions;
    }
}

static void free_all_objects(hytm_tx *tx, interp *vm)
{
    vm_thread *owner = vm->main_thread;
    owner->tx = tx;
    for (vm_thread *t = vm->main_thread; t; t = t == vm->main_thread ? vm->threads : t->next)
        free_objects(owner, t->allocs);
    owner->tx = NULL;
}

static void free_all_objects_tx(hytm_tx *tx, void *vm) { free_all_objects(tx, vm); }

void interp_free(interp *vm)
{
    if (vm->mode == MODE_TM)
        hytm_atomic_named("interp:exit", free_all_objects_tx, vm);
    else
        free_all_objects(NULL, vm);
    for (vm_thread *t = vm->threads, *next; t; t = next) {
        next = t->next;
        free(t);
    }
    free(vm->main_thread);
    free(vm->globals);
    pthread_mutex_destroy(&vm->gil_mutex);
    pthread_cond_destroy(&vm->gil_turn);
    pthread_mutex_destroy(&vm->lock);
    pthread_cond_destroy(&vm->changed);
    free(vm);
}
