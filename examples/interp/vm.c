/*
 * vm.c: the bytecode loop.  run_slice() is what a classic interpreter runs
 * while it holds its global lock; threads.c wraps each call in either the
 * lock or one hytm transaction.  Inside, operand stack, locals and frames are
 * private (plain C), shared objects go through heap.h.
 *
 * Where a slice may end.  A slice ends only at a *yield point*: a backward
 * jump (a loop's next iteration) or a call or return of an interpreted
 * function, once it has run vm->slice_limit bytecodes -- the places where
 * CPython (3.10 and later) checks whether to drop its lock.  Code between two
 * yield points therefore runs as one unit in both modes: `n = n + 1` or
 * `xs[i] = xs[i] + 1` never loses an update, while `n = n + f()` may, under
 * the GIL as under transactions.  Two more things end a slice:
 *   - take or join that must wait ends it before that bytecode (as a GIL is
 *     released around a blocking call); the bytecode runs again after the
 *     wait, in the next slice;
 *   - print needs the serial path (hytm_irrevocable, which re-runs the slice
 *     from its start if it was optimistic); the slice then ends at its next
 *     yield point, so that serial slices stay short.
 * In --tm mode vm->slice_limit bounds a transaction's size, and with it the
 * work a conflict throws away; under --gil it is how often the holder checks
 * whether to hand the lock over (threads.c: after vm->switch_ns, and only to
 * a waiting thread).
 */
#include "heap.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const builtin_info builtins[BI_COUNT] = {
    [BI_PRINT] = {"print", 0, 16},  [BI_TAKE] = {"take", 1, 1},
    [BI_JOIN] = {"join", 1, 1},     [BI_LEN] = {"len", 1, 1},
    [BI_PUSH] = {"push", 2, 2},     [BI_POP] = {"pop", 1, 1},
    [BI_LIST] = {"list", 1, 2},     [BI_QUEUE] = {"queue", 0, 0},
    [BI_PUT] = {"put", 2, 2},       [BI_ARG] = {"arg", 1, 2},
    [BI_NTHREADS] = {"nthreads", 0, 0},
};

int vm_line(const vm_thread *t)
{
    const frame *f = &t->frames[t->nframes - 1];
    return f->fn->lines[f->ip > 0 ? f->ip - 1 : 0];
}

void vm_fail(vm_thread *t, const char *fmt, ...)
{
    /* Under an optimistic path the error might come from a transaction that
     * will abort anyway; report it only from the irrevocable re-run. */
    if (t->tx)
        hytm_irrevocable(t->tx);
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "%s:%d: error: %s\n", t->vm->prog->path, vm_line(t), msg);
    /* Other threads may be inside transactions: leave without running exit
     * handlers under them. */
    _exit(2);
}

static int truthy(value v) { return v != NIL && v != int_val(0); }

static int64_t need_int(vm_thread *t, value v)
{
    if (!is_int(v))
        vm_fail(t, "integer expected");
    return as_int(v);
}

static int values_equal(vm_thread *t, value a, value b)
{
    if (a == b)
        return 1;
    if (type_of(t, a) == OBJ_STRING && type_of(t, b) == OBJ_STRING)
        return strcmp(((string_obj *)a)->chars, ((string_obj *)b)->chars) == 0;
    return 0;
}

/* Appends the printed form of v to buf (of size cap) at *len. */
static void format_value(vm_thread *t, value v, char *buf, size_t cap, size_t *len, int depth)
{
#define OUT(...) (*len += (size_t)snprintf(buf + *len, *len < cap ? cap - *len : 0, __VA_ARGS__))
    switch (type_of(t, v)) {
    case OBJ_NONE:
        if (v == NIL)
            OUT("nil");
        else
            OUT("%" PRId64, as_int(v));
        break;
    case OBJ_STRING:
        OUT("%s", ((string_obj *)v)->chars);
        break;
    case OBJ_LIST: {
        int64_t n = list_len(t, v);
        OUT("[");
        for (int64_t i = 0; i < n && *len < cap; i++) {
            if (i)
                OUT(", ");
            if (depth > 8)
                OUT("...");
            else
                format_value(t, list_get(t, v, i), buf, cap, len, depth + 1);
        }
        OUT("]");
        break;
    }
    case OBJ_QUEUE:
        OUT("<queue>");
        break;
    case OBJ_THREAD:
        OUT("<thread>");
        break;
    }
#undef OUT
}

