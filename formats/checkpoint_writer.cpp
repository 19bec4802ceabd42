//===- formats/checkpoint_writer.cpp -------------------------------------===//
#include "formats/checkpoint_writer.h"

#include <unistd.h>

#include <cstring>
#include <set>

#include "formats/atomic_file.h"
#include "formats/output_dir.h"
#include "formats/sharded_writer.h"

namespace qkit {
namespace fs = std::filesystem;

namespace {

Status write_text(const fs::path& p, const std::string& text) {
  auto out = AtomicFileWriter::create(p);
  if (!out) return std::move(out).error();
  if (auto st = out->write(std::string_view(text)); !st) return st;
  return out->commit();
}

Status copy_bytes(const fs::path& from, const fs::path& to) {
  auto map = MappedFile::open(from);
  if (!map) return std::move(map).error();
  auto out = AtomicFileWriter::create(to);
  if (!out) return std::move(out).error();
  if (auto st = out->write(map->bytes()); !st) return st;
  return out->commit();
}

}  // namespace

JsonStyle description_style(Layout layout) { return layout_row(layout).description_style; }

Status write_checkpoint(const fs::path& dst, const CheckpointContent& content, const LayoutOptions& o) {
  std::error_code ec;
  // Locked, beside dst, removed on every early return; see output_dir.h.
  auto out = OutputDirectory::begin(dst, o.replace ? (o.replace_foreign ? ReplacePolicy::Anything
                                                                        : ReplacePolicy::QkitOutput)
                                                   : ReplacePolicy::Never);
  if (!out) return std::move(out).error();
  const fs::path* tmp = &out->path();

  std::vector<TensorSource> sources;
  sources.reserve(content.tensors.size());
  for (const OutputTensor& t : content.tensors) sources.push_back(t.source);
  std::set<std::string> int4;
  for (const OutputTensor& t : content.tensors)
    if (t.int4) int4.insert(t.source.name);

  // Names, directories and metadata come from the layout table.
  const LayoutRow& row = layout_row(o.layout);
  if (row.shard_prefix.empty() && row.single_file_name.empty())
    return Error(Errc::invalid_argument, "cannot write layout " + std::string(row.id));
  const std::string t = o.type_suffix;
  ShardedWriteOptions w;
  w.max_shard_bytes = row.always_one_file ? ~0ull : o.max_shard_bytes;
  w.shard_prefix = expand_layout_name(row.shard_prefix, t);
  w.index_name = expand_layout_name(row.index_name, t);
  if ((o.single_file || row.always_one_file) && !row.single_file_name.empty())
    w.single_file_name = expand_layout_name(row.single_file_name, t);
  const std::string description_name = expand_layout_name(row.description_name, t);
  fs::path weights_dir = *tmp;
  if (!row.weights_dir.empty()) {
    weights_dir = *tmp / std::string(row.weights_dir);
    fs::create_directories(weights_dir, ec);
    if (ec) return Error(Errc::io_write, "cannot create " + std::string(row.weights_dir) + ": " + ec.message())
                   .in_file(weights_dir.string());
  }
  const bool golden_stick = row.ms_metadata;
  if (golden_stick) {
    // MindSpore's writer: {"format": "ms"} plus an "Int4" entry per packed tensor.
    w.shard_metadata = [&](std::span<const std::size_t> idx) -> std::optional<Metadata> {
      Metadata md{{"format", "ms"}};
      for (std::size_t i : idx)
        if (int4.count(sources[i].name)) md[sources[i].name] = "Int4";
      return md;
    };
  }
  auto written = write_sharded(weights_dir, sources, w);
  if (!written) return std::move(written).error();
  if (written->index && golden_stick) {
    // Golden-Stick writes its index with indent 4 (transformers and msModelSlim use 2).
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(serialize_shard_index(*written->index));
    if (auto st = write_text(weights_dir / w.index_name, serialize_json(j, JsonStyle{4, false, false})); !st) return st;
  }
  if (!description_name.empty() && !content.description.is_null())
    if (auto st = write_description(*tmp / description_name, content.description, description_style(o.layout)); !st)
      return st;
  if (content.config_json)
    if (auto st = write_text(*tmp / "config.json", *content.config_json); !st) return st;
  for (const fs::path& f : content.copy_files)
    if (auto st = copy_bytes(f, *tmp / f.filename()); !st) return st;
  if (o.mark_output) {
    for (auto it = fs::recursive_directory_iterator(*tmp, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file()) out->record(fs::relative(it->path(), *tmp).generic_string());
    if (ec) return Error(Errc::io_read, "cannot list the written files: " + ec.message()).in_file(tmp->string());
    if (auto st = out->write_marker(); !st) return st;
  }
  if (o.before_commit)
    if (auto st = o.before_commit(*tmp); !st) return st;
  return out->commit();
}

}  // namespace qkit
