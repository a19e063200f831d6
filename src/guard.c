/*
 * guard.c — a SIGBUS during a copy from a mapping becomes an error.
 *
 * A file source is a shared mapping.  When the file shrinks after it was
 * mapped (another process truncates it), touching a page past its new end
 * raises SIGBUS, whose default action ends the process.  The size check
 * before each block (lvi_source_check) cannot close that window: the file
 * may shrink during the copy.  So copies run under a guard: a thread-local
 * jump point, armed by lvi_guard_run around one copy, and one process-wide
 * SIGBUS handler, installed on first use, that jumps back to it when the
 * faulting address lies in the bytes the guard covers.
 *
 * Invariants and why they hold:
 *  - Other faults are not swallowed: a SIGBUS outside the armed range, on a
 *    thread with no guard, or sent by kill(), goes to the handler that was
 *    installed before ours (SA_SIGINFO or plain); with none, the default
 *    action is restored and the fault happens again, ending the process
 *    exactly as it would have without lazyview.  A handler installed after
 *    ours sees guarded faults first: Python's faulthandler prints its
 *    traceback, puts ours back and re-raises, and the copy's fault then
 *    lands here (on_sigbus); a handler that neither chains nor restores
 *    ours (or faulthandler.disable() restoring an older one) turns guards
 *    off.  Untested: signals from other processes during a guarded copy.
 *  - The handler only reads a thread-local pointer (initial-exec TLS: one
 *    load, no allocation in signal context) and calls siglongjmp or the old
 *    handler.
 *  - No signal mask is saved or restored per copy (sigsetjmp(env, 0), so no
 *    system call): SA_NODEFER keeps SIGBUS unblocked inside the handler, so
 *    the mask is unchanged when it jumps out.
 *  - Guarded code (lvi_guard_run's fn) only copies: jumping out of it
 *    loses no memory and leaves no lock held.  Guards nest: the innermost
 *    one covering the address takes the fault, and each restores the one
 *    it replaced.
 * Cost: one sigsetjmp (no system call) and two thread-local stores per
 * guarded copy; measured in tests/bench (see README).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"

typedef struct guard {
    sigjmp_buf env;
    const char *lo, *hi;
    const char *fault;
    struct guard *prev;
} guard;

static _Thread_local guard *current __attribute__((tls_model("initial-exec")));
static struct sigaction previous;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_bool installed;

/* The fault was not ours: what the process would have done without us. */
static void chain(int sig, siginfo_t *info, void *uctx)
{
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, info, uctx);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    if (info == NULL || info->si_code <= 0)
        raise(sig); /* sent, not a fault: deliver it again, unhandled */
    /* a fault: returning runs the faulting instruction again, unhandled */
}

/* Jumps to the innermost guard covering the faulting address, if any.  A
 * SIGBUS the process sent itself while a guard is armed is most likely a
 * fault passed on by a handler installed after ours that then restored
 * ours (Python's faulthandler does so): returning runs the faulting copy
 * again, and its fault lands here. */
static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    const char *addr = info ? (const char *)info->si_addr : NULL;
    for (guard *g = current; g && info && info->si_code > 0; g = g->prev)
        if (addr >= g->lo && addr < g->hi) {
            g->fault = addr;
            siglongjmp(g->env, 1);
        }
    if (current && info && info->si_code <= 0 && info->si_pid == getpid())
        return;
    chain(sig, info, uctx);
}

static void install(void)
{
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_sigaction = on_sigbus;
    act.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
    sigemptyset(&act.sa_mask);
    if (sigaction(SIGBUS, &act, &previous) == 0)
        atomic_store(&installed, true);
}

bool lvi_guard_installed(void)
{
    return atomic_load(&installed);
}

int lvi_guard_run(const char *lo, const char *hi, void (*fn)(void *),
                  void *ctx, const char **fault)
{
    pthread_once(&once, install);
    guard g = {.lo = lo, .hi = hi, .prev = current};
    if (sigsetjmp(g.env, 0) != 0) {
        current = g.prev;
        *fault = g.fault;
        return LV_EOS;
    }
    current = &g;
    fn(ctx);
    current = g.prev;
    return LV_OK;
}
