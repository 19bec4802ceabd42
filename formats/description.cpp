//===- formats/description.cpp -------------------------------------------===//
#include "formats/description.h"

#include <algorithm>

#include "formats/atomic_file.h"
#include "formats/strict_json.h"

namespace qkit {
namespace {

using ojson = nlohmann::ordered_json;
constexpr std::uint64_t kMaxDescriptionBytes = 256ull << 20;

}  // namespace

JsonStyle detect_json_style(std::string_view text) {
  JsonStyle s;
  auto nl = text.find('\n');
  if (nl == std::string_view::npos || nl + 1 >= text.size()) {
    s.indent = 0;
  } else {
    std::size_t i = nl + 1;
    while (i < text.size() && text[i] == ' ') ++i;
    s.indent = static_cast<int>(i - nl - 1);
  }
  bool non_ascii = std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  s.ensure_ascii = !non_ascii;  // ambiguous for pure-ASCII files: Python's default wins
  s.trailing_newline = !text.empty() && text.back() == '\n';
  return s;
}

std::string serialize_json(const ojson& j, const JsonStyle& style) {
  std::string out;
  if (style.indent > 0) {
    out = j.dump(style.indent, ' ', style.ensure_ascii, nlohmann::json::error_handler_t::strict);
  } else {
    // Python's compact default separators are ", " and ": ".
    std::string tight = j.dump(-1, ' ', style.ensure_ascii, nlohmann::json::error_handler_t::strict);
    bool in_str = false, esc = false;
    for (char c : tight) {
      out += c;
      if (in_str) {
        if (esc) esc = false;
        else if (c == '\\') esc = true;
        else if (c == '"') in_str = false;
      } else if (c == '"') {
        in_str = true;
      } else if (c == ',' || c == ':') {
        out += ' ';
      }
    }
  }
  if (style.trailing_newline) out += '\n';
  return out;
}

const std::vector<std::string_view>& MsDescription::reserved_keys() {
  static const std::vector<std::string_view> keys = {
      "model_quant_type", "version",           "group_size",         "metadata",     "optional",
      "kv_cache_type",    "kv_quant_type",     "fa_quant_type",      "reduce_quant_type",
      "indexer_quant_type", "is_rot_used"};
  return keys;
}

MsDescription ms_description_from_json(ojson doc, const std::string& file) {
  MsDescription d;
  d.doc = std::move(doc);
  if (!d.doc.is_object()) {
    d.warnings.push_back(Error(Errc::json_schema, "the description must be a JSON object").in_file(file));
    return d;
  }
  auto warn = [&](const std::string& key, const std::string& want) {
    d.warnings.push_back(Error(Errc::json_schema, "'" + key + "' should be " + want).in_file(file));
  };
  auto str_or_null = [&](const std::string& key, const ojson& v, std::optional<std::string>& out, bool* null_flag) {
    if (v.is_string()) out = v.get<std::string>();
    else if (v.is_null() && null_flag) *null_flag = true;
    else warn(key, null_flag ? "a string or null" : "a string");
  };
  for (auto it = d.doc.begin(); it != d.doc.end(); ++it) {
    const std::string& key = it.key();
    const ojson& v = it.value();
    if (key == "model_quant_type") str_or_null(key, v, d.model_quant_type, nullptr);
    else if (key == "version") str_or_null(key, v, d.version, nullptr);
    else if (key == "group_size") {
      if (v.is_number_integer()) d.group_size = v.get<std::int64_t>();
      else warn(key, "an integer");
    } else if (key == "metadata") {
      d.has_metadata = true;
      if (!v.is_object()) warn(key, "an object");
    } else if (key == "optional") {
      d.has_optional = true;
      if (!v.is_object()) warn(key, "an object");
    } else if (key == "kv_cache_type") str_or_null(key, v, d.kv_cache_type, nullptr);
    else if (key == "kv_quant_type") str_or_null(key, v, d.kv_quant_type, &d.kv_quant_type_null);
    else if (key == "fa_quant_type") str_or_null(key, v, d.fa_quant_type, &d.fa_quant_type_null);
    else if (key == "reduce_quant_type") str_or_null(key, v, d.reduce_quant_type, nullptr);
    else if (key == "indexer_quant_type") str_or_null(key, v, d.indexer_quant_type, nullptr);
    else if (key == "is_rot_used") {
      if (!v.is_boolean()) warn(key, "a boolean");
    } else if (key.find('.') == std::string::npos) {
      d.extra_keys.push_back(key);  // script-added (w_bit, is_dynamic, ...) or unknown: kept, not a tensor
    } else if (std::string_view(key).ends_with(".quant_type") && v.is_string()) {
      d.layer_quant_types.emplace(key, v.get<std::string>());
    } else if (v.is_string()) {
      d.tensor_types.append(key, v.get_ref<const std::string&>());
    } else {
      d.extra_keys.push_back(key);
      warn(key, "a quant type string (a dotted key names a tensor)");
    }
  }
  d.tensor_types.sort();  // document order; a DOM from the strict reader has no duplicate keys
  return d;
}

GsDescription gs_description_from_json(ojson doc, const std::string& file) {
  GsDescription d;
  d.doc = std::move(doc);
  if (!d.doc.is_object()) {
    d.warnings.push_back(Error(Errc::json_schema, "the description must be a JSON object").in_file(file));
    return d;
  }
  for (auto it = d.doc.begin(); it != d.doc.end(); ++it) {
    if (it.value().is_string()) {
      d.tensor_types.append(it.key(), it.value().get_ref<const std::string&>());
    } else {
      d.warnings.push_back(Error(Errc::json_schema, "value of '" + escape_for_display(it.key()) +
                                                        "' should be a quant type string")
                               .in_file(file));
    }
  }
  d.tensor_types.sort();  // document order; a DOM from the strict reader has no duplicate keys
  return d;
}

Result<MsDescription> parse_ms_description(std::string_view text, const std::string& file) {
  auto j = parse_json_strict(text, file, JsonLimits{kMaxDescriptionBytes, 64});
  if (!j) return std::move(j).error();
  MsDescription d = ms_description_from_json(std::move(*j), file);
  d.style = detect_json_style(text);
  return d;
}

Result<GsDescription> parse_gs_description(std::string_view text, const std::string& file) {
  auto j = parse_json_strict(text, file, JsonLimits{kMaxDescriptionBytes, 64});
  if (!j) return std::move(j).error();
  GsDescription d = gs_description_from_json(std::move(*j), file);
  d.style = detect_json_style(text);
  return d;
}

Result<MsDescription> parse_ms_description_typed(std::string_view text, const std::string& file,
                                                 std::shared_ptr<NameTable> names) {
  // The members ms_description_from_json puts in tensor_types: dotted keys
  // with a string value, except "<attention>.quant_type".
  TensorTypes tags(names ? std::move(names) : std::make_shared<NameTable>());
  StringMembers tensors;
  tensors.wants = [](std::string_view k) { return k.find('.') != std::string_view::npos && !k.ends_with(".quant_type"); };
  tensors.take = [&](std::string_view k, std::string_view v) { tags.append(k, v); };
  tensors.holds = [&](std::string_view k) { return tags.find(k) != tags.end(); };
  tensors.each_key = [&](const std::function<void(std::string_view)>& f) {
    for (const auto& e : tags) f(e.first);
  };
  auto j = parse_json_strict(text, file, JsonLimits{kMaxDescriptionBytes, 64}, &tensors);
  if (!j) return std::move(j).error();
  MsDescription d = ms_description_from_json(std::move(*j), file);
  tags.sort();  // no duplicates: the reader refused them
  d.tensor_types = std::move(tags);  // the rest of the document held none
  d.doc = nullptr;
  d.style = detect_json_style(text);
  return d;
}

Result<GsDescription> parse_gs_description_typed(std::string_view text, const std::string& file,
                                                 std::shared_ptr<NameTable> names) {
  TensorTypes tags(names ? std::move(names) : std::make_shared<NameTable>());  // gs_description_from_json: every string member is a tensor's tag
  StringMembers tensors;
  tensors.wants = [](std::string_view) { return true; };
  tensors.take = [&](std::string_view k, std::string_view v) { tags.append(k, v); };
  tensors.holds = [&](std::string_view k) { return tags.find(k) != tags.end(); };
  tensors.each_key = [&](const std::function<void(std::string_view)>& f) {
    for (const auto& e : tags) f(e.first);
  };
  auto j = parse_json_strict(text, file, JsonLimits{kMaxDescriptionBytes, 64}, &tensors);
  if (!j) return std::move(j).error();
  GsDescription d = gs_description_from_json(std::move(*j), file);
  tags.sort();  // no duplicates: the reader refused them
  d.tensor_types = std::move(tags);
  d.doc = nullptr;
  d.style = detect_json_style(text);
  return d;
}

Result<MsDescription> read_ms_description_typed(const std::filesystem::path& path,
                                                std::shared_ptr<NameTable> names) {
  auto text = read_small_file(path, kMaxDescriptionBytes);
  if (!text) return std::move(text).error();
  return parse_ms_description_typed(*text, path.string(), std::move(names));
}

Result<GsDescription> read_gs_description_typed(const std::filesystem::path& path,
                                                std::shared_ptr<NameTable> names) {
  auto text = read_small_file(path, kMaxDescriptionBytes);
  if (!text) return std::move(text).error();
  return parse_gs_description_typed(*text, path.string(), std::move(names));
}

Result<MsDescription> read_ms_description(const std::filesystem::path& path) {
  auto text = read_small_file(path, kMaxDescriptionBytes);
  if (!text) return std::move(text).error();
  return parse_ms_description(*text, path.string());
}

Result<GsDescription> read_gs_description(const std::filesystem::path& path) {
  auto text = read_small_file(path, kMaxDescriptionBytes);
  if (!text) return std::move(text).error();
  return parse_gs_description(*text, path.string());
}

Status write_description(const std::filesystem::path& path, const ojson& doc, const JsonStyle& style) {
  std::string text;
  try {
    text = serialize_json(doc, style);
  } catch (const std::exception& ex) {
    return Error(Errc::name_not_utf8, std::string("cannot serialise: ") + ex.what()).in_file(path.string());
  }
  auto out = AtomicFileWriter::create(path);
  if (!out) return std::move(out).error();
  if (auto st = out->write(std::string_view(text)); !st) return st;
  return out->commit();
}

bool is_ms_description_name(std::string_view n) {
  if (n == kMsDescriptionName) return true;
  constexpr std::string_view prefix = "quant_model_description_";
  return n.size() > prefix.size() + 5 && n.substr(0, prefix.size()) == prefix && std::string_view(n).ends_with(".json");
}

std::string ms_description_type_suffix(std::string_view n) {
  constexpr std::string_view prefix = "quant_model_description_";
  if (!is_ms_description_name(n) || n == kMsDescriptionName) return {};
  return std::string(n.substr(prefix.size(), n.size() - prefix.size() - 5));
}

}  // namespace qkit
