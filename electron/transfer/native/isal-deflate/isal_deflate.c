/*
 * deflateBlock(input, dict, level, last, callback): one block of Lading's parallel gzip (see
 * electron/transfer/gzip-parallel.ts), raw deflate with Intel ISA-L's igzip, on libuv's thread pool.
 *
 * The block is primed with `dict` (the previous block's last 32 KiB, or undefined) and ends with a sync
 * flush (byte-aligned, BFINAL clear) unless `last`, which ends the stream. callback(err, Buffer).
 * igzip level 1 deflates text about four times faster than zlib level 1 at the same ratio.
 */
#define NAPI_VERSION 8
#include <isa-l/igzip_lib.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static void execute(napi_env env, void *data) {
  (void)env;
  Job *job = (Job *)data;
  struct isal_zstream stream;
  isal_deflate_init(&stream);
  size_t lb_size = level_buf_size(job->level);
  uint8_t *level_buf = malloc(lb_size);
  /* Worst case (incompressible) is stored blocks: a few bytes per 64 KiB plus headers. */
  size_t cap = job->input_len + (job->input_len >> 4) + 4096;
  uint8_t *out = malloc(cap);
  if (!level_buf || !out) {
    free(level_buf);
    free(out);
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
    free(level_buf);
    free(out);
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
      free(level_buf);
      free(out);
      job->error = "isal_deflate failed";
      return;
    }
    int done = stream.avail_in == 0 &&
               (job->last ? stream.internal_state.state == ZSTATE_END
                          : stream.internal_state.state == ZSTATE_NEW_HDR);
    if (done) break;
    if (stream.avail_out == 0) {
      size_t used = cap;
      cap *= 2;
      uint8_t *grown = realloc(out, cap);
      if (!grown) {
        free(level_buf);
        free(out);
        job->error = "out of memory";
        return;
      }
      out = grown;
      stream.next_out = out + used;
      stream.avail_out = (uint32_t)(cap - used);
    }
  }
  free(level_buf);
  job->out_len = cap - stream.avail_out;
  /* Give back the slack (usually two thirds for text) before the buffer lives on in JavaScript. */
  uint8_t *shrunk = realloc(out, job->out_len > 0 ? job->out_len : 1);
  job->out = shrunk ? shrunk : out;
}

static void free_out(napi_env env, void *data, void *hint) {
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)(uintptr_t)hint, &ignored);
  free(data);
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = (Job *)data;
  napi_value callback, global, argv[2];
  napi_get_reference_value(env, job->callback_ref, &callback);
  napi_get_global(env, &global);
  napi_get_null(env, &argv[0]);
  napi_get_undefined(env, &argv[1]);
  if (status != napi_ok || job->error) {
    napi_value msg;
    napi_create_string_utf8(env, job->error ? job->error : "deflate cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &argv[0]);
    free(job->out);
  } else {
    int64_t ignored;
    napi_adjust_external_memory(env, (int64_t)job->out_len, &ignored);
    napi_create_external_buffer(env, job->out_len, job->out, free_out, (void *)(uintptr_t)job->out_len,
                                &argv[1]);
  }
  napi_delete_reference(env, job->input_ref);
  if (job->dict_ref) napi_delete_reference(env, job->dict_ref);
  napi_delete_reference(env, job->callback_ref);
  napi_delete_async_work(env, job->work);
  free(job);
  napi_call_function(env, global, callback, 2, argv, NULL);
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
  job->level = level < 0 ? 0 : level > 3 ? 3 : level;
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "deflateBlock", NAPI_AUTO_LENGTH, deflate_block, NULL, &fn);
  napi_set_named_property(env, exports, "deflateBlock", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
