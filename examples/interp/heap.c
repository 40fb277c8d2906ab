/* heap.c: lists, queues and thread handles in shared memory. */
#include "heap.h"

#include <stddef.h>
#include <stdio.h>

typedef struct {
    obj h;
    uint64_t len, cap;
    value *items;
} list_obj;

typedef struct qnode {
    value item;
    struct qnode *next;
} qnode;

/* A linked queue: a put and a take touch different ends, so a producer and
 * a consumer conflict only when the queue is (nearly) empty -- provided the
 * ends are on different cache lines: a hardware transaction sees a line, and
 * with `head` and `tail` side by side every put would conflict with every
 * take.  The padding puts INTERP_LINE bytes between them. */
typedef struct {
    obj h;
    qnode *head;
    char apart[INTERP_LINE - sizeof(qnode *)];
    qnode *tail;
} queue_obj;

typedef struct {
    obj h;
    vm_thread *target; /* constant after creation */
} thread_obj;

static obj *obj_new(vm_thread *t, size_t size, enum obj_type type)
{
    obj *o = sh_alloc(t, size);
    sh_store(t, &o->type, type);
    /* The chain link is private to this thread until exit, and the chain's
     * head is part of the slice checkpoint: an aborted slice's objects (which
     * hytm releases) drop out of the chain when the checkpoint is restored. */
    o->next_alloc = t->allocs;
    o->line = vm_line(t);
    t->allocs = o;
    return o;
}

static void *expect(vm_thread *t, value v, enum obj_type type, const char *what)
{
    if (type_of(t, v) != type)
        vm_fail(t, "%s expected", what);
    return (void *)v;
}

value list_new(vm_thread *t, int64_t len, value fill)
{
    if (len < 0 || len > (1 << 28))
        vm_fail(t, "bad list length %lld", (long long)len);
    list_obj *l = (list_obj *)obj_new(t, sizeof(list_obj), OBJ_LIST);
    uint64_t cap = len < 4 ? 4 : (uint64_t)len;
    value *items = sh_alloc(t, cap * sizeof(value));
    for (int64_t i = 0; i < len; i++)
        sh_store(t, &items[i], fill);
    sh_store(t, &l->len, (uint64_t)len);
    sh_store(t, &l->cap, cap);
    sh_store_ptr(t, (void **)&l->items, items);
    return (value)l;
}

int64_t list_len(vm_thread *t, value list)
{
    list_obj *l = expect(t, list, OBJ_LIST, "list");
    return (int64_t)sh_load(t, &l->len);
}

static value *slot(vm_thread *t, value list, int64_t i)
{
    list_obj *l = expect(t, list, OBJ_LIST, "list");
    int64_t len = (int64_t)sh_load(t, &l->len);
    if (i < 0 || i >= len)
        vm_fail(t, "index %lld out of range 0..%lld", (long long)i, (long long)len);
    value *items = sh_load_ptr(t, (void *const *)&l->items);
    return &items[i];
}

value list_get(vm_thread *t, value list, int64_t i) { return sh_load(t, slot(t, list, i)); }
void list_set(vm_thread *t, value list, int64_t i, value v) { sh_store(t, slot(t, list, i), v); }

void list_push(vm_thread *t, value list, value v)
{
    list_obj *l = expect(t, list, OBJ_LIST, "list");
    uint64_t len = sh_load(t, &l->len), cap = sh_load(t, &l->cap);
    value *items = sh_load_ptr(t, (void *const *)&l->items);
    if (len == cap) {
        value *grown = sh_alloc(t, 2 * cap * sizeof(value));
        for (uint64_t i = 0; i < len; i++)
            sh_store(t, &grown[i], sh_load(t, &items[i]));
        sh_free(t, items);
        items = grown;
        sh_store(t, &l->cap, 2 * cap);
        sh_store_ptr(t, (void **)&l->items, items);
    }
    sh_store(t, &items[len], v);
    sh_store(t, &l->len, len + 1);
}

value list_pop(vm_thread *t, value list)
{
    list_obj *l = expect(t, list, OBJ_LIST, "list");
    uint64_t len = sh_load(t, &l->len);
    if (len == 0)
        vm_fail(t, "pop from an empty list");
    value *items = sh_load_ptr(t, (void *const *)&l->items);
    sh_store(t, &l->len, len - 1);
    return sh_load(t, &items[len - 1]);
}

value queue_new(vm_thread *t)
{
    queue_obj *q = (queue_obj *)obj_new(t, sizeof(queue_obj), OBJ_QUEUE);
    sh_store_ptr(t, (void **)&q->head, NULL);
    sh_store_ptr(t, (void **)&q->tail, NULL);
    return (value)q;
}

void queue_put(vm_thread *t, value qv, value v)
{
    queue_obj *q = expect(t, qv, OBJ_QUEUE, "queue");
    qnode *n = sh_alloc(t, sizeof(qnode));
    sh_store(t, &n->item, v);
    sh_store_ptr(t, (void **)&n->next, NULL);
    qnode *tail = sh_load_ptr(t, (void *const *)&q->tail);
    if (tail)
        sh_store_ptr(t, (void **)&tail->next, n);
    else
        sh_store_ptr(t, (void **)&q->head, n);
    sh_store_ptr(t, (void **)&q->tail, n);
    queue_put_committed(t);
}

