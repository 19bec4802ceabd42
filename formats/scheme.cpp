//===- formats/scheme.cpp - evaluating and matching the scheme table -----===//
#include "formats/scheme.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "formats/checked_math.h"

namespace qkit {
namespace {

// The alternatives of "a|b|c" as views (no escaping: '|' never occurs
// inside an alternative), without allocating: rules are evaluated for every
// tensor of every module (45,000 modules at DeepSeek scale).
class Alternatives {
 public:
  explicit Alternatives(std::string_view expr) : expr_(expr) {}
  class iterator {
   public:
    iterator(std::string_view e, std::size_t pos) : e_(e), pos_(pos) { find_end(); }
    std::string_view operator*() const { return e_.substr(pos_, end_ - pos_); }
    iterator& operator++() {
      pos_ = end_ + 1;
      find_end();
      return *this;
    }
    bool operator!=(const iterator& o) const { return pos_ != o.pos_; }

   private:
    void find_end() {
      if (pos_ > e_.size()) return;  // past the last alternative: end()
      end_ = e_.find('|', pos_);
      if (end_ == std::string_view::npos) end_ = e_.size();
    }
    std::string_view e_;
    std::size_t pos_, end_ = 0;
  };
  iterator begin() const { return iterator(expr_, 0); }
  iterator end() const { return iterator(expr_, expr_.size() + 1); }
  std::string_view front() const { return *begin(); }

 private:
  std::string_view expr_;
};
Alternatives alternatives(std::string_view expr) { return Alternatives(expr); }

// "[n,k/2]" -> {"n", "k/2"}; "*" -> nullopt (any shape).
std::optional<std::vector<std::string_view>> dims_of(std::string_view alt) {
  if (alt == "*") return std::nullopt;
  std::vector<std::string_view> dims;
  if (alt.size() < 2 || alt.front() != '[' || alt.back() != ']') return dims;
  std::string_view body = alt.substr(1, alt.size() - 2);
  if (body.empty()) return dims;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= body.size(); ++i)
    if (i == body.size() || body[i] == ',') {
      dims.push_back(body.substr(start, i - start));
      start = i + 1;
    }
  return dims;
}

enum class EvalResult { Value, Unknown, Invalid };

// Value of one variable; Unknown when it has no value, Invalid when a
// derived variable cannot be formed (k not divisible by gs).
EvalResult var_value(std::string_view name, const ShapeVars& v, std::uint64_t& out) {
  auto get = [&](const std::optional<std::uint64_t>& o) {
    if (!o) return EvalResult::Unknown;
    out = *o;
    return EvalResult::Value;
  };
  if (name == "n") return get(v.n);
  if (name == "k") return get(v.k);
  if (name == "H") return get(v.H);
  if (name == "Hkv") return get(v.Hkv);
  if (name == "D") return get(v.D);
  if (name == "E") return get(v.E);
  if (name == "G") {
    if (!v.k || !v.gs || *v.gs == 0) return EvalResult::Unknown;
    if (*v.k % *v.gs != 0) return EvalResult::Invalid;
    out = *v.k / *v.gs;
    return EvalResult::Value;
  }
  if (name == "B") {
    if (!v.k) return EvalResult::Unknown;
    out = (*v.k + 31) / 32;
    return EvalResult::Value;
  }
  return EvalResult::Invalid;
}

// A dimension: atoms joined by '*' and '/', evaluated left to right.
EvalResult eval_dim(std::string_view d, const ShapeVars& v, std::uint64_t& out) {
  std::uint64_t acc = 0;
  char op = 0;
  std::size_t i = 0;
  bool unknown = false;
  while (i <= d.size()) {
    std::size_t j = i;
    while (j < d.size() && d[j] != '*' && d[j] != '/') ++j;
    std::string_view atom = d.substr(i, j - i);
    std::uint64_t val = 0;
    if (!atom.empty() && atom[0] >= '0' && atom[0] <= '9') {
      auto [p, ec] = std::from_chars(atom.data(), atom.data() + atom.size(), val);
      if (ec != std::errc() || p != atom.data() + atom.size()) return EvalResult::Invalid;
    } else {
      EvalResult r = var_value(atom, v, val);
      if (r == EvalResult::Invalid) return r;
      if (r == EvalResult::Unknown) unknown = true;
    }
    if (!unknown) {
      if (op == 0) {
        acc = val;
      } else if (op == '*') {
        auto m = checked_mul(acc, val);
        if (!m) return EvalResult::Invalid;
        acc = *m;
      } else {
        if (val == 0 || acc % val != 0) return EvalResult::Invalid;
        acc /= val;
      }
    }
    if (j >= d.size()) break;
    op = d[j];
    i = j + 1;
  }
  if (unknown) return EvalResult::Unknown;
  out = acc;
  return EvalResult::Value;
}

bool one_shape_matches(std::string_view alt, std::span<const std::uint64_t> shape, const ShapeVars& v) {
  auto dims = dims_of(alt);
  if (!dims) return true;
  if (dims->size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    std::uint64_t want = 0;
    EvalResult r = eval_dim((*dims)[i], v, want);
    if (r == EvalResult::Invalid) return false;
    if (r == EvalResult::Value && want != shape[i]) return false;
  }
  return true;
}


bool is_float(Dtype d) { return d == Dtype::F16 || d == Dtype::BF16 || d == Dtype::F32; }

// At most three dtypes, held in place (evaluated per tensor and rule).
struct DtypeList {
  std::array<Dtype, 3> v{};
  std::size_t n = 0;
  DtypeList() = default;
  DtypeList(std::initializer_list<Dtype> l) {
    for (Dtype d : l) v[n++] = d;
  }
  const Dtype* begin() const { return v.data(); }
  const Dtype* end() const { return v.data() + n; }
};

DtypeList resolve_dtype(std::string_view alt, std::optional<Dtype> md, bool& any_float) {
  any_float = false;
  if (alt == "md") {
    if (md) return {*md};
    any_float = true;
    return {Dtype::F16, Dtype::BF16, Dtype::F32};
  }
  if (alt == "deq") {
    if (md) return {*md == Dtype::BF16 ? Dtype::F32 : Dtype::I64};
    return {Dtype::F32, Dtype::I64};
  }
  if (auto d = parse_dtype(alt)) return {*d};
  return {};
}

}  // namespace

