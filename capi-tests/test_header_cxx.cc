// wasm.h and wasmo.h compile as C++17 (under -Wall -Wextra -Werror) and link against
// libwasmo.so with C linkage: a few calls through RAII wrappers, the inline helpers and the
// value/vector macros from C++.
#include "wasm.h"
#include "wasmo.h"
#include "wasi.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace {

template <typename T, void (*Delete)(T*)>
struct Deleter {
  void operator()(T* p) const { Delete(p); }
};
template <typename T, void (*Delete)(T*)>
using Own = std::unique_ptr<T, Deleter<T, Delete>>;

using Engine = Own<wasm_engine_t, wasm_engine_delete>;
using Store = Own<wasm_store_t, wasm_store_delete>;
using Module = Own<wasm_module_t, wasm_module_delete>;
using Foreign = Own<wasm_foreign_t, wasm_foreign_delete>;
using FuncType = Own<wasm_functype_t, wasm_functype_delete>;

// A byte vector owned by a C++ object.
struct Bytes {
  wasm_byte_vec_t vec;
  explicit Bytes(const std::string& s) { wasm_byte_vec_new(&vec, s.size(), s.data()); }
  ~Bytes() { wasm_byte_vec_delete(&vec); }
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;
};

std::string name_of(const wasm_name_t* n) { return std::string(n->data, n->size); }

int finalized = 0;

}  // namespace

int main() {
  wasm_config_t* config = wasm_config_new();
  CHECK(wasmo_config_set_mode(config, WASMO_MODE_LIFTOFF));
  CHECK(wasmo_config_set_opt_level(config, 1));
  CHECK(!wasmo_config_set_opt_level(config, 42));
  CHECK(std::string(wasmo_error_message()).find("wasmo_config_set_opt_level") != std::string::npos);
  wasmo_error_clear();
  Engine engine(wasm_engine_new_with_config(config));
  Store store(wasm_store_new(engine.get()));
  CHECK(engine && store);

  // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  const std::string wasm("\0asm\1\0\0\0\1\7\1\x60\2\x7f\x7f\1\x7f\3\2\1\0\7\7\1\3add\0\0"
                         "\n\x09\1\7\0\x20\0\x20\1\x6a\x0b",
                         41);
  Bytes binary(wasm);
  CHECK(wasm_module_validate(store.get(), &binary.vec));
  Module module(wasm_module_new(store.get(), &binary.vec));
  CHECK(module != nullptr);
  if (module) {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(module.get(), &exports);
    CHECK(exports.size == 1 && name_of(wasm_exporttype_name(exports.data[0])) == "add");
    const wasm_functype_t* f = wasm_externtype_as_functype_const(wasm_exporttype_type(exports.data[0]));
    CHECK(f != nullptr && wasm_functype_params(f)->size == 2 && wasm_functype_results(f)->size == 1);
    // The same signature built with an inline helper, compared kind by kind.
    FuncType expected(wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                            wasm_valtype_new_i32()));
    bool same_kinds = true;
    for (size_t i = 0; i < 2; i++)
      same_kinds &= wasm_valtype_kind(wasm_functype_params(f)->data[i]) ==
                    wasm_valtype_kind(wasm_functype_params(expected.get())->data[i]);
    CHECK(same_kinds && wasm_valtype_is_num(wasm_functype_results(f)->data[0]));
    wasm_exporttype_vec_delete(&exports);
  }

  // Host info with a captureless lambda as the finalizer.
  {
    Foreign foreign(wasm_foreign_new(store.get()));
    Foreign copy(wasm_foreign_copy(foreign.get()));
    wasm_foreign_set_host_info_with_finalizer(foreign.get(), &finalized,
                                              [](void* p) { ++*static_cast<int*>(p); });
    CHECK(wasm_foreign_same(foreign.get(), copy.get()));
    CHECK(wasm_foreign_get_host_info(copy.get()) == &finalized);
    foreign.reset();
    CHECK(finalized == 0);
  }
  CHECK(finalized == 1);

  // Value and vector macros as C++ initializers.
  wasm_val_t vals[] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_F32_VAL(3.0f), WASM_F64_VAL(4.0),
                       WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(vals);
  wasm_val_vec_t copy;
  wasm_val_vec_copy(&copy, &args);
  CHECK(copy.size == 5 && copy.data[2].kind == WASM_F32 && copy.data[2].of.f32 == 3.0f);
  CHECK(copy.data[4].kind == WASM_EXTERNREF && copy.data[4].of.ref == nullptr);
  wasm_val_vec_delete(&copy);
  wasm_byte_vec_t empty = WASM_EMPTY_VEC;
  CHECK(empty.size == 0 && empty.data == nullptr);

  wasm_name_t name;
  wasm_name_new_from_string_nt(&name, "c++");
  CHECK(name.size == 4 && std::strcmp(name.data, "c++") == 0);
  wasm_name_delete(&name);

  std::vector<wasm_valkind_t> kinds;
  for (wasm_valkind_t k : {WASM_I32, WASM_F64, WASM_EXTERNREF})
    if (wasm_valkind_is_ref(k)) kinds.push_back(k);
  CHECK(kinds.size() == 1 && kinds[0] == WASM_EXTERNREF);

  wasm_val_t p;
  wasm_val_init_ptr(&p, &kinds);
  CHECK(wasm_val_ptr(&p) == &kinds);

  module.reset();
  store.reset();
  engine.reset();
  return test_finish("test_header_cxx");
}