int queue_take(vm_thread *t, value qv, value *out)
{
    queue_obj *q = expect(t, qv, OBJ_QUEUE, "queue");
    qnode *head = sh_load_ptr(t, (void *const *)&q->head);
    if (!head)
        return 0;
    qnode *next = sh_load_ptr(t, (void *const *)&head->next);
    sh_store_ptr(t, (void **)&q->head, next);
    if (!next)
        sh_store_ptr(t, (void **)&q->tail, NULL);
    *out = sh_load(t, &head->item);
    sh_free(t, head);
    return 1;
}

value thread_handle_new(vm_thread *t, vm_thread *target)
{
    thread_obj *h = (thread_obj *)obj_new(t, sizeof(thread_obj), OBJ_THREAD);
    sh_store_ptr(t, (void **)&h->target, target);
    return (value)h;
}

vm_thread *thread_handle_target(vm_thread *t, value handle)
{
    thread_obj *h = expect(t, handle, OBJ_THREAD, "thread");
    return sh_load_ptr(t, (void *const *)&h->target);
}

void free_objects(vm_thread *t, obj *chain)
{
    /* Plain reads: every thread that wrote these objects has been joined. */
    while (chain) {
        obj *next = chain->next_alloc;
        if (chain->type == OBJ_LIST) {
            sh_free(t, ((list_obj *)chain)->items);
        } else if (chain->type == OBJ_QUEUE) {
            for (qnode *n = ((queue_obj *)chain)->head, *m; n; n = m) {
                m = n->next;
                sh_free(t, n);
            }
        }
        sh_free(t, chain);
        chain = next;
    }
}

static const char *const type_names[] = {
    [OBJ_STRING] = "string", [OBJ_LIST] = "list", [OBJ_QUEUE] = "queue", [OBJ_THREAD] = "thread"};

static int describe_in(const obj *o, uintptr_t a, char *buf, size_t n)
{
    static const size_t sizes[] = {[OBJ_LIST] = sizeof(list_obj), [OBJ_QUEUE] = sizeof(queue_obj),
                                   [OBJ_THREAD] = sizeof(thread_obj)};
    uintptr_t base = (uintptr_t)o;
    if (a >= base && a < base + sizes[o->type]) {
        const char *field = "";
        if (o->type == OBJ_QUEUE)
            field = a == (uintptr_t)&((const queue_obj *)o)->head ? ", its head"
                  : a == (uintptr_t)&((const queue_obj *)o)->tail ? ", its tail" : "";
        if (o->type == OBJ_LIST)
            field = a == (uintptr_t)&((const list_obj *)o)->len ? ", its length" : "";
        snprintf(buf, n, "the %s created at line %lld%s", type_names[o->type], (long long)o->line, field);
        return 1;
    }
    if (o->type == OBJ_LIST) {
        const list_obj *l = (const list_obj *)o;
        uintptr_t items = (uintptr_t)l->items;
        if (a >= items && a < items + l->cap * sizeof(value)) {
            snprintf(buf, n, "element %llu of the list created at line %lld",
                     (unsigned long long)((a - items) / sizeof(value)), (long long)o->line);
            return 1;
        }
    }
    if (o->type == OBJ_QUEUE) {
        for (const qnode *q = ((const queue_obj *)o)->head; q; q = q->next)
            if (a >= (uintptr_t)q && a < (uintptr_t)(q + 1)) {
                snprintf(buf, n, "a node of the queue created at line %lld", (long long)o->line);
                return 1;
            }
    }
    return 0;
}

/* The interpreter's own record of a thread: private state, which no other
 * thread should ever conflict on, unless it shares a cache line with it. */
static int describe_thread(const vm_thread *t, uintptr_t a, char *buf, size_t n)
{
    uintptr_t base = (uintptr_t)t;
    if (a < base || a >= base + sizeof *t)
        return 0;
    size_t off = a - base;
    const char *part = off >= offsetof(vm_thread, result)  ? "result and links"
                     : off >= offsetof(vm_thread, slices)  ? "counters"
                     : off >= offsetof(vm_thread, cp)      ? "checkpoint"
                     : off >= offsetof(vm_thread, frames)  ? "call frames"
                     : off >= offsetof(vm_thread, stack)   ? "operand stack"
                                                           : "registers";
    if (t == t->vm->main_thread)
        snprintf(buf, n, "the interpreter's record of the main thread, its %s", part);
    else
        snprintf(buf, n, "the interpreter's record of the thread running %s, its %s",
                 t->frames[0].fn->name, part);
    return 1;
}

int describe_address(interp *vm, uintptr_t a, char *buf, size_t n)
{
    uintptr_t g = (uintptr_t)vm->globals;
    if (a >= g && a < g + (uintptr_t)vm->prog->nglobals * sizeof(value)) {
        snprintf(buf, n, "global %s", vm->prog->globals[(a - g) / sizeof(value)]);
        return 1;
    }
    for (vm_thread *t = vm->main_thread; t; t = t == vm->main_thread ? vm->threads : t->next) {
        if (describe_thread(t, a, buf, n))
            return 1;
        for (const obj *o = t->allocs; o; o = o->next_alloc)
            if (describe_in(o, a, buf, n))
                return 1;
    }
    return 0;
}
