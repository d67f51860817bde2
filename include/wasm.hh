// WebAssembly C++ API (wasm.hh), as implemented by Wasmo.
//
// Source compatible with the standard wasm-c-api C++ header (include/wasm.hh of
// WebAssembly/wasm-c-api, the API V8 implements): the same namespace, classes, member functions,
// value and vector templates and ownership rules, so a C++ program written against it builds
// against this header unchanged and links with `-lwasmo` alone.
//
// Unlike V8's, this implementation is header-only: every member function is an inline function
// over wasm.h (included below), so libwasmo.so has no C++ ABI to keep. What makes this possible
// is that a wasm.h object and its C++ counterpart are the same pointer: `wasm::Func*` is a
// `wasm_func_t*`, and Wasmo's casts between kinds of object (`wasm_func_as_extern`,
// `wasm_func_as_ref`, `wasm_functype_as_externtype`, ...) never change a pointer, so C++'s
// implicit upcasts (a `Func*` passed where an `Extern*` or a `Ref*` is expected) are exact.
// Vectors, values and limits have the C layout too (`vec<T>` is `{size_t, T*}`, `Val` is
// `wasm_val_t`), which the static assertions below check.
//
// Differences from V8's implementation that a program can notice:
// - `Val::ref()` values carry the kind EXTERNREF whatever they hold (as upstream's constructor
//   sets it); when such a value is passed where a funcref is expected (a call's argument, a
//   host function's result, a global), the kind is taken from the expected type.
// - Tags and exnref values (Wasm exception handling) have no C++ classes; an extern of kind 4
//   (`WASMO_EXTERN_TAG`) is reported by `Extern::kind()` and `ExternType::kind()` as that value.
// - Before C++17, `Memory::page_size` is a plain `static const` member, as upstream: taking its
//   address (or binding it to a const reference, as `std::max` does) needs C++17.
// - `WASM_API_DEBUG` (V8's allocation tracking of vectors) is not supported.

#ifndef WASM_HH
#define WASM_HH

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "wasm.h"

#ifndef WASM_API_EXTERN
#define WASM_API_EXTERN
#endif

///////////////////////////////////////////////////////////////////////////////
// Auxiliaries

static_assert(sizeof(float) == sizeof(int32_t), "incompatible float type");
static_assert(sizeof(double) == sizeof(int64_t), "incompatible double type");
static_assert(sizeof(intptr_t) == sizeof(int32_t) || sizeof(intptr_t) == sizeof(int64_t),
              "incompatible pointer type");

// wasm.h declares the same three as typedefs.
using byte_t = char;
using float32_t = float;
using float64_t = double;

namespace wasm {

namespace wasmo_impl {
struct Access;
}

// Vectors: a size and an owned array. A moved-from or `invalid()` vector has the size
// `invalid_size` and converts to false.
template <class T>
class vec {
  static const size_t invalid_size = SIZE_MAX;

  size_t size_;
  std::unique_ptr<T[]> data_;

  friend struct wasmo_impl::Access;

  vec(size_t size) : vec(size, size ? new (std::nothrow) T[size] : nullptr) {}
  vec(size_t size, T* data) : size_(size), data_(data) {
    assert(!!size_ == !!data_ || size_ == invalid_size);
  }

 public:
  using elem_type = T;

  vec(vec<T>&& that) : vec(that.size_, that.data_.release()) { that.size_ = invalid_size; }
  ~vec() {}

  operator bool() const { return bool(size_ != invalid_size); }

  auto size() const -> size_t { return size_; }
  auto get() const -> const T* { return data_.get(); }
  auto get() -> T* { return data_.get(); }

  auto release() -> T* {
    size_ = invalid_size;
    return data_.release();
  }

  void reset() {
    size_ = invalid_size;
    data_.reset();
  }

  void reset(vec& that) {
    size_ = that.size_;
    data_.reset(that.data_.release());
    that.size_ = invalid_size;
  }

  auto operator=(vec&& that) -> vec& {
    reset(that);
    return *this;
  }

  auto operator[](size_t i) -> T& {
    assert(i < size_);
    return data_[i];
  }
  auto operator[](size_t i) const -> const T& {
    assert(i < size_);
    return data_[i];
  }

  // An element-wise copy (for vectors of plain values and raw pointers).
  auto copy() const -> vec {
    auto v = vec(size_);
    if (v) {
      for (size_t i = 0; i < size_; ++i) v.data_[i] = data_[i];
    }
    return v;
  }

  // A copy whose elements are the elements' `copy()` (for vectors of owned objects).
  auto deep_copy() const -> vec {
    auto v = vec(size_);
    if (v) {
      for (size_t i = 0; i < size_; ++i) v.data_[i] = data_[i]->copy();
    }
    return v;
  }

  static auto make_uninitialized(size_t size = 0) -> vec { return vec(size); }

  static auto make(size_t size, T init[]) -> vec {
    auto v = vec(size);
    if (v) {
      for (size_t i = 0; i < size; ++i) v.data_[i] = std::move(init[i]);
    }
    return v;
  }

  // The characters of `s`, without a terminating NUL.
  static auto make(std::string s) -> vec<char> {
    auto v = vec(s.length());
    if (v && s.length()) std::memcpy(v.get(), s.data(), s.length());
    return v;
  }

  // The characters of `s` and a terminating NUL (messages are NUL-terminated).
  static auto make_nt(std::string s) -> vec<char> {
    auto v = vec(s.length() + 1);
    if (v) std::memcpy(v.get(), s.c_str(), s.length() + 1);
    return v;
  }

  static auto make() -> vec { return vec(0); }

  template <class... Ts>
  static auto make(Ts&&... args) -> vec {
    T data[] = {std::forward<Ts>(args)...};
    return make(sizeof...(Ts), data);
  }

  static auto adopt(size_t size, T data[]) -> vec { return vec(size, data); }
  static auto invalid() -> vec { return vec(invalid_size, nullptr); }
};

// Ownership: `own<T>` deletes its object through the object's `destroy()`.

class destroyer {
 public:
  template <typename T>
  void operator()(T* ptr) {
    ptr->destroy();
  }
};

template <class T>
using own = std::unique_ptr<T, destroyer>;
template <class T>
using ownvec = vec<own<T>>;

template <class T>
own<T> make_own(T* ptr) {
  return own<T>(ptr);
}

///////////////////////////////////////////////////////////////////////////////
// Runtime environment

class WASM_API_EXTERN Config {
  friend class destroyer;
  void destroy();

 protected:
  Config() = default;
  ~Config() = default;

 public:
  static auto make() -> own<Config>;
};

class WASM_API_EXTERN Engine {
  friend class destroyer;
  void destroy();

 protected:
  Engine() = default;
  ~Engine() = default;

 public:
  static auto make(own<Config>&& = Config::make()) -> own<Engine>;
};

class WASM_API_EXTERN Store {
  friend class destroyer;
  void destroy();

 protected:
  Store() = default;
  ~Store() = default;

