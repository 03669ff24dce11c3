/*
 * deflateBlock(input, dict, level, last, callback): one block of Lading's parallel gzip (see
 * electron/core/transfer/gzip-parallel.ts), raw deflate with Intel ISA-L's igzip, on libuv's thread pool.
 *
 * The block is primed with `dict` (the previous block's last 32 KiB, or undefined) and ends with a sync
 * flush (byte-aligned, BFINAL clear) unless `last`, which ends the stream; level -1 frames it as stored
 * blocks instead. callback(err, Buffer, crc32 of the input).
 * igzip level 1 deflates text about four times faster than zlib level 1 at the same ratio.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <malloc.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef FORCE_COPY
#define FORCE_COPY 0 /* 1: always take the copying path, as in Electron (for testing it) */
#endif

typedef struct {
  napi_async_work work;
  napi_ref input_ref;
  napi_ref dict_ref;
  napi_ref callback_ref;
  uint8_t *input;
  size_t input_len;
  uint8_t *dict;
  size_t dict_len;
  int level;
  int last;
  uint8_t *out;
  size_t out_len;
  size_t out_mapped;
  uint32_t crc;
  const char *error;
} Job;

static size_t level_buf_size(int level) {
  switch (level) {
  case 0: return ISAL_DEF_LVL0_DEFAULT;
  case 1: return ISAL_DEF_LVL1_DEFAULT;
  case 2: return ISAL_DEF_LVL2_DEFAULT;
  default: return ISAL_DEF_LVL3_DEFAULT;
  }
}

/* Each pool thread keeps its level buffer (hash tables, a few hundred KiB) for its whole life. */
static __thread uint8_t *thread_level_buf;
static __thread size_t thread_level_buf_size;

static uint8_t *level_buf_for(size_t size) {
  if (thread_level_buf_size < size) {
    free(thread_level_buf);
    thread_level_buf = malloc(size);
    thread_level_buf_size = thread_level_buf ? size : 0;
  }
  return thread_level_buf;
}

static size_t page_round(size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (n + page - 1) / page * page;
}

/*
 * Outputs are mapped pages, not malloc'd: they are allocated on a pool thread and freed on the main
 * thread whenever V8 collects the Buffer, a pattern that leaves glibc's per-thread arenas holding tens of
 * MB of freed memory. A mapping goes back to the system the moment it is freed.
 */
static uint8_t *map_pages(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : (uint8_t *)p;
}

/*
 * Level -1: the block looked incompressible and is framed as stored deflate blocks (RFC 1951 3.2.4; at
 * most 65535 bytes each, byte-aligned, BFINAL on the very last one of the stream): a copy, done here
 * rather than on the main thread.
 */
static void store(Job *job) {
  size_t n = job->input_len;
  size_t count = n == 0 ? 1 : (n + 65534) / 65535;
  size_t mapped = page_round(n + 5 * count);
  uint8_t *out = map_pages(mapped);
  if (!out) {
    job->error = "out of memory";
    return;
  }
  size_t o = 0;
  for (size_t i = 0; i < count; i++) {
    size_t start = i * 65535;
    size_t len = n - start < 65535 ? n - start : 65535;
    out[o] = job->last && i == count - 1 ? 1 : 0;
    out[o + 1] = (uint8_t)(len & 0xff);
    out[o + 2] = (uint8_t)(len >> 8);
    out[o + 3] = (uint8_t)(~len & 0xff);
    out[o + 4] = (uint8_t)((~len >> 8) & 0xff);
    memcpy(out + o + 5, job->input + start, len);
    o += 5 + len;
  }
  job->out = out;
  job->out_len = o;
  job->out_mapped = mapped;
}

static void execute(napi_env env, void *data) {
  (void)env;
  Job *job = (Job *)data;
  job->crc = crc32_gzip_refl(0, job->input, job->input_len);
  if (job->level < 0) {
    store(job);
    return;
  }
  struct isal_zstream stream;
  isal_deflate_init(&stream);
  size_t lb_size = level_buf_size(job->level);
  uint8_t *level_buf = level_buf_for(lb_size);
  /* Worst case (incompressible) is stored blocks: a few bytes per 64 KiB plus headers. */
  size_t cap = page_round(job->input_len + (job->input_len >> 4) + 4096);
  uint8_t *out = map_pages(cap);
  if (!level_buf || !out) {
    if (out) munmap(out, cap);
    job->error = "out of memory";
    return;
  }
  stream.level = (uint32_t)job->level;
  stream.level_buf = level_buf;
  stream.level_buf_size = (uint32_t)lb_size;
  stream.gzip_flag = IGZIP_DEFLATE;
  stream.end_of_stream = job->last ? 1 : 0;
  stream.flush = job->last ? NO_FLUSH : SYNC_FLUSH;
  if (job->dict_len > 0 && isal_deflate_set_dict(&stream, job->dict, (uint32_t)job->dict_len) != COMP_OK) {
    munmap(out, cap);
    job->error = "isal_deflate_set_dict failed";
    return;
  }
  stream.next_in = job->input;
  stream.avail_in = (uint32_t)job->input_len;
  stream.next_out = out;
  stream.avail_out = (uint32_t)cap;
  for (;;) {
    int rc = isal_deflate(&stream);
    if (rc != COMP_OK) {
      munmap(out, cap);
      job->error = "isal_deflate failed";
      return;
    }
    int done = stream.avail_in == 0 &&
               (job->last ? stream.internal_state.state == ZSTATE_END
                          : stream.internal_state.state == ZSTATE_NEW_HDR);
    if (done) break;
    if (stream.avail_out == 0) {
      size_t used = cap;
      void *grown = mremap(out, cap, cap * 2, MREMAP_MAYMOVE);
      if (grown == MAP_FAILED) {
        munmap(out, cap);
        job->error = "out of memory";
        return;
      }
      cap *= 2;
      out = (uint8_t *)grown;
      stream.next_out = out + used;
      stream.avail_out = (uint32_t)(cap - used);
    }
  }
  job->out_len = cap - stream.avail_out;
  /* Give back the untouched tail (two thirds of it for text) before the buffer lives on in JavaScript. */
  size_t keep = page_round(job->out_len > 0 ? job->out_len : 1);
  if (keep < cap) munmap(out + keep, cap - keep);
  job->out = out;
  job->out_mapped = keep;
}

