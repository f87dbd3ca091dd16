#include "brrt/security/authenticator.hpp"

#include <algorithm>
#include <stdexcept>

#include "brrt/security/api_key_provider.hpp"
#include "brrt/security/basic_provider.hpp"
#include "brrt/security/bearer_provider.hpp"
#include "brrt/security/mutual_tls_provider.hpp"
#include "brrt/security/remote_api_key_provider.hpp"

namespace brrt::security {

namespace {

// Failure reasons counted in /metrics; anything else counts as "other".
constexpr std::string_view kReasons[] = {"missing",
                                         "malformed",
                                         "wrong_key",
                                         "wrong_credentials",
                                         "expired",
                                         "not_yet_valid",
                                         "issued_in_future",
                                         "wrong_issuer",
                                         "wrong_audience",
                                         "bad_signature",
                                         "unknown_key",
                                         "alg_not_allowed",
                                         "unsupported_crit",
                                         "missing_scope",
                                         "no_keys",
                                         "no_provider",
                                         "no_client_certificate",
                                         "untrusted_certificate",
                                         "certificate_not_allowed",
                                         "certificate_binding",
                                         "other"};
constexpr std::size_t kReasonCount = std::size(kReasons);

std::size_t reason_index(std::string_view r) {
  for (std::size_t i = 0; i + 1 < kReasonCount; ++i)
    if (kReasons[i] == r) return i;
  return kReasonCount - 1;
}

}  // namespace

struct Authenticator::Scheme {
  std::string name;
  std::shared_ptr<const SecurityProvider> provider;  // null: fails closed
  std::string no_provider_challenge;
};

Authenticator::Authenticator(const spec::Api& api, const SecurityConfig& config,
                             std::size_t workers, Fetcher fetcher) {
  workers = std::max<std::size_t>(workers, 1);
  // Every scheme the document declares or an operation names.
  std::vector<std::string> names, used;
  for (const auto& s : api.security_schemes()) names.push_back(s.name);
  for (const auto& op : api.operations())
    for (const auto& req : op.security)
      for (const auto& [name, scopes] : req.schemes) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        if (std::find(used.begin(), used.end(), name) == used.end()) used.push_back(name);
      }

