//===- formats/checkpoint.cpp - layout detection and unified access ------===//
//
// Detection follows the evidence the producers leave (file names, the
// description's reserved keys, safetensors __metadata__), in the order of
// ../shared/reference/msmodelslim-format.md §1 and golden-stick-format.md §1:
// the description file decides the family, its keys decide the msModelSlim
// generation, and the weight file names confirm it.
//
//===----------------------------------------------------------------------===//
#include "formats/checkpoint.h"

#include "formats/output_dir.h"

#include "formats/atomic_file.h"
#include "formats/shard_prefetch.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <charconv>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace qkit {
namespace fs = std::filesystem;

namespace {

struct ShardName {
  std::string prefix;
  std::uint64_t index = 0, count = 0;
};

// "<prefix>-<i>-of-<n>.safetensors" (5+ digits each; msModelSlim drops the
// padding above 99999 shards).
std::optional<ShardName> parse_shard_name(std::string_view name) {
  if (!std::string_view(name).ends_with(".safetensors")) return std::nullopt;
  std::string_view stem = name.substr(0, name.size() - 12);
  auto of = stem.rfind("-of-");
  if (of == std::string_view::npos) return std::nullopt;
  auto dash = stem.rfind('-', of - 1);
  if (dash == std::string_view::npos || of == 0) return std::nullopt;
  ShardName s;
  std::string_view a = stem.substr(dash + 1, of - dash - 1), b = stem.substr(of + 4);
  if (a.empty() || b.empty()) return std::nullopt;
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), s.index);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), s.count);
  if (r1.ec != std::errc() || r1.ptr != a.data() + a.size() || r2.ec != std::errc() || r2.ptr != b.data() + b.size())
    return std::nullopt;
  s.prefix = std::string(stem.substr(0, dash));
  return s;
}

// The weight-file prefix: "quant_model_weights" for both
// quant_model_weights.safetensors and quant_model_weights-00001-of-00002.
std::string weight_prefix(std::string_view name) {
  if (auto s = parse_shard_name(name)) return s->prefix;
  return std::string(name.substr(0, name.size() - 12));
}

bool is_rank_dir(std::string_view n) {
  if (!std::string_view(n).starts_with("rank_") || n.size() == 5) return false;
  return std::all_of(n.begin() + 5, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint64_t rank_number(std::string_view n) {
  std::uint64_t r = 0;
  std::from_chars(n.data() + 5, n.data() + n.size(), r);
  return r;
}

std::string join(const std::vector<std::string>& v, std::size_t max = 4) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > max) out += ", ... (" + std::to_string(v.size()) + " in all)";
  return out;
}

}  // namespace

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
  }
  return "?";
}

Result<Checkpoint> Checkpoint::open(const fs::path& path, const OpenOptions& options) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || st.type() == fs::file_type::not_found)
    return Error(Errc::io_open, "no such file or directory").in_file(path.string());
  Checkpoint c;
  c.names_ = std::make_shared<NameTable>();
  c.options_ = options;
  c.root_ = path;
  if (fs::is_regular_file(st)) {
    c.layout_ = Layout::SafetensorsFile;
    c.evidence_.push_back("a single file was given");
    c.root_ = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    c.opened_ = path;
    c.read_shards(c.root_, {path.filename().string()});
    // A .safetensors file that fails the checks is a broken checkpoint: it
    // is opened with the diagnostic, so every tool reports it (qvalidate:
    // container.shard-unreadable, exit 1). Any other file whose header does
    // not parse is not a checkpoint at all.
    if (!c.shards_[0].file && path.extension() != ".safetensors")
      return Error(Errc::ckpt_not_checkpoint, "not a checkpoint: not a .safetensors file, and its bytes are not one (" +
                                                  c.shards_[0].error->to_string() + ")")
          .in_file(path.string());
    c.build_tensor_view();
    return c;
  }
  if (!fs::is_directory(st)) return Error(Errc::not_regular_file, "neither a file nor a directory").in_file(path.string());
  c.detect(path);
  if (c.layout_ == Layout::Unknown && c.shards_.empty() && !c.ms_description_ && !c.gs_description_)
    return Error(Errc::ckpt_not_checkpoint, "not a checkpoint: no .safetensors files and no description file")
        .in_file(path.string());
  c.build_tensor_view();
  c.build_modules();
  return c;
}

void Checkpoint::read_shards(const fs::path& dir, const std::vector<std::string>& names, ShardPrefetch* prefetch) {
  // Shard headers are parsed on all cores (each file is independent); the
  // diagnostics are then noted in shard order, so output is deterministic.
  std::vector<ShardFile> read(names.size());
  std::vector<std::size_t> todo;
  if (prefetch) prefetch->finish(names);
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::optional<ShardFile> ahead = prefetch ? prefetch->take_shard(names[i]) : std::nullopt;
    if (ahead) read[i] = std::move(*ahead);
    else todo.push_back(i);
  }
  const ParseOptions parse{.allow_unknown_dtypes = options_.allow_unknown_dtypes, .names = names_};
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < todo.size();) read[todo[k]] = load_shard(dir, names[todo[k]], parse);
  };
  const std::size_t threads = std::min<std::size_t>(todo.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (ShardFile& sf : read) {
    if (sf.file)
      for (const Error& w : sf.file->header().warnings) note(Severity::Warning, w, DiagSubject::Shard);
    if (sf.error) note(Severity::Error, *sf.error, DiagSubject::Shard);
    shards_.push_back(std::move(sf));
  }
}

