// Counts the process's allocations (malloc and friends) between start and stop, for the
// allocations-per-message section of zmq-bench. See AllocationCounter.c for how.
// Also returns the heap's free memory to the system, for resident-memory differences.
#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

#include <stdint.h>

/// Resets the count to zero and starts counting allocations made by any thread.
void allocation_counter_start(void);

/// Stops counting and returns how many allocating calls were made since the start.
uint64_t allocation_counter_stop(void);

/// Returns the heap's free memory to the system (`malloc_trim(0)`), so that a resident-memory
/// difference measured next is not hidden by memory freed earlier but kept by glibc.
void allocation_counter_release_free_memory(void);

#endif
