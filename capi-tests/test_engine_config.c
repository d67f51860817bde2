// Runtime environment: configs, engines (default and configured), stores, Wasmo's config setters
// and the thread-local last-error API of wasmo.h.
#include "harness.h"

#include <pthread.h>

// (module (func (export "f") (result i32) i32.const 7))
static const char tiny[] = "\0asm\1\0\0\0\1\5\1\x60\0\1\x7f\3\2\1\0\7\5\1\1f\0\0\n\6\1\4\0\x41\7\x0b";

// Compiles `tiny` in a fresh store of `engine`; returns whether it worked.
static int engine_compiles(wasm_engine_t* engine) {
  wasm_store_t* store = wasm_store_new(engine);
  if (!store) return 0;
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, sizeof tiny - 1, tiny);
  wasm_module_t* module = wasm_module_new(store, &binary);
  int ok = module != NULL;
  if (module) {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(module, &exports);
    ok = exports.size == 1 && wasm_externtype_kind(wasm_exporttype_type(exports.data[0])) ==
                                  WASM_EXTERN_FUNC;
    wasm_exporttype_vec_delete(&exports);
    wasm_module_delete(module);
  }
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(store);
  return ok;
}

static void test_config_setters(void) {
  wasm_config_t* config = wasm_config_new();
  CHECK(config != NULL);

  CHECK(wasmo_config_set_mode(config, WASMO_MODE_LIFTOFF));
  CHECK(wasmo_error_message() == NULL);
  CHECK(wasmo_config_set_mode(config, WASMO_MODE_OPTIMIZED));
  CHECK(!wasmo_config_set_mode(config, 2));
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "mode") != NULL);
  CHECK(!wasmo_config_set_mode(config, 255));
  // A valid call clears the error.
  CHECK(wasmo_config_set_mode(config, WASMO_MODE_LIFTOFF));
  CHECK(wasmo_error_message() == NULL);

  for (uint32_t level = 0; level <= 3; level++) {
    CHECK(wasmo_config_set_opt_level(config, level));
  }
  CHECK(!wasmo_config_set_opt_level(config, 4));
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strstr(msg, "wasmo_config_set_opt_level") != NULL && strstr(msg, "4") != NULL);
  CHECK(!wasmo_config_set_opt_level(config, UINT32_MAX));
  CHECK(wasmo_config_set_opt_level(config, 1));
  CHECK(wasmo_error_message() == NULL);

  CHECK(wasmo_config_set_compile_threads(config, 0));  // one per core
  CHECK(wasmo_config_set_compile_threads(config, 1));
  CHECK(!wasmo_config_set_opt_level(config, 9));
  CHECK(wasmo_config_set_compile_threads(config, 64));
  CHECK(wasmo_error_message() == NULL);  // a successful setter clears the error

  // An unused config is deleted; a used one is consumed by the engine.
  wasm_config_delete(config);
  wasm_config_delete(NULL);
}

static void test_engines_and_stores(void) {
  wasm_engine_t* plain = wasm_engine_new();
  CHECK(plain != NULL);
  CHECK(engine_compiles(plain));

  // Every combination of mode and level makes a working engine.
  const wasmo_mode_t modes[] = {WASMO_MODE_OPTIMIZED, WASMO_MODE_LIFTOFF};
  for (int m = 0; m < 2; m++) {
    for (uint32_t level = 0; level <= 3; level += 3) {
      wasm_config_t* config = wasm_config_new();
      CHECK(wasmo_config_set_mode(config, modes[m]));
      CHECK(wasmo_config_set_opt_level(config, level));
      CHECK(wasmo_config_set_compile_threads(config, 1));
      wasm_engine_t* engine = wasm_engine_new_with_config(config);  // consumes `config`
      CHECK(engine != NULL);
      CHECK(engine_compiles(engine));
      wasm_engine_delete(engine);
    }
  }
  // A default config.
  wasm_engine_t* engine = wasm_engine_new_with_config(wasm_config_new());
  CHECK(engine != NULL && engine_compiles(engine));

  // Several stores per engine; a module of one store can be shared into another of its engine.
  wasm_store_t* s1 = wasm_store_new(engine);
  wasm_store_t* s2 = wasm_store_new(engine);
  CHECK(s1 != NULL && s2 != NULL && s1 != s2);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, sizeof tiny - 1, tiny);
  wasm_module_t* module = wasm_module_new(s1, &binary);
  CHECK(module != NULL);
  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_module_delete(module);  // the shared module keeps the compiled module alive
  wasm_store_delete(s1);
  wasm_module_t* in_s2 = wasm_module_obtain(s2, shared);
  CHECK(in_s2 != NULL);
  wasm_store_t* s3 = wasm_store_new(plain);
  CHECK(wasm_module_obtain(s3, shared) == NULL);  // another engine
  CHECK(wasmo_error_message() != NULL);
  wasm_store_delete(s3);
  wasm_shared_module_delete(shared);
  wasm_module_delete(in_s2);
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(s2);
  wasm_engine_delete(engine);
  wasm_engine_delete(plain);

  wasm_store_delete(NULL);
  wasm_engine_delete(NULL);
  wasm_shared_module_delete(NULL);
}