void Checkpoint::detect(const fs::path& dir) {
  std::vector<std::string> files, rank_dirs, part_dirs;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string n = it->path().filename().string();
    std::error_code e2;
    if (it->is_directory(e2)) {
      if (is_rank_dir(n)) rank_dirs.push_back(n);
      else if (std::string_view(n).starts_with("part") && n.find("-of-") != std::string::npos) part_dirs.push_back(n);
    } else if (it->is_regular_file(e2)) {
      files.push_back(n);
    }
  }
  if (ec) note(Severity::Error, Error(Errc::io_read, "cannot list the directory: " + ec.message()).in_file(dir.string()));
  std::sort(files.begin(), files.end());
  std::sort(rank_dirs.begin(), rank_dirs.end(),
            [](const std::string& a, const std::string& b) { return rank_number(a) < rank_number(b); });

  std::vector<std::string> ms_descs, indexes, weights;
  bool has_gs_desc = false;
  for (const std::string& n : files) {
    if (n.find(kTempMarker) != std::string::npos) {
      note(Severity::Warning, Error(Errc::ckpt_interrupted_save, "leftover temporary file of an interrupted qkit run "
                                                            "(safe to delete)")
                                  .in_file((dir / n).string()));
      continue;
    }
    if (is_ms_description_name(n)) ms_descs.push_back(n);
    else if (n == kGsDescriptionName) has_gs_desc = true;
    else if (is_index_file_name(n)) indexes.push_back(n);
    else if (std::string_view(n).ends_with(".safetensors") && n.size() > 12) {
      if (std::string_view(n).ends_with("-of-00000.safetensors")) {
        note(Severity::Warning, Error(Errc::ckpt_interrupted_save, "temporary shard name of an interrupted msModelSlim "
                                                              "save ('-of-00000'): the checkpoint is incomplete")
                                    .in_file((dir / n).string()));
      }
      weights.push_back(n);
    } else if (n != "config.json" && n != kOutputMarkerName) {
      side_files_.push_back(n);
    }
  }
  // The index and shard headers are read ahead on other cores while this
  // thread reads the description; below, everything is still decided and
  // noted in the same order. Several index files: no guess.
  // An index beside msModelSlim's description that is not its own (a stale
  // model.safetensors.index.json) is not the one detect reads: no guess.
  ShardPrefetch prefetch;
  const bool foreign_index = !ms_descs.empty() && indexes.size() == 1 &&
                             !std::string_view(indexes.front()).starts_with("quant_model_weight");
  if (indexes.size() <= 1 && !foreign_index)
    prefetch.start(dir, indexes.empty() ? std::string() : indexes.front(), indexes.empty() ? weights : std::vector<std::string>{},
                   ParseOptions{.allow_unknown_dtypes = options_.allow_unknown_dtypes, .names = names_},
                   std::thread::hardware_concurrency());
  if (std::find(files.begin(), files.end(), "config.json") == files.end()) {
    note(Severity::Warning, Error(Errc::ckpt_config_missing, "no config.json (every runtime reads it)").in_file(dir.string()));
  } else {
    auto cfg = read_model_config(dir / "config.json");
    if (cfg) {
      config_ = std::move(*cfg);
      for (const Error& w : config_->warnings) note(Severity::Warning, w, DiagSubject::Config);
    } else {
      note(Severity::Error, std::move(cfg).error(), DiagSubject::Config);
    }
  }
  auto count_prefix = [&](std::string_view p) {
    return std::count_if(weights.begin(), weights.end(), [&](const std::string& w) { return std::string_view(w).starts_with(p); });
  };

  // 1. Which family's description is there?
  std::optional<Family> family;
  if (!ms_descs.empty() && has_gs_desc) {
    note(Severity::Warning,
         Error(Errc::ckpt_description_ambiguous, "both " + join(ms_descs) + " and quantization_description.json are present; "
                                       "vllm-mindspore refuses such a directory ('Found multiple config files')")
             .in_file(dir.string()));
    family = count_prefix("quant-model-") > 0 ? Family::GoldenStick : Family::MsModelSlim;
    evidence_.push_back(std::string("weight names decide between the two description files: ") +
                        (family == Family::GoldenStick ? "quant-model-*" : "not quant-model-*"));
  } else if (!ms_descs.empty()) {
    family = Family::MsModelSlim;
  } else if (has_gs_desc) {
    family = Family::GoldenStick;
  } else if (count_prefix("quant-model-") > 0) {
    family = Family::GoldenStick;
    note(Severity::Error, Error(Errc::ckpt_description_missing, "Golden-Stick weights (quant-model-*) without "
                                                        "quantization_description.json")
                              .in_file(dir.string()));
  } else if (count_prefix("quant_model_weight") > 0) {
    family = Family::MsModelSlim;
    note(Severity::Error, Error(Errc::ckpt_description_missing, "msModelSlim weights (quant_model_weight*) without a "
                                                        "quant_model_description*.json")
                              .in_file(dir.string()));
  }

  std::vector<std::string> shard_names;
  auto use_index = [&](const std::string& name) -> bool {
    std::optional<Result<ShardIndex>> ahead = prefetch.take_index(name);
    auto idx = ahead ? std::move(*ahead) : read_shard_index(dir / name, names_);
    if (!idx) {
      note(Severity::Error, std::move(idx).error(), DiagSubject::Index);
      return false;
    }
    for (const Error& w : idx->warnings) note(Severity::Warning, w, DiagSubject::Index);
    index_ = std::move(*idx);
    index_name_ = name;
    for (const std::string& s : index_->shards())
      if (check_shard_name(dir, s).ok()) shard_names.push_back(s);
    return true;
  };
  auto unindexed_warning = [&](const std::vector<std::string>& candidates) {
    std::vector<std::string> extra;
    for (const std::string& w : candidates)
      if (std::find(shard_names.begin(), shard_names.end(), w) == shard_names.end()) extra.push_back(w);
    if (!extra.empty())
      note(Severity::Warning, Error(Errc::ckpt_unindexed_file, join(extra) + " not listed in " + index_name_ +
                                                                     "; loaders that follow the index ignore it")
                                  .in_file(dir.string()));
  };

  if (family == Family::MsModelSlim) {
    if (ms_descs.size() > 1) {
      note(Severity::Warning, Error(Errc::ckpt_description_several, "several description files (" + join(ms_descs) +
                                                                "); MindIE and vllm-mindspore refuse this")
                                  .in_file(dir.string()));
    }
    if (!ms_descs.empty()) {
      description_name_ = std::find(ms_descs.begin(), ms_descs.end(), kMsDescriptionName) != ms_descs.end()
                              ? std::string(kMsDescriptionName)
                              : ms_descs.front();
      auto d = read_ms_description_typed(dir / description_name_, names_);  // no DOM: see MsDescription::doc
      if (d) {
        ms_description_ = std::move(*d);
        for (const Error& w : ms_description_->warnings) note(Severity::Warning, w, DiagSubject::Description);
      } else {
        note(Severity::Error, std::move(d).error(), DiagSubject::Description);
      }
    }
    // Weight files of the family, and their common prefix.
    std::vector<std::string> ms_weights;
    for (const std::string& w : weights)
      if (std::string_view(w).starts_with("quant_model_weight")) ms_weights.push_back(w);
    std::set<std::string> prefixes;
    for (const std::string& w : ms_weights) prefixes.insert(weight_prefix(w));
    if (prefixes.size() > 1)
      note(Severity::Warning, Error(Errc::ckpt_naming, "weights with several prefixes: " +
                                                                join({prefixes.begin(), prefixes.end()}))
                                  .in_file(dir.string()));
    std::string prefix = prefixes.empty() ? "" : *prefixes.begin();
    const MsDescription* d = ms_description_ ? &*ms_description_ : nullptr;
    std::string type_suffix = ms_description_type_suffix(description_name_);
    if (d && d->model_quant_type && (*d->model_quant_type == "W8A8SC" || *d->model_quant_type == "W16A16SC")) {
      layout_ = Layout::MsModelSlimCompressed;
      evidence_.push_back("model_quant_type " + *d->model_quant_type + ": compressed sparse weights");
    } else if (d && (d->has_metadata || d->has_optional)) {
      layout_ = Layout::MsModelSlimV1;
      evidence_.push_back(description_name_ + " has the V1 saver's 'metadata'/'optional' keys");
    } else if (d && d->version) {
      layout_ = Layout::MsModelSlimV0;
      evidence_.push_back(description_name_ + " has 'version' but no 'metadata'/'optional': legacy ascendV1 saver");
    } else if (!d && !description_name_.empty() && prefix == "quant_model_weights") {
      // The description exists but cannot be read: the weights' names are
      // the current saver's, so check against it rather than guess an older
      // writer from the missing keys.
      layout_ = Layout::MsModelSlimV1;
      evidence_.push_back(description_name_ + " unreadable; weights named quant_model_weights*: current (V1) saver assumed");
    } else if (prefix == "quant_model_weight") {
      layout_ = Layout::MindIeSd;
      evidence_.push_back("weights named quant_model_weight-<i>-of-<n> without a type suffix: MindIE-SD writer");
    } else if (!type_suffix.empty()) {
      layout_ = Layout::MsModelSlimMindIE;
      evidence_.push_back("description named " + description_name_ + " and no 'version': legacy MindIE naming");
    } else {
      layout_ = Layout::MindIeSd;
      evidence_.push_back("description without 'version' and no type in its name: MindIE-SD writer");
    }
    if (!prefix.empty()) {
      evidence_.push_back("weights: " + join(ms_weights));
      if (layout_ == Layout::MsModelSlimV1 && prefix != layout_row(Layout::MsModelSlimV1).shard_prefix)
        note(Severity::Warning, Error(Errc::ckpt_naming, "V1 description but weights named '" + prefix +
                                                                  "' (the V1 saver writes quant_model_weights*)")
                                    .in_file(dir.string()));
      if (!type_suffix.empty() && d && d->model_quant_type && type_suffix != [&] {
            std::string t = *d->model_quant_type;
            std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
            return t;
          }())
        note(Severity::Warning, Error(Errc::ckpt_naming, "description name says '" + type_suffix +
                                                                  "' but model_quant_type is " + *d->model_quant_type)
                                    .in_file((dir / description_name_).string()));
    }
    std::string own_index = prefix + ".safetensors.index.json";
    if (!prefix.empty() && std::find(indexes.begin(), indexes.end(), own_index) != indexes.end()) {
      use_index(own_index);
      unindexed_warning(ms_weights);
    } else {
      shard_names = ms_weights.empty() ? weights : ms_weights;
    }
    if (std::find(indexes.begin(), indexes.end(), "model.safetensors.index.json") != indexes.end())
      note(Severity::Warning,
           Error(Errc::ckpt_stale_index, "stale model.safetensors.index.json beside msModelSlim weights: vLLM then "
                                         "loads only the files it lists and silently drops the quantized shards")
               .in_file((dir / "model.safetensors.index.json").string()));
    if (shard_names.empty() && !rank_dirs.empty()) {
      // A distributed MindIE-SD run leaves its weights per rank (merging is not implemented there).
      for (const std::string& r : rank_dirs)
        for (auto it = fs::directory_iterator(dir / r, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
          if (it->path().filename().string().ends_with(".safetensors"))
            shard_names.push_back(r + "/" + it->path().filename().string());
      std::sort(shard_names.begin(), shard_names.end());
      rank_count_ = rank_dirs.size();
      evidence_.push_back("weights only in " + std::to_string(rank_dirs.size()) + " rank_<r>/ directories");
    }
  } else if (family == Family::GoldenStick) {
    if (has_gs_desc) {
      description_name_ = std::string(kGsDescriptionName);
      auto d = read_gs_description_typed(dir / description_name_, names_);  // no DOM: see MsDescription::doc
      if (d) {
        gs_description_ = std::move(*d);
        for (const Error& w : gs_description_->warnings) note(Severity::Warning, w, DiagSubject::Description);
      } else {
        note(Severity::Error, std::move(d).error(), DiagSubject::Description);
      }
      evidence_.push_back("quantization_description.json (Golden-Stick's flat description)");
    }
    std::vector<std::string> gs_weights;
    for (const std::string& w : weights)
      if (std::string_view(w).starts_with("quant-model-")) gs_weights.push_back(w);
    if (gs_weights.empty() && !rank_dirs.empty()) {
      layout_ = Layout::GoldenStickPerRank;
      rank_count_ = rank_dirs.size();
      for (const std::string& r : rank_dirs)
        for (auto it = fs::directory_iterator(dir / r, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
          if (it->path().filename().string().ends_with(".safetensors"))
            shard_names.push_back(r + "/" + it->path().filename().string());
      std::sort(shard_names.begin(), shard_names.end(), [](const std::string& a, const std::string& b) {
        return rank_number(a.substr(0, a.find('/'))) != rank_number(b.substr(0, b.find('/')))
                   ? rank_number(a.substr(0, a.find('/'))) < rank_number(b.substr(0, b.find('/')))
                   : a < b;
      });
      evidence_.push_back(std::to_string(rank_dirs.size()) + " rank_<r>/ directories with per-rank shards");
    } else {
      layout_ = Layout::GoldenStick;
      if (!gs_weights.empty()) evidence_.push_back("weights: " + join(gs_weights));
      if (std::find(indexes.begin(), indexes.end(), "model.safetensors.index.json") != indexes.end()) {
        use_index("model.safetensors.index.json");
        unindexed_warning(gs_weights);
      } else {
        shard_names = gs_weights.empty() ? weights : gs_weights;
        if (gs_weights.size() > 1)
          note(Severity::Warning, Error(Errc::ckpt_naming, "several quant-model-* shards but no "
                                                                "model.safetensors.index.json")
                                      .in_file(dir.string()));
      }
    }
  } else if (!weights.empty()) {
    bool foreign = config_ && config_->quant_method;
    layout_ = foreign ? Layout::HfForeignQuantized : Layout::HfFloat;
    evidence_.push_back("no quantization description file");
    if (foreign) evidence_.push_back("config.json quantization_config.quant_method = " + *config_->quant_method);
    // compressed-tensors keeps its whole recipe in config.json (vllm-ascend
    // picks this loader exactly so: quantization/utils.py@182b75ea L120-175).
    if (foreign && *config_->quant_method == "compressed-tensors") {
      layout_ = Layout::CompressedTensors;
      const std::string cfg = (dir / "config.json").string();
      auto recipe = ct::parse_recipe(config_->quantization_config, cfg);
      if (recipe) {
        for (const Error& w : recipe->warnings) note(Severity::Warning, w, DiagSubject::Config);
        ct_recipe_ = std::move(*recipe);
      } else {
        note(Severity::Error, std::move(recipe).error(), DiagSubject::Config);
      }
    }
    if (std::find(indexes.begin(), indexes.end(), "model.safetensors.index.json") != indexes.end()) {
      use_index("model.safetensors.index.json");
      unindexed_warning(weights);
    } else if (!indexes.empty()) {
      use_index(indexes.front());
      unindexed_warning(weights);
    } else {
      shard_names = weights;
    }
    evidence_.push_back("weights: " + join(weights));
  }

  // Shards found by listing the directory get the checks an index's names
  // get (check_shard_index): plain names, no symlink leaving the directory.
  if (!index_) {
    std::vector<std::string> safe;
    for (const std::string& n : shard_names) {
      fs::path rel(n);
      Status st = ok_status();
      if (rel.has_parent_path()) st = check_shard_name(dir, rel.parent_path().string());  // rank_<r>
      if (st) st = check_shard_name(dir / rel.parent_path(), rel.filename().string());
      if (st) safe.push_back(n);
      else note(Severity::Error, std::move(st).error().in_file((dir / n).string()), DiagSubject::Shard);
    }
    shard_names = std::move(safe);
  }
  read_shards(dir, shard_names, &prefetch);
  for (const ShardFile& s : shards_)
    if (s.file && s.file->header().metadata.count("format") && s.file->header().metadata.at("format") == "ms") {
      evidence_.push_back("safetensors __metadata__ format \"ms\": written by MindSpore");
      break;
    }

  if (index_) {
    std::map<std::string, const SafetensorsFile*> opened;
    for (const ShardFile& s : shards_)
      if (s.file) opened.emplace(s.name, s.file.get());
    for (Error& e : check_shard_index(dir, (dir / index_name_).string(), *index_, &opened))
      note(Severity::Error, std::move(e), DiagSubject::Index);
  }
}

void Checkpoint::build_tensor_view() {
  // Each shard's tensors in name order (the reader sorted them, on all
  // cores), merged pairwise: about n log(shards) name comparisons and no
  // node per tensor, where a std::map of every name cost n log(n) and an
  // allocation each. Merging is stable, so of two equal names the one in
  // the earlier shard comes first.
  std::vector<TensorRef> all, merged;
  std::vector<std::size_t> runs{0};  // run boundaries in `all`
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    if (!shards_[s].file) continue;
    const std::vector<TensorInfo>& ts = shards_[s].file->tensors();
    for (std::size_t i : shards_[s].file->header().name_order()) all.push_back(TensorRef{&ts[i], s});
    if (all.size() != runs.back()) runs.push_back(all.size());
  }
  auto by_name = [](const TensorRef& a, const TensorRef& b) { return a.info->name < b.info->name; };
  while (runs.size() > 2) {
    merged.resize(all.size());
    std::vector<std::size_t> next{0};
    for (std::size_t r = 0; r + 1 < runs.size(); r += 2) {
      const std::size_t lo = runs[r], mid = runs[r + 1], hi = r + 2 < runs.size() ? runs[r + 2] : runs[r + 1];
      std::merge(all.begin() + lo, all.begin() + mid, all.begin() + mid, all.begin() + hi, merged.begin() + lo, by_name);
      next.push_back(hi);
    }
    all.swap(merged);
    runs = std::move(next);
  }
  tensors_.clear();
  tensors_.reserve(all.size());
  // A name stored twice keeps its first shard's tensor; the second is an
  // error unless an index or per-rank layout explains it (their own checks
  // report it), noted in shard order, then the order of the shard's table.
  std::vector<std::pair<const TensorRef*, const TensorRef*>> twice;  // (kept, dropped)
  for (const TensorRef& r : all) {
    if (!tensors_.empty() && tensors_.back().info->name == r.info->name) {
      twice.emplace_back(&tensors_.back(), &r);
      continue;
    }
    tensors_.push_back(r);
  }
  if (rank_count_ == 0 && !index_) {
    std::sort(twice.begin(), twice.end(), [](const auto& a, const auto& b) {
      return a.second->shard != b.second->shard ? a.second->shard < b.second->shard : a.second->info < b.second->info;
    });
    for (const auto& [kept, dropped] : twice)
      note(Severity::Error, Error(Errc::index_tensor_in_two_shards, "stored in both " + shards_[kept->shard].name +
                                                                        " and " + shards_[dropped->shard].name)
                                .for_tensor(dropped->info->name)
                                .in_file((root_ / shards_[dropped->shard].name).string()));
  }
  // The description's keys and the tensors' names are interned in names_:
  // each tensor's tag is found by its id, without comparing names.
  tensor_tags_.assign(tensors_.size(), std::string_view());
  if (const TensorTypes* types = ms_description_   ? &ms_description_->tensor_types
                                 : gs_description_ ? &gs_description_->tensor_types
                                                   : nullptr) {
    if (types->key_table() == names_) {
      constexpr std::uint32_t kUndescribed = 0;
      std::vector<std::uint32_t> entry_by_id(names_->size(), kUndescribed);  // entry + 1
      for (auto e = types->begin(); e != types->end(); ++e)
        entry_by_id[NameTable::id_of(e->first)] = static_cast<std::uint32_t>(e - types->begin()) + 1;
      for (std::size_t i = 0; i < tensors_.size(); ++i) {
        const NameId id = tensors_[i].info->id;  // every name here is interned: id < size()
        if (id >= entry_by_id.size()) continue;
        if (const std::uint32_t e = entry_by_id[id]; e != kUndescribed) tensor_tags_[i] = (types->begin() + (e - 1))->second;
      }
    } else {  // not parsed by this checkpoint (no such path today)
      for (std::size_t i = 0; i < tensors_.size(); ++i)
        if (auto e = types->find(tensors_[i].info->name); e != types->end()) tensor_tags_[i] = e->second;
    }
  }

  if (config_ && config_->dtype) {
    model_dtype_ = config_->dtype;
  } else {
    const TensorRef* probe = find("model.embed_tokens.weight");
    if (probe == nullptr)
      for (const TensorRef& t : tensors_)
        if (t.info->dtype == Dtype::BF16 || t.info->dtype == Dtype::F16) {
          probe = &t;
          break;
        }
    if (probe != nullptr && (probe->info->dtype == Dtype::BF16 || probe->info->dtype == Dtype::F16 ||
                             probe->info->dtype == Dtype::F32)) {
      model_dtype_ = probe->info->dtype;
      if (layout_ != Layout::SafetensorsFile)
        note(Severity::Info, Error(Errc::ckpt_dtype_inferred, "config.json gives no torch_dtype; model dtype " +
                                                               std::string(dtype_name(*model_dtype_)) +
                                                               " taken from " + std::string(probe->info->name)));
    }
  }
}

const TensorRef* Checkpoint::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorRef& r, std::string_view n) { return r.info->name < n; });
  return it != tensors_.end() && it->info->name == name ? &*it : nullptr;
}

