//===- formats/checkpoint.h - a checkpoint directory as one object -------===//
//
// Opens a directory (or a single .safetensors file), decides which producer
// wrote it — with the evidence for that decision — and gives unified access
// to every tensor across shards, to the description file of either family,
// to config.json facts, and to the quantized modules (a linear layer's
// weight with its scales, offsets and biases; an attention module's FA/KV
// tensors) as the scheme table understands them.
//
// Opening never stops at the first problem: unreadable shards, ambiguous
// description files, stale indexes and the like become diagnostics, and
// everything still readable stays available (the llvm-readobj way).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/ct_recipe.h"
#include "formats/description.h"
#include "formats/error.h"
#include "formats/layout_table.h"
#include "formats/model_config.h"
#include "formats/quant_type.h"
#include "formats/safetensors.h"
#include "formats/scheme.h"
#include "formats/shard_index.h"

namespace qkit {

// Layout, layout_name(), layout_summary(), layout_family(): formats/layout_table.h.

enum class Severity : std::uint8_t { Error, Warning, Info };
std::string_view severity_name(Severity s);

// The kind of file a diagnostic is about, for callers that map diagnostics
// to their own categories (qvalidate's rules) without guessing from names.
enum class DiagSubject : std::uint8_t { Directory, Shard, Index, Description, Config };

struct Diagnostic {
  Severity severity;
  Error error;
  DiagSubject subject = DiagSubject::Directory;
};

struct ShardFile {
  std::string name;                        // relative to the checkpoint root ("rank_0/quant.safetensors")
  std::uint64_t size = 0;
  std::shared_ptr<SafetensorsFile> file;   // null when the shard could not be read
  std::optional<Error> error;              // why not
};

struct TensorRef {
  const TensorInfo* info = nullptr;
  std::size_t shard = 0;                   // index into Checkpoint::shards()
};

// A quantized module: a linear layer (P.weight, P.weight_scale, ...) or an
// attention module's FA / KV-cache tensors (A.fa_q.scale, ...).
struct Module {
  std::string_view prefix;                 // a view into a name in the checkpoint's names()
  QuantScope scope = QuantScope::Linear;
  std::string tag;                         // the description's type for it ("W8A8")
  std::optional<ParsedQuantType> type;     // nullopt when the tag is not a known type
  std::vector<std::pair<std::string_view, const TensorRef*>> tensors;  // suffix (a view into the tensor's name) -> tensor, sorted by suffix
  // compressed-tensors: the config group that quantizes it (an index into
  // Checkpoint::ct_recipe()->groups), resolved once at open.
  std::optional<std::size_t> ct_group;

  // Bound once when the checkpoint is opened; every tool reads these and
  // nobody matches again.
  std::optional<SchemeMatch> match;        // the scheme variant that fits best, n/k/... solved; nullopt: no scheme
  std::array<const TensorRef*, kRoleCount> by_role{};  // each tensor by what it means
  const TensorRef* tensor(Role r) const { return by_role[static_cast<std::size_t>(r)]; }
  const Scheme* scheme() const { return match ? match->scheme : nullptr; }
};

// compressed-tensors: every Linear of the checkpoint (a rank-2
// "<prefix>.weight" or a "<prefix>.weight_packed") as the recipe resolves it,
// resolved once at open (formats/ct_recipe.h, resolve()).
struct CtLinear {
  std::string_view prefix;           // a view into the tensor's name
  std::optional<std::size_t> group;  // index into Recipe::groups; nullopt when ignored or no target reaches it
  bool ignored = false;
  bool overlapping = false;          // several groups reach it
};

struct OpenOptions {
  bool allow_unknown_dtypes = true;        // inspector-friendly; the validator reports them
};

class ShardPrefetch;  // formats/shard_prefetch.h

class Checkpoint {
 public:
  // Fails only when the path does not exist or holds no safetensors data and
  // no description at all; everything else is a diagnostic.
  static Result<Checkpoint> open(const std::filesystem::path& path, const OpenOptions& options = {});

