// The only C in swift-zeromq: libzmq's header plus a few inline helpers that Swift
// cannot express cleanly (eventfd and pipe wake-ups, errno access). Nothing here keeps state.
#ifndef CZEROMQ_SHIM_H
#define CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#include <sys/prctl.h>
#endif

/// Creates a non-blocking, close-on-exec eventfd used to wake a poll loop.
/// Returns -1 and sets errno on failure.
static inline int czmq_wakeup_create(void) {
#if defined(__linux__)
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/// Signals the eventfd (adds 1 to its counter). Retries EINTR; EAGAIN means the
/// counter is saturated, which still leaves it readable, so it counts as success.
static inline int czmq_wakeup_signal(int fd) {
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(fd, &one, sizeof one);
        if (n == (ssize_t)sizeof one) return 0;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0;
        return -1;
    }
}

/// Resets the eventfd counter to zero so it stops being readable.
static inline void czmq_wakeup_drain(int fd) {
    uint64_t value;
    for (;;) {
        ssize_t n = read(fd, &value, sizeof value);
        if (n < 0 && errno == EINTR) continue;
        return;
    }
}

/// Makes a non-blocking, close-on-exec pipe used to wake a poll loop where there is no
/// eventfd: `fds[0]` is polled and read, `fds[1]` written. Returns -1 and sets errno on failure.
static inline int czmq_wakeup_pipe_create(int fds[2]) {
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
#else
    if (pipe(fds) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        int flags = fcntl(fds[i], F_GETFL);
        if (flags < 0 || fcntl(fds[i], F_SETFL, flags | O_NONBLOCK) != 0
            || fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
            int saved = errno;
            close(fds[0]);
            close(fds[1]);
            errno = saved;
            return -1;
        }
    }
    return 0;
#endif
}

/// Writes one byte to the wake-up pipe. Retries EINTR; EAGAIN means the pipe is full, which
/// still leaves it readable, so it counts as success.
static inline int czmq_wakeup_pipe_signal(int fd) {
    char one = 1;
    for (;;) {
        ssize_t n = write(fd, &one, 1);
        if (n == 1) return 0;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0;
        return -1;
    }
}

/// Reads the wake-up pipe empty, so it stops being readable.
static inline void czmq_wakeup_pipe_drain(int fd) {
    char buffer[256];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        return;
    }
}

/// Opens a descriptor only to learn whether one is free (the caller closes it). Returns -1 and
/// sets errno (EMFILE, ENFILE) when none is.
static inline int czmq_descriptor_probe(void) {
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/// Names the calling thread (Linux keeps the first 15 bytes), for debuggers and `top -H`.
static inline void czmq_set_thread_name(const char *name) {
#if defined(__linux__)
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
#elif defined(__APPLE__)
    pthread_setname_np(name);
#else
    (void)name;
#endif
}

/// The thread's current errno (Swift's `errno` is not reliably visible through every libc overlay).
static inline int czmq_errno(void) { return errno; }

#endif