std::span<const std::byte> Checkpoint::data(const TensorRef& t) const { return shards_[t.shard].file->data(*t.info); }

std::string_view Checkpoint::tag_of(std::string_view tensor) const {
  const TensorTypes* types = ms_description_   ? &ms_description_->tensor_types
                                                    : gs_description_ ? &gs_description_->tensor_types
                                                                      : nullptr;
  if (types == nullptr) return {};
  auto it = types->find(tensor);
  return it == types->end() ? std::string_view() : std::string_view(it->second);
}

std::string_view Checkpoint::tag_of(const TensorRef& t) const {
  const std::size_t i = position_of(t);
  return i < tensor_tags_.size() ? tensor_tags_[i] : tag_of(t.info->name);
}

bool Checkpoint::int4_marked(const TensorRef& t) const {
  const auto& md = shards_[t.shard].file->header().metadata;
  auto it = md.find(t.info->name);
  return it != md.end() && it->second == "Int4";
}

SchemeContext Checkpoint::scheme_context() const {
  SchemeContext c;
  c.model_dtype = model_dtype_;
  if (ms_description_ && ms_description_->group_size && *ms_description_->group_size > 0)
    c.group_size = static_cast<std::uint64_t>(*ms_description_->group_size);
  if (config_) {
    c.heads = config_->num_attention_heads;
    // MLA caches one latent KV head: msModelSlim's DeepSeek/Kimi adapters
    // put fa_k on compressed_kv.unsqueeze(1) and save [1,1] scales
    // (Ascend/msmodelslim model/deepseek_v3/model_adapter.py@3de0a3c4e965
    // L410-449, save/ascendv1.py L550-566).
    c.kv_heads = config_->kv_lora_rank ? std::optional<std::uint64_t>(1) : config_->kv_heads();
    c.head_dim = config_->resolved_head_dim();
  }
  return c;
}

