//===- formats/shard_index.cpp -------------------------------------------===//
#include "formats/shard_index.h"

#include <sys/stat.h>

#include <cmath>
#include <list>
#include <set>
#include <string_view>
#include <unordered_map>

#include "formats/atomic_file.h"
#include "formats/strict_json.h"

namespace qkit {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::uint64_t kMaxIndexBytes = 256ull << 20;

Error schema(const std::string& file, std::string detail) {
  return Error(Errc::json_schema, std::move(detail)).in_file(file);
}

// Is `p` (canonical) inside `dir` (canonical)?
bool is_within(const std::filesystem::path& dir, const std::filesystem::path& p) {
  auto d = dir.begin(), q = p.begin();
  for (; d != dir.end(); ++d, ++q)
    if (q == p.end() || *d != *q) return false;
  return true;
}

}  // namespace

std::vector<std::string> ShardIndex::shards() const {
  // Tensors of one shard mostly come in runs in name order: a run costs one
  // comparison, not a set insertion (180 shards, 140,000 entries).
  std::set<std::string_view> s;
  std::string_view last;
  bool any = false;
  for (const auto& [t, shard] : weight_map) {
    if (any && last == shard) continue;
    s.insert(shard);
    last = shard;
    any = true;
  }
  return {s.begin(), s.end()};
}

bool is_index_file_name(std::string_view name) {
  return name.size() > kIndexSuffix.size() && std::string_view(name).ends_with(kIndexSuffix);
}

std::string index_prefix(std::string_view name) {
  if (!is_index_file_name(name)) return {};
  return std::string(name.substr(0, name.size() - kIndexSuffix.size()));
}

Result<ShardIndex> parse_shard_index(std::string_view text, const std::string& file,
                                     std::shared_ptr<NameTable> names) {
  ShardIndex idx;
  idx.weight_map = FlatStringMap(names ? std::move(names) : std::make_shared<NameTable>());
  // weight_map's string members go straight into idx.weight_map; the
  // document keeps what the checks below report (non-string values, in
  // order), so the results are those of the whole DOM.
  StringMembers wm_strings;
  wm_strings.member = "weight_map";
  wm_strings.wants = [](std::string_view) { return true; };
  wm_strings.take = [&](std::string_view k, std::string_view v) { idx.weight_map.append(k, v); };
  wm_strings.holds = [&](std::string_view k) { return idx.weight_map.count(k) > 0; };
  wm_strings.each_key = [&](const std::function<void(std::string_view)>& f) {
    for (const auto& e : idx.weight_map) f(e.first);
  };
  auto doc = parse_json_strict(text, file, JsonLimits{kMaxIndexBytes, 64}, &wm_strings);
  if (!doc) return std::move(doc).error();
  idx.weight_map.sort();  // no duplicates: the reader refused them
  const ojson& j = *doc;
  if (!j.is_object()) return schema(file, "the index must be a JSON object");
  auto wm = j.find("weight_map");
  if (wm == j.end()) return schema(file, "the index has no 'weight_map'");
  if (!wm->is_object()) return schema(file, "'weight_map' must be an object of tensor name -> shard file");
  for (auto it = wm->begin(); it != wm->end(); ++it)
    if (!it.value().is_string())
      return Error(Errc::json_schema, "weight_map value must be a shard file name string")
          .in_file(file)
          .for_tensor(it.key());
  if (auto md = j.find("metadata"); md != j.end()) {
    if (md->is_null()) {
      // tolerated: some writers emit "metadata": null
    } else if (!md->is_object()) {
      return schema(file, "'metadata' must be an object");
    } else {
      for (auto it = md->begin(); it != md->end(); ++it) {
        if (it.key() != "total_size") {
          idx.extra_metadata[it.key()] = it.value();
          continue;
        }
        const ojson& v = it.value();
        if (v.is_number_unsigned()) {
          idx.total_size = v.get<std::uint64_t>();
        } else if (v.is_number_float() && v.get<double>() >= 0 && v.get<double>() < 0x1p64 &&
                   std::floor(v.get<double>()) == v.get<double>()) {
          idx.total_size = static_cast<std::uint64_t>(v.get<double>());
          idx.warnings.push_back(
              Error(Errc::json_schema, "metadata.total_size is written as a float; expected an integer")
                  .in_file(file));
        } else {
          return schema(file, "metadata.total_size must be a non-negative integer");
        }
      }
    }
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "weight_map" && it.key() != "metadata")
      idx.warnings.push_back(Error(Errc::json_schema, "unknown top-level key '" + escape_for_display(it.key()) +
                                                          "' in the index (ignored)")
                                 .in_file(file));
  return idx;
}

