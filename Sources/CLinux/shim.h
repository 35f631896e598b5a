#ifndef SEALWATCH_CLINUX_SHIM_H
#define SEALWATCH_CLINUX_SHIM_H
/* Linux headers that Swift's Glibc module map leaves out (epoll, eventfd, signalfd, accept4, crypt). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

static inline int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { return accept4(fd, addr, len, flags); }
static inline int clinux_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }
#endif
