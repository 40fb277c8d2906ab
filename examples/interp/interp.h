/*
 * interp.h: the pieces of hytm-interp, a small interpreter that runs its
 * threads either under one global interpreter lock (--gil) or as hytm
 * transactions (--tm).
 *
 * The split that matters for transactional memory is between state that is
 * shared between interpreter threads and state that is private to one:
 *
 *   shared   globals, lists, queues, thread handles.  Every access goes through
 *            sh_load/sh_store (heap.h): hytm_load_u64/hytm_store_u64 inside a
 *            transaction, plain memory under the GIL.
 *   private  one thread's operand stack, call frames and instruction pointer
 *            (struct vm_thread).  Plain memory, never instrumented: an aborted
 *            transaction restores it from a checkpoint in an abort handler.
 *   constant the compiled program and string literals: written before any
 *            thread starts, read without instrumentation.
 *
 * Files: compile.c (source text to bytecode), heap.c (shared objects),
 * vm.c (the bytecode loop), threads.c (slices, the GIL, blocking, threads),
 * main.c (command line), stats_report.cpp (--stats).
 */
#ifndef HYTM_INTERP_H
#define HYTM_INTERP_H

#include <hytm/hytm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* A value is one 64-bit word, so that it can be loaded and stored
 * transactionally as a unit: odd words are integers (63 bits, value << 1 | 1),
 * 0 is nil, any other even word points to an object (objects are at least
 * 8-byte aligned). */
typedef uint64_t value;
#define NIL ((value)0)
static inline value int_val(int64_t n) { return ((uint64_t)n << 1) | 1u; }
static inline int is_int(value v) { return (int)(v & 1u); }
static inline int64_t as_int(value v) { return (int64_t)v >> 1; }

enum obj_type { OBJ_NONE, OBJ_STRING, OBJ_LIST, OBJ_QUEUE, OBJ_THREAD };

/* Header of every object.  `type` never changes after allocation but is
 * still read through the transaction: the object may have been published by
 * another thread's commit.  `next_alloc` and `line` are private to the
 * allocating thread (written before publication, read only after every
 * thread has stopped): the interpreter has no garbage collector, and the
 * chain keeps every object reachable, frees them at exit and lets --stats
 * name the objects in hytm's conflict report. */
typedef struct obj {
    uint64_t type;
    struct obj *next_alloc;
    int64_t line; /* where the program created it */
} obj;

typedef struct {
    obj h;
    uint64_t len;
    char chars[]; /* NUL-terminated; constant after compilation */
} string_obj;

/* ------------------------------------------------------------------ */
/* Bytecode */

enum opcode {
    OP_INT,        /* push a */
    OP_CONST,      /* push program constant a */
    OP_NIL,
    OP_LOAD_LOCAL, /* a: slot */
    OP_STORE_LOCAL,
    OP_LOAD_GLOBAL, /* a: global index; shared */
    OP_STORE_GLOBAL,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NEG, OP_NOT,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_JUMP,          /* a: target */
    OP_JUMP_FALSE,    /* pop; jump if falsy */
    OP_AND,           /* falsy top: keep it and jump to a; else pop */
    OP_OR,            /* truthy top: keep it and jump to a; else pop */
    OP_CALL,          /* a: function, b: argument count */
    OP_RETURN,
    OP_POP,
    OP_LIST,          /* pop b values into a new list */
    OP_INDEX,         /* list, index -> element */
    OP_SET_INDEX,     /* list, index, value -> (nothing) */
    OP_BUILTIN,       /* a: builtin, b: argument count */
    OP_SPAWN,         /* a: function, b: argument count -> thread handle */
};

typedef struct {
    uint8_t op;
    int32_t a, b;
} instr;

typedef struct function {
    const char *name;
    /* The hytm call site of slices that start in this function: statistics
     * and the conflict report are then grouped by interpreted function. */
    const char *site;
    int arity, nlocals;
    int max_stack; /* operand stack depth above the locals */
    instr *code;
    int *lines; /* source line of each instruction, for errors */
    int ncode, capcode;
} function;

typedef struct program {
    const char *path;
    function **fns; /* fns[0] is the top-level code */
    int nfns;
    char **globals; /* names; values live in interp.globals */
    int nglobals;
    value *consts;
    int nconsts;
} program;

/* Returns NULL and prints "path:line: message" on a compile error. */
program *compile_program(const char *path, const char *source);
void free_program(program *p);

enum builtin { BI_PRINT, BI_TAKE, BI_JOIN, BI_LEN, BI_PUSH, BI_POP, BI_LIST,
               BI_QUEUE, BI_PUT, BI_ARG, BI_NTHREADS, BI_COUNT };
typedef struct { const char *name; int min_args, max_args; } builtin_info;
extern const builtin_info builtins[BI_COUNT];

/* ------------------------------------------------------------------ */
/* Interpreter and threads */

enum mode { MODE_GIL, MODE_TM };

#define STACK_MAX 1024
#define FRAMES_MAX 128

typedef struct frame {
    const function *fn;
    int ip;
    int base; /* stack index of local 0 */
} frame;