 public:
  static auto make(Engine*) -> own<Store>;
};

///////////////////////////////////////////////////////////////////////////////
// Type representations

enum class Mutability : uint8_t { CONST, VAR };

struct Limits {
  uint32_t min;
  uint32_t max;

  Limits(uint32_t min, uint32_t max = std::numeric_limits<uint32_t>::max()) : min(min), max(max) {}
};

enum class ValKind : uint8_t {
  I32,
  I64,
  F32,
  F64,
  EXTERNREF = 128,
  FUNCREF,
};

inline bool is_num(ValKind k) { return k < ValKind::EXTERNREF; }
inline bool is_ref(ValKind k) { return k >= ValKind::EXTERNREF; }

class WASM_API_EXTERN ValType {
  friend class destroyer;
  void destroy();

 protected:
  ValType() = default;
  ~ValType() = default;

 public:
  static auto make(ValKind) -> own<ValType>;
  auto copy() const -> own<ValType>;

  auto kind() const -> ValKind;
  auto is_num() const -> bool { return wasm::is_num(kind()); }
  auto is_ref() const -> bool { return wasm::is_ref(kind()); }
};

enum class ExternKind : uint8_t { FUNC, GLOBAL, TABLE, MEMORY };

class FuncType;
class GlobalType;
class TableType;
class MemoryType;

class WASM_API_EXTERN ExternType {
  friend class destroyer;
  void destroy();

 protected:
  ExternType() = default;
  ~ExternType() = default;

 public:
  auto copy() const -> own<ExternType>;

  auto kind() const -> ExternKind;

  // The type as the kind it is, or null when it is another kind.
  auto func() -> FuncType*;
  auto global() -> GlobalType*;
  auto table() -> TableType*;
  auto memory() -> MemoryType*;

  auto func() const -> const FuncType*;
  auto global() const -> const GlobalType*;
  auto table() const -> const TableType*;
  auto memory() const -> const MemoryType*;
};

class WASM_API_EXTERN FuncType : public ExternType {
  friend class destroyer;
  void destroy();

 protected:
  FuncType() = default;
  ~FuncType() = default;

 public:
  static auto make(ownvec<ValType>&& params = ownvec<ValType>::make(),
                   ownvec<ValType>&& results = ownvec<ValType>::make()) -> own<FuncType>;

  auto copy() const -> own<FuncType>;

  auto params() const -> const ownvec<ValType>&;
  auto results() const -> const ownvec<ValType>&;
};

class WASM_API_EXTERN GlobalType : public ExternType {
  friend class destroyer;
  void destroy();

 protected:
  GlobalType() = default;
  ~GlobalType() = default;

 public:
  static auto make(own<ValType>&&, Mutability) -> own<GlobalType>;
  auto copy() const -> own<GlobalType>;

  auto content() const -> const ValType*;
  auto mutability() const -> Mutability;
};

class WASM_API_EXTERN TableType : public ExternType {
  friend class destroyer;
  void destroy();

 protected:
  TableType() = default;
  ~TableType() = default;

 public:
  static auto make(own<ValType>&&, Limits) -> own<TableType>;
  auto copy() const -> own<TableType>;

  auto element() const -> const ValType*;
  auto limits() const -> const Limits&;
};

class WASM_API_EXTERN MemoryType : public ExternType {
  friend class destroyer;
  void destroy();

 protected:
  MemoryType() = default;
  ~MemoryType() = default;

 public:
  static auto make(Limits) -> own<MemoryType>;
  auto copy() const -> own<MemoryType>;

  auto limits() const -> const Limits&;
};

using Name = vec<byte_t>;

class WASM_API_EXTERN ImportType {
  friend class destroyer;
  void destroy();

 protected:
  ImportType() = default;
  ~ImportType() = default;

 public:
  static auto make(Name&& module, Name&& name, own<ExternType>&&) -> own<ImportType>;
  auto copy() const -> own<ImportType>;

  auto module() const -> const Name&;
  auto name() const -> const Name&;
  auto type() const -> const ExternType*;
};

class WASM_API_EXTERN ExportType {
  friend class destroyer;
  void destroy();

 protected:
  ExportType() = default;
  ~ExportType() = default;

 public:
  static auto make(Name&&, own<ExternType>&&) -> own<ExportType>;
  auto copy() const -> own<ExportType>;

  auto name() const -> const Name&;
  auto type() const -> const ExternType*;
};

///////////////////////////////////////////////////////////////////////////////
// Runtime objects

class WASM_API_EXTERN Ref {
  friend class destroyer;
  void destroy();

 protected:
  Ref() = default;
  ~Ref() = default;

 public:
  auto copy() const -> own<Ref>;
  auto same(const Ref*) const -> bool;

  auto get_host_info() const -> void*;
  void set_host_info(void* info, void (*finalizer)(void*) = nullptr);
};

// Values: a number, or an owned reference (which may be null).
class Val {
  ValKind kind_;
  union impl {
    int32_t i32;
    int64_t i64;
    float32_t f32;
    float64_t f64;
    Ref* ref;
  } impl_;

  friend struct wasmo_impl::Access;

  Val(ValKind kind, impl impl) : kind_(kind), impl_(impl) {}

 public:
  Val() : kind_(ValKind::EXTERNREF) { impl_.ref = nullptr; }
  explicit Val(int32_t i) : kind_(ValKind::I32) { impl_.i32 = i; }
  explicit Val(int64_t i) : kind_(ValKind::I64) { impl_.i64 = i; }
  explicit Val(float32_t z) : kind_(ValKind::F32) { impl_.f32 = z; }
  explicit Val(float64_t z) : kind_(ValKind::F64) { impl_.f64 = z; }
  explicit Val(own<Ref>&& r) : kind_(ValKind::EXTERNREF) { impl_.ref = r.release(); }

  Val(Val&& that) : kind_(that.kind_), impl_(that.impl_) {
    if (is_ref()) that.impl_.ref = nullptr;
  }

  ~Val() { reset(); }

  auto is_num() const -> bool { return wasm::is_num(kind_); }
  auto is_ref() const -> bool { return wasm::is_ref(kind_); }

  static auto i32(int32_t x) -> Val { return Val(x); }
  static auto i64(int64_t x) -> Val { return Val(x); }
  static auto f32(float32_t x) -> Val { return Val(x); }
  static auto f64(float64_t x) -> Val { return Val(x); }
  static auto ref(own<Ref>&& x) -> Val { return Val(std::move(x)); }
  template <class T>
  inline static auto make(T x) -> Val;
  template <class T>
  inline static auto make(own<T>&& x) -> Val;

  void reset() {
    if (is_ref() && impl_.ref) {
      destroyer()(impl_.ref);
      impl_.ref = nullptr;
    }
  }

  void reset(Val& that) {
    reset();
    kind_ = that.kind_;
    impl_ = that.impl_;
    if (is_ref()) that.impl_.ref = nullptr;
  }

  auto operator=(Val&& that) -> Val& {
    reset(that);
    return *this;
  }