std::string_view family_name(Family f) {
  switch (f) {
    case Family::MsModelSlim: return "msmodelslim";
    case Family::GoldenStick: return "golden-stick";
    case Family::CompressedTensors: return "compressed-tensors";
  }
  return "?";
}

std::string_view presence_name(Presence p) {
  switch (p) {
    case Presence::Required: return "required";
    case Presence::Optional: return "optional";
    case Presence::IfBias: return "if bias";
  }
  return "?";
}

std::string_view mismatch_kind_name(MismatchKind k) {
  switch (k) {
    case MismatchKind::Missing: return "missing";
    case MismatchKind::Dtype: return "dtype";
    case MismatchKind::Shape: return "shape";
    case MismatchKind::Tag: return "tag";
    case MismatchKind::Int4Marker: return "int4-marker";
    case MismatchKind::Unexpected: return "unexpected";
  }
  return "?";
}

const TensorRule* Scheme::rule(std::string_view suffix) const {
  for (const TensorRule& r : tensors)
    if (r.suffix == suffix) return &r;
  return nullptr;
}

std::vector<const Scheme*> schemes_for(Family family, QuantType type) {
  std::vector<const Scheme*> out;
  for (const Scheme& s : all_schemes())
    if (s.family == family && s.type == type) out.push_back(&s);
  return out;
}

const Scheme* scheme_by_id(std::string_view id) {
  for (const Scheme& s : all_schemes())
    if (s.id == id) return &s;
  return nullptr;
}

bool dtype_matches(std::string_view expr, Dtype d, std::optional<Dtype> model_dtype) {
  for (std::string_view alt : alternatives(expr)) {
    bool any_float = false;
    auto allowed = resolve_dtype(alt, model_dtype, any_float);
    if (any_float && is_float(d)) return true;
    if (std::find(allowed.begin(), allowed.end(), d) != allowed.end()) return true;
  }
  return false;
}