enum thread_state { TS_RUNNING, TS_WAIT_QUEUE, TS_WAIT_JOIN, TS_FINISHED };

typedef struct interp interp;

/* The granule of sharing between cores.  A hardware transaction tracks cache
 * lines, not words: two threads that write different words of one 64-byte
 * line conflict (false sharing), and so do a transaction and a plain store to
 * its line from another core.  A value-validating STM (hytm's software path)
 * never sees this, so it hides on a machine without TSX.  Data written by one
 * thread therefore starts on a line of its own, and ends before the next
 * thread's; 128 rather than 64 because Intel's spatial prefetcher moves lines
 * in pairs (folly and crossbeam pad to 128 bytes on x86-64 for the same
 * reason).  docs/conflicts.md has the walk-through. */
#define INTERP_LINE 128

/* One interpreter thread.  Allocated by thread_new on lines of its own
 * (INTERP_LINE-aligned, a whole number of lines long): records allocated one
 * after the other used to share a line, the end of one (written by its owner
 * at the end of every slice) with the start of the next (written by the other
 * thread in every slice). */
typedef struct vm_thread {
    /* Private: written only by this thread, most of it in every slice. */
    _Alignas(INTERP_LINE) interp *vm;
    hytm_tx *tx; /* the running slice's transaction; NULL under the GIL */
    int wake_registered; /* this attempt has an on-commit wake-up for takers */

    /* Everything a slice may change, restored on abort. */
    int sp, nframes;
    enum thread_state state;
    struct vm_thread *join_target;
    obj *allocs;
    uint64_t slice_instructions; /* bytecodes run by the last slice */
    uint64_t attempts; /* for --restart-every; not restored */
    value stack[STACK_MAX];
    frame frames[FRAMES_MAX];
    struct checkpoint {
        int sp, nframes;
        obj *allocs;
        value stack[STACK_MAX];
        frame frames[FRAMES_MAX];
    } cp;
    /* Counters, committed work only except `aborted`; written between
     * slices, summed once every thread has stopped. */
    uint64_t slices, aborted, instructions;

    /* Shared with other threads, on lines of their own: the joiner reads
     * `finished` and `result`; the spawner writes `os_thread` and `next`
     * after pthread_create, when this thread may already run slices. */
    /* Result, published by `finished` (release) for join. */
    _Alignas(INTERP_LINE) value result;
    atomic_int finished;
    pthread_t os_thread;
    struct vm_thread *next; /* interp.threads, under interp.lock */
} vm_thread;

struct interp {
    /* Constant once the program runs, read by every slice: on lines of their
     * own, away from the locks below, whose every acquisition writes. */
    _Alignas(INTERP_LINE) enum mode mode;
    program *prog;
    int nthreads;    /* --threads: the program reads it with nthreads() */
    int slice_limit; /* bytecodes per slice */
    int restart_every; /* --restart-every: 0, or restart every Nth attempt once */
    uint64_t switch_ns; /* --switch: the GIL's switch interval */
    int argc;
    char **argv;     /* the program's ARGS */
    value *globals;  /* shared; INTERP_LINE-aligned, whole lines */

    /* The GIL: a ticket lock, so that a thread that releases it at the end
     * of a slice cannot take it straight back while another waits (the
     * hand-off a GIL needs to be fair, as CPython's forced switching). */
    _Alignas(INTERP_LINE) pthread_mutex_t gil_mutex;
    pthread_cond_t gil_turn;
    uint64_t gil_next, gil_serving;

    /* Blocking.  `queue_epoch` counts committed puts; a taker that saw an
     * empty queue sleeps until it moves.  `lock` also guards `threads`. */
    _Alignas(INTERP_LINE) pthread_mutex_t lock;
    pthread_cond_t changed;
    atomic_uint_least64_t queue_epoch; /* written under `lock` */
    vm_thread *threads; /* every started thread but the main one */
    vm_thread *main_thread;
};

/* A zeroed block of at least n bytes on whole lines of its own, or NULL. */
void *alloc_lines(size_t n);

interp *interp_new(program *p, enum mode m, int nthreads, int slice_limit, int restart_every,
                   int argc, char **argv);
/* Runs the top-level code on the calling thread, then waits for every thread
 * it started.  Returns the main thread's counters merged with the others'. */
void interp_run(interp *vm, uint64_t counters[3]);
void interp_free(interp *vm);

/* threads.c, used by vm.c */
vm_thread *thread_new(interp *vm, const function *fn, const value *args, int nargs);
void thread_spawn(vm_thread *parent, vm_thread *child);
void queue_put_committed(vm_thread *t);

/* vm.c: runs up to vm->slice_limit bytecodes of `t` and returns with
 * t->state saying why it stopped. */
void run_slice(vm_thread *t);
/* The source line of the bytecode `t` runs (or has just run). */
int vm_line(const vm_thread *t);
/* Prints "path:line: error: ..." and exits; in a transaction it first turns
 * irrevocable so that only a consistent run can report the error. */
_Noreturn void vm_fail(vm_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
