// Counts malloc-family calls for zmq-bench's allocations section.
//
// How: this file defines malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign,
// valloc and pvalloc in the executable itself. The dynamic linker resolves every library's
// references to them (the Swift runtime's, Foundation's, libzmq's, libstdc++'s) to the
// executable's definitions first, so they interpose glibc's for the whole process. Each one
// forwards to glibc's own implementation (`__libc_malloc` and friends, exported by glibc for
// exactly this purpose), so memory is still managed by glibc, and counts the call with a relaxed
// C11 atomic while `allocation_counting_enabled` is set. Calls that only free are not counted;
// realloc is counted unless it is a free in disguise (size 0).
//
// zmq-bench checks at startup that the interposition really happens (a Swift array allocation
// must be counted) and skips the section with a warning when it does not.
#include "AllocationCounter.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

// glibc's own implementations (malloc.h does not declare them).
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

/// Set between allocation_counter_start() and allocation_counter_stop().
atomic_bool allocation_counting_enabled;
static atomic_uint_fast64_t allocation_count;

static inline void count_allocation(void) {
    if (atomic_load_explicit(&allocation_counting_enabled, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&allocation_count, 1, memory_order_relaxed);
    }
}

void *malloc(size_t size) {
    count_allocation();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_allocation();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    if (size != 0) count_allocation();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    __libc_free(pointer);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    count_allocation();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_allocation();
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    count_allocation();
    return __libc_memalign(alignment, size);
}

void *valloc(size_t size) {
    count_allocation();
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    count_allocation();
    return __libc_pvalloc(size);
}

void allocation_counter_start(void) {
    atomic_store_explicit(&allocation_count, 0, memory_order_relaxed);
    atomic_store_explicit(&allocation_counting_enabled, true, memory_order_seq_cst);
}

uint64_t allocation_counter_stop(void) {
    atomic_store_explicit(&allocation_counting_enabled, false, memory_order_seq_cst);
    return (uint64_t)atomic_load_explicit(&allocation_count, memory_order_relaxed);
}

void allocation_counter_release_free_memory(void) {
    malloc_trim(0);
}