  // Move-only: tensor and module views point into the owned shard tables.
  Checkpoint(Checkpoint&&) = default;
  Checkpoint& operator=(Checkpoint&&) = default;
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // What was opened: the directory, or the file for a single .safetensors
  // file (whose root() is its directory). Reports are labelled with it.
  const std::filesystem::path& opened() const { return opened_.empty() ? root_ : opened_; }
  Layout layout() const { return layout_; }
  const std::vector<std::string>& evidence() const { return evidence_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  const std::vector<ShardFile>& shards() const { return shards_; }
  const std::optional<ShardIndex>& index() const { return index_; }
  const std::string& index_name() const { return index_name_; }
  const std::optional<MsDescription>& ms_description() const { return ms_description_; }
  const std::optional<GsDescription>& gs_description() const { return gs_description_; }
  const std::string& description_name() const { return description_name_; }
  const std::optional<ModelConfig>& config() const { return config_; }
  // The compressed-tensors recipe (layout compressed-tensors, when it parses).
  const std::optional<ct::Recipe>& ct_recipe() const { return ct_recipe_; }
  // Its Linears in tensor order, and what the recipe reaches (per group,
  // ignored, unmatched), resolved once.
  const std::vector<CtLinear>& ct_linears() const { return ct_linears_; }
  const std::optional<ct::Coverage>& ct_coverage() const { return ct_coverage_; }
  // Regular files that are neither shards, index, description nor config.json.
  const std::vector<std::string>& side_files() const { return side_files_; }
  std::size_t rank_count() const { return rank_count_; }

  // Every tensor, sorted by name (per-rank layouts: rank 0's).
  const std::vector<TensorRef>& tensors() const { return tensors_; }
  const TensorRef* find(std::string_view name) const;
  // Where t sits in tensors() (a module's tensors sit there too), found
  // from its address; tensors().size() for a TensorRef from elsewhere.
  std::size_t position_of(const TensorRef& t) const {
    if (tensors_.empty() || &t < tensors_.data() || &t >= tensors_.data() + tensors_.size()) return tensors_.size();
    return static_cast<std::size_t>(&t - tensors_.data());
  }
  const ShardFile& shard_of(const TensorRef& t) const { return shards_[t.shard]; }
  std::span<const std::byte> data(const TensorRef& t) const;

  // The description's type string for a tensor ("" when not described).
  std::string_view tag_of(std::string_view tensor) const;
  // The same for a tensor of tensors() (or a module's), without a lookup.
  std::string_view tag_of(const TensorRef& t) const;
  // Golden-Stick: the shard's __metadata__ marks the tensor "Int4".
  bool int4_marked(const TensorRef& t) const;
  std::optional<Family> family() const { return layout_family(layout_); }

  // The model dtype: config.json, else the dtype of the embedding / first
  // float tensor (with a diagnostic saying so).
  std::optional<Dtype> model_dtype() const { return model_dtype_; }
  SchemeContext scheme_context() const;

  // Quantized modules found through the description tags (compressed-
  // tensors: through the recipe's config groups), sorted by prefix.
  const std::vector<Module>& modules() const { return modules_; }

  // The one table of every name the checkpoint's files mention, and ids for
  // lookups across files (TensorInfo::id, NameTable::id_of of an index or
  // description key).
  const NameTable& names() const { return *names_; }

 private:
  Checkpoint() = default;
  void detect(const std::filesystem::path& dir);
  // Shards read ahead by `prefetch` (see formats/shard_prefetch.h) are taken
  // from it; the others are read here.
  void read_shards(const std::filesystem::path& dir, const std::vector<std::string>& names,
                   ShardPrefetch* prefetch = nullptr);
  void build_tensor_view();
  void build_modules();
  void build_ct_modules();
  void bind_modules();
  void note(Severity s, Error e, DiagSubject about = DiagSubject::Directory) {
    diagnostics_.push_back({s, std::move(e), about});
  }

  std::filesystem::path root_;
  // Every tensor and module name, stored once: shard headers, the index,
  // the description and modules_ hold views into it (formats/name_table.h).
  std::shared_ptr<NameTable> names_;

  std::filesystem::path opened_;
  OpenOptions options_;
  Layout layout_ = Layout::Unknown;
  std::vector<std::string> evidence_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<ShardFile> shards_;
  std::optional<ShardIndex> index_;
  std::string index_name_;
  std::optional<MsDescription> ms_description_;
  std::optional<GsDescription> gs_description_;
  std::string description_name_;
  // The description's type of each stored tensor, by position in tensors_
  // (found by one merge walk of the two sorted name lists): binding,
  // validation and inspection ask for every tensor's tag, and a map lookup
  // per tensor compared long shared name prefixes a tenth of a quick run at
  // 138k tensors. Views into the description's own table, whose text stays
  // put when it is moved.
  std::vector<std::string_view> tensor_tags_;
  std::optional<ModelConfig> config_;
  std::optional<ct::Recipe> ct_recipe_;
  std::vector<CtLinear> ct_linears_;
  std::optional<ct::Coverage> ct_coverage_;
  std::vector<std::string> side_files_;
  std::size_t rank_count_ = 0;
  std::vector<TensorRef> tensors_;
  std::optional<Dtype> model_dtype_;
  std::vector<Module> modules_;
};

}  // namespace qkit