  auto kind() const -> ValKind { return kind_; }
  auto i32() const -> int32_t {
    assert(kind_ == ValKind::I32);
    return impl_.i32;
  }
  auto i64() const -> int64_t {
    assert(kind_ == ValKind::I64);
    return impl_.i64;
  }
  auto f32() const -> float32_t {
    assert(kind_ == ValKind::F32);
    return impl_.f32;
  }
  auto f64() const -> float64_t {
    assert(kind_ == ValKind::F64);
    return impl_.f64;
  }
  auto ref() const -> Ref* {
    assert(is_ref());
    return impl_.ref;
  }
  template <class T>
  inline auto get() const -> T;

  auto release_ref() -> own<Ref> {
    assert(is_ref());
    Ref* r = impl_.ref;
    impl_.ref = nullptr;
    return own<Ref>(r);
  }

  auto copy() const -> Val;
};

template <>
inline auto Val::make<int32_t>(int32_t x) -> Val {
  return Val(x);
}
template <>
inline auto Val::make<int64_t>(int64_t x) -> Val {
  return Val(x);
}
template <>
inline auto Val::make<float32_t>(float32_t x) -> Val {
  return Val(x);
}
template <>
inline auto Val::make<float64_t>(float64_t x) -> Val {
  return Val(x);
}
template <>
inline auto Val::make<Ref>(own<Ref>&& x) -> Val {
  return Val(std::move(x));
}
template <>
inline auto Val::make<uint32_t>(uint32_t x) -> Val {
  return Val(static_cast<int32_t>(x));
}
template <>
inline auto Val::make<uint64_t>(uint64_t x) -> Val {
  return Val(static_cast<int64_t>(x));
}

template <>
inline auto Val::get<int32_t>() const -> int32_t {
  return i32();
}
template <>
inline auto Val::get<int64_t>() const -> int64_t {
  return i64();
}
template <>
inline auto Val::get<float32_t>() const -> float32_t {
  return f32();
}
template <>
inline auto Val::get<float64_t>() const -> float64_t {
  return f64();
}
template <>
inline auto Val::get<Ref*>() const -> Ref* {
  return ref();
}
template <>
inline auto Val::get<uint32_t>() const -> uint32_t {
  return static_cast<uint32_t>(i32());
}
template <>
inline auto Val::get<uint64_t>() const -> uint64_t {
  return static_cast<uint64_t>(i64());
}

// Traps

using Message = vec<byte_t>;  // NUL-terminated

class Instance;

class WASM_API_EXTERN Frame {
  friend class destroyer;
  void destroy();

 protected:
  Frame() = default;
  ~Frame() = default;

 public:
  auto copy() const -> own<Frame>;

  auto instance() const -> Instance*;
  auto func_index() const -> uint32_t;
  auto func_offset() const -> size_t;
  auto module_offset() const -> size_t;
};

class WASM_API_EXTERN Trap : public Ref {
  friend class destroyer;
  void destroy();

 protected:
  Trap() = default;
  ~Trap() = default;

 public:
  static auto make(Store*, const Message& msg) -> own<Trap>;
  auto copy() const -> own<Trap>;

  auto message() const -> Message;
  auto origin() const -> own<Frame>;    // may be null
  auto trace() const -> ownvec<Frame>;  // may be empty, origin first
};

// Modules

template <class T>
class WASM_API_EXTERN Shared;

class WASM_API_EXTERN Module : public Ref {
  friend class destroyer;
  void destroy();

 protected:
  Module() = default;
  ~Module() = default;

 public:
  static auto validate(Store*, const vec<byte_t>& binary) -> bool;
  static auto make(Store*, const vec<byte_t>& binary) -> own<Module>;
  auto copy() const -> own<Module>;

  auto imports() const -> ownvec<ImportType>;
  auto exports() const -> ownvec<ExportType>;

  auto share() const -> own<Shared<Module>>;
  static auto obtain(Store*, const Shared<Module>*) -> own<Module>;

  auto serialize() const -> vec<byte_t>;
  static auto deserialize(Store*, const vec<byte_t>&) -> own<Module>;
};

template <>
class WASM_API_EXTERN Shared<Module> {
  friend class destroyer;
  void destroy();

 protected:
  Shared() = default;
  ~Shared() = default;
};

// Foreign objects: opaque host values wasm can hold as externrefs.

class WASM_API_EXTERN Foreign : public Ref {
  friend class destroyer;
  void destroy();

 protected:
  Foreign() = default;
  ~Foreign() = default;

 public:
  static auto make(Store*) -> own<Foreign>;
  auto copy() const -> own<Foreign>;
};

// Externals

class Func;
class Global;
class Table;
class Memory;

class WASM_API_EXTERN Extern : public Ref {
  friend class destroyer;
  void destroy();

 protected:
  Extern() = default;
  ~Extern() = default;

 public:
  auto copy() const -> own<Extern>;

  auto kind() const -> ExternKind;
  auto type() const -> own<ExternType>;

  // The external as the kind it is, or null when it is another kind.
  auto func() -> Func*;
  auto global() -> Global*;
  auto table() -> Table*;
  auto memory() -> Memory*;

  auto func() const -> const Func*;
  auto global() const -> const Global*;
  auto table() const -> const Table*;
  auto memory() const -> const Memory*;
};

class WASM_API_EXTERN Func : public Extern {
  friend class destroyer;
  void destroy();

 protected:
  Func() = default;
  ~Func() = default;

 public:
  using callback = auto (*)(const vec<Val>&, vec<Val>&) -> own<Trap>;
  using callback_with_env = auto (*)(void*, const vec<Val>&, vec<Val>&) -> own<Trap>;

  static auto make(Store*, const FuncType*, callback) -> own<Func>;
  static auto make(Store*, const FuncType*, callback_with_env, void*,
                   void (*finalizer)(void*) = nullptr) -> own<Func>;
  auto copy() const -> own<Func>;

  auto type() const -> own<FuncType>;
  auto param_arity() const -> size_t;
  auto result_arity() const -> size_t;

  // Calls the function; `results` must have the function's result arity. Returns the trap, or
  // null and the results.
  auto call(const vec<Val>&, vec<Val>&) const -> own<Trap>;
};

class WASM_API_EXTERN Global : public Extern {
  friend class destroyer;
  void destroy();

 protected:
  Global() = default;
  ~Global() = default;

 public:
  static auto make(Store*, const GlobalType*, const Val&) -> own<Global>;
  auto copy() const -> own<Global>;

  auto type() const -> own<GlobalType>;
  auto get() const -> Val;
  void set(const Val&);
};

class WASM_API_EXTERN Table : public Extern {
  friend class destroyer;
  void destroy();

 protected:
  Table() = default;
  ~Table() = default;

 public:
  using size_t = uint32_t;

  static auto make(Store*, const TableType*, const Ref* init = nullptr) -> own<Table>;
  auto copy() const -> own<Table>;

  auto type() const -> own<TableType>;
  auto get(size_t index) const -> own<Ref>;
  auto set(size_t index, const Ref*) -> bool;
  auto size() const -> size_t;
  auto grow(size_t delta, const Ref* init = nullptr) -> bool;
};

class WASM_API_EXTERN Memory : public Extern {
  friend class destroyer;
  void destroy();