Result<ShardIndex> read_shard_index(const std::filesystem::path& path, std::shared_ptr<NameTable> names) {
  auto text = read_small_file(path, kMaxIndexBytes);
  if (!text) return std::move(text).error();
  return parse_shard_index(*text, path.string(), std::move(names));
}

std::string serialize_shard_index(const ShardIndex& index) {
  ojson j = ojson::object();
  ojson md = ojson::object();
  if (index.total_size) md["total_size"] = *index.total_size;
  for (auto it = index.extra_metadata.begin(); it != index.extra_metadata.end(); ++it) md[it.key()] = it.value();
  j["metadata"] = std::move(md);
  ojson wm = ojson::object();
  for (const auto& [t, s] : index.weight_map) wm[std::string(t)] = s;  // sorted
  j["weight_map"] = std::move(wm);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::strict) + "\n";
}

Status write_shard_index(const std::filesystem::path& path, const ShardIndex& index) {
  std::string text;
  try {
    text = serialize_shard_index(index);
  } catch (const std::exception& ex) {
    return Error(Errc::name_not_utf8, std::string("cannot serialize the index: ") + ex.what()).in_file(path.string());
  }
  auto out = AtomicFileWriter::create(path);
  if (!out) return std::move(out).error();
  if (auto st = out->write(std::string_view(text)); !st) return st;
  return out->commit();
}

