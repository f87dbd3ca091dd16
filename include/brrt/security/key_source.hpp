#pragma once
// Where a bearer provider gets its verification keys: a fixed set (HMAC secrets or PEM
// public keys from the config), or a JWKS document fetched from a URL (directly, or
// found through OpenID Connect discovery) and refreshed in the background.
//
// JWKS semantics: keys are refetched every `ttl`; a token whose `kid` is unknown asks for
// an early refetch, at most once per `min_refetch_interval` (so forged kids cannot turn the
// server into a load generator against the key server), and that token is refused; the
// next one with the new kid verifies. When a fetch fails the last good keys stay in use;
// with no good keys ever, every token is refused (fail closed).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "brrt/security/http_fetch.hpp"
#include "brrt/security/verify_key.hpp"

namespace brrt::security {

using KeyList = std::vector<VerifyKey>;

class KeySource {
 public:
  virtual ~KeySource() = default;
  // The current keys (never null); cheap, lock-free in the common case.
  virtual std::shared_ptr<const KeyList> keys(std::size_t worker) const = 0;
  // A token named a kid the keys do not have.
  virtual void unknown_kid() const {}
  // False while no usable key was ever obtained (JWKS not fetched yet or failing).
  virtual bool ready() const = 0;
};

class StaticKeys : public KeySource {
 public:
  explicit StaticKeys(KeyList keys) : keys_(std::make_shared<const KeyList>(std::move(keys))) {}
  std::shared_ptr<const KeyList> keys(std::size_t) const override { return keys_; }
  bool ready() const override { return !keys_->empty(); }

 private:
  std::shared_ptr<const KeyList> keys_;
};

// Fetches a URL: (url, timeout) -> result. Replaceable in tests.
using Fetcher = std::function<FetchResult(const std::string& url, std::chrono::milliseconds)>;

struct JwksOptions {
  std::string jwks_url;       // or:
  std::string discovery_url;  // OpenID Connect discovery document naming `jwks_uri`
  std::chrono::seconds ttl{300};
  std::chrono::seconds min_refetch_interval{10};
  std::chrono::milliseconds timeout{2000};
  std::chrono::seconds retry_after_failure{5};
};

class JwksKeys : public KeySource {
 public:
  JwksKeys(JwksOptions options, std::size_t workers, Fetcher fetcher = {});
  ~JwksKeys() override;

  std::shared_ptr<const KeyList> keys(std::size_t worker) const override;
  void unknown_kid() const override;
  bool ready() const override { return ready_.load(std::memory_order_acquire); }

  // Counters for tests and metrics.
  std::uint64_t fetches() const noexcept { return fetches_.load(); }
  std::uint64_t generation() const noexcept { return generation_.load(); }
  std::string last_error() const;

 private:
  void run();
  bool fetch_once();

  JwksOptions options_;
  Fetcher fetcher_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::shared_ptr<const KeyList> current_;
  std::string last_error_;
  mutable bool refetch_requested_ = false;
  mutable std::chrono::steady_clock::time_point last_fetch_{};
  bool stopping_ = false;
  std::atomic<bool> ready_{false};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> fetches_{0};
  struct alignas(64) WorkerCopy {
    std::uint64_t generation = UINT64_MAX;
    std::shared_ptr<const KeyList> keys;
  };
  mutable std::vector<WorkerCopy> copies_;
  std::thread thread_;
};

}  // namespace brrt::security