static void print_values(vm_thread *t, const value *args, int n)
{
    /* I/O cannot be rolled back: go serial first (a no-op once serial). */
    if (t->tx)
        hytm_irrevocable(t->tx);
    char buf[4096];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (i && len < sizeof buf)
            buf[len++] = ' ';
        format_value(t, args[i], buf, sizeof buf - 1, &len, 0);
    }
    if (len > sizeof buf - 1)
        len = sizeof buf - 1;
    buf[len++] = '\n';
    fwrite(buf, 1, len, stdout);
}

/* Runs builtin `b` on the n values at args.  Returns 0 when the calling
 * thread must wait (t->state says for what); the arguments then stay on the
 * stack so that the same bytecode can run again after the wait. */
static int call_builtin(vm_thread *t, enum builtin b, value *args, int n, value *ret)
{
    *ret = NIL;
    switch (b) {
    case BI_PRINT:
        print_values(t, args, n);
        return 1;
    case BI_TAKE:
        if (queue_take(t, args[0], ret))
            return 1;
        t->state = TS_WAIT_QUEUE;
        return 0;
    case BI_JOIN: {
        vm_thread *target = thread_handle_target(t, args[0]);
        /* (1) Pairs with the release store in threads.c: the result is
         * written before `finished`. */
        if (atomic_load_explicit(&target->finished, memory_order_acquire)) {
            *ret = target->result;
            return 1;
        }
        t->state = TS_WAIT_JOIN;
        t->join_target = target;
        return 0;
    }
    case BI_LEN:
        *ret = int_val(list_len(t, args[0]));
        return 1;
    case BI_PUSH:
        list_push(t, args[0], args[1]);
        return 1;
    case BI_POP:
        *ret = list_pop(t, args[0]);
        return 1;
    case BI_LIST:
        *ret = list_new(t, need_int(t, args[0]), n > 1 ? args[1] : NIL);
        return 1;
    case BI_QUEUE:
        *ret = queue_new(t);
        return 1;
    case BI_PUT:
        queue_put(t, args[0], args[1]);
        return 1;
    case BI_ARG: {
        int64_t i = need_int(t, args[0]);
        if (i >= 0 && i < t->vm->argc) {
            char *end;
            long long v = strtoll(t->vm->argv[i], &end, 10);
            if (*end || end == t->vm->argv[i])
                vm_fail(t, "argument %lld is not an integer: %s", (long long)i, t->vm->argv[i]);
            *ret = int_val(v);
        } else {
            *ret = n > 1 ? args[1] : NIL;
        }
        return 1;
    }
    case BI_NTHREADS:
        *ret = int_val(t->vm->nthreads);
        return 1;
    case BI_COUNT:
        break;
    }
    vm_fail(t, "bad builtin %d", (int)b);
}

