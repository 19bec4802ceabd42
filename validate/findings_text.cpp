//===- validate/findings_text.cpp -----------------------------------------===//
#include "validate/findings_text.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace qkit::validate {
namespace {

// The digit runs of a name that lie outside brace lists made by earlier passes.
std::vector<std::pair<std::size_t, std::size_t>> digit_runs(std::string_view s) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // (start, length)
  int depth = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}') --depth;
    if (depth == 0 && s[i] >= '0' && s[i] <= '9') {
      std::size_t j = i;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      runs.emplace_back(i, j - i);
      i = j;
      continue;
    }
    ++i;
  }
  return runs;
}

// "0-2,5" for {0,1,2,5}; numbers with leading zeros are kept as written.
std::string number_list(std::vector<std::string> nums) {
  auto value = [](const std::string& s) {
    std::uint64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return (r.ec == std::errc() && (s.size() == 1 || s[0] != '0')) ? std::optional<std::uint64_t>(v) : std::nullopt;
  };
  bool numeric = true;
  for (const auto& n : nums) numeric &= value(n).has_value();
  std::string out;
  if (!numeric) {
    for (const auto& n : nums) out += (out.empty() ? "" : ",") + n;
    return out;
  }
  std::vector<std::uint64_t> v;
  for (const auto& n : nums) v.push_back(*value(n));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(v[i]);
    if (j >= i + 2) out += "-" + std::to_string(v[j]);
    else if (j == i + 1) out += "," + std::to_string(v[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> compact_names(const std::vector<std::string>& input) {
  // Each pass copies every name once per digit run: names from untrusted
  // headers can be megabytes, so long ones are listed as they are.
  for (const std::string& n : input)
    if (n.size() > 512) return input;
  std::vector<std::string> names = input;
  for (int pass = 0; pass < 4 && names.size() > 1; ++pass) {
    std::size_t max_runs = 0;
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> runs(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      runs[i] = digit_runs(names[i]);
      max_runs = std::max(max_runs, runs[i].size());
    }
    // The position whose number, left out, makes the fewest distinct names.
    std::size_t best_pos = 0, best_count = names.size();
    for (std::size_t p = 0; p < max_runs; ++p) {
      std::unordered_map<std::string, int> keys;
      for (std::size_t i = 0; i < names.size(); ++i) {
        std::string key = names[i];
        if (p < runs[i].size()) key.replace(runs[i][p].first, runs[i][p].second, "\x01");
        else key += "\x02";
        keys.emplace(std::move(key), 0);
      }
      if (keys.size() < best_count) {
        best_count = keys.size();
        best_pos = p;
      }
    }
    if (best_count == names.size()) break;
    std::vector<std::string> order;
    std::unordered_map<std::string, std::vector<std::string>> numbers;
    std::unordered_map<std::string, std::string> single;  // key -> the name itself, for one-member keys
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string key = names[i];
      std::string num;
      if (best_pos < runs[i].size()) {
        num = names[i].substr(runs[i][best_pos].first, runs[i][best_pos].second);
        key.replace(runs[i][best_pos].first, runs[i][best_pos].second, "\x01");
      } else {
        key = names[i] + "\x02";
      }
      auto [it, fresh] = numbers.try_emplace(key);
      if (fresh) order.push_back(key);
      it->second.push_back(num);
      single.emplace(key, names[i]);
    }
    std::vector<std::string> next;
    for (const std::string& key : order) {
      const auto& nums = numbers[key];
      if (nums.size() == 1 || key.back() == '\x02') {
        next.push_back(single[key]);
        continue;
      }
      std::string merged = key;
      merged.replace(merged.find('\x01'), 1, "{" + number_list(nums) + "}");
      next.push_back(std::move(merged));
    }
    names = std::move(next);
  }
  return names;
}

namespace {

struct Resolver {
  const std::vector<Finding>& all;
  std::unordered_map<std::size_t, std::size_t> by_id;  // finding id -> index in all
  std::vector<std::size_t> root;                       // index -> index of its root cause

  explicit Resolver(const std::vector<Finding>& a) : all(a), root(a.size()) {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].id) by_id.emplace(all[i].id, i);
    for (std::size_t i = 0; i < all.size(); ++i) {
      // A finding folds under its cause's root when that root is at least
      // as severe (an error stays visible when info is hidden); otherwise it
      // is a root itself. Causes are resolved first (memoised; a cycle
      // ends the walk).
      resolve_root(i, 0);
    }
  }
  std::size_t resolve_root(std::size_t i, std::size_t depth) {
    if (state.size() != all.size()) state.assign(all.size(), 0);
    if (state[i] == 2) return root[i];
    root[i] = i;
    if (state[i] == 1) return i;  // a cycle: this one stands as a root
    state[i] = 1;
    auto it = all[i].cause ? by_id.find(all[i].cause) : by_id.end();
    if (it != by_id.end() && it->second != i && depth < 64) {  // cause chains are a few links long
      const std::size_t r = resolve_root(it->second, depth + 1);
      if (all[r].severity <= all[i].severity) root[i] = r;
    }
    state[i] = 2;
    return root[i];
  }
  std::vector<unsigned char> state;  // 0 new, 1 on the walk, 2 resolved
  bool is_root(std::size_t i) const { return root[i] == i; }
};

// The message with every digit run as '#': "7536 values outside [-8, 7]"
// and "1200 values outside [-8, 7]" say the same thing about two tensors.
std::string message_shape(std::string_view m) {
  std::string out;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] >= '0' && m[i] <= '9') {
      out += '#';
      while (i + 1 < m.size() && m[i + 1] >= '0' && m[i + 1] <= '9') ++i;
    } else {
      out += m[i];
    }
  }
  return out;
}

