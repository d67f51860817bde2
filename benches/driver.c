// Benchmark driver using only wasm.h. Built once against libwasmo.so and once against wasmtime's
// libwasmtime.so, so every engine runs the same code path; benches/node-driver.mjs mirrors it for
// V8.
//
//   driver [--steady] FILE.wasm EXPORT REPEAT [ARG...]
//
// Loads FILE.wasm, then times: compiling it (wasm_module_new), instantiating it (every import
// satisfied by a stub made from its import type: functions return zeros and count their calls,
// memories, tables and globals are created from their types), and calling EXPORT with ARGs (parsed
// by the export's parameter types; missing ones are zero). The first call is timed on its own
// (for a lazily compiling engine it includes compiling what it runs); then the best of REPEAT
// further calls is the run time, and every call must return what the first one did.
//
// EXPORT "-" calls nothing: compile and instantiate only (first is then compile + instantiate).
//
//   driver --deserialize FILE.wasm REPEAT
//
// Compiles FILE.wasm, serialises it (wasm_module_serialize) and writes the artifact to a temporary
// file, then times loading it back: the best of REPEAT wasm_module_deserialize calls from the bytes,
// and of REPEAT loads from the file through the library's own call when it has one
// (wasmo_module_deserialize_file, wasmtime_module_deserialize_file; "-" otherwise). Each loaded
// module is instantiated once, untimed, to check that it is usable. Prints
//   deserialize=MS deserialize_file=MS artifact_bytes=N result=loaded
//
//   driver --engine-only
//
// Creates an engine and a store, deletes them and exits, printing nothing: what every program
// using the library pays before any module (benches/time-process.py times whole processes of it).
//
// --steady (or BENCH_STEADY=1): when the library has Wasmo's wasmo_module_wait_tier_up, call it
// after the first call, so the timed calls run on optimised code (lift-off mode's steady state).
//
// Prints one line of key=value fields:
//   compile=MS instantiate=MS call1=MS first=MS run=MS result=R stub_calls=N [tierup=MS] [tiers=A/B/C]
// first is the time from the start of compiling to the first result (compile + instantiate +
// call1); run is "-" when REPEAT is 0; result is the first call's results, comma-separated ("none"
// for no results); tiers (Wasmo only) is not_compiled/baseline/optimized functions at the end.
// On failure prints the reason to stderr and exits 1.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasm.h"

// Wasmo's extensions (wasmo.h), declared here rather than included and weak, so that the same
// driver also links against libwasmtime.so, where they stay NULL: the message of the last failed
// call, and (lift-off mode) waiting for tier-up and counting functions per tier. The struct must
// match wasmo.h.
typedef struct wasmo_tier_counts_t {
  size_t not_compiled;
  size_t baseline;
  size_t optimized;
} wasmo_tier_counts_t;
__attribute__((weak)) const char* wasmo_error_message(void);
__attribute__((weak)) void wasmo_module_wait_tier_up(const wasm_module_t*);
__attribute__((weak)) void wasmo_module_tier_counts(const wasm_module_t*, wasmo_tier_counts_t* out);
__attribute__((weak)) wasm_module_t* wasmo_module_deserialize_file(wasm_store_t*, const char* path);
// wasmtime's own (wasmtime/module.h): an error (NULL on success) and the module through `ret`.
typedef struct wasmtime_module wasmtime_module_t;
__attribute__((weak)) void* wasmtime_module_deserialize_file(wasm_engine_t*, const char* path,
                                                             wasmtime_module_t** ret);
__attribute__((weak)) void wasmtime_module_delete(wasmtime_module_t*);

static int fail(const char* what) {
  const char* why = wasmo_error_message ? wasmo_error_message() : NULL;
  fprintf(stderr, "%s failed%s%s\n", what, why ? ": " : "", why ? why : "");
  return 1;
}