std::string dtype_expected(std::string_view expr, std::optional<Dtype> model_dtype) {
  std::vector<std::string> names;
  for (std::string_view alt : alternatives(expr)) {
    bool any_float = false;
    for (Dtype d : resolve_dtype(alt, model_dtype, any_float)) {
      std::string n(dtype_name(d));
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

bool shape_matches(std::string_view expr, std::span<const std::uint64_t> shape, const ShapeVars& vars) {
  for (std::string_view alt : alternatives(expr))
    if (one_shape_matches(alt, shape, vars)) return true;
  return false;
}

std::string shape_expected(std::string_view expr, const ShapeVars& vars) {
  std::string out;
  for (std::string_view alt : alternatives(expr)) {
    if (!out.empty()) out += " or ";
    auto dims = dims_of(alt);
    if (!dims) {
      out += "any shape";
      continue;
    }
    out += "[";
    for (std::size_t i = 0; i < dims->size(); ++i) {
      std::uint64_t v = 0;
      if (i) out += ",";
      out += eval_dim((*dims)[i], vars, v) == EvalResult::Value ? std::to_string(v) : std::string((*dims)[i]);
    }
    out += "]";
  }
  return out;
}

std::optional<std::vector<std::uint64_t>> shape_eval(std::string_view expr, const ShapeVars& vars) {
  auto dims = dims_of(alternatives(expr).front());
  if (!dims) return std::nullopt;
  std::vector<std::uint64_t> out;
  for (std::string_view d : *dims) {
    std::uint64_t v = 0;
    if (eval_dim(d, vars, v) != EvalResult::Value) return std::nullopt;
    out.push_back(v);
  }
  return out;
}

bool solve_shape_vars(std::string_view expr, std::span<const std::uint64_t> shape, ShapeVars& vars) {
  for (std::string_view alt : alternatives(expr)) {
    auto dims = dims_of(alt);
    if (!dims || dims->size() != shape.size()) continue;
    ShapeVars trial = vars;
    bool ok = true;
    for (std::size_t i = 0; i < shape.size() && ok; ++i) {
      std::string_view d = (*dims)[i];
      std::uint64_t mult = 1;
      if (auto slash = d.find('/'); slash != std::string_view::npos) {
        auto [p, ec] = std::from_chars(d.data() + slash + 1, d.data() + d.size(), mult);
        if (ec != std::errc() || p != d.data() + d.size()) continue;  // not "var/const": ignore
        d = d.substr(0, slash);
      }
      std::optional<std::uint64_t>* slot = d == "n" ? &trial.n : d == "k" ? &trial.k : d == "E" ? &trial.E : nullptr;
      if (slot == nullptr) continue;
      auto value = checked_mul(shape[i], mult);
      if (!value) {
        ok = false;
      } else if (*slot && **slot != *value) {
        ok = false;
      } else {
        *slot = *value;
      }
    }
    if (ok && one_shape_matches(alt, shape, trial)) {
      vars = trial;
      return true;
    }
  }
  return false;
}

namespace {

SchemeMatch match_one(const Scheme& s, std::string_view own_tag, std::span<const TensorFacts> tensors,
                      const SchemeContext& ctx) {
  SchemeMatch m;
  m.scheme = &s;
  m.vars.gs = ctx.group_size;
  m.vars.H = ctx.heads;
  m.vars.Hkv = ctx.kv_heads;
  m.vars.D = ctx.head_dim;
  auto find = [&](std::string_view suffix) -> const TensorFacts* {
    for (const TensorFacts& t : tensors)
      if (t.suffix == suffix) return &t;
    return nullptr;
  };
  // The weight fixes n and k (and E); every other shape is checked against them.
  if (const TensorRule* w = s.rule(Role::Weight)) {
    if (const TensorFacts* wt = find(w->suffix)) solve_shape_vars(w->shape, wt->shape, m.vars);
  }
  for (const TensorRule& r : s.tensors) {
    const TensorFacts* t = find(r.suffix);
    if (t == nullptr) {
      if (r.presence == Presence::Required)
        m.mismatches.push_back({MismatchKind::Missing, std::string(r.suffix), "present", "absent"});
      continue;
    }
    if (!dtype_matches(r.dtypes, t->dtype, ctx.model_dtype))
      m.mismatches.push_back({MismatchKind::Dtype, std::string(r.suffix), dtype_expected(r.dtypes, ctx.model_dtype),
                              std::string(dtype_name(t->dtype))});
    if (!shape_matches(r.shape, t->shape, m.vars))
      m.mismatches.push_back(
          {MismatchKind::Shape, std::string(r.suffix), shape_expected(r.shape, m.vars), shape_text(t->shape)});
    if (!t->tag.empty()) {
      bool tag_ok = false;
      std::string expected;
      for (std::string_view alt : alternatives(r.tag)) {
        std::string_view want = alt == "=" ? own_tag : alt;
        if (!expected.empty()) expected += " or ";
        expected += want;
        tag_ok |= t->tag == want;
      }
      if (!tag_ok) m.mismatches.push_back({MismatchKind::Tag, std::string(r.suffix), expected, t->tag});
    }
    if (r.int4_marker && !t->int4_marker)
      m.mismatches.push_back({MismatchKind::Int4Marker, std::string(r.suffix), "__metadata__ marks it \"Int4\"",
                              "no Int4 marker"});
  }
  // msModelSlim's V1 saver wraps a type with FlatQuant or SVD by renaming
  // its tags (W4A4_MXFP4_FLATQUANT, W8A8_SVD_DYNAMIC, ...) and adding the
  // wrapper's tensors: left_trans/right_trans/clip_ratio, svd_lowrank_l1/l2
  // (Ascend/msmodelslim save/ascendv1.py@3de0a3c4e965 L683-756;
  // docs/research/msmodelslim.md §5). The base scheme's tensors are checked
  // as usual; the wrapper's are expected, not unexpected.
  const bool flat = own_tag.find("FLATQUANT") != std::string_view::npos;
  const bool svd = own_tag.find("_SVD") != std::string_view::npos;
  auto wrapper_tensor = [&](std::string_view suffix) {
    return (flat && (suffix == "left_trans" || suffix == "right_trans" || suffix == "clip_ratio")) ||
           (svd && (suffix == "svd_lowrank_l1" || suffix == "svd_lowrank_l2"));
  };
  for (const TensorFacts& t : tensors)
    if (s.rule(t.suffix) == nullptr && !wrapper_tensor(t.suffix))
      m.mismatches.push_back({MismatchKind::Unexpected, t.suffix, "no such tensor in " + std::string(s.id), "present"});
  // msModelSlim's V0 saver packs int4 along k exactly when the scale's last
  // dimension is 1 (trans_flag = weight_scale.shape[-1] == 1; Ascend/
  // msmodelslim V0 quant saver @3de0a3c4e965 L163-177, L333-336;
  // docs/research/msmodelslim.md §4): a single group ([n,1] scales) is
  // per-channel and packed [n,k/2], never [n/2,k].
  if (s.family == Family::MsModelSlim && s.int4_layout == Int4Layout::PackedN && s.type == QuantType::W4A16 && m.vars.n &&
      m.vars.k)
    if (const TensorFacts* sc = find("weight_scale"); sc && sc->shape.size() == 2 && sc->shape[1] == 1)
      if (const TensorFacts* w = find("weight"))
        m.mismatches.push_back({MismatchKind::Shape, "weight",
                                shape_text(int4_packed_shape(Int4Layout::PackedK, *m.vars.n, *m.vars.k)) +
                                    " (one group is per-channel: msModelSlim packs it along k)",
                                shape_text(w->shape)});
  return m;
}

}  // namespace

namespace {

// How many of the module's tensors have the form (rank, and every constant
// dimension such as the 1 of "[n,1]") of one of the variant's shapes. Breaks
// ties between variants: a [n,G] scale with the wrong G is closer to the
// per-group variant than to the per-channel one, so the finding says
// "expected [n,G]", not "[n,1]".
std::size_t structural_fit(const Scheme& s, std::span<const TensorFacts> tensors) {
  std::size_t fit = 0;
  for (const TensorFacts& t : tensors) {
    const TensorRule* r = s.rule(std::string_view(t.suffix));
    if (r == nullptr) continue;
    for (std::string_view alt : alternatives(r->shape)) {
      auto dims = dims_of(alt);
      if (!dims) break;
      if (dims->size() != t.shape.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < dims->size() && same; ++i) {
        std::uint64_t c = 0;
        auto [p, ec] = std::from_chars((*dims)[i].data(), (*dims)[i].data() + (*dims)[i].size(), c);
        if (ec == std::errc() && p == (*dims)[i].data() + (*dims)[i].size()) same = c == t.shape[i];
      }
      if (same) {
        ++fit;
        break;
      }
    }
  }
  return fit;
}

}  // namespace

SchemeMatch match_scheme(Family family, QuantType type, std::string_view own_tag, std::span<const TensorFacts> tensors,
                         const SchemeContext& ctx) {
  SchemeMatch best;
  std::size_t best_fit = 0;
  for (const Scheme* s : schemes_for(family, type)) {
    SchemeMatch m = match_one(*s, own_tag, tensors, ctx);
    const std::size_t fit = m.mismatches.empty() ? 0 : structural_fit(*s, tensors);
    if (best.scheme == nullptr || m.mismatches.size() < best.mismatches.size() ||
        (m.mismatches.size() == best.mismatches.size() && !m.mismatches.empty() && fit > best_fit)) {
      best = std::move(m);
      best_fit = fit;
    }
  }
  return best;
}

std::string shape_text(std::span<const std::uint64_t> s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace qkit