// A module shared with other threads, obtained there in stores of the same engine, while those
// threads also compile their own copies.
struct obtain_job {
  wasm_engine_t* engine;
  const wasm_shared_module_t* shared;
  int ok;
};
static void* obtain_in_thread(void* arg) {
  struct obtain_job* job = arg;
  wasm_store_t* store = wasm_store_new(job->engine);
  wasm_module_t* module = wasm_module_obtain(store, job->shared);
  job->ok = module != NULL && engine_compiles(job->engine);
  if (module) {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(module, &exports);
    job->ok &= exports.size == 1 && wasm_exporttype_name(exports.data[0])->data[0] == 'f';
    wasm_exporttype_vec_delete(&exports);
    wasm_module_delete(module);
  }
  wasm_store_delete(store);
  return NULL;
}

static void test_threads(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, sizeof tiny - 1, tiny);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  wasm_shared_module_t* shared = wasm_module_share(module);
  struct obtain_job jobs[3];
  pthread_t threads[3];
  for (int i = 0; i < 3; i++) {
    jobs[i] = (struct obtain_job){engine, shared, 0};
    CHECK(pthread_create(&threads[i], NULL, obtain_in_thread, &jobs[i]) == 0);
  }
  for (int i = 0; i < 3; i++) {
    pthread_join(threads[i], NULL);
    CHECK(jobs[i].ok);
  }
  wasm_shared_module_delete(shared);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

// The last error is per thread.
static void* fail_in_thread(void* arg) {
  int* seen = arg;
  seen[0] = wasmo_error_message() == NULL;  // this thread has no error yet
  wasm_config_t* config = wasm_config_new();
  seen[1] = !wasmo_config_set_opt_level(config, 7) && wasmo_error_message() != NULL;
  wasm_config_delete(config);
  return NULL;
}

static void test_last_error(void) {
  wasmo_error_clear();
  CHECK(wasmo_error_message() == NULL);
  CHECK(wasm_valtype_new(200) == NULL);
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strlen(msg) > 0);
  // Reading does not clear.
  CHECK(wasmo_error_message() != NULL);

  int seen[2] = {0, 0};
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, fail_in_thread, seen) == 0);
  pthread_join(thread, NULL);
  CHECK(seen[0] && seen[1]);
  // The other thread's failure did not replace this thread's message.
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "200") != NULL);

  wasmo_error_clear();
  CHECK(wasmo_error_message() == NULL);
  wasmo_error_clear();  // clearing twice is fine
  CHECK(wasmo_error_message() == NULL);
}

// wasmo.h: the last error is "NULL after a successful call". Each fallible call, on success,
// clears an earlier failure's message.
static void test_success_clears_error(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, sizeof tiny - 1, tiny);

  CHECK(wasm_valtype_new(200) == NULL);
  CHECK(wasm_module_validate(store, &binary));
  CHECK(wasmo_error_message() == NULL);

  CHECK(wasm_valtype_new(200) == NULL);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL && wasmo_error_message() == NULL);

  wasm_shared_module_t* shared = wasm_module_share(module);
  CHECK(wasm_valtype_new(200) == NULL);
  wasm_module_t* obtained = wasm_module_obtain(store, shared);
  CHECK(obtained != NULL && wasmo_error_message() == NULL);
  wasm_module_delete(obtained);
  wasm_shared_module_delete(shared);
  wasm_module_delete(module);

  wasm_config_t* config = wasm_config_new();
  CHECK(wasm_valtype_new(200) == NULL);
  CHECK(wasmo_config_set_compile_threads(config, 2) && wasmo_error_message() == NULL);
  wasm_config_delete(config);

  // Checked since the fix of a bug the coverage work found.
  CHECK(wasm_valtype_new(200) == NULL);
  wasm_valtype_t* t = wasm_valtype_new(WASM_I32);
  CHECK(t != NULL && wasmo_error_message() == NULL);

  CHECK(wasm_valtype_new(200) == NULL);
  wasm_globaltype_t* g = wasm_globaltype_new(t, WASM_CONST);
  CHECK(g != NULL && wasmo_error_message() == NULL);
  wasm_globaltype_delete(g);

  CHECK(wasm_valtype_new(200) == NULL);
  wasm_limits_t limits = {0, 1};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &limits);
  CHECK(tt != NULL && wasmo_error_message() == NULL);
  wasm_tabletype_delete(tt);

  wasmo_error_clear();
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void store_without_engine(void) { wasm_store_new(NULL); }
static void engine_without_config(void) { wasm_engine_new_with_config(NULL); }
static void mode_of_null(void) { wasmo_config_set_mode(NULL, WASMO_MODE_LIFTOFF); }
static void level_of_null(void) { wasmo_config_set_opt_level(NULL, 1); }
static void threads_of_null(void) { wasmo_config_set_compile_threads(NULL, 1); }

int main(void) {
  test_config_setters();
  test_engines_and_stores();
  test_threads();
  test_last_error();
  test_success_clears_error();

  CHECK(aborts_with(store_without_engine, "wasmo: wasm_store_new: argument `engine` must not be NULL"));
  CHECK(aborts_with(engine_without_config,
                    "wasmo: wasm_engine_new_with_config: argument `config` must not be NULL"));
  CHECK(aborts_with(mode_of_null, "wasmo: wasmo_config_set_mode: argument `config` must not be NULL"));
  CHECK(aborts_with(level_of_null, "wasmo: wasmo_config_set_opt_level: argument `config` must not be NULL"));
  CHECK(aborts_with(threads_of_null,
                    "wasmo: wasmo_config_set_compile_threads: argument `config` must not be NULL"));
  return test_finish("test_engine_config");
}
