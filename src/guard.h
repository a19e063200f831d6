/*
 * guard.h — copies from memory that may fault (a mapped file that shrinks):
 * a SIGBUS inside the guarded bytes becomes an error instead of the end of
 * the process.  See guard.c for how, and for what the guarded code may do.
 */
#ifndef LVI_GUARD_H
#define LVI_GUARD_H

#include "lvi.h"

/*
 * Runs fn(ctx), which reads memory in [lo, hi), with the calling thread's
 * guard armed.  Returns LV_OK, or LV_EOS when a SIGBUS at an address in
 * [lo, hi) cut fn short (*fault then holds the address).  fn must not
 * allocate, lock, or leave shared state half-changed: it may stop anywhere.
 * A SIGBUS anywhere else goes to the handler installed before lazyview's
 * (by default the process ends, as it would have without lazyview).
 */
LVI_HIDDEN int lvi_guard_run(const char *lo, const char *hi,
                             void (*fn)(void *), void *ctx, const char **fault);

/* True once the process-wide SIGBUS handler is in place (for tests). */
LVI_HIDDEN bool lvi_guard_installed(void);

#endif /* LVI_GUARD_H */
