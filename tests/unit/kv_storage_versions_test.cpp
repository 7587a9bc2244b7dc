// KvStorage's change tracking, which device backends rely on to resend only
// the KV rows that changed (backend/kv_storage.hpp): every write of a row moves
// that row's version and no other, and a storage whose rows moved or were
// replaced (copy, growth, load) has an id no other storage has had.
#include <gtest/gtest.h>

#include <vector>

#include "backend/kv_storage.hpp"
#include "core/byte_stream.hpp"

namespace sinkstream {
namespace {

using backend::KvStorage;

TEST(KvStorageVersions, EveryWriteMovesThatRowsVersionOnly) {
  for (bool f16 : {false, true}) {
    KvStorage kv(2, 8, 5, f16);
    EXPECT_EQ(kv.version(0, 0), 0u);
    const std::vector<float> k(8, 1.0f), v(8, 2.0f);
    kv.store(1, 3, k.data(), v.data());
    const uint64_t v13 = kv.version(1, 3);
    EXPECT_GT(v13, 0u);
    EXPECT_EQ(kv.version(0, 3), 0u);  // same slot, other layer
    EXPECT_EQ(kv.version(1, 2), 0u);
    kv.store(1, 3, k.data(), v.data());
    EXPECT_GT(kv.version(1, 3), v13);  // the same row written again moves again
    // The view carries the id and the versions, indexed like the rows.
    const backend::KvView view = kv.view();
    EXPECT_EQ(view.storage_id(), kv.id());
    EXPECT_EQ(view.version(1)[3], kv.version(1, 3));
    const backend::KvView one = kv.layer_view(1, 7);
    EXPECT_EQ(one.version(7)[3], kv.version(1, 3));
    if (!f16) {  // a writable row pointer counts as a write (the policies rotate keys through it)
      const uint64_t before = kv.version(0, 4);
      kv.k(0, 4)[0] = 5.0f;
      EXPECT_GT(kv.version(0, 4), before);
    }
  }
}

TEST(KvStorageVersions, CopiesGrowthAndLoadsGetANewId) {
  KvStorage kv(1, 4, 3, true);
  const std::vector<float> k(4, 1.0f);
  kv.store(0, 1, k.data(), k.data());
  KvStorage copy = kv;
  EXPECT_NE(copy.id(), kv.id());
  KvStorage assigned(1, 4, 3, true);
  const uint64_t before_assign = assigned.id();
  assigned = kv;
  EXPECT_NE(assigned.id(), before_assign);
  EXPECT_NE(assigned.id(), kv.id());
  const uint64_t before_grow = kv.id();
  kv.resize_slots(6);
  EXPECT_NE(kv.id(), before_grow);
  // The rows kept by the growth count as written under the new id (a mirror made
  // for it must send them; the first GPU run found dense caches past their first
  // growth reading zeros), the new rows as never written.
  for (int32_t s = 0; s < 3; ++s) EXPECT_GT(kv.version(0, s), 0u) << "kept slot " << s;
  for (int32_t s = 3; s < 6; ++s) EXPECT_EQ(kv.version(0, s), 0u) << "new slot " << s;
  core::ByteWriter w;
  kv.save(w);
  KvStorage loaded(1, 4, 6, true);
  const uint64_t before_load = loaded.id();
  core::ByteReader r(w.bytes().data(), w.bytes().size(), "state");
  loaded.load(r);
  EXPECT_NE(loaded.id(), before_load);
  for (int32_t s = 0; s < 6; ++s) EXPECT_GT(loaded.version(0, s), 0u) << "loaded slot " << s;
}

}  // namespace
}  // namespace sinkstream
