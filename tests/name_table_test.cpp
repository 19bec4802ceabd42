// NameTable (formats/name_table.h): names interned once, views that stay
// put, dense ids, and the same answers from several threads at once.
#include "formats/name_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace qkit {
namespace {

TEST(NameTable, EqualNamesShareOneCopyAndOneId) {
  NameTable t;
  const std::string a = "model.layers.0.mlp.down_proj.weight";
  const InternedName x = t.intern(a);
  const InternedName y = t.intern(std::string(a));  // another buffer, same text
  EXPECT_EQ(x.text, a);
  EXPECT_EQ(x.text.data(), y.text.data());  // one copy
  EXPECT_EQ(x.id, y.id);
  EXPECT_NE(x.text.data(), a.data());  // the table's, not the caller's
  const InternedName z = t.intern("model.layers.0.mlp.down_proj.weight_scale");
  EXPECT_NE(z.id, x.id);
  EXPECT_EQ(t.size(), 2u);
  // Counted by hand: 35 + 41 bytes.
  EXPECT_EQ(t.text_bytes(), 35u + 41u);
}

TEST(NameTable, IdsAreDenseAndFoundFromTheView) {
  NameTable t;
  std::vector<InternedName> got;
  for (int i = 0; i < 5000; ++i) got.push_back(t.intern("n." + std::to_string(i)));
  ASSERT_EQ(t.size(), 5000u);
  std::set<NameId> ids;
  for (int i = 0; i < 5000; ++i) {
    ids.insert(got[i].id);
    EXPECT_EQ(NameTable::id_of(got[i].text), got[i].id);
    EXPECT_EQ(t.find("n." + std::to_string(i)), got[i].id);
    // The view kept its address through every growth of the table.
    EXPECT_EQ(got[i].text, "n." + std::to_string(i));
    EXPECT_TRUE(t.owns(got[i].text));
  }
  EXPECT_EQ(*ids.begin(), 0u);
  EXPECT_EQ(*ids.rbegin(), 4999u);  // 0..4999, each once
  EXPECT_FALSE(t.find("n.5000"));
  const std::string copy = "n.7";
  EXPECT_FALSE(t.owns(copy));  // equal text, not the table's bytes
}

TEST(NameTable, BatchesAndReserveGiveTheSameAnswersAsSingleCalls) {
  NameTable batched;
  batched.reserve(3000);
  batched.reserve(10);  // a smaller hint later changes nothing
  std::vector<std::string> owned;
  for (int i = 0; i < 6000; ++i) owned.push_back("m." + std::to_string(i % 4000));  // 2000 repeats
  std::vector<std::string_view> texts(owned.begin(), owned.end());
  std::vector<NameId> ids(texts.size());
  batched.intern_all(texts, ids);
  EXPECT_THROW(batched.intern_all(texts, std::span<NameId>(ids.data(), 3)), std::invalid_argument);
  ASSERT_EQ(batched.size(), 4000u);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(texts[i], owned[i]);
    EXPECT_NE(texts[i].data(), owned[i].data());  // the table's bytes now
    EXPECT_TRUE(batched.owns(texts[i]));
    EXPECT_EQ(NameTable::id_of(texts[i]), ids[i]);
    if (i >= 4000) {
      EXPECT_EQ(ids[i], ids[i - 4000]);  // a repeat within the batch
      EXPECT_EQ(texts[i].data(), texts[i - 4000].data());
    }
  }
  // Ids are dense but given in stripe order, not input order: each of
  // 0..3999 once.
  std::set<NameId> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), 4000u);
  EXPECT_EQ(*distinct.rbegin(), 3999u);
}

TEST(NameTable, EmptyAndBinaryNames) {
  NameTable t;
  const InternedName e = t.intern("");
  EXPECT_TRUE(e.text.empty());
  EXPECT_EQ(t.intern("").id, e.id);
  const std::string odd("a\0b", 3);
  const InternedName o = t.intern(odd);
  EXPECT_EQ(o.text, odd);
  EXPECT_NE(o.id, t.intern("a").id);  // a NUL does not end a name
  EXPECT_EQ(NameTable::id_of(e.text), e.id);
}

TEST(NameTable, ThreadsInterningOverlappingNamesAgree) {
  NameTable t;
  constexpr int kThreads = 4, kNames = 20000;
  // Each thread interns every name, starting at a different place.
  std::vector<std::vector<InternedName>> got(kThreads, std::vector<InternedName>(kNames));
  std::vector<std::thread> pool;
  for (int k = 0; k < kThreads; ++k)
    pool.emplace_back([&got, &t, k] {
      for (int j = 0; j < kNames; ++j) {
        const int i = (j + k * kNames / kThreads) % kNames;
        got[k][i] = t.intern("model.layers." + std::to_string(i / 256) + ".mlp.experts." + std::to_string(i % 256) +
                             ".weight");
      }
    });
  for (auto& th : pool) th.join();
  ASSERT_EQ(t.size(), static_cast<std::size_t>(kNames));
  std::vector<bool> seen(kNames, false);
  for (int i = 0; i < kNames; ++i) {
    for (int k = 1; k < kThreads; ++k) {
      EXPECT_EQ(got[k][i].id, got[0][i].id);
      EXPECT_EQ(got[k][i].text.data(), got[0][i].text.data());
    }
    ASSERT_LT(got[0][i].id, static_cast<NameId>(kNames));
    EXPECT_FALSE(seen[got[0][i].id]);
    seen[got[0][i].id] = true;
  }
}

}  // namespace
}  // namespace qkit