static int fail_trap(const char* what, wasm_trap_t* trap) {
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  fprintf(stderr, "%s: trap: %.*s\n", what, (int)message.size, message.data);
  wasm_byte_vec_delete(&message);
  wasm_trap_delete(trap);
  return 1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// ---- Import stubs ----

// Calls into any stub function: a small export chosen for time-to-first-call should make none.
static unsigned long stub_calls;

// A zero of the given kind (a null reference for reference kinds).
static wasm_val_t zero_of(wasm_valkind_t kind) {
  wasm_val_t v;
  memset(&v, 0, sizeof v);
  v.kind = kind;
  return v;
}

// Host function behind every imported function: counts the call and returns zeros of the
// result types (env: the function's type).
static wasm_trap_t* stub(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  const wasm_valtype_vec_t* types = wasm_functype_results((const wasm_functype_t*)env);
  stub_calls++;
  for (size_t i = 0; i < results->size && i < types->size; i++) results->data[i] = zero_of(wasm_valtype_kind(types->data[i]));
  return NULL;
}

static void stub_finalize(void* env) { wasm_functype_delete((wasm_functype_t*)env); }

static void print_name(FILE* out, const wasm_name_t* name) { fprintf(out, "%.*s", (int)name->size, name->data); }

// Fills `imports` with one stub per import of `module`, in import order. 0 on success.
static int make_imports(wasm_store_t* store, const wasm_module_t* module, wasm_extern_vec_t* imports) {
  wasm_importtype_vec_t types;
  wasm_module_imports(module, &types);
  wasm_extern_vec_new_uninitialized(imports, types.size);
  int status = 0;
  for (size_t i = 0; i < types.size; i++) {
    const wasm_externtype_t* et = wasm_importtype_type(types.data[i]);
    wasm_extern_t* e = NULL;
    switch (wasm_externtype_kind(et)) {
      case WASM_EXTERN_FUNC: {
        const wasm_functype_t* ft = wasm_externtype_as_functype_const(et);
        wasm_func_t* f = wasm_func_new_with_env(store, ft, stub, wasm_functype_copy(ft), stub_finalize);
        e = f ? wasm_func_as_extern(f) : NULL;
        break;
      }
      case WASM_EXTERN_GLOBAL: {
        const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(et);
        wasm_val_t zero = zero_of(wasm_valtype_kind(wasm_globaltype_content(gt)));
        wasm_global_t* g = wasm_global_new(store, gt, &zero);
        e = g ? wasm_global_as_extern(g) : NULL;
        break;
      }
      case WASM_EXTERN_TABLE: {
        wasm_table_t* t = wasm_table_new(store, wasm_externtype_as_tabletype_const(et), NULL);
        e = t ? wasm_table_as_extern(t) : NULL;
        break;
      }
      case WASM_EXTERN_MEMORY: {
        wasm_memory_t* m = wasm_memory_new(store, wasm_externtype_as_memorytype_const(et));
        e = m ? wasm_memory_as_extern(m) : NULL;
        break;
      }
    }
    imports->data[i] = e;
    if (!e && status == 0) {
      fprintf(stderr, "cannot make a stub for import ");
      print_name(stderr, wasm_importtype_module(types.data[i]));
      fprintf(stderr, ".");
      print_name(stderr, wasm_importtype_name(types.data[i]));
      fprintf(stderr, "\n");
      status = 1;
    }
  }
  wasm_importtype_vec_delete(&types);
  return status;
}

// ---- Arguments and results ----

static wasm_val_t parse_arg(wasm_valkind_t kind, const char* text) {
  wasm_val_t v = zero_of(kind);
  if (!text) return v;
  switch (kind) {
    case WASM_I32: v.of.i32 = (int32_t)strtoll(text, NULL, 0); break;
    case WASM_I64: v.of.i64 = (int64_t)strtoll(text, NULL, 0); break;
    case WASM_F32: v.of.f32 = strtof(text, NULL); break;
    case WASM_F64: v.of.f64 = strtod(text, NULL); break;
    default: break;  // references: null
  }
  return v;
}

// Writes the results as text ("none" for none) into buf.
static void format_results(const wasm_val_vec_t* results, char* buf, size_t size) {
  size_t n = 0;
  buf[0] = 0;
  if (results->size == 0) snprintf(buf, size, "none");
  for (size_t i = 0; i < results->size && n < size; i++) {
    const wasm_val_t* v = &results->data[i];
    const char* sep = i ? "," : "";
    switch (v->kind) {
      case WASM_I32: n += snprintf(buf + n, size - n, "%s%" PRId32, sep, v->of.i32); break;
      case WASM_I64: n += snprintf(buf + n, size - n, "%s%" PRId64, sep, v->of.i64); break;
      case WASM_F32: n += snprintf(buf + n, size - n, "%s%.9g", sep, v->of.f32); break;
      case WASM_F64: n += snprintf(buf + n, size - n, "%s%.17g", sep, v->of.f64); break;
      default: n += snprintf(buf + n, size - n, "%s%s", sep, v->of.ref ? "ref" : "null"); break;
    }
  }
}

static int read_file(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  size_t size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, size);
  size_t got = fread(out->data, 1, size, f);
  fclose(f);
  if (got != size) {
    fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  return 0;
}

static int deserialize_main(const char* path, int repeat) {
  wasm_byte_vec_t binary;
  if (read_file(path, &binary)) return 1;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &binary);
  if (!module) return fail("compile");
  wasm_byte_vec_t artifact;
  wasm_module_serialize(module, &artifact);
  if (artifact.size == 0) return fail("serialize");
  wasm_module_delete(module);
  char file[] = "/tmp/wasmo-bench-XXXXXX";
  int fd = mkstemp(file);
  FILE* out = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!out || fwrite(artifact.data, 1, artifact.size, out) != artifact.size || fclose(out) != 0) {
    fprintf(stderr, "cannot write %s\n", file);
    return 1;
  }
  double best = 1e300, best_file = 1e300;
  for (int r = 0; r < repeat; r++) {
    double s = now_ms();
    wasm_module_t* m = wasm_module_deserialize(store, &artifact);
    double e = now_ms();
    if (!m) return fail("deserialize");
    if (e - s < best) best = e - s;
    wasm_extern_vec_t imports;
    if (make_imports(store, m, &imports)) return 1;
    wasm_trap_t* trap = NULL;
    wasm_instance_t* instance = wasm_instance_new(store, m, &imports, &trap);
    if (!instance) return trap ? fail_trap("instantiate", trap) : fail("instantiate");
    wasm_instance_delete(instance);
    wasm_extern_vec_delete(&imports);
    wasm_module_delete(m);
  }
  for (int r = 0; r < repeat && (wasmo_module_deserialize_file || wasmtime_module_deserialize_file); r++) {
    double s = now_ms(), e;
    if (wasmo_module_deserialize_file) {
      wasm_module_t* m = wasmo_module_deserialize_file(store, file);
      e = now_ms();
      if (!m) return fail("deserialize_file");
      wasm_module_delete(m);
    } else {
      wasmtime_module_t* m = NULL;
      void* error = wasmtime_module_deserialize_file(engine, file, &m);
      e = now_ms();
      if (error || !m) return fail("wasmtime_module_deserialize_file");
      wasmtime_module_delete(m);
    }
    if (e - s < best_file) best_file = e - s;
  }
  unlink(file);
  printf("deserialize=%.3f ", best);
  if (best_file < 1e300)
    printf("deserialize_file=%.3f ", best_file);
  else
    printf("deserialize_file=- ");
  printf("artifact_bytes=%zu result=loaded\n", artifact.size);
  wasm_byte_vec_delete(&artifact);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  wasm_byte_vec_delete(&binary);
  return 0;
}