// Findings with one rule, severity and message (numbers aside): one entry.
std::vector<std::vector<std::size_t>> group(const std::vector<Finding>& all, const std::vector<std::size_t>& members) {
  std::vector<std::vector<std::size_t>> out;
  std::map<std::tuple<std::string_view, Severity, std::string>, std::size_t> at;
  for (std::size_t i : members) {
    const Finding& f = all[i];
    auto [it, fresh] = at.emplace(std::make_tuple(std::string_view(f.rule), f.severity, message_shape(f.message)), out.size());
    if (fresh) out.emplace_back();
    out[it->second].push_back(i);
  }
  return out;
}

std::string code(const std::string& s, bool markdown) { return markdown ? "`" + s + "`" : s; }

void render_entry(std::ostream& o, const std::vector<Finding>& all, const std::vector<std::size_t>& entry,
                  const std::vector<std::size_t>& consequences, const FindingsTextOptions& opt, const std::string& indent) {
  const Finding& first = all[entry.front()];
  std::vector<std::string> tensors, files;
  for (std::size_t i : entry) {
    if (!all[i].tensor.empty()) tensors.push_back(escape_for_display(all[i].tensor));
    if (!all[i].file.empty() && std::find(files.begin(), files.end(), escape_for_display(all[i].file)) == files.end())
      files.push_back(escape_for_display(all[i].file));
  }
  std::string where;
  if (!tensors.empty()) {
    const std::vector<std::string> names = compact_names(tensors);
    const std::size_t shown = opt.verbose ? names.size() : std::min(names.size(), opt.names_shown);
    if (tensors.size() > 1) where = std::to_string(tensors.size()) + " tensors: ";
    for (std::size_t k = 0; k < shown; ++k) where += (k ? ", " : "") + code(names[k], opt.markdown);
    if (shown < names.size()) where += " and " + std::to_string(names.size() - shown) + " more";
    if (files.size() == 1) where += opt.markdown ? " in " + code(files[0], true) : "  (" + files[0] + ")";
    else if (files.size() > 1) where += "  (in " + std::to_string(files.size()) + " files)";
  } else if (!files.empty()) {
    for (std::size_t k = 0; k < files.size(); ++k) where += (k ? ", " : "") + code(files[k], opt.markdown);
  } else {
    where = "(checkpoint)";
  }
  const std::string rule = opt.markdown ? "[`" + first.rule + "`]" : "[" + first.rule + "]";
  // Members whose numbers differ: the first one's message stands for all
  // (JSON and --verbose consequences keep each).
  const bool differ = std::any_of(entry.begin(), entry.end(), [&](std::size_t i) { return all[i].message != first.message; });
  const std::string message = (differ ? "e.g. " : "") + escape_for_display(first.message);
  if (opt.markdown) {
    o << indent << "- " << where << ": " << message << " " << rule << "\n";
  } else {
    o << indent << where << "\n" << indent << "    " << message << "  " << rule << "\n";
  }
  if (consequences.empty()) return;
  const std::string sub = opt.markdown ? indent + "  " : indent + "    ";
  if (!opt.verbose) {
    std::map<std::string, std::size_t> by_rule;
    for (std::size_t i : consequences) ++by_rule[all[i].rule];
    std::string list;
    for (const auto& [r, n] : by_rule) list += (list.empty() ? "" : ", ") + r + " x" + std::to_string(n);
    o << sub << (opt.markdown ? "- " : "") << "+ " << consequences.size() << " consequence" << (consequences.size() == 1 ? "" : "s")
      << " (" << list << ")" << (opt.unfold_hint.empty() ? "" : "; " + opt.unfold_hint) << "\n";
    return;
  }
  o << sub << (opt.markdown ? "- " : "") << consequences.size() << " consequence" << (consequences.size() == 1 ? "" : "s")
    << ":\n";
  for (const auto& g : group(all, consequences)) render_entry(o, all, g, {}, opt, sub + "  ");
}

}  // namespace

RootCounts count_roots(const std::vector<Finding>& all, Severity s) {
  const Resolver res(all);
  RootCounts n;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[res.root[i]].severity == s) (res.is_root(i) ? n.roots : n.consequences)++;
  return n;
}

std::size_t render_findings(std::ostream& o, const std::vector<Finding>& all, Severity s, const FindingsTextOptions& opt) {
  const Resolver res(all);
  std::vector<std::size_t> roots;
  std::unordered_map<std::size_t, std::vector<std::size_t>> consequences;  // root index -> its consequences
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (res.is_root(i)) {
      if (all[i].severity == s) roots.push_back(i);
    } else {
      consequences[res.root[i]].push_back(i);
    }
  }
  // Roots that explain the most come first; otherwise the report's order.
  auto entries = group(all, roots);
  auto folded = [&](const std::vector<std::size_t>& e) {
    std::size_t n = 0;
    for (std::size_t i : e)
      if (auto it = consequences.find(i); it != consequences.end()) n += it->second.size();
    return n;
  };
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) { return folded(a) > folded(b); });
  const std::string indent = opt.markdown ? "" : "  ";
  std::size_t written = 0;
  for (const auto& e : entries) {
    if (opt.max_entries && written == opt.max_entries) {
      o << indent << (opt.markdown ? "- " : "") << "... and " << entries.size() - written << " more\n";
      break;
    }
    std::vector<std::size_t> cons;
    for (std::size_t i : e)
      if (auto it = consequences.find(i); it != consequences.end()) cons.insert(cons.end(), it->second.begin(), it->second.end());
    render_entry(o, all, e, cons, opt, indent);
    ++written;
  }
  return written;
}

}  // namespace qkit::validate