namespace {
// `prefix` is cut from a name in the checkpoint's table (a description key
// or a tensor's name): the module keeps that view, no copy.
Module new_module(std::string_view prefix, QuantScope scope, std::string_view tag, std::optional<ParsedQuantType> type) {
  Module m;
  m.prefix = prefix;
  m.scope = scope;
  m.tag = std::string(tag);
  m.type = type;
  return m;
}
}  // namespace

// compressed-tensors has no description: every Linear (a rank-2
// "<prefix>.weight" or a "<prefix>.weight_packed") that a config group with
// weights reaches is a module, its tag the quant type the group computes
// (ct::quant_type_of; the group's description when none fits), its tensors
// every "<prefix>.<leaf>".
void Checkpoint::build_ct_modules() {
  const ct::Recipe& rec = *ct_recipe_;
  std::map<std::string_view, Module> by_prefix;  // keys: views into tensor names
  std::unordered_set<std::string_view> seen;
  ct::Coverage cov;
  cov.modules.assign(rec.groups.size(), 0);
  for (const TensorRef& t : tensors_) {
    std::string_view name = t.info->name, prefix;
    if (name.ends_with(".weight_packed")) prefix = name.substr(0, name.size() - 14);
    else if (name.ends_with(".weight") && t.info->shape.size() == 2) prefix = name.substr(0, name.size() - 7);
    else continue;
    if (!seen.insert(prefix).second) continue;
    const ct::Resolution res = ct::resolve(rec, prefix, ct::module_class(prefix));
    CtLinear& l = ct_linears_.emplace_back();
    l.prefix = prefix;
    l.ignored = res.ignored;
    l.overlapping = !res.others.empty();
    if (res.group) l.group = static_cast<std::size_t>(res.group - rec.groups.data());
    // Coverage as ct::coverage() counts it.
    if (res.ignored) ++cov.ignored;
    else if (!res.group) ++cov.unmatched;
    else ++cov.modules[*l.group];
    cov.overlapping += l.overlapping;
    if (!res.group || !res.group->weights) continue;
    const auto type = ct::quant_type_of(*res.group);
    Module m = new_module(prefix, QuantScope::Linear,
                          type ? std::string(quant_type_name(*type)) : ct::describe(*res.group->weights),
                          type ? std::optional<ParsedQuantType>(ParsedQuantType{*type}) : std::nullopt);
    m.ct_group = static_cast<std::size_t>(res.group - rec.groups.data());
    by_prefix.emplace(prefix, std::move(m));
  }
  for (const TensorRef& t : tensors_) {
    const std::string_view name = t.info->name;
    const std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) continue;
    if (auto it = by_prefix.find(name.substr(0, dot)); it != by_prefix.end())
      it->second.tensors.emplace_back(name.substr(dot + 1), &t);
  }
  modules_.reserve(by_prefix.size());
  for (auto& [k, m] : by_prefix) {
    std::sort(m.tensors.begin(), m.tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    modules_.push_back(std::move(m));
  }
  ct_coverage_ = std::move(cov);
}

