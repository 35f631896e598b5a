#ifndef SEALWATCH_CLINUX_SHIM_H
#define SEALWATCH_CLINUX_SHIM_H
/* Linux headers that Swift's Glibc module map leaves out (epoll, eventfd, signalfd, timerfd, crypt),
   plus zlib for gzip responses.

   No _GNU_SOURCE here: it changes the definition of fd_set (fds_bits vs __fds_bits), and any Swift
   file importing both Glibc and CLinux then fails to build ("__fds_bits from module SwiftGlibc is not
   present in definition of fd_set in module CLinux"). The two GNU-only functions Sealwatch needs are
   declared below with their glibc prototypes instead. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <pthread.h>
#include <crypt.h>
#include <unistd.h>
#include <zlib.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);

static inline int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { return accept4(fd, addr, len, flags); }
static inline int clinux_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

/* Bytes a socket still has in its kernel send queue (not yet acknowledged by the peer); -1 on error.
   ioctl is variadic, so Swift cannot call it directly. */
static inline int clinux_unsent_bytes(int fd) {
    int n = 0;
    return ioctl(fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

/* glibc malloc tuning (malloc.h is not in Swift's Glibc module). M_ARENA_MAX is a macro constant. */
static inline int clinux_malloc_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas); }
static inline int clinux_malloc_trim(void) { return malloc_trim(0); }

/* No core dumps, and no ptrace by other processes of the same user: the Vault token and receiver
   secrets are in memory (prctl is variadic, which Swift cannot call). 0 on success. */
static inline int clinux_disable_core_dumps(void) {
    struct rlimit none = {0, 0};
    int a = setrlimit(RLIMIT_CORE, &none);
    int b = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return a == 0 && b == 0 ? 0 : -1;
}
static inline int clinux_is_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

/* deflateInit2 is a macro (it passes ZLIB_VERSION and sizeof(z_stream)); windowBits 31 = gzip wrapper. */
static inline int clinux_deflate_init_gzip(z_stream *strm, int level) {
    return deflateInit2(strm, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
}
/* inflateInit2 with windowBits 31: a gzip member (used by tests to check gzip responses). */
static inline int clinux_inflate_init_gzip(z_stream *strm) {
    return inflateInit2(strm, 31);
}
#endif
