#pragma once
// Internal: a ClientCertificate from the peer certificate of a finished handshake.
#include <memory>

#include "brrt/http/client_certificate.hpp"

struct ssl_st;

namespace brrt::http::detail {

// nullptr when the client presented no certificate.
std::unique_ptr<const ClientCertificate> read_client_certificate(ssl_st* ssl);

}  // namespace brrt::http::detail
