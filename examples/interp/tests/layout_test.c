/*
 * layout_test.c: no cache line (pair) holds data that two interpreter
 * threads write, or data a slice reads next to data other threads write.
 *
 * On a hardware transaction such sharing is a conflict (false sharing), and
 * hytm's software path, which validates values, never shows it: this test is
 * the one check that runs everywhere.  Before the records were allocated on
 * lines of their own, the end of one thread's record (written at the end of
 * each of its slices) and the start of the next one's (written in every slice
 * of the other thread) shared a line, and the RTM CPU aborted one slice in
 * three (docs/conflicts.md).
 */
#include "../heap.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(vm_thread) % INTERP_LINE == 0, "a thread record is whole lines");
_Static_assert(sizeof(interp) % INTERP_LINE == 0, "the interpreter record is whole lines");

static int failures;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "layout_test.c:%d: %s: ", __LINE__, #cond);          \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static uintptr_t block(const void *p) { return (uintptr_t)p / INTERP_LINE; }

/* [a, a + n) and [b, b + m) touch no common INTERP_LINE block. */
static int apart(const void *a, size_t n, const void *b, size_t m)
{
    uintptr_t a0 = block(a), a1 = block((const char *)a + n - 1);
    uintptr_t b0 = block(b), b1 = block((const char *)b + m - 1);
    return a1 < b0 || b1 < a0;
}

int main(void)
{
    static const char source[] = "fn f(a) { return a }\nvar x = 1\nvar y = 2\nvar q = queue()\n";
    program *prog = compile_program("layout.hy", source);
    CHECK(prog != NULL, "the test program compiles");
    if (!prog)
        return 1;
    interp *vm = interp_new(prog, MODE_GIL, 2, 10000, 0, 0, NULL);
    CHECK(vm != NULL, "interp_new");
    if (!vm)
        return 1;

    /* As `spawn` makes them: one after the other, from one thread. */
    enum { N = 3 };
    vm_thread *t[N + 1];
    t[0] = vm->main_thread;
    for (int i = 1; i <= N; i++) {
        t[i] = thread_new(vm, prog->fns[1], (value[]){int_val(i)}, 1);
        t[i]->next = vm->threads; /* as start_thread does; interp_free frees them */
        vm->threads = t[i];
    }

    for (int i = 0; i <= N; i++) {
        CHECK((uintptr_t)t[i] % INTERP_LINE == 0, "thread record %d at %p starts a line", i,
              (void *)t[i]);
        /* What other threads touch (result, finished, links) is away from
         * what this thread writes in every slice. */
        CHECK(apart(t[i], offsetof(vm_thread, result), &t[i]->result,
                    sizeof *t[i] - offsetof(vm_thread, result)),
              "thread %d: private and shared parts on different lines", i);
        for (int j = 0; j < i; j++)
            CHECK(apart(t[i], sizeof *t[i], t[j], sizeof *t[j]),
                  "thread records %d (%p) and %d (%p) share a line", i, (void *)t[i], j,
                  (void *)t[j]);
        CHECK(apart(t[i], sizeof *t[i], vm, sizeof *vm), "thread %d and the interpreter", i);
        CHECK(apart(t[i], sizeof *t[i], vm->globals, (size_t)prog->nglobals * sizeof(value)),
              "thread %d and the globals", i);
    }
    /* Read by every slice / written by every lock and wake-up. */
    CHECK(apart(vm, offsetof(interp, gil_mutex), &vm->gil_mutex,
                sizeof *vm - offsetof(interp, gil_mutex)),
          "the interpreter's constants and its locks");
    CHECK(apart(vm, sizeof *vm, vm->globals, (size_t)prog->nglobals * sizeof(value)),
          "the interpreter record and the globals");

    /* A queue's head (written by take) and tail (written by put), found by
     * the names the conflict report gives them. */
    value q = queue_new(vm->main_thread);
    uintptr_t head = 0, tail = 0;
    for (uintptr_t a = (uintptr_t)q; a < (uintptr_t)q + 4 * INTERP_LINE; a += sizeof(value)) {
        char what[200];
        if (!describe_address(vm, a, what, sizeof what))
            continue;
        if (strstr(what, "its head"))
            head = a;
        if (strstr(what, "its tail"))
            tail = a;
    }
    CHECK(head && tail, "the report names the queue's head and tail");
    CHECK(block((void *)head) != block((void *)tail), "the queue's head and tail share a line");

    char what[200];
    CHECK(describe_address(vm, (uintptr_t)&t[2]->stack[0], what, sizeof what) &&
              strcmp(what, "the interpreter's record of the thread running f, its operand stack") == 0,
          "a thread record is named in the report");
    CHECK(describe_address(vm, (uintptr_t)&vm->globals[1], what, sizeof what) &&
              strcmp(what, "global y") == 0,
          "a global is named in the report");

    interp_free(vm);
    free_program(prog);
    if (failures)
        return 1;
    puts("layout: ok");
    return 0;
}