 protected:
  Memory() = default;
  ~Memory() = default;

 public:
  static auto make(Store*, const MemoryType*) -> own<Memory>;
  auto copy() const -> own<Memory>;

  using pages_t = uint32_t;

#if __cplusplus >= 201703L
  static constexpr size_t page_size = 0x10000;
#else
  static const size_t page_size = 0x10000;
#endif

  auto type() const -> own<MemoryType>;
  auto data() const -> byte_t*;
  auto data_size() const -> size_t;
  auto size() const -> pages_t;
  auto grow(pages_t delta) -> bool;
};

class WASM_API_EXTERN Instance : public Ref {
  friend class destroyer;
  void destroy();

 protected:
  Instance() = default;
  ~Instance() = default;

 public:
  static auto make(Store*, const Module*, const vec<Extern*>&, own<Trap>* = nullptr)
      -> own<Instance>;
  auto copy() const -> own<Instance>;

  auto exports() const -> ownvec<Extern>;
};

///////////////////////////////////////////////////////////////////////////////
// Implementation over wasm.h. Nothing below is part of the API.

namespace wasmo_impl {

// The C++ object behind a wasm.h pointer is that pointer, and back.
template <class To, class From>
inline To* as(From* p) {
  return reinterpret_cast<To*>(p);
}
template <class To, class From>
inline const To* as(const From* p) {
  return reinterpret_cast<const To*>(p);
}

// The C value that a C++ value holds, borrowed (a reference stays the C++ value's).
struct Access {
  static wasm_val_t borrow(const Val& v) {
    wasm_val_t c;
    c.kind = static_cast<wasm_valkind_t>(v.kind_);
    switch (v.kind_) {
      case ValKind::I32: c.of.i32 = v.impl_.i32; break;
      case ValKind::I64: c.of.i64 = v.impl_.i64; break;
      case ValKind::F32: c.of.f32 = v.impl_.f32; break;
      case ValKind::F64: c.of.f64 = v.impl_.f64; break;
      default: c.of.ref = as<wasm_ref_t>(v.impl_.ref); break;
    }
    return c;
  }

  // A C++ value that takes over the C value (and its reference).
  static Val adopt(const wasm_val_t& c) {
    Val::impl i;
    switch (c.kind) {
      case WASM_I32: i.i32 = c.of.i32; break;
      case WASM_I64: i.i64 = c.of.i64; break;
      case WASM_F32: i.f32 = c.of.f32; break;
      case WASM_F64: i.f64 = c.of.f64; break;
      default: i.ref = as<Ref>(c.of.ref); break;
    }
    return Val(static_cast<ValKind>(c.kind), i);
  }

  // The C vector a C++ vector of the same layout is (for vectors a call only reads).
  template <class CVec, class T>
  static const CVec* view(const vec<T>& v) {
    static_assert(sizeof(CVec) == sizeof(vec<T>), "vector layouts differ");
    return reinterpret_cast<const CVec*>(&v);
  }

  // A C++ vector of owned objects that takes the elements of a C vector (which is deleted).
  template <class T, class CVec>
  static ownvec<T> adopt_all(CVec* c, void (*vec_delete)(CVec*)) {
    auto v = ownvec<T>::make_uninitialized(c->size);
    for (size_t i = 0; i < c->size; ++i) {
      v[i].reset(as<T>(c->data[i]));
      c->data[i] = nullptr;
    }
    vec_delete(c);  // the array only: its elements are now the C++ vector's
    return v;
  }

  // A C++ byte vector with the bytes of a C one (which is deleted).
  static vec<byte_t> adopt_bytes(wasm_byte_vec_t* c) {
    auto v = vec<byte_t>::make_uninitialized(c->size);
    if (c->size) std::memcpy(v.get(), c->data, c->size);
    wasm_byte_vec_delete(c);
    return v;
  }

  // A new C byte vector with the bytes of a C++ one.
  static void copy_bytes(wasm_byte_vec_t* out, const vec<byte_t>& v) {
    if (v && v.size())
      wasm_byte_vec_new(out, v.size(), v.get());
    else
      wasm_byte_vec_new_empty(out);
  }

  // A new C vector of value types that takes the C++ vector's types.
  static void take_valtypes(wasm_valtype_vec_t* out, ownvec<ValType>& v) {
    size_t n = v ? v.size() : 0;
    wasm_valtype_vec_new_uninitialized(out, n);
    for (size_t i = 0; i < n; ++i) out->data[i] = as<wasm_valtype_t>(v[i].release());
  }
};

// C values for a call: a small array on the stack, a larger one on the heap.
class CVals {
  wasm_val_t small_[8];
  std::unique_ptr<wasm_val_t[]> large_;
  wasm_val_t* data_;
  size_t size_;

 public:
  explicit CVals(size_t n) : data_(small_), size_(n) {
    if (n > 8) {
      large_.reset(new wasm_val_t[n]);
      data_ = large_.get();
    }
    for (size_t i = 0; i < n; ++i) {
      data_[i].kind = WASM_EXTERNREF;
      data_[i].of.ref = nullptr;
    }
  }
  CVals(const CVals&) = delete;
  CVals& operator=(const CVals&) = delete;

  wasm_val_t& operator[](size_t i) { return data_[i]; }
  wasm_val_vec_t vec() { return wasm_val_vec_t{size_, size_ ? data_ : nullptr}; }
};

// A reference value passed where a reference of type `expected` is wanted takes that kind:
// `Val::ref()` makes every reference an EXTERNREF.
inline void fit_ref_kind(wasm_val_t& v, wasm_valkind_t expected) {
  if (wasm_valkind_is_ref(v.kind) && wasm_valkind_is_ref(expected)) v.kind = expected;
}

// What a C++ host function is: its callback and environment, owned by the wasm.h function.
struct Host {
  Func::callback callback;
  Func::callback_with_env callback_with_env;
  void* env;
  void (*finalizer)(void*);

  static void finalize(void* p) {
    Host* h = static_cast<Host*>(p);
    if (h->finalizer) h->finalizer(h->env);
    delete h;
  }