  for (const auto& name : names) {
    auto scheme = std::make_unique<Scheme>();
    scheme->name = name;
    scheme->no_provider_challenge = "Bearer realm=\"brrtrouter\"";
    const spec::SecurityScheme* s = api.find_security_scheme(name);
    std::string why;
    try {
      if (auto c = config.custom.find(name); c != config.custom.end()) {
        scheme->provider = c->second;
      } else if (!s) {
        why = "is not declared in components.securitySchemes";
      } else if (auto remote = config.remote_api_keys.find(name);
                 s && s->type == spec::SecurityScheme::Type::ApiKey &&
                 remote != config.remote_api_keys.end()) {
        RemoteApiKeyOptions o = remote->second;
        o.in = s->in == spec::ParamIn::Query    ? KeyLocation::Query
               : s->in == spec::ParamIn::Cookie ? KeyLocation::Cookie
                                                : KeyLocation::Header;
        o.name = s->param_name;
        if (o.verify_url.empty() && !o.verifier)
          throw std::invalid_argument("remote_api_keys needs verify_url");
        scheme->provider = std::make_shared<RemoteApiKeyProvider>(std::move(o), workers);
      } else if (s->type == spec::SecurityScheme::Type::ApiKey) {
        scheme->no_provider_challenge =
            "APIKey " + std::string(spec::to_string(s->in)) + "=\"" + s->param_name + "\"";
        auto keys = config.api_keys.find(name);
        if (keys == config.api_keys.end() || keys->second.empty()) {
          why = "has no keys configured (security.api_keys." + name + ")";
        } else {
          const KeyLocation in = s->in == spec::ParamIn::Query    ? KeyLocation::Query
                                 : s->in == spec::ParamIn::Cookie ? KeyLocation::Cookie
                                                                  : KeyLocation::Header;
          scheme->provider = std::make_shared<ApiKeyProvider>(in, s->param_name, keys->second);
        }
      } else if (s->type == spec::SecurityScheme::Type::Http && s->scheme == "basic") {
        scheme->no_provider_challenge = "Basic realm=\"brrtrouter\"";
        auto users = config.basic.find(name);
        if (users == config.basic.end() || users->second.empty())
          why = "has no users configured (security.basic." + name + ")";
        else
          scheme->provider = std::make_shared<BasicProvider>(users->second);
      } else if ((s->type == spec::SecurityScheme::Type::Http && s->scheme == "bearer") ||
                 s->type == spec::SecurityScheme::Type::OAuth2 ||
                 s->type == spec::SecurityScheme::Type::OpenIdConnect) {
        std::optional<JwtSchemeConfig> jc;
        if (auto j = config.jwt.find(name); j != config.jwt.end())
          jc = j->second;
        else if (config.propelauth)
          jc = config.propelauth;
        if (jc && jc->discovery_url.empty() && jc->jwks_url.empty() && jc->secrets.empty() &&
            jc->public_keys.empty() && s->type == spec::SecurityScheme::Type::OpenIdConnect)
          jc->discovery_url = s->open_id_connect_url;
        if (!jc) {
          why =
              "has no key configuration (security.jwks." + name + " or security.jwt." + name + ")";
        } else {
          std::shared_ptr<KeySource> keys;
          if (!jc->jwks_url.empty() || !jc->discovery_url.empty()) {
            JwksOptions o;
            o.jwks_url = jc->jwks_url;
            o.discovery_url = jc->discovery_url;
            o.ttl = jc->cache_ttl;
            o.min_refetch_interval = jc->min_refetch_interval;
            keys = std::make_shared<JwksKeys>(o, workers, fetcher);
          } else {
            KeyList list;
            for (const auto& secret : jc->secrets) list.push_back(key_from_secret(secret));
            for (const auto& pem : jc->public_keys) list.push_back(key_from_pem(pem));
            if (list.empty()) throw std::invalid_argument("no secrets, public keys or jwks_url");
            keys = std::make_shared<StaticKeys>(std::move(list));
          }
          BearerOptions bo;
          bo.policy.issuer = jc->issuer;
          bo.policy.audiences = jc->audiences;
          bo.policy.leeway = jc->leeway;
          bo.policy.algorithms = jc->algorithms;
          bo.cookie = jc->cookie;
          scheme->provider = std::make_shared<BearerProvider>(bo, std::move(keys), workers);
        }
      } else if (s->type == spec::SecurityScheme::Type::MutualTLS) {
        auto allowed = config.mutual_tls.find(name);
        scheme->provider = std::make_shared<MutualTlsProvider>(
            allowed == config.mutual_tls.end() ? std::vector<std::string>{} : allowed->second);
        if (!config.client_certificates)
          why = "needs client certificates, which the server does not ask for (tls.client_ca)";
      } else {
        why = "has no built-in provider (http " + s->scheme +
              "); register one in SecurityConfig::custom";
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("security scheme '" + name + "': " + e.what());
    }
    if (!why.empty() && std::find(used.begin(), used.end(), name) != used.end())
      warnings_.push_back("security scheme '" + name + "' " + why +
                          ": requests that need it get 401");
    schemes_.push_back(std::move(scheme));
  }
  counters_.resize(workers);
  for (auto& c : counters_) c.failures = std::vector<OwnedCounter>(schemes_.size() * kReasonCount);
}

Authenticator::~Authenticator() = default;

std::size_t Authenticator::index_of(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < schemes_.size(); ++i)
    if (schemes_[i]->name == name) return i;
  return schemes_.size();
}

const SecurityProvider* Authenticator::provider(std::string_view scheme) const noexcept {
  const std::size_t i = index_of(scheme);
  return i < schemes_.size() ? schemes_[i]->provider.get() : nullptr;
}