void run_slice(vm_thread *t)
{
    const value *consts = t->vm->prog->consts;
    value *const globals = t->vm->globals;
    value *stack = t->stack;
    int sp = t->sp;
    frame *f = &t->frames[t->nframes - 1];
    int executed = 0, limit = t->vm->slice_limit;

#define PUSH(v) (stack[sp++] = (v))
#define POP() (stack[--sp])
#define TOP() (stack[sp - 1])
#define BINARY_INT(expr)                                                        \
    do {                                                                        \
        int64_t b_ = need_int(t, POP()), a_ = need_int(t, TOP());               \
        (void)a_; (void)b_;                                                     \
        TOP() = (expr);                                                         \
    } while (0)

#define YIELD_POINT()                                                           \
    do {                                                                        \
        if (executed >= limit)                                                  \
            goto out;                                                           \
    } while (0)

    t->state = TS_RUNNING;
    for (;;) {
        const instr *in = &f->fn->code[f->ip++];
        executed++;
        switch ((enum opcode)in->op) {
        case OP_INT: PUSH(int_val(in->a)); break;
        case OP_CONST: PUSH(consts[in->a]); break;
        case OP_NIL: PUSH(NIL); break;
        case OP_LOAD_LOCAL: PUSH(stack[f->base + in->a]); break;
        case OP_STORE_LOCAL: stack[f->base + in->a] = POP(); break;
        case OP_LOAD_GLOBAL: PUSH(sh_load(t, &globals[in->a])); break;
        case OP_STORE_GLOBAL: sh_store(t, &globals[in->a], POP()); break;
        /* Integers wrap like the machine's (unsigned arithmetic, no UB). */
        case OP_ADD: BINARY_INT(int_val((int64_t)((uint64_t)a_ + (uint64_t)b_))); break;
        case OP_SUB: BINARY_INT(int_val((int64_t)((uint64_t)a_ - (uint64_t)b_))); break;
        case OP_MUL: BINARY_INT(int_val((int64_t)((uint64_t)a_ * (uint64_t)b_))); break;
        case OP_DIV:
        case OP_MOD: {
            int64_t b = need_int(t, POP()), a = need_int(t, TOP());
            if (b == 0)
                vm_fail(t, "division by zero");
            if (b == -1) /* INT64_MIN / -1 overflows */
                TOP() = int_val(in->op == OP_DIV ? (int64_t)(0 - (uint64_t)a) : 0);
            else
                TOP() = int_val(in->op == OP_DIV ? a / b : a % b);
            break;
        }
        case OP_NEG: TOP() = int_val((int64_t)(0 - (uint64_t)need_int(t, TOP()))); break;
        case OP_NOT: TOP() = int_val(!truthy(TOP())); break;
        case OP_EQ: { value b = POP(); TOP() = int_val(values_equal(t, TOP(), b)); break; }
        case OP_NE: { value b = POP(); TOP() = int_val(!values_equal(t, TOP(), b)); break; }
        case OP_LT: BINARY_INT(int_val(a_ < b_)); break;
        case OP_LE: BINARY_INT(int_val(a_ <= b_)); break;
        case OP_GT: BINARY_INT(int_val(a_ > b_)); break;
        case OP_GE: BINARY_INT(int_val(a_ >= b_)); break;
        case OP_JUMP: {
            int backward = in->a < f->ip; /* a loop's back edge */
            f->ip = in->a;
            if (backward)
                YIELD_POINT();
            break;
        }
        case OP_JUMP_FALSE: if (!truthy(POP())) f->ip = in->a; break;
        case OP_AND: if (!truthy(TOP())) f->ip = in->a; else sp--; break;
        case OP_OR: if (truthy(TOP())) f->ip = in->a; else sp--; break;
        case OP_CALL: {
            const function *fn = t->vm->prog->fns[in->a];
            int base = sp - in->b;
            if (t->nframes == FRAMES_MAX || base + fn->nlocals + fn->max_stack > STACK_MAX)
                vm_fail(t, "stack overflow");
            for (int i = in->b; i < fn->nlocals; i++)
                stack[base + i] = NIL;
            sp = base + fn->nlocals;
            f = &t->frames[t->nframes++];
            *f = (frame){.fn = fn, .ip = 0, .base = base};
            YIELD_POINT();
            break;
        }
        case OP_RETURN: {
            value result = POP();
            sp = f->base;
            if (--t->nframes == 0) {
                t->result = result;
                t->state = TS_FINISHED;
                goto out;
            }
            f = &t->frames[t->nframes - 1];
            PUSH(result);
            YIELD_POINT();
            break;
        }
        case OP_POP: sp--; break;
        case OP_LIST: {
            value l = list_new(t, in->b, NIL);
            sp -= in->b;
            for (int i = 0; i < in->b; i++)
                list_set(t, l, i, stack[sp + i]);
            PUSH(l);
            break;
        }
        case OP_INDEX: {
            int64_t i = need_int(t, POP());
            TOP() = list_get(t, TOP(), i);
            break;
        }
        case OP_SET_INDEX: {
            value v = POP();
            int64_t i = need_int(t, POP());
            list_set(t, POP(), i, v);
            break;
        }
        case OP_BUILTIN: {
            value ret;
            if (!call_builtin(t, (enum builtin)in->a, &stack[sp - in->b], in->b, &ret)) {
                f->ip--; /* run it again once the wait is over */
                goto out;
            }
            sp -= in->b;
            PUSH(ret);
            if (in->a == BI_PRINT)
                limit = 0; /* leave the serial path at the next yield point */
            break;
        }
        case OP_SPAWN: {
            sp -= in->b;
            vm_thread *child = thread_new(t->vm, t->vm->prog->fns[in->a], &stack[sp], in->b);
            thread_spawn(t, child); /* first: it also frees the child on abort */
            PUSH(thread_handle_new(t, child));
            break;
        }
        }
    }
out:
    t->sp = sp;
    t->slice_instructions = (uint64_t)executed;
#undef PUSH
#undef POP
#undef TOP
#undef BINARY_INT
#undef YIELD_POINT
}