  static wasm_trap_t* call(void* p, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
    const Host* h = static_cast<const Host*>(p);
    static_assert(sizeof(Val) == sizeof(wasm_val_t) && alignof(Val) == alignof(wasm_val_t),
                  "value layouts differ");
    // The arguments stay the caller's: the callback sees them as a const vector in place.
    const vec<Val>& cxx_args = *reinterpret_cast<const vec<Val>*>(args);
    auto cxx_results = vec<Val>::make_uninitialized(results->size);
    own<Trap> trap = h->callback ? h->callback(cxx_args, cxx_results)
                                 : h->callback_with_env(h->env, cxx_args, cxx_results);
    if (trap) return as<wasm_trap_t>(trap.release());
    // Each result slot holds a value of the result's type (its kind is the one expected).
    for (size_t i = 0; i < results->size; ++i) {
      wasm_val_t& slot = results->data[i];
      wasm_valkind_t expected = slot.kind;
      if (wasm_valkind_is_ref(slot.kind) && slot.of.ref) wasm_ref_delete(slot.of.ref);
      slot = Access::borrow(cxx_results[i]);
      fit_ref_kind(slot, expected);
      if (cxx_results[i].is_ref()) cxx_results[i].release_ref().release();  // now the slot's
    }
    return nullptr;
  }
};

}  // namespace wasmo_impl

// Runtime environment

inline void Config::destroy() { wasm_config_delete(wasmo_impl::as<wasm_config_t>(this)); }
inline auto Config::make() -> own<Config> { return own<Config>(wasmo_impl::as<Config>(wasm_config_new())); }

inline void Engine::destroy() { wasm_engine_delete(wasmo_impl::as<wasm_engine_t>(this)); }
inline auto Engine::make(own<Config>&& config) -> own<Engine> {
  wasm_config_t* c = wasmo_impl::as<wasm_config_t>(config.release());
  return own<Engine>(wasmo_impl::as<Engine>(c ? wasm_engine_new_with_config(c) : wasm_engine_new()));
}

inline void Store::destroy() { wasm_store_delete(wasmo_impl::as<wasm_store_t>(this)); }
inline auto Store::make(Engine* engine) -> own<Store> {
  return own<Store>(wasmo_impl::as<Store>(wasm_store_new(wasmo_impl::as<wasm_engine_t>(engine))));
}

// Types

inline void ValType::destroy() { wasm_valtype_delete(wasmo_impl::as<wasm_valtype_t>(this)); }
inline auto ValType::make(ValKind kind) -> own<ValType> {
  return own<ValType>(wasmo_impl::as<ValType>(wasm_valtype_new(static_cast<wasm_valkind_t>(kind))));
}
inline auto ValType::copy() const -> own<ValType> {
  return own<ValType>(wasmo_impl::as<ValType>(wasm_valtype_copy(wasmo_impl::as<wasm_valtype_t>(this))));
}
inline auto ValType::kind() const -> ValKind {
  return static_cast<ValKind>(wasm_valtype_kind(wasmo_impl::as<wasm_valtype_t>(this)));
}

inline void ExternType::destroy() { wasm_externtype_delete(wasmo_impl::as<wasm_externtype_t>(this)); }
inline auto ExternType::copy() const -> own<ExternType> {
  return own<ExternType>(
      wasmo_impl::as<ExternType>(wasm_externtype_copy(wasmo_impl::as<wasm_externtype_t>(this))));
}
inline auto ExternType::kind() const -> ExternKind {
  return static_cast<ExternKind>(wasm_externtype_kind(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::func() -> FuncType* {
  return wasmo_impl::as<FuncType>(wasm_externtype_as_functype(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::global() -> GlobalType* {
  return wasmo_impl::as<GlobalType>(wasm_externtype_as_globaltype(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::table() -> TableType* {
  return wasmo_impl::as<TableType>(wasm_externtype_as_tabletype(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::memory() -> MemoryType* {
  return wasmo_impl::as<MemoryType>(wasm_externtype_as_memorytype(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::func() const -> const FuncType* {
  return wasmo_impl::as<FuncType>(
      wasm_externtype_as_functype_const(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::global() const -> const GlobalType* {
  return wasmo_impl::as<GlobalType>(
      wasm_externtype_as_globaltype_const(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::table() const -> const TableType* {
  return wasmo_impl::as<TableType>(
      wasm_externtype_as_tabletype_const(wasmo_impl::as<wasm_externtype_t>(this)));
}
inline auto ExternType::memory() const -> const MemoryType* {
  return wasmo_impl::as<MemoryType>(
      wasm_externtype_as_memorytype_const(wasmo_impl::as<wasm_externtype_t>(this)));
}

inline void FuncType::destroy() { wasm_functype_delete(wasmo_impl::as<wasm_functype_t>(this)); }
inline auto FuncType::make(ownvec<ValType>&& params, ownvec<ValType>&& results) -> own<FuncType> {
  wasm_valtype_vec_t ps, rs;
  wasmo_impl::Access::take_valtypes(&ps, params);
  wasmo_impl::Access::take_valtypes(&rs, results);
  return own<FuncType>(wasmo_impl::as<FuncType>(wasm_functype_new(&ps, &rs)));
}
inline auto FuncType::copy() const -> own<FuncType> {
  return own<FuncType>(wasmo_impl::as<FuncType>(wasm_functype_copy(wasmo_impl::as<wasm_functype_t>(this))));
}
inline auto FuncType::params() const -> const ownvec<ValType>& {
  static_assert(sizeof(ownvec<ValType>) == sizeof(wasm_valtype_vec_t), "vector layouts differ");
  return *reinterpret_cast<const ownvec<ValType>*>(
      wasm_functype_params(wasmo_impl::as<wasm_functype_t>(this)));
}
inline auto FuncType::results() const -> const ownvec<ValType>& {
  return *reinterpret_cast<const ownvec<ValType>*>(
      wasm_functype_results(wasmo_impl::as<wasm_functype_t>(this)));
}

inline void GlobalType::destroy() { wasm_globaltype_delete(wasmo_impl::as<wasm_globaltype_t>(this)); }
inline auto GlobalType::make(own<ValType>&& content, Mutability mutability) -> own<GlobalType> {
  return own<GlobalType>(wasmo_impl::as<GlobalType>(
      wasm_globaltype_new(wasmo_impl::as<wasm_valtype_t>(content.release()),
                          static_cast<wasm_mutability_t>(mutability))));
}
inline auto GlobalType::copy() const -> own<GlobalType> {
  return own<GlobalType>(
      wasmo_impl::as<GlobalType>(wasm_globaltype_copy(wasmo_impl::as<wasm_globaltype_t>(this))));
}
inline auto GlobalType::content() const -> const ValType* {
  return wasmo_impl::as<ValType>(wasm_globaltype_content(wasmo_impl::as<wasm_globaltype_t>(this)));
}
inline auto GlobalType::mutability() const -> Mutability {
  return static_cast<Mutability>(wasm_globaltype_mutability(wasmo_impl::as<wasm_globaltype_t>(this)));
}

static_assert(sizeof(Limits) == sizeof(wasm_limits_t), "limits layouts differ");

inline void TableType::destroy() { wasm_tabletype_delete(wasmo_impl::as<wasm_tabletype_t>(this)); }
inline auto TableType::make(own<ValType>&& element, Limits limits) -> own<TableType> {
  wasm_limits_t l = {limits.min, limits.max};
  return own<TableType>(wasmo_impl::as<TableType>(
      wasm_tabletype_new(wasmo_impl::as<wasm_valtype_t>(element.release()), &l)));
}
inline auto TableType::copy() const -> own<TableType> {
  return own<TableType>(
      wasmo_impl::as<TableType>(wasm_tabletype_copy(wasmo_impl::as<wasm_tabletype_t>(this))));
}
inline auto TableType::element() const -> const ValType* {
  return wasmo_impl::as<ValType>(wasm_tabletype_element(wasmo_impl::as<wasm_tabletype_t>(this)));
}
inline auto TableType::limits() const -> const Limits& {
  return *reinterpret_cast<const Limits*>(wasm_tabletype_limits(wasmo_impl::as<wasm_tabletype_t>(this)));
}

inline void MemoryType::destroy() { wasm_memorytype_delete(wasmo_impl::as<wasm_memorytype_t>(this)); }
inline auto MemoryType::make(Limits limits) -> own<MemoryType> {
  wasm_limits_t l = {limits.min, limits.max};
  return own<MemoryType>(wasmo_impl::as<MemoryType>(wasm_memorytype_new(&l)));
}
inline auto MemoryType::copy() const -> own<MemoryType> {
  return own<MemoryType>(
      wasmo_impl::as<MemoryType>(wasm_memorytype_copy(wasmo_impl::as<wasm_memorytype_t>(this))));
}
inline auto MemoryType::limits() const -> const Limits& {
  return *reinterpret_cast<const Limits*>(wasm_memorytype_limits(wasmo_impl::as<wasm_memorytype_t>(this)));
}

static_assert(sizeof(Name) == sizeof(wasm_name_t), "vector layouts differ");

inline void ImportType::destroy() { wasm_importtype_delete(wasmo_impl::as<wasm_importtype_t>(this)); }
inline auto ImportType::make(Name&& module, Name&& name, own<ExternType>&& type) -> own<ImportType> {
  wasm_name_t m, n;
  wasmo_impl::Access::copy_bytes(&m, module);
  wasmo_impl::Access::copy_bytes(&n, name);
  module.reset();
  name.reset();
  return own<ImportType>(wasmo_impl::as<ImportType>(
      wasm_importtype_new(&m, &n, wasmo_impl::as<wasm_externtype_t>(type.release()))));
}
inline auto ImportType::copy() const -> own<ImportType> {
  return own<ImportType>(
      wasmo_impl::as<ImportType>(wasm_importtype_copy(wasmo_impl::as<wasm_importtype_t>(this))));
}
inline auto ImportType::module() const -> const Name& {
  return *reinterpret_cast<const Name*>(wasm_importtype_module(wasmo_impl::as<wasm_importtype_t>(this)));
}
inline auto ImportType::name() const -> const Name& {
  return *reinterpret_cast<const Name*>(wasm_importtype_name(wasmo_impl::as<wasm_importtype_t>(this)));
}
inline auto ImportType::type() const -> const ExternType* {
  return wasmo_impl::as<ExternType>(wasm_importtype_type(wasmo_impl::as<wasm_importtype_t>(this)));
}

inline void ExportType::destroy() { wasm_exporttype_delete(wasmo_impl::as<wasm_exporttype_t>(this)); }
inline auto ExportType::make(Name&& name, own<ExternType>&& type) -> own<ExportType> {
  wasm_name_t n;
  wasmo_impl::Access::copy_bytes(&n, name);
  name.reset();
  return own<ExportType>(wasmo_impl::as<ExportType>(
      wasm_exporttype_new(&n, wasmo_impl::as<wasm_externtype_t>(type.release()))));
}
inline auto ExportType::copy() const -> own<ExportType> {
  return own<ExportType>(
      wasmo_impl::as<ExportType>(wasm_exporttype_copy(wasmo_impl::as<wasm_exporttype_t>(this))));
}
inline auto ExportType::name() const -> const Name& {
  return *reinterpret_cast<const Name*>(wasm_exporttype_name(wasmo_impl::as<wasm_exporttype_t>(this)));
}
inline auto ExportType::type() const -> const ExternType* {
  return wasmo_impl::as<ExternType>(wasm_exporttype_type(wasmo_impl::as<wasm_exporttype_t>(this)));
}

// References

inline void Ref::destroy() { wasm_ref_delete(wasmo_impl::as<wasm_ref_t>(this)); }
inline auto Ref::copy() const -> own<Ref> {
  return own<Ref>(wasmo_impl::as<Ref>(wasm_ref_copy(wasmo_impl::as<wasm_ref_t>(this))));
}
inline auto Ref::same(const Ref* that) const -> bool {
  return wasm_ref_same(wasmo_impl::as<wasm_ref_t>(this), wasmo_impl::as<wasm_ref_t>(that));
}
inline auto Ref::get_host_info() const -> void* {
  return wasm_ref_get_host_info(wasmo_impl::as<wasm_ref_t>(this));
}
inline void Ref::set_host_info(void* info, void (*finalizer)(void*)) {
  wasm_ref_set_host_info_with_finalizer(wasmo_impl::as<wasm_ref_t>(this), info, finalizer);
}

inline auto Val::copy() const -> Val {
  if (is_ref() && impl_.ref) {
    impl i;
    i.ref = impl_.ref->copy().release();
    return Val(kind_, i);
  }
  return Val(kind_, impl_);
}

// Traps

inline void Frame::destroy() { wasm_frame_delete(wasmo_impl::as<wasm_frame_t>(this)); }
inline auto Frame::copy() const -> own<Frame> {
  return own<Frame>(wasmo_impl::as<Frame>(wasm_frame_copy(wasmo_impl::as<wasm_frame_t>(this))));
}
inline auto Frame::instance() const -> Instance* {
  return wasmo_impl::as<Instance>(wasm_frame_instance(wasmo_impl::as<wasm_frame_t>(this)));
}
inline auto Frame::func_index() const -> uint32_t {
  return wasm_frame_func_index(wasmo_impl::as<wasm_frame_t>(this));
}
inline auto Frame::func_offset() const -> size_t {
  return wasm_frame_func_offset(wasmo_impl::as<wasm_frame_t>(this));
}
inline auto Frame::module_offset() const -> size_t {
  return wasm_frame_module_offset(wasmo_impl::as<wasm_frame_t>(this));
}

inline void Trap::destroy() { wasm_trap_delete(wasmo_impl::as<wasm_trap_t>(this)); }
inline auto Trap::make(Store* store, const Message& msg) -> own<Trap> {
  wasm_message_t m;
  wasmo_impl::Access::copy_bytes(&m, msg);
  wasm_trap_t* t = wasm_trap_new(wasmo_impl::as<wasm_store_t>(store), &m);
  wasm_byte_vec_delete(&m);
  return own<Trap>(wasmo_impl::as<Trap>(t));
}
inline auto Trap::copy() const -> own<Trap> {
  return own<Trap>(wasmo_impl::as<Trap>(wasm_trap_copy(wasmo_impl::as<wasm_trap_t>(this))));
}
inline auto Trap::message() const -> Message {
  wasm_message_t m;
  wasm_trap_message(wasmo_impl::as<wasm_trap_t>(this), &m);
  return wasmo_impl::Access::adopt_bytes(&m);
}
inline auto Trap::origin() const -> own<Frame> {
  return own<Frame>(wasmo_impl::as<Frame>(wasm_trap_origin(wasmo_impl::as<wasm_trap_t>(this))));
}
inline auto Trap::trace() const -> ownvec<Frame> {
  wasm_frame_vec_t frames;
  wasm_trap_trace(wasmo_impl::as<wasm_trap_t>(this), &frames);
  return wasmo_impl::Access::adopt_all<Frame>(&frames, wasm_frame_vec_delete);
}

// Modules

inline void Module::destroy() { wasm_module_delete(wasmo_impl::as<wasm_module_t>(this)); }
inline auto Module::validate(Store* store, const vec<byte_t>& binary) -> bool {
  return wasm_module_validate(wasmo_impl::as<wasm_store_t>(store),
                              wasmo_impl::Access::view<wasm_byte_vec_t>(binary));
}
inline auto Module::make(Store* store, const vec<byte_t>& binary) -> own<Module> {
  return own<Module>(wasmo_impl::as<Module>(wasm_module_new(
      wasmo_impl::as<wasm_store_t>(store), wasmo_impl::Access::view<wasm_byte_vec_t>(binary))));
}
inline auto Module::copy() const -> own<Module> {
  return own<Module>(wasmo_impl::as<Module>(wasm_module_copy(wasmo_impl::as<wasm_module_t>(this))));
}
inline auto Module::imports() const -> ownvec<ImportType> {
  wasm_importtype_vec_t v;
  wasm_module_imports(wasmo_impl::as<wasm_module_t>(this), &v);
  return wasmo_impl::Access::adopt_all<ImportType>(&v, wasm_importtype_vec_delete);
}
inline auto Module::exports() const -> ownvec<ExportType> {
  wasm_exporttype_vec_t v;
  wasm_module_exports(wasmo_impl::as<wasm_module_t>(this), &v);
  return wasmo_impl::Access::adopt_all<ExportType>(&v, wasm_exporttype_vec_delete);
}
inline auto Module::share() const -> own<Shared<Module>> {
  return own<Shared<Module>>(
      wasmo_impl::as<Shared<Module>>(wasm_module_share(wasmo_impl::as<wasm_module_t>(this))));
}
inline auto Module::obtain(Store* store, const Shared<Module>* shared) -> own<Module> {
  return own<Module>(wasmo_impl::as<Module>(wasm_module_obtain(
      wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_shared_module_t>(shared))));
}
inline auto Module::serialize() const -> vec<byte_t> {
  wasm_byte_vec_t v;
  wasm_module_serialize(wasmo_impl::as<wasm_module_t>(this), &v);
  return wasmo_impl::Access::adopt_bytes(&v);
}
inline auto Module::deserialize(Store* store, const vec<byte_t>& bytes) -> own<Module> {
  return own<Module>(wasmo_impl::as<Module>(wasm_module_deserialize(
      wasmo_impl::as<wasm_store_t>(store), wasmo_impl::Access::view<wasm_byte_vec_t>(bytes))));
}

inline void Shared<Module>::destroy() {
  wasm_shared_module_delete(wasmo_impl::as<wasm_shared_module_t>(this));
}

inline void Foreign::destroy() { wasm_foreign_delete(wasmo_impl::as<wasm_foreign_t>(this)); }
inline auto Foreign::make(Store* store) -> own<Foreign> {
  return own<Foreign>(wasmo_impl::as<Foreign>(wasm_foreign_new(wasmo_impl::as<wasm_store_t>(store))));
}
inline auto Foreign::copy() const -> own<Foreign> {
  return own<Foreign>(wasmo_impl::as<Foreign>(wasm_foreign_copy(wasmo_impl::as<wasm_foreign_t>(this))));
}

// Externals

inline void Extern::destroy() { wasm_extern_delete(wasmo_impl::as<wasm_extern_t>(this)); }
inline auto Extern::copy() const -> own<Extern> {
  return own<Extern>(wasmo_impl::as<Extern>(wasm_extern_copy(wasmo_impl::as<wasm_extern_t>(this))));
}
inline auto Extern::kind() const -> ExternKind {
  return static_cast<ExternKind>(wasm_extern_kind(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::type() const -> own<ExternType> {
  return own<ExternType>(wasmo_impl::as<ExternType>(wasm_extern_type(wasmo_impl::as<wasm_extern_t>(this))));
}
inline auto Extern::func() -> Func* {
  return wasmo_impl::as<Func>(wasm_extern_as_func(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::global() -> Global* {
  return wasmo_impl::as<Global>(wasm_extern_as_global(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::table() -> Table* {
  return wasmo_impl::as<Table>(wasm_extern_as_table(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::memory() -> Memory* {
  return wasmo_impl::as<Memory>(wasm_extern_as_memory(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::func() const -> const Func* {
  return wasmo_impl::as<Func>(wasm_extern_as_func_const(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::global() const -> const Global* {
  return wasmo_impl::as<Global>(wasm_extern_as_global_const(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::table() const -> const Table* {
  return wasmo_impl::as<Table>(wasm_extern_as_table_const(wasmo_impl::as<wasm_extern_t>(this)));
}
inline auto Extern::memory() const -> const Memory* {
  return wasmo_impl::as<Memory>(wasm_extern_as_memory_const(wasmo_impl::as<wasm_extern_t>(this)));
}

// Functions

inline void Func::destroy() { wasm_func_delete(wasmo_impl::as<wasm_func_t>(this)); }
inline auto Func::make(Store* store, const FuncType* type, callback cb) -> own<Func> {
  wasmo_impl::Host* host = new wasmo_impl::Host{cb, nullptr, nullptr, nullptr};
  // On failure wasm.h runs the finalizer, which deletes `host`.
  return own<Func>(wasmo_impl::as<Func>(wasm_func_new_with_env(
      wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_functype_t>(type),
      &wasmo_impl::Host::call, host, &wasmo_impl::Host::finalize)));
}
inline auto Func::make(Store* store, const FuncType* type, callback_with_env cb, void* env,
                       void (*finalizer)(void*)) -> own<Func> {
  wasmo_impl::Host* host = new wasmo_impl::Host{nullptr, cb, env, finalizer};
  return own<Func>(wasmo_impl::as<Func>(wasm_func_new_with_env(
      wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_functype_t>(type),
      &wasmo_impl::Host::call, host, &wasmo_impl::Host::finalize)));
}
inline auto Func::copy() const -> own<Func> {
  return own<Func>(wasmo_impl::as<Func>(wasm_func_copy(wasmo_impl::as<wasm_func_t>(this))));
}
inline auto Func::type() const -> own<FuncType> {
  return own<FuncType>(wasmo_impl::as<FuncType>(wasm_func_type(wasmo_impl::as<wasm_func_t>(this))));
}
inline auto Func::param_arity() const -> size_t {
  return wasm_func_param_arity(wasmo_impl::as<wasm_func_t>(this));
}
inline auto Func::result_arity() const -> size_t {
  return wasm_func_result_arity(wasmo_impl::as<wasm_func_t>(this));
}
inline auto Func::call(const vec<Val>& args, vec<Val>& results) const -> own<Trap> {
  const wasm_func_t* f = wasmo_impl::as<wasm_func_t>(this);
  size_t n_args = args ? args.size() : 0;
  size_t n_results = results ? results.size() : 0;
  wasmo_impl::CVals c_args(n_args);
  bool any_ref = false;
  for (size_t i = 0; i < n_args; ++i) {
    c_args[i] = wasmo_impl::Access::borrow(args[i]);
    any_ref = any_ref || args[i].is_ref();
  }
  if (any_ref) {
    wasm_functype_t* type = wasm_func_type(f);
    const wasm_valtype_vec_t* params = wasm_functype_params(type);
    for (size_t i = 0; i < n_args && i < params->size; ++i)
      wasmo_impl::fit_ref_kind(c_args[i], wasm_valtype_kind(params->data[i]));
    wasm_functype_delete(type);
  }
  wasmo_impl::CVals c_results(n_results);
  wasm_val_vec_t a = c_args.vec(), r = c_results.vec();
  wasm_trap_t* trap = wasm_func_call(f, &a, &r);
  if (trap) return own<Trap>(wasmo_impl::as<Trap>(trap));
  size_t arity = wasm_func_result_arity(f);
  for (size_t i = 0; i < n_results && i < arity; ++i)
    results[i] = wasmo_impl::Access::adopt(c_results[i]);
  return own<Trap>();
}

// Globals

inline void Global::destroy() { wasm_global_delete(wasmo_impl::as<wasm_global_t>(this)); }
inline auto Global::make(Store* store, const GlobalType* type, const Val& val) -> own<Global> {
  wasm_val_t v = wasmo_impl::Access::borrow(val);
  wasmo_impl::fit_ref_kind(v, static_cast<wasm_valkind_t>(type->content()->kind()));
  return own<Global>(wasmo_impl::as<Global>(wasm_global_new(
      wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_globaltype_t>(type), &v)));
}
inline auto Global::copy() const -> own<Global> {
  return own<Global>(wasmo_impl::as<Global>(wasm_global_copy(wasmo_impl::as<wasm_global_t>(this))));
}
inline auto Global::type() const -> own<GlobalType> {
  return own<GlobalType>(wasmo_impl::as<GlobalType>(wasm_global_type(wasmo_impl::as<wasm_global_t>(this))));
}
inline auto Global::get() const -> Val {
  wasm_val_t v;
  wasm_global_get(wasmo_impl::as<wasm_global_t>(this), &v);
  return wasmo_impl::Access::adopt(v);
}
inline void Global::set(const Val& val) {
  wasm_val_t v = wasmo_impl::Access::borrow(val);
  if (val.is_ref()) {
    own<GlobalType> type = this->type();
    wasmo_impl::fit_ref_kind(v, static_cast<wasm_valkind_t>(type->content()->kind()));
  }
  wasm_global_set(wasmo_impl::as<wasm_global_t>(this), &v);
}

// Tables

inline void Table::destroy() { wasm_table_delete(wasmo_impl::as<wasm_table_t>(this)); }
inline auto Table::make(Store* store, const TableType* type, const Ref* init) -> own<Table> {
  return own<Table>(wasmo_impl::as<Table>(
      wasm_table_new(wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_tabletype_t>(type),
                     const_cast<wasm_ref_t*>(wasmo_impl::as<wasm_ref_t>(init)))));
}
inline auto Table::copy() const -> own<Table> {
  return own<Table>(wasmo_impl::as<Table>(wasm_table_copy(wasmo_impl::as<wasm_table_t>(this))));
}
inline auto Table::type() const -> own<TableType> {
  return own<TableType>(wasmo_impl::as<TableType>(wasm_table_type(wasmo_impl::as<wasm_table_t>(this))));
}
inline auto Table::get(size_t index) const -> own<Ref> {
  return own<Ref>(wasmo_impl::as<Ref>(wasm_table_get(wasmo_impl::as<wasm_table_t>(this), index)));
}
inline auto Table::set(size_t index, const Ref* r) -> bool {
  return wasm_table_set(wasmo_impl::as<wasm_table_t>(this), index,
                        const_cast<wasm_ref_t*>(wasmo_impl::as<wasm_ref_t>(r)));
}
inline auto Table::size() const -> size_t { return wasm_table_size(wasmo_impl::as<wasm_table_t>(this)); }
inline auto Table::grow(size_t delta, const Ref* init) -> bool {
  return wasm_table_grow(wasmo_impl::as<wasm_table_t>(this), delta,
                         const_cast<wasm_ref_t*>(wasmo_impl::as<wasm_ref_t>(init)));
}

// Memories

inline void Memory::destroy() { wasm_memory_delete(wasmo_impl::as<wasm_memory_t>(this)); }
inline auto Memory::make(Store* store, const MemoryType* type) -> own<Memory> {
  return own<Memory>(wasmo_impl::as<Memory>(
      wasm_memory_new(wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_memorytype_t>(type))));
}
inline auto Memory::copy() const -> own<Memory> {
  return own<Memory>(wasmo_impl::as<Memory>(wasm_memory_copy(wasmo_impl::as<wasm_memory_t>(this))));
}
inline auto Memory::type() const -> own<MemoryType> {
  return own<MemoryType>(wasmo_impl::as<MemoryType>(wasm_memory_type(wasmo_impl::as<wasm_memory_t>(this))));
}
inline auto Memory::data() const -> byte_t* {
  return wasm_memory_data(const_cast<wasm_memory_t*>(wasmo_impl::as<wasm_memory_t>(this)));
}
inline auto Memory::data_size() const -> size_t {
  return wasm_memory_data_size(wasmo_impl::as<wasm_memory_t>(this));
}
inline auto Memory::size() const -> pages_t { return wasm_memory_size(wasmo_impl::as<wasm_memory_t>(this)); }
inline auto Memory::grow(pages_t delta) -> bool {
  return wasm_memory_grow(wasmo_impl::as<wasm_memory_t>(this), delta);
}

// Instances

inline void Instance::destroy() { wasm_instance_delete(wasmo_impl::as<wasm_instance_t>(this)); }
inline auto Instance::make(Store* store, const Module* module, const vec<Extern*>& imports,
                           own<Trap>* trap) -> own<Instance> {
  wasm_trap_t* t = nullptr;
  wasm_extern_vec_t none = {0, nullptr};
  const wasm_extern_vec_t* c_imports =
      imports ? wasmo_impl::Access::view<wasm_extern_vec_t>(imports) : &none;
  wasm_instance_t* instance =
      wasm_instance_new(wasmo_impl::as<wasm_store_t>(store), wasmo_impl::as<wasm_module_t>(module),
                        c_imports, trap ? &t : nullptr);
  if (trap) trap->reset(wasmo_impl::as<Trap>(t));
  return own<Instance>(wasmo_impl::as<Instance>(instance));
}
inline auto Instance::copy() const -> own<Instance> {
  return own<Instance>(wasmo_impl::as<Instance>(wasm_instance_copy(wasmo_impl::as<wasm_instance_t>(this))));
}
inline auto Instance::exports() const -> ownvec<Extern> {
  wasm_extern_vec_t v;
  wasm_instance_exports(wasmo_impl::as<wasm_instance_t>(this), &v);
  return wasmo_impl::Access::adopt_all<Extern>(&v, wasm_extern_vec_delete);
}

}  // namespace wasm

#endif  // WASM_HH
