/*
 * heap.h: shared memory of the interpreted program (globals, lists, queues,
 * thread handles).  Everything here may be touched by several interpreter
 * threads, so every word goes through sh_load/sh_store: a transactional access
 * in --tm mode, a plain one under the GIL (which already orders them).
 */
#ifndef HYTM_INTERP_HEAP_H
#define HYTM_INTERP_HEAP_H

#include "interp.h"

#include <stdlib.h>

static inline uint64_t sh_load(vm_thread *t, const uint64_t *p)
{
    return t->tx ? hytm_load_u64(t->tx, p) : *p;
}
static inline void sh_store(vm_thread *t, uint64_t *p, uint64_t v)
{
    if (t->tx)
        hytm_store_u64(t->tx, p, v);
    else
        *p = v;
}
static inline void *sh_load_ptr(vm_thread *t, void *const *p)
{
    return t->tx ? hytm_load_ptr(t->tx, p) : *p;
}
static inline void sh_store_ptr(vm_thread *t, void **p, void *v)
{
    if (t->tx)
        hytm_store_ptr(t->tx, p, v);
    else
        *p = v;
}
/* An allocation made by an aborted slice is released by hytm; a free is
 * deferred until no transaction can still read the block. */
static inline void *sh_alloc(vm_thread *t, size_t n)
{
    void *p = t->tx ? hytm_malloc(t->tx, n) : malloc(n);
    if (!p)
        vm_fail(t, "out of memory");
    return p;
}
static inline void sh_free(vm_thread *t, void *p)
{
    if (t->tx)
        hytm_free(t->tx, p);
    else
        free(p);
}

/* The object's type, or OBJ_NONE for integers and nil. */
static inline enum obj_type type_of(vm_thread *t, value v)
{
    if (is_int(v) || v == NIL)
        return OBJ_NONE;
    return (enum obj_type)sh_load(t, &((obj *)v)->type);
}

value list_new(vm_thread *t, int64_t len, value fill);
int64_t list_len(vm_thread *t, value list);
value list_get(vm_thread *t, value list, int64_t i);
void list_set(vm_thread *t, value list, int64_t i, value v);
void list_push(vm_thread *t, value list, value v);
value list_pop(vm_thread *t, value list);

value queue_new(vm_thread *t);
void queue_put(vm_thread *t, value q, value v);
/* Returns 0 (and leaves *out alone) when the queue is empty. */
int queue_take(vm_thread *t, value q, value *out);

value thread_handle_new(vm_thread *t, vm_thread *target);
vm_thread *thread_handle_target(vm_thread *t, value handle);

/* Names the interpreter object that holds address a ("global jobs", "the
 * queue created at line 31, its head"), for the conflict report; 0 if none.
 * Only once every thread has stopped. */
int describe_address(interp *vm, uintptr_t a, char *buf, size_t n);

/* Frees every object of the chain once all threads have stopped; in --tm
 * mode inside a transaction, since the blocks came from hytm_malloc. */
void free_objects(vm_thread *t, obj *chain);

#endif
