#include "brrt/security/basic_provider.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/json/object.hpp>

#include <stdexcept>

namespace brrt::security {

namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool unhex(std::string_view in, std::string& out) {
  auto v = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  if (in.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < in.size(); i += 2) {
    const int hi = v(in[i]), lo = v(in[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

std::string pbkdf2(std::string_view password, std::string_view salt, unsigned iterations) {
  std::string out(32, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                    static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("no randomness for a password salt");
  return out;
}

bool base64_decode(std::string_view in, std::string& out) {
  out.assign(in.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0 || in.size() % 4) return false;
  std::size_t len = static_cast<std::size_t>(n);
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() > 1 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return true;
}

}  // namespace

std::string BasicProvider::hash_password(std::string_view password, unsigned iterations) {
  const std::string salt = random_bytes(16);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + hex(salt) + "$" +
         hex(pbkdf2(password, salt, iterations));
}

BasicProvider::BasicProvider(const std::map<std::string, std::string>& users, std::string realm)
    : realm_(std::move(realm)) {
  for (const auto& [name, secret] : users) {
    if (name.find(':') != std::string::npos)
      throw std::invalid_argument("basic user name '" + name + "' contains ':'");
    std::string stored = secret.rfind("pbkdf2-sha256$", 0) == 0 ? secret : hash_password(secret);
    // pbkdf2-sha256$ITER$SALT$HASH
    const auto a = stored.find('$'), b = stored.find('$', a + 1), c = stored.find('$', b + 1);
    User u;
    if (c == std::string::npos)
      throw std::invalid_argument("malformed password hash of '" + name + "'");
    u.iterations = static_cast<unsigned>(std::stoul(stored.substr(a + 1, b - a - 1)));
    if (!unhex(stored.substr(b + 1, c - b - 1), u.salt) || !unhex(stored.substr(c + 1), u.hash) ||
        u.hash.size() != 32 || u.iterations == 0)
      throw std::invalid_argument("malformed password hash of '" + name + "'");
    dummy_ = u;
    users_.emplace(name, std::move(u));
  }
}

AuthResult BasicProvider::verify(const CredentialSource& source,
                                 std::span<const std::string>) const {
  const auto header = source.header("authorization");
  const auto credentials = header ? credentials_for(*header, "Basic") : std::nullopt;
  if (!credentials) return AuthResult::fail(Outcome::Missing, "missing");
  std::string decoded;
  if (!base64_decode(*credentials, decoded)) return AuthResult::fail(Outcome::Invalid, "malformed");
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return AuthResult::fail(Outcome::Invalid, "malformed");
  const std::string_view user = std::string_view(decoded).substr(0, colon);
  const std::string_view password = std::string_view(decoded).substr(colon + 1);
  auto it = users_.find(user);
  const User& u = it == users_.end() ? dummy_ : it->second;
  const std::string got = pbkdf2(password, u.salt, u.iterations ? u.iterations : 1);
  const bool match =
      u.hash.size() == got.size() && CRYPTO_memcmp(u.hash.data(), got.data(), got.size()) == 0;
  if (it == users_.end() || !match) return AuthResult::fail(Outcome::Invalid, "wrong_credentials");
  return AuthResult::ok(
      std::make_shared<const boost::json::object>(boost::json::object{{"sub", user}}));
}

std::string BasicProvider::challenge(const AuthResult&) const {
  return "Basic realm=\"" + realm_ + "\", charset=\"UTF-8\"";
}

}  // namespace brrt::security