void Authenticator::count(std::size_t worker, std::size_t scheme, std::string_view reason) const {
  if (scheme >= schemes_.size()) return;
  counters_[worker % counters_.size()].failures[scheme * kReasonCount + reason_index(reason)].add();
}

AuthDecision Authenticator::check(std::span<const spec::SecurityRequirement> requirements,
                                  const CredentialSource& source) const {
  AuthDecision d;
  if (requirements.empty()) return d;
  // The failure to report: a scope failure (403) beats an authentication failure (401),
  // a presented-but-wrong credential beats a missing one, and a missing one beats a scheme
  // that has no provider (the client can act on the others: an alternative it could use).
  int best = 0;  // 0 none, 1 no provider, 2 missing, 3 invalid/unavailable, 4 scope
  std::size_t failed_scheme = schemes_.size();
  AuthResult failure;
  for (const auto& req : requirements) {
    bool all = true;
    std::shared_ptr<const boost::json::object> claims;
    for (const auto& [name, scopes] : req.schemes) {
      const std::size_t i = index_of(name);
      AuthResult r = i < schemes_.size() && schemes_[i]->provider
                         ? schemes_[i]->provider->verify(source, scopes)
                         : AuthResult::fail(Outcome::Unavailable, "no_provider");
      if (r.outcome == Outcome::Ok) {
        if (!claims) claims = r.claims;
        continue;
      }
      if (r.outcome == Outcome::Pending) {
        if (auto credential = schemes_[i]->provider->pending_credential(source))
          d.pending.emplace_back(schemes_[i]->provider.get(), std::move(*credential));
        all = false;
        break;
      }
      const int rank = r.outcome == Outcome::InsufficientScope ? 4
                       : r.outcome == Outcome::Missing         ? 2
                       : r.reason == "no_provider"             ? 1
                                                               : 3;
      if (rank > best) {
        best = rank;
        failed_scheme = i;
        failure = std::move(r);
      }
      all = false;
      break;
    }
    if (all) {
      for (const auto& [name, scopes] : req.schemes) d.schemes.push_back(name);
      d.claims = std::move(claims);
      return d;
    }
  }
  if (!d.pending.empty()) {
    d.status = 0;  // another alternative may pass once the remote verdicts are known
    return d;
  }
  d.status = best == 4 ? 403
             : failure.outcome == Outcome::Unavailable && failure.reason == "verifier_unavailable"
                 ? 503
                 : 401;
  d.reason = failure.reason;
  if (failed_scheme < schemes_.size()) {
    const Scheme& s = *schemes_[failed_scheme];
    d.challenge = s.provider ? s.provider->challenge(failure) : s.no_provider_challenge;
  } else {
    d.challenge = "Bearer realm=\"brrtrouter\"";
  }
  count(source.worker(), failed_scheme, failure.reason);
  return d;
}

void Authenticator::carry_over(const Authenticator& previous) {
  if (counters_.empty()) return;
  for (std::size_t s = 0; s < schemes_.size(); ++s) {
    const std::size_t before = previous.index_of(schemes_[s]->name);
    if (before == previous.schemes_.size()) continue;
    for (std::size_t r = 0; r < kReasonCount; ++r)
      for (const auto& c : previous.counters_)
        counters_[0].failures[s * kReasonCount + r].add(
            c.failures[before * kReasonCount + r].get());
  }
}

std::string Authenticator::render_metrics() const {
  std::string out =
      "# HELP brrt_auth_failures_total Requests refused by a security scheme, by reason.\n"
      "# TYPE brrt_auth_failures_total counter\n";
  for (std::size_t s = 0; s < schemes_.size(); ++s)
    for (std::size_t r = 0; r < kReasonCount; ++r) {
      std::uint64_t n = 0;
      for (const auto& c : counters_) n += c.failures[s * kReasonCount + r].get();
      if (n == 0) continue;
      out += "brrt_auth_failures_total{scheme=\"" + schemes_[s]->name + "\",reason=\"" +
             std::string(kReasons[r]) + "\"} " + std::to_string(n) + "\n";
    }
  return out;
}

}  // namespace brrt::security