void Checkpoint::build_modules() {
  modules_.clear();
  if (layout_ == Layout::CompressedTensors) {
    if (ct_recipe_) build_ct_modules();
    bind_modules();
    return;
  }
  const TensorTypes* types = ms_description_   ? &ms_description_->tensor_types
                                                    : gs_description_ ? &gs_description_->tensor_types
                                                                      : nullptr;
  if (types == nullptr) return;
  // Modules in a vector, found by hash of (prefix, tag) views into the
  // description's keys (interned in names_) and values (its text stays
  // put), so that no name is copied per tensor and no lookup compares long
  // shared prefixes in a tree (a name-keyed std::map here was a quarter of a quick
  // validation at 138k tensors). Linear modules are keyed with an empty tag.
  struct Key {
    std::string_view prefix, tag;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      const std::size_t h = std::hash<std::string_view>{}(k.prefix);
      return k.tag.empty() ? h : h ^ (std::hash<std::string_view>{}(k.tag) * 0x9E3779B97F4A7C15ull);
    }
  };
  std::unordered_map<Key, std::size_t, KeyHash> by_key;
  by_key.reserve(types->size() / 2);
  auto strip = [](std::string_view name, int components) -> std::optional<std::pair<std::string_view, std::string_view>> {
    std::size_t pos = name.size();
    for (int i = 0; i < components; ++i) {
      if (pos == 0) return std::nullopt;
      pos = name.rfind('.', pos - 1);
      if (pos == std::string_view::npos) return std::nullopt;
    }
    return std::make_pair(name.substr(0, pos), name.substr(pos + 1));
  };
  // The first module of a key wins (as map::emplace kept it). Modules are
  // listed first and built once their number is known: a growing vector
  // of Modules moved every one of them at each doubling (and held both
  // copies at once).
  struct Pending {
    Key key;
    QuantScope scope;
    std::string_view tag;
    const std::optional<ParsedQuantType>* type;
  };
  std::vector<Pending> pending;
  const std::optional<ParsedQuantType> no_type;
  auto add = [&](Key key, QuantScope scope, std::string_view tag, const std::optional<ParsedQuantType>& type) {
    if (by_key.emplace(key, pending.size()).second) pending.push_back(Pending{key, scope, tag, &type});
  };
  // Descriptions repeat a handful of type strings, mostly in runs: each is
  // parsed once, and the last one is remembered.
  std::map<std::string_view, std::optional<ParsedQuantType>> parsed_types;
  std::string_view last_tag;
  const std::optional<ParsedQuantType>* last_parsed = nullptr;
  auto parse_type = [&](std::string_view tag) -> const std::optional<ParsedQuantType>& {
    if (last_parsed != nullptr && tag == last_tag) return *last_parsed;
    auto it = parsed_types.find(tag);
    if (it == parsed_types.end()) it = parsed_types.emplace(tag, parse_quant_type(tag)).first;
    last_tag = tag;
    last_parsed = &it->second;
    return it->second;
  };
  // Linear modules: a ".weight" whose tag is a linear-scope quant type.
  for (const auto& [name, tag] : *types) {
    const auto& parsed = parse_type(tag);
    if (!parsed) {
      if (tag != "FLOAT" && std::string_view(name).ends_with(".weight")) {
        // Unknown type on a weight: still a module, so it is shown and checked.
        auto p = strip(name, 1);
        if (p) add(Key{p->first, {}}, QuantScope::Linear, tag, no_type);
      }
      continue;
    }
    QuantScope scope = quant_type_info(parsed->type).scope;
    if (scope == QuantScope::Linear && std::string_view(name).ends_with(".weight")) {
      auto p = strip(name, 1);
      if (p) add(Key{p->first, {}}, QuantScope::Linear, tag, parsed);
    } else if (scope == QuantScope::Attention) {
      auto p = strip(name, 2);
      if (p) add(Key{p->first, tag}, QuantScope::Attention, tag, parsed);
    }
  }
  // Modules in (prefix, tag) order, unique since no two share both. The
  // description's name order mostly gives it already; sorting positions
  // rather than Modules moves no Module.
  std::vector<std::uint32_t> order(pending.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  auto by_prefix_tag = [&](std::uint32_t a, std::uint32_t b) {
    const Pending& x = pending[a];
    const Pending& y = pending[b];
    return x.key.prefix != y.key.prefix ? x.key.prefix < y.key.prefix : x.tag < y.tag;
  };
  if (!std::is_sorted(order.begin(), order.end(), by_prefix_tag)) std::sort(order.begin(), order.end(), by_prefix_tag);
  std::vector<std::uint32_t> at(pending.size());  // pending position -> module position
  modules_.reserve(pending.size());
  for (std::uint32_t k : order) {
    at[k] = static_cast<std::uint32_t>(modules_.size());
    const Pending& m = pending[k];
    modules_.push_back(new_module(m.key.prefix, m.scope, m.tag, *m.type));
  }
  // Attach tensors: attention-scope tags by their own prefix, everything else
  // to the linear module of its prefix. Each tensor's module is found
  // first and counted, so each module's list is allocated once.
  constexpr std::uint32_t kNone = ~std::uint32_t{0};
  struct Owner {
    std::uint32_t module = kNone;
    std::uint32_t suffix_at = 0;  // where the suffix starts in the name
  };
  std::vector<Owner> owner(tensors_.size());
  std::vector<std::uint32_t> count(modules_.size(), 0);
  bool looked_up = false;
  std::string_view last_prefix;
  std::uint32_t last_module = kNone;
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    const std::string_view name = tensors_[i].info->name;
    std::string_view tag = tensor_tags_[i];
    const auto& parsed = parse_type(tag);
    if (parsed && quant_type_info(parsed->type).scope == QuantScope::Attention) {
      if (auto p = strip(name, 2))
        if (auto it = by_key.find(Key{p->first, tag}); it != by_key.end())
          owner[i] = Owner{at[it->second], static_cast<std::uint32_t>(p->second.data() - name.data())};
    } else if (auto p = strip(name, 1)) {
      // A module's tensors are mostly neighbours in name order: the last
      // prefix looked up is asked first.
      if (!looked_up || p->first != last_prefix) {
        auto it = by_key.find(Key{p->first, {}});
        looked_up = true;
        last_prefix = p->first;
        last_module = it != by_key.end() ? at[it->second] : kNone;
      }
      if (last_module != kNone) owner[i] = Owner{last_module, static_cast<std::uint32_t>(p->second.data() - name.data())};
    }
    if (owner[i].module != kNone) ++count[owner[i].module];
  }
  for (std::size_t m = 0; m < modules_.size(); ++m) modules_[m].tensors.reserve(count[m]);
  for (std::size_t i = 0; i < tensors_.size(); ++i)
    if (owner[i].module != kNone)
      modules_[owner[i].module].tensors.emplace_back(tensors_[i].info->name.substr(owner[i].suffix_at), &tensors_[i]);
  for (Module& m : modules_)
    std::sort(m.tensors.begin(), m.tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  bind_modules();
}

