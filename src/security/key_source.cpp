#include "brrt/security/key_source.hpp"

#include <boost/json/parse.hpp>

namespace brrt::security {

using Clock = std::chrono::steady_clock;

JwksKeys::JwksKeys(JwksOptions options, std::size_t workers, Fetcher fetcher)
    : options_(std::move(options)),
      fetcher_(std::move(fetcher)),
      current_(std::make_shared<const KeyList>()),
      copies_(std::max<std::size_t>(workers, 1)) {
  if (!fetcher_)
    fetcher_ = [](const std::string& url, std::chrono::milliseconds timeout) {
      return http_fetch("GET", url, {}, timeout);
    };
  thread_ = std::thread([this] { run(); });
}

JwksKeys::~JwksKeys() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<const KeyList> JwksKeys::keys(std::size_t worker) const {
  WorkerCopy& c = copies_[worker % copies_.size()];
  const std::uint64_t gen = generation_.load(std::memory_order_acquire);
  if (c.generation != gen) {  // once per refresh per worker
    std::lock_guard lock(mu_);
    c.keys = current_;
    c.generation = gen;
  }
  return c.keys;
}

void JwksKeys::unknown_kid() const {
  {
    std::lock_guard lock(mu_);
    refetch_requested_ = true;
  }
  cv_.notify_all();
}

std::string JwksKeys::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

bool JwksKeys::fetch_once() {
  std::string url = options_.jwks_url;
  std::string error;
  if (url.empty()) {
    const FetchResult d = fetcher_(options_.discovery_url, options_.timeout);
    if (d.status != 200) {
      error = "OpenID discovery " + options_.discovery_url + ": " +
              (d.error.empty() ? "status " + std::to_string(d.status) : d.error);
    } else {
      boost::system::error_code ec;
      const auto doc = boost::json::parse(d.body, ec);
      const auto* uri = !ec && doc.is_object() ? doc.get_object().if_contains("jwks_uri") : nullptr;
      if (uri && uri->is_string())
        url = std::string(uri->get_string());
      else
        error = "OpenID discovery document has no jwks_uri";
    }
  }
  std::shared_ptr<const KeyList> fresh;
  if (error.empty()) {
    const FetchResult r = fetcher_(url, options_.timeout);
    if (r.status != 200) {
      error =
          "JWKS " + url + ": " + (r.error.empty() ? "status " + std::to_string(r.status) : r.error);
    } else {
      try {
        boost::system::error_code ec;
        const auto doc = boost::json::parse(r.body, ec);
        if (ec) throw std::invalid_argument("not JSON: " + ec.message());
        auto keys = keys_from_jwks(doc);
        if (keys.empty()) throw std::invalid_argument("no usable signature key");
        fresh = std::make_shared<const KeyList>(std::move(keys));
      } catch (const std::exception& e) {
        error = "JWKS " + url + ": " + e.what();
      }
    }
  }
  std::lock_guard lock(mu_);
  fetches_.fetch_add(1);
  if (fresh) {
    current_ = std::move(fresh);  // replaces the keys only with good ones
    last_error_.clear();
    generation_.fetch_add(1, std::memory_order_release);
    ready_.store(true, std::memory_order_release);
  } else {
    last_error_ = error;
  }
  return error.empty();
}

void JwksKeys::run() {
  auto next = Clock::now();  // the first fetch happens at once
  while (true) {
    {
      std::unique_lock lock(mu_);
      while (!stopping_) {
        auto due = next;
        if (refetch_requested_)  // early, but not more often than the rate limit
          due = std::min(due, last_fetch_ + std::chrono::duration_cast<Clock::duration>(
                                                options_.min_refetch_interval));
        if (Clock::now() >= due) break;
        cv_.wait_until(lock, due);
      }
      if (stopping_) return;
      refetch_requested_ = false;
      last_fetch_ = Clock::now();
    }
    const bool ok = fetch_once();
    cv_.notify_all();
    next = Clock::now() +
           std::chrono::duration_cast<Clock::duration>(ok ? std::chrono::seconds(options_.ttl)
                                                          : options_.retry_after_failure);
  }
}

}  // namespace brrt::security
