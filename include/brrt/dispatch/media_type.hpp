#pragma once
// Media type comparisons for content negotiation against a spec's `content` keys. All
// case-insensitive and allocation-free (they run per request).
#include <optional>
#include <string_view>

namespace brrt::dispatch {

// The value of parameter `key` (case-insensitive) in a header value like
// `form-data; name="field"; filename="a.txt"` or `text/plain; charset=utf-8`, quoted or a
// token, as it is written (quotes removed, backslash escapes kept); nullopt if absent.
std::optional<std::string_view> media_parameter(std::string_view header_value,
                                                std::string_view key) noexcept;
// Whether a Content-Type is text/* (text/plain, text/csv, ...) in UTF-8: no charset, or
// utf-8 or us-ascii. Such bodies are read as one string.
bool is_utf8_text(std::string_view content_type) noexcept;
// "application/json; charset=utf-8" -> "application/json"
std::string_view media_essence(std::string_view content_type) noexcept;
// application/json or any +json suffix.
bool is_json_media(std::string_view essence) noexcept;
// Whether a declared key ("application/json", "application/*", "*/*") accepts `essence`.
bool media_matches(std::string_view declared, std::string_view essence) noexcept;

}  // namespace brrt::dispatch
