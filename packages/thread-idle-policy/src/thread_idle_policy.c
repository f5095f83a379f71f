/*
 * Puts a thread of this process under Linux's SCHED_IDLE scheduling policy.
 *
 * A SCHED_IDLE thread runs only on CPU time no normal thread wants, and a normal thread that wakes
 * up takes its CPU at once (the kernel preempts an idle-policy thread on every wake-up of another
 * class). Nice values only weigh shares: a thread niced by 10 still keeps its CPU until its slice
 * ends, which is what a token check waiting behind an argon2 hash pays for. The server puts
 * libuv's pool threads under it (src/thread-pool-priority.ts). Node has setpriority (os.setPriority)
 * but no sched_setscheduler, hence these few lines.
 *
 * On Linux sched_setscheduler(2) takes a thread id where it says pid, and changes that one thread.
 * Without privileges a thread may move to SCHED_IDLE but not back (sched(7)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

static pid_t tid_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t tid = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int64(env, argv[0], &tid) != napi_ok || tid <= 0 || tid > 0x7fffffff) {
    napi_throw_type_error(env, NULL, "expected a thread id (a positive integer)");
    return 0;
  }
  return (pid_t)tid;
}

static napi_value throw_errno(napi_env env, const char *what) {
  char message[256];
  const char *code = errno == EPERM ? "EPERM" : errno == ESRCH ? "ESRCH" : errno == EINVAL ? "EINVAL" : NULL;
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_value set_idle(napi_env env, napi_callback_info info) {
  pid_t tid = tid_of(env, info);
  if (tid == 0) return NULL;
  struct sched_param param = {.sched_priority = 0};
  if (sched_setscheduler(tid, SCHED_IDLE, &param) != 0) return throw_errno(env, "sched_setscheduler");
  return NULL;
}

static napi_value is_idle(napi_env env, napi_callback_info info) {
  pid_t tid = tid_of(env, info);
  if (tid == 0) return NULL;
  int policy = sched_getscheduler(tid);
  if (policy < 0) return throw_errno(env, "sched_getscheduler");
  napi_value answer;
  napi_get_boolean(env, policy == SCHED_IDLE, &answer);
  return answer;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"setIdle", NULL, set_idle, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isIdle", NULL, is_idle, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}