int main(int argc, char** argv) {
  int argi = 1;
  if (argc == 4 && strcmp(argv[1], "--deserialize") == 0) return deserialize_main(argv[2], atoi(argv[3]));
  if (argc == 2 && strcmp(argv[1], "--engine-only") == 0) {
    wasm_engine_t* engine = wasm_engine_new();
    wasm_store_t* store = wasm_store_new(engine);
    int ok = engine && store;
    wasm_store_delete(store);
    wasm_engine_delete(engine);
    return ok ? 0 : 1;
  }
  const char* steady_env = getenv("BENCH_STEADY");
  int steady = steady_env && *steady_env && strcmp(steady_env, "0") != 0;
  if (argi < argc && strcmp(argv[argi], "--steady") == 0) {
    steady = 1;
    argi++;
  }
  if (argc - argi < 3) {
    fprintf(stderr, "usage: %s [--steady] FILE.wasm EXPORT REPEAT [ARG...]\n", argv[0]);
    return 2;
  }
  const char* path = argv[argi];
  const char* export_name = argv[argi + 1];
  int repeat = atoi(argv[argi + 2]);
  char** args_text = argv + argi + 3;
  int args_count = argc - argi - 3;

  wasm_byte_vec_t binary;
  if (read_file(path, &binary)) return 1;

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  double t0 = now_ms();
  wasm_module_t* module = wasm_module_new(store, &binary);
  double t1 = now_ms();
  if (!module) return fail("compile");
  wasm_extern_vec_t imports;
  if (make_imports(store, module, &imports)) return 1;
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  double t2 = now_ms();
  if (!instance) return trap ? fail_trap("instantiate", trap) : fail("instantiate");

  if (strcmp(export_name, "-") == 0) {
    printf("compile=%.3f instantiate=%.3f call1=0 first=%.3f run=- result=none stub_calls=%lu\n", t1 - t0, t2 - t1,
           t2 - t0, stub_calls);
    return 0;
  }

  // The export to call, and its type.
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* func = NULL;
  const wasm_functype_t* ftype = NULL;
  size_t name_len = strlen(export_name);
  for (size_t i = 0; i < export_types.size; i++) {
    const wasm_name_t* name = wasm_exporttype_name(export_types.data[i]);
    const wasm_externtype_t* et = wasm_exporttype_type(export_types.data[i]);
    if (name->size == name_len && memcmp(name->data, export_name, name_len) == 0 &&
        wasm_externtype_kind(et) == WASM_EXTERN_FUNC) {
      func = wasm_extern_as_func(exports.data[i]);
      ftype = wasm_externtype_as_functype_const(et);
    }
  }
  if (!func) {
    fprintf(stderr, "no function export `%s`\n", export_name);
    return 1;
  }
  const wasm_valtype_vec_t* params = wasm_functype_params(ftype);
  const wasm_valtype_vec_t* result_types = wasm_functype_results(ftype);
  wasm_val_t* arg_vals = calloc(params->size + 1, sizeof(wasm_val_t));
  wasm_val_t* result_vals = calloc(result_types->size + 1, sizeof(wasm_val_t));
  for (size_t i = 0; i < params->size; i++)
    arg_vals[i] = parse_arg(wasm_valtype_kind(params->data[i]), (int)i < args_count ? args_text[i] : NULL);
  wasm_val_vec_t av = {params->size, arg_vals}, rv = {result_types->size, result_vals};

  // The first call, which for a lazily compiling engine also compiles what it runs.
  for (size_t i = 0; i < result_types->size; i++) result_vals[i] = zero_of(wasm_valtype_kind(result_types->data[i]));
  double t3 = now_ms();
  trap = wasm_func_call(func, &av, &rv);
  double t4 = now_ms();
  if (trap) return fail_trap("first call", trap);
  char first_result[512], result[512];
  format_results(&rv, first_result, sizeof first_result);

  double tierup = -1;
  if (steady && wasmo_module_wait_tier_up) {
    double s = now_ms();
    wasmo_module_wait_tier_up(module);
    tierup = now_ms() - s;
  }

  double best = 1e300;
  for (int r = 0; r < repeat; r++) {
    for (size_t i = 0; i < result_types->size; i++) result_vals[i] = zero_of(wasm_valtype_kind(result_types->data[i]));
    double s = now_ms();
    trap = wasm_func_call(func, &av, &rv);
    double e = now_ms();
    if (trap) return fail_trap("timed call", trap);
    format_results(&rv, result, sizeof result);
    if (strcmp(result, first_result) != 0) {
      fprintf(stderr, "call %d returned %s, the first call %s\n", r + 2, result, first_result);
      return 1;
    }
    if (e - s < best) best = e - s;
  }

  printf("compile=%.3f instantiate=%.3f call1=%.3f first=%.3f ", t1 - t0, t2 - t1, t4 - t3, t4 - t0);
  if (repeat > 0)
    printf("run=%.3f ", best);
  else
    printf("run=- ");
  printf("result=%s stub_calls=%lu", first_result, stub_calls);
  if (tierup >= 0) printf(" tierup=%.3f", tierup);
  if (wasmo_module_tier_counts) {
    wasmo_tier_counts_t counts = {0, 0, 0};
    wasmo_module_tier_counts(module, &counts);
    printf(" tiers=%zu/%zu/%zu", counts.not_compiled, counts.baseline, counts.optimized);
  }
  printf("\n");
  fflush(stdout);

  free(arg_vals);
  free(result_vals);
  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&export_types);
  wasm_instance_delete(instance);
  wasm_extern_vec_delete(&imports);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  wasm_byte_vec_delete(&binary);
  return 0;
}
