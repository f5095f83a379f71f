/*
 * The first bytes of a SQLite database's -shm file (the WAL-index header), read from memory.
 *
 * Every commit to a database in WAL mode, by any connection of any process, rewrites this header,
 * and SQLite itself maps the file into memory to read it (https://sqlite.org/walformat.html). The
 * server compares it before each token lookup to know whether anything was committed since the
 * last one (src/db/commit-watch.ts). Read with pread(2) that costs a system call per request,
 * several microseconds under load on a virtual machine; mapped the way SQLite maps it, it costs a
 * 96-byte copy. Node has no mmap of its own, hence these few lines.
 *
 * map(fd) maps the first page of an open descriptor read-only and answers a handle;
 * copy(handle, buffer) copies the header into a Buffer of at least HEADER_BYTES; view(handle)
 * answers an ArrayBuffer over the header itself; unmap(handle) detaches that view and unmaps (the
 * garbage collector does too, once neither the handle nor its view is reachable). The descriptor is the caller's, and this file never
 * closes it: closing any descriptor of a file drops every POSIX lock the process holds on it,
 * SQLite's own locks on the -shm file included (https://sqlite.org/howtocorrupt.html, 2.2).
 *
 * A mapped page past the end of the file faults (SIGBUS) when touched: map() refuses a file
 * shorter than a header, and the caller stops copying once its database connection closes. While
 * that connection is open SQLite holds a lock that keeps every other connection from truncating
 * the file (it truncates only as the first connection to open it).
 */
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BYTES 96

/* Tags the handles this addon makes, so that another addon's external is refused, not misread. */
static const napi_type_tag HANDLE_TAG = {0x5741c1d3e5f10a2bULL, 0x9e3779b97f4a7c15ULL};

typedef struct {
  void *map;
  size_t length;
  /* Holders of this struct: the handle, and its view while one exists. Freed at zero. */
  int holders;
  /* A weak reference to the view (an ArrayBuffer over the mapping), so unmap() can detach it. */
  napi_ref view;
} header_map;

static void unmap_region(header_map *m) {
  if (m->map != NULL) munmap(m->map, m->length);
  m->map = NULL;
}

static void release(napi_env env, header_map *m) {
  if (--m->holders > 0) return;
  unmap_region(m);
  if (m->view != NULL) napi_delete_reference(env, m->view);
  free(m);
}

/* The handle was collected. Its view, if one is still reachable, keeps the mapping. */
static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  release(env, (header_map *)data);
}

/* The view was collected. */
static void finalize_view(napi_env env, void *data, void *hint) {
  (void)data;
  release(env, (header_map *)hint);
}

static napi_value throw_errno(napi_env env, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static header_map *handle_of(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  void *data = NULL;
  bool tagged = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want ||
      napi_check_object_type_tag(env, argv[0], &HANDLE_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a handle from map()");
    return NULL;
  }
  return (header_map *)data;
}

static napi_value map_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "expected an open file descriptor of the -shm file");
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) return throw_errno(env, "fstat");
  if (st.st_size < HEADER_BYTES) {
    napi_throw_error(env, NULL, "the file is shorter than a WAL-index header");
    return NULL;
  }
  long page = sysconf(_SC_PAGESIZE);
  size_t map_length = page > 0 ? (size_t)page : 4096;
  void *map = mmap(NULL, map_length, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return throw_errno(env, "mmap");
  header_map *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(map, map_length);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  m->map = map;
  m->length = map_length;
  m->holders = 1;
  m->view = NULL;
  napi_value handle;
  if (napi_create_external(env, m, finalize, NULL, &handle) != napi_ok) {
    finalize(env, m, NULL);
    napi_throw_error(env, NULL, "could not create the handle");
    return NULL;
  }
  // From here the handle owns the mapping: its finalizer unmaps it, whatever happens next.
  if (napi_type_tag_object(env, handle, &HANDLE_TAG) != napi_ok) {
    napi_throw_error(env, NULL, "could not tag the handle");
    return NULL;
  }
  return handle;
}

static napi_value copy_header(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  header_map *m = handle_of(env, info, 2, argv);
  if (m == NULL) return NULL;
  void *target = NULL;
  size_t target_length = 0;
  if (napi_get_buffer_info(env, argv[1], &target, &target_length) != napi_ok || target_length < HEADER_BYTES) {
    napi_throw_type_error(env, NULL, "expected a Buffer of at least 96 bytes");
    return NULL;
  }
  if (m->map == NULL) {
    napi_throw_error(env, NULL, "the handle is unmapped");
    return NULL;
  }
  // Another process writes this page: see its stores as of now, not as of an earlier load.
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  memcpy(target, m->map, HEADER_BYTES);
  return NULL;
}

/*
 * view(handle) answers an ArrayBuffer of HEADER_BYTES over the mapping itself, so JavaScript reads
 * the header with no call into native code at all (the server compares it before every token
 * lookup, and each crossing into an addon costs more there than the copy). The same ArrayBuffer
 * each time. It keeps the mapping alive while it is reachable, and unmap() detaches it (length 0)
 * before unmapping, so no view can touch an unmapped page.
 */
static napi_value view_of(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  header_map *m = handle_of(env, info, 1, argv);
  if (m == NULL) return NULL;
  if (m->map == NULL) {
    napi_throw_error(env, NULL, "the handle is unmapped");
    return NULL;
  }
  napi_value view = NULL;
  if (m->view != NULL && napi_get_reference_value(env, m->view, &view) == napi_ok && view != NULL) return view;
  if (m->view != NULL) {
    napi_delete_reference(env, m->view);
    m->view = NULL;
  }
  if (napi_create_external_arraybuffer(env, m->map, HEADER_BYTES, finalize_view, m, &view) != napi_ok) {
    napi_throw_error(env, NULL, "this runtime does not allow external ArrayBuffers");
    return NULL;
  }
  m->holders++;
  if (napi_create_reference(env, view, 0, &m->view) != napi_ok) m->view = NULL;
  return view;
}

static napi_value unmap_handle(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  header_map *m = handle_of(env, info, 1, argv);
  if (m == NULL) return NULL;
  napi_value view = NULL;
  if (m->view != NULL && napi_get_reference_value(env, m->view, &view) == napi_ok && view != NULL)
    napi_detach_arraybuffer(env, view);
  unmap_region(m);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"map", NULL, map_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copy", NULL, copy_header, NULL, NULL, NULL, napi_enumerable, NULL},
      {"view", NULL, view_of, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unmap", NULL, unmap_handle, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}
