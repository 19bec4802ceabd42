//===- formats/safetensors_writer.cpp ------------------------------------===//
#include "formats/safetensors_writer.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "formats/checked_math.h"
#include "formats/safetensors.h"
#include "formats/utf8.h"

namespace qkit {
namespace {

// Counts what a producer writes so a short or long tensor is caught.
class CountingSink final : public ByteSink {
 public:
  explicit CountingSink(ByteSink& inner) : inner_(inner) {}
  Status write(std::span<const std::byte> b) override {
    count += b.size();
    return inner_.write(b);
  }
  using ByteSink::write;
  std::uint64_t count = 0;

 private:
  ByteSink& inner_;
};

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

Result<SafetensorsLayout> plan_safetensors(const std::vector<TensorSource>& tensors,
                                           const std::optional<Metadata>& metadata) {
  SafetensorsLayout layout;
  layout.nbytes.resize(tensors.size());
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorSource& t = tensors[i];
    auto err = [&](Errc c, std::string d) { return Error(c, std::move(d)).for_tensor(t.name); };
    if (t.name == "__metadata__") return err(Errc::reserved_name, "'__metadata__' is reserved for the metadata map");
    if (!is_valid_utf8(t.name)) return err(Errc::name_not_utf8, "tensor name is not valid UTF-8");
    if (!names.insert(t.name).second) return err(Errc::duplicate_tensor, "tensor name appears twice");
    if (t.dtype == Dtype::Unknown) return err(Errc::invalid_argument, "cannot write a tensor of unknown dtype");
    auto elems = element_count(t.shape);
    auto bits = elems ? checked_mul(*elems, dtype_bits(t.dtype)) : std::nullopt;
    if (!bits) return err(Errc::validation_overflow, "element count times bits overflows 64 bits");
    if (*bits % 8 != 0)
      return err(Errc::misaligned_slice, std::to_string(*elems) + " elements of " +
                                             std::string(dtype_name(t.dtype)) + " do not fill whole bytes");
    layout.nbytes[i] = *bits / 8;
    if (!t.produce && t.bytes.size() != layout.nbytes[i])
      return err(Errc::data_size_mismatch, "supplied " + std::to_string(t.bytes.size()) + " bytes, shape needs " +
                                               std::to_string(layout.nbytes[i]));
  }
  if (metadata) {
    for (const auto& [k, v] : *metadata)
      if (!is_valid_utf8(k) || !is_valid_utf8(v))
        return Error(Errc::name_not_utf8, "__metadata__ entry '" + escape_for_display(k) + "' is not valid UTF-8");
  }

  layout.order.resize(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) layout.order[i] = i;
  std::sort(layout.order.begin(), layout.order.end(), [&](std::size_t a, std::size_t b) {
    unsigned ba = dtype_bits(tensors[a].dtype), bb = dtype_bits(tensors[b].dtype);
    return ba != bb ? ba > bb : tensors[a].name < tensors[b].name;
  });

  std::string h = "{";
  bool first = true;
  if (metadata) {
    h += "\"__metadata__\":{";
    bool f2 = true;
    for (const auto& [k, v] : *metadata) {  // std::map: sorted keys
      if (!f2) h += ',';
      f2 = false;
      h += json_string(k) + ":" + json_string(v);
    }
    h += '}';
    first = false;
  }
  std::uint64_t offset = 0;
  for (std::size_t i : layout.order) {
    const TensorSource& t = tensors[i];
    if (!first) h += ',';
    first = false;
    h += json_string(t.name) + ":{\"dtype\":\"" + std::string(dtype_name(t.dtype)) + "\",\"shape\":[";
    for (std::size_t d = 0; d < t.shape.size(); ++d) {
      if (d) h += ',';
      h += std::to_string(t.shape[d]);
    }
    auto end = checked_add(offset, layout.nbytes[i]);
    if (!end) return Error(Errc::validation_overflow, "total data size overflows 64 bits").for_tensor(t.name);
    h += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(*end) + "]}";
    offset = *end;
  }
  h += '}';
  h.append((8 - h.size() % 8) % 8, ' ');
  if (h.size() > kMaxHeaderSize)
    return Error(Errc::header_too_large, "header would be " + std::to_string(h.size()) + " bytes; the limit is " +
                                             std::to_string(kMaxHeaderSize));
  layout.header = std::move(h);
  layout.data_size = offset;
  return layout;
}

Status stream_safetensors(ByteSink& sink, const std::vector<TensorSource>& tensors, const SafetensorsLayout& layout) {
  std::byte len[8];
  std::uint64_t n = layout.header.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
  if (auto st = sink.write(std::span<const std::byte>(len, 8)); !st) return st;
  if (auto st = sink.write(std::string_view(layout.header)); !st) return st;
  for (std::size_t i : layout.order) {
    const TensorSource& t = tensors[i];
    if (t.produce) {
      CountingSink counting(sink);
      if (auto st = t.produce(counting); !st) {
        // A producer's own error (e.g. its source shard shrank) keeps the
        // source file and tensor it names; otherwise name the output tensor.
        Error e = std::move(st).error();
        if (e.tensor.empty()) e.tensor = t.name;
        return e;
      }
      if (counting.count != layout.nbytes[i])
        return Error(Errc::data_size_mismatch, "producer wrote " + std::to_string(counting.count) +
                                                   " bytes, shape needs " + std::to_string(layout.nbytes[i]))
            .for_tensor(t.name);
    } else if (auto st = sink.write(t.bytes); !st) {
      return std::move(st).error().for_tensor(t.name);
    }
  }
  return ok_status();
}

Result<std::uint64_t> write_safetensors(const std::filesystem::path& path, const std::vector<TensorSource>& tensors,
                                        const std::optional<Metadata>& metadata) {
  auto layout = plan_safetensors(tensors, metadata);
  if (!layout) return std::move(layout).error().in_file(path.string());
  auto out = AtomicFileWriter::create(path);
  if (!out) return std::move(out).error();
  if (auto st = stream_safetensors(*out, tensors, *layout); !st) {
    Error e = std::move(st).error();
    if (e.file.empty()) e.file = path.string();
    return e;  // the writer's destructor removes the temporary file
  }
  if (auto st = out->commit(); !st) return std::move(st).error();
  return layout->file_size();
}

}  // namespace qkit
