#include "brrt/http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace brrt::http {

namespace {

// OpenSSL's reason for the last failure, and the queue cleared.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  std::string why;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    why = reason ? reason : "error " + std::to_string(e);
  }
  ERR_clear_error();
  return why.empty() ? "unknown OpenSSL error" : why;
}

void require_readable(const std::string& file, TlsError::File which, std::size_t certificate = 0) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw TlsError(which,
                   std::string("cannot read the ") +
                       (which == TlsError::File::CertChain   ? "certificate chain"
                        : which == TlsError::File::ClientCa  ? "client CA file"
                        : which == TlsError::File::ClientCrl ? "client CRL file"
                                                             : "private key") +
                       " '" + file + "': " + std::strerror(errno),
                   certificate);
}

// A key file asking for a passphrase fails instead of prompting on the terminal (OpenSSL's
// default), which would stop a server started without one.
int refuse_passphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return 0;
}

// The one protocol spoken: a client listing http/1.1 gets it; one listing only others (h2)
// goes on without ALPN, which HTTP clients take as HTTP/1.1.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                  unsigned int in_len, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof kHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Optional client certificates: every chain is let through the handshake and its verdict
// kept in the session (SSL_get_verify_result), so that a request can be told why its
// certificate was not taken, where a failed handshake tells the client nothing it can read.
// nginx's `ssl_verify_client optional` does the same.
int keep_verdict(int, X509_STORE_CTX*) {
  return 1;
}

void load_client_cas(SSL_CTX* ctx, const std::string& file) {
  require_readable(file, TlsError::File::ClientCa);
  if (SSL_CTX_load_verify_locations(ctx, file.c_str(), nullptr) != 1)
    throw TlsError(
        TlsError::File::ClientCa,
        "the client CA file '" + file + "' is not a PEM certificate bundle: " + openssl_reason());
  // The CA names offered in the handshake, so that a client holding several certificates
  // picks one these CAs issued.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file.c_str());
  if (names == nullptr)
    throw TlsError(TlsError::File::ClientCa,
                   "the client CA file '" + file + "' holds no certificate: " + openssl_reason());
  SSL_CTX_set_client_CA_list(ctx, names);
}

// The revocation lists checked for each client certificate (its issuer's; the CAs above it
// are trusted as configured).
void load_client_crls(SSL_CTX* ctx, const std::string& file) {
  require_readable(file, TlsError::File::ClientCrl);
  BIO* in = BIO_new_file(file.c_str(), "r");
  if (in == nullptr)
    throw TlsError(TlsError::File::ClientCrl,
                   "cannot read the client CRL file '" + file + "': " + openssl_reason());
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  std::size_t loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(in, nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++loaded;
  }
  BIO_free(in);
  ERR_clear_error();  // the end of the file reads as an error
  if (loaded == 0)
    throw TlsError(TlsError::File::ClientCrl,
                   "the client CRL file '" + file + "' holds no PEM revocation list");
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
}

[[noreturn]] void throw_mismatch(const std::string& cert_chain_file, const std::string& key_file,
                                 std::size_t certificate) {
  ERR_clear_error();
  throw TlsError(TlsError::File::PrivateKey,
                 "the private key '" + key_file + "' is not the key of the certificate in '" +
                     cert_chain_file + "'",
                 certificate);
}