/*
 * The mapping is not reported to V8 (napi_adjust_external_memory): V8 starts a full GC for every ~64 MB of
 * external memory allocated since the last one, freed or not, and these outputs live for milliseconds
 * (the minor GCs that gzip's caller runs every 8 MiB free them). Reported, a 512 MiB push ran 34 full GCs
 * instead of 20 and took 5% longer, for the same peak memory.
 */
static void free_out(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = (Job *)data;
  napi_value callback, global, argv[3];
  napi_get_reference_value(env, job->callback_ref, &callback);
  napi_get_global(env, &global);
  napi_get_null(env, &argv[0]);
  napi_get_undefined(env, &argv[1]);
  napi_create_uint32(env, job->crc, &argv[2]);
  if (status != napi_ok || job->error) {
    napi_value msg;
    napi_create_string_utf8(env, job->error ? job->error : "deflate cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &argv[0]);
    if (job->out) munmap(job->out, job->out_mapped);
  } else if (!FORCE_COPY && napi_create_external_buffer(env, job->out_len, job->out, free_out,
                                         (void *)(uintptr_t)job->out_mapped, &argv[1]) == napi_ok) {
    /* handed over: free_out unmaps it when the Buffer is collected */
  } else {
    /* Electron's V8 sandbox refuses memory from outside its cage (napi_no_external_buffers_allowed): copy. */
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored_error;
      napi_get_and_clear_last_exception(env, &ignored_error);
    }
    void *copy;
    if (napi_create_buffer_copy(env, job->out_len, job->out, &copy, &argv[1]) != napi_ok) {
      napi_value msg;
      napi_create_string_utf8(env, "cannot allocate the output buffer", NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, NULL, msg, &argv[0]);
    }
    munmap(job->out, job->out_mapped);
  }
  napi_delete_reference(env, job->input_ref);
  if (job->dict_ref) napi_delete_reference(env, job->dict_ref);
  napi_delete_reference(env, job->callback_ref);
  napi_delete_async_work(env, job->work);
  free(job);
  napi_call_function(env, global, callback, 3, argv, NULL);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value deflate_block(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "deflateBlock(input, dict, level, last, callback)");
  bool is_buf;
  napi_is_buffer(env, argv[0], &is_buf);
  if (!is_buf) return throw_type(env, "input must be a Buffer");
  Job *job = calloc(1, sizeof(Job));
  if (!job) return throw_type(env, "out of memory");
  void *p;
  napi_get_buffer_info(env, argv[0], &p, &job->input_len);
  job->input = (uint8_t *)p;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_undefined && t != napi_null) {
    napi_is_buffer(env, argv[1], &is_buf);
    if (!is_buf) {
      free(job);
      return throw_type(env, "dict must be a Buffer or undefined");
    }
    napi_get_buffer_info(env, argv[1], &p, &job->dict_len);
    job->dict = (uint8_t *)p;
    napi_create_reference(env, argv[1], 1, &job->dict_ref);
  }
  int32_t level;
  napi_get_value_int32(env, argv[2], &level);
  job->level = level < 0 ? -1 : level > 3 ? 3 : level;
  bool last;
  napi_get_value_bool(env, argv[3], &last);
  job->last = last;
  napi_create_reference(env, argv[0], 1, &job->input_ref);
  napi_create_reference(env, argv[4], 1, &job->callback_ref);
  napi_value name;
  napi_create_string_utf8(env, "isalDeflateBlock", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return NULL;
}

/*
 * trimMemory(): hands the C heap's free pages back to the system (glibc malloc_trim). A transfer moves
 * every byte through short-lived buffers that glibc keeps for reuse once freed; called after each of the
 * transfer's GC rounds it keeps the process's resident memory near what is live.
 */
static napi_value trim_memory(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  malloc_trim(0);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "trimMemory", NAPI_AUTO_LENGTH, trim_memory, NULL, &fn);
  napi_set_named_property(env, exports, "trimMemory", fn);
  napi_create_function(env, "deflateBlock", NAPI_AUTO_LENGTH, deflate_block, NULL, &fn);
  napi_set_named_property(env, exports, "deflateBlock", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
