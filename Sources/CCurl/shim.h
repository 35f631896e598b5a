#ifndef SEALWATCH_CCURL_SHIM_H
#define SEALWATCH_CCURL_SHIM_H
#include <curl/curl.h>
#include <pthread.h>

/* Swift cannot call the variadic curl_easy_setopt/getinfo: typed wrappers, one per argument kind. */
typedef size_t (*ccurl_data_cb)(char *, size_t, size_t, void *);
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_datacb(CURL *h, CURLoption o, ccurl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_str(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline curl_version_info_data *ccurl_version(void) { return curl_version_info(CURLVERSION_NOW); }

/* CURLINFO_CERTINFO hands back a struct curl_certinfo *; this reads it without pointer casts in Swift. */
static inline struct curl_certinfo *ccurl_getinfo_certinfo(CURL *h) {
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK) return NULL;
    return ci;
}

/* pthread_setname_np is _GNU_SOURCE-only and so invisible through Swift's Glibc module. */
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline int ccurl_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

#endif