// One certificate chain and key with every setting of `settings` but its files: with several
// certificates (SNI), a session moves to another one's context during its handshake, and
// OpenSSL then reads the ALPN callback and the client CA names from that context.
SSL_CTX* make_context(const std::string& cert_chain_file, const std::string& key_file,
                      const TlsSettings& settings, std::size_t certificate) {
  require_readable(cert_chain_file, TlsError::File::CertChain, certificate);
  require_readable(key_file, TlsError::File::PrivateKey, certificate);
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr)
    throw TlsError(TlsError::File::Neither, "cannot create a TLS context: " + openssl_reason());
  try {
    SSL_CTX_set_min_proto_version(
        ctx, settings.min_version == TlsVersion::Tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    // No renegotiation (a client could make the server redo handshakes at will), no TLS
    // compression (CRIME); the server's cipher order, which lists the AEAD suites first. A
    // client closing without close_notify ends its session like one that sent it: HTTP's own
    // framing tells whether a request was whole (most clients skip close_notify).
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Writes may return after part of the buffer (the connection writes the rest when the
    // socket takes it, from wherever its output buffer then is); an idle connection's TLS
    // buffers are freed until its next record.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    static constexpr unsigned char kSessionContext[] = "brrtrouter";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_alpn_select_cb(ctx, select_http11, nullptr);

    if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file.c_str()) != 1)
      throw TlsError(TlsError::File::CertChain,
                     "the certificate chain '" + cert_chain_file +
                         "' is not a PEM certificate: " + openssl_reason(),
                     certificate);
    bool asked = false;
    SSL_CTX_set_default_passwd_cb(ctx, refuse_passphrase);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);
    const int loaded = SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
    if (loaded != 1) {
      if (asked) {
        ERR_clear_error();
        throw TlsError(TlsError::File::PrivateKey,
                       "the private key '" + key_file +
                           "' is encrypted; give it unencrypted (openssl pkey -in KEY -out PLAIN)",
                       certificate);
      }
      // Loading checks the key against the certificate already in place.
      const unsigned long e = ERR_peek_last_error();
      if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
        throw_mismatch(cert_chain_file, key_file, certificate);
      throw TlsError(
          TlsError::File::PrivateKey,
          "the private key '" + key_file + "' is not a PEM private key: " + openssl_reason(),
          certificate);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) throw_mismatch(cert_chain_file, key_file, certificate);
    if (settings.client_certificates != ClientCertificates::Off) {
      load_client_cas(ctx, settings.client_ca_file);
      if (!settings.client_crl_file.empty()) load_client_crls(ctx, settings.client_crl_file);
      // Asked once per session: a resumed session keeps the certificate it was verified with.
      if (settings.client_certificates == ClientCertificates::Required)
        SSL_CTX_set_verify(
            ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE,
            nullptr);
      else
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, keep_verdict);
    }
  } catch (...) {
    SSL_CTX_free(ctx);
    throw;
  }
  return ctx;
}

// Whether the certificate of `ctx` covers host `name` (its subjectAltName DNS names, or its
// common name when it has none; a wildcard only as a whole left-most label).
bool covers(SSL_CTX* ctx, const char* name) {
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  return leaf != nullptr &&
         X509_check_host(leaf, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
}

}  // namespace

// SNI: the certificate for the host the client names. The first certificate answers a client
// that names none, or one that no certificate covers (as nginx's default server does): the
// client's own name check then tells it, instead of a handshake failure without a reason.
int TlsContext::choose_certificate(ssl_st* ssl, int*, void* arg) {
  const auto* self = static_cast<const TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr || covers(self->ctx_, name)) return SSL_TLSEXT_ERR_OK;
  for (SSL_CTX* other : self->more_)
    if (covers(other, name)) {
      SSL_set_SSL_CTX(ssl, other);
      break;
    }
  return SSL_TLSEXT_ERR_OK;
}

TlsContext::TlsContext(const TlsSettings& settings)
    : client_certificates_(settings.client_certificates) {
  if (client_certificates_ != ClientCertificates::Off && settings.client_ca_file.empty())
    throw TlsError(TlsError::File::ClientCa,
                   "client certificates are asked for without a CA file to verify them");
  ctx_ = make_context(settings.cert_chain_file, settings.key_file, settings, 0);
  try {
    for (std::size_t i = 0; i < settings.more_certificates.size(); ++i) {
      const CertificateFiles& f = settings.more_certificates[i];
      more_.push_back(make_context(f.cert_chain_file, f.key_file, settings, i + 1));
    }
  } catch (...) {
    for (SSL_CTX* c : more_) SSL_CTX_free(c);
    SSL_CTX_free(ctx_);
    throw;
  }
  if (!more_.empty()) {
    SSL_CTX_set_tlsext_servername_callback(ctx_, choose_certificate);
    SSL_CTX_set_tlsext_servername_arg(ctx_, this);
  }
}

TlsContext::~TlsContext() {
  for (SSL_CTX* c : more_) SSL_CTX_free(c);
  SSL_CTX_free(ctx_);
}

}  // namespace brrt::http