// Each module is matched against the scheme table once, with everything
// the table checks (dtypes, shapes, description tags, Int4 markers), and its
// tensors are indexed by role.
void Checkpoint::bind_modules() {
  SchemeContext ctx = scheme_context();
  const auto fam = family();
  // Whether the table has schemes for a type, asked once per type; and one
  // facts buffer whose strings and shapes are reused from module to module
  // (tens of thousands of modules, each with a handful of tensors).
  std::map<QuantType, bool> has_schemes;
  std::vector<TensorFacts> facts;
  for (Module& m : modules_) {
    // compressed-tensors: each config group has its own group size.
    if (m.ct_group) {
      const auto& w = ct_recipe_->groups[*m.ct_group].weights;
      ctx.group_size = w && w->group_size && *w->group_size > 0 ? std::optional<std::uint64_t>(*w->group_size) : std::nullopt;
    }
    for (const auto& [suffix, ref] : m.tensors)
      if (Role r = role_of_suffix(suffix); r != Role::Unknown && !m.tensor(r)) m.by_role[static_cast<std::size_t>(r)] = ref;
    if (!fam || !m.type) continue;
    auto known = has_schemes.find(m.type->type);
    if (known == has_schemes.end()) known = has_schemes.emplace(m.type->type, !schemes_for(*fam, m.type->type).empty()).first;
    if (!known->second) continue;
    facts.resize(m.tensors.size());
    for (std::size_t i = 0; i < m.tensors.size(); ++i) {
      const TensorRef& ref = *m.tensors[i].second;
      TensorFacts& f = facts[i];
      f.suffix.assign(m.tensors[i].first);
      f.dtype = ref.info->dtype;
      f.shape.assign(ref.info->shape.begin(), ref.info->shape.end());
      f.tag.assign(tag_of(ref));
      f.int4_marker = int4_marked(ref);
    }
    m.match = match_scheme(*fam, m.type->type, m.tag, facts, ctx);
  }
}

}  // namespace qkit