Status check_shard_name(const std::filesystem::path& dir, std::string_view shard) {
  auto bad = [&](std::string why) {
    return Error(Errc::index_shard_path, "shard name '" + escape_for_display(shard) + "' " + why);
  };
  if (shard.empty()) return bad("is empty");
  if (shard == "." || shard == "..") return bad("is not a file name");
  if (shard.find('/') != std::string_view::npos || shard.find('\\') != std::string_view::npos)
    return bad("contains a path separator; shards must be plain file names in the checkpoint directory");
  if (shard.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  std::filesystem::path p = dir / std::string(shard);
  std::error_code ec;
  auto st = std::filesystem::symlink_status(p, ec);
  if (ec || st.type() != std::filesystem::file_type::symlink) return ok_status();
  auto target = std::filesystem::canonical(p, ec);
  if (ec) return bad("is a dangling symlink");
  auto cdir = std::filesystem::canonical(dir.empty() ? std::filesystem::path(".") : dir, ec);
  if (ec) return ok_status();
  if (is_within(cdir, target)) return ok_status();
  // Hugging Face cache: snapshots/<rev>/<file> -> ../../blobs/<hash>
  if (cdir.parent_path().filename() == "snapshots" &&
      is_within(cdir.parent_path().parent_path() / "blobs", target))
    return ok_status();
  return bad("is a symlink that leaves the checkpoint directory (to " + target.string() + ")");
}

std::vector<Error> check_shard_index(const std::filesystem::path& dir, const std::string& index_file,
                                     const ShardIndex& index,
                                     const std::map<std::string, const SafetensorsFile*>* opened) {
  std::vector<Error> out;
  // Views into index.weight_map, and shard files kept open to the end, so
  // that no tensor name is copied. weight_map is sorted by name, and so is
  // each shard's name order: one merge walk per shard pairs the two lists.
  // Only the tensors it leaves unpaired (none, in a consistent checkpoint)
  // are looked up by name; a hash of every name was a fifth of a quick
  // validation at 138k tensors.
  std::map<std::string_view, std::vector<std::string_view>> by_shard;  // shard -> tensors the index puts there, sorted
  {
    // Shard names come in runs, and the table stores a recurring one once:
    // the last shard's list is reused while the name's pointer is the same.
    std::string_view last;
    std::vector<std::string_view>* names = nullptr;
    for (const auto& [t, s] : index.weight_map) {
      if (names == nullptr || s.data() != last.data() || s.size() != last.size()) {
        names = &by_shard[s];
        last = s;
      }
      names->push_back(t);
    }
  }

  std::map<std::string_view, const SafetensorsFile*> read;  // shards read so far (in by_shard order)
  // Tensor -> the first shard read that stores it where weight_map does not put it.
  std::unordered_map<std::string_view, std::string_view> stray_in;
  std::list<SafetensorsFile> own_files;  // shards opened here (the maps view their names)
  std::uint64_t total = 0;
  bool all_read = true;
  std::vector<bool> paired;
  for (const auto& [shard_view, names] : by_shard) {
    const std::string shard(shard_view);
    if (auto st = check_shard_name(dir, shard); !st) {
      out.push_back(std::move(st).error().in_file(index_file));
      all_read = false;
      continue;
    }
    std::filesystem::path p = dir / shard;
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      out.push_back(Error(Errc::index_missing_shard, "shard '" + escape_for_display(shard) + "' (" +
                                                         std::to_string(names.size()) +
                                                         " tensors) does not exist")
                        .in_file(index_file));
      all_read = false;
      continue;
    }
    const SafetensorsFile* f = nullptr;
    if (opened != nullptr) {
      if (auto it = opened->find(shard); it != opened->end()) f = it->second;
    }
    if (f == nullptr) {
      // Names interned where the index's are (the checkpoint's table).
      auto r = SafetensorsFile::open(p, ParseOptions{.allow_unknown_dtypes = false, .names = index.weight_map.key_table()});
      if (!r) {
        Error e = std::move(r).error();
        out.push_back(Error(Errc::index_bad_shard, "shard cannot be read: " + e.to_string()).in_file(p.string()));
        all_read = false;
        continue;
      }
      own_files.push_back(std::move(*r));
      f = &own_files.back();
    }
    const std::vector<TensorInfo>& tensors = f->tensors();
    const std::span<const std::size_t> order = f->header().name_order();
    paired.assign(tensors.size(), false);
    std::size_t j = 0;
    for (std::string_view t : names) {
      while (j < order.size() && std::string_view(tensors[order[j]].name) < t) ++j;
      if (j < order.size() && tensors[order[j]].name == t) {
        paired[order[j++]] = true;
        continue;
      }
      out.push_back(Error(Errc::index_tensor_missing, "weight_map puts this tensor in '" + escape_for_display(shard) +
                                                          "' but that shard does not contain it")
                        .in_file(index_file)
                        .for_tensor(std::string(t)));
    }
    for (std::size_t k = 0; k < tensors.size(); ++k) {
      const TensorInfo& t = tensors[k];
      total += t.nbytes();
      // The first shard read before this one that also stores t: a shard
      // where t is stray, or the one weight_map names if it has t.
      std::optional<std::string_view> first;
      if (!stray_in.empty())
        if (auto it = stray_in.find(t.name); it != stray_in.end()) first = it->second;
      auto wm = paired[k] ? index.weight_map.end() : index.weight_map.find(t.name);
      if (!paired[k] && wm != index.weight_map.end() && (!first || std::string_view(wm->second) < *first))
        if (auto r = read.find(wm->second); r != read.end() && r->second->find(t.name) != nullptr) first = wm->second;
      if (first)
        out.push_back(Error(Errc::index_tensor_in_two_shards, "stored in both '" + escape_for_display(*first) +
                                                                  "' and '" + escape_for_display(shard) + "'")
                          .in_file(p.string())
                          .for_tensor(t.name));
      if (paired[k]) continue;
      stray_in.emplace(t.name, shard_view);
      if (wm == index.weight_map.end())
        out.push_back(Error(Errc::index_tensor_unlisted, "stored in this shard but absent from weight_map")
                          .in_file(p.string())
                          .for_tensor(t.name)
                          .at(f->file_offset(t)));
      else
        out.push_back(Error(Errc::index_tensor_elsewhere, "stored in this shard but weight_map names '" +
                                                              escape_for_display(wm->second) + "'")
                          .in_file(p.string())
                          .for_tensor(t.name)
                          .at(f->file_offset(t)));
    }
    read.emplace(shard_view, f);
  }
  if (index.total_size && all_read && *index.total_size != total)
    out.push_back(Error(Errc::index_total_size, "metadata.total_size is " + std::to_string(*index.total_size) +
                                                    " but the shards' tensors hold " + std::to_string(total) +
                                                    " bytes")
                      .in_file(index_file));
  return out;
}

}  // namespace qkit
