#pragma once
// Media type comparisons for content negotiation against a spec's `content` keys. All
// case-insensitive and allocation-free (they run per request).
#include <string_view>

namespace brrt::dispatch {

// "application/json; charset=utf-8" -> "application/json"
std::string_view media_essence(std::string_view content_type) noexcept;
// application/json or any +json suffix.
bool is_json_media(std::string_view essence) noexcept;
// text/plain, text/csv, ... (type "text").
bool is_text_media(std::string_view essence) noexcept;
// Whether a declared key ("application/json", "application/*", "*/*") accepts `essence`.
bool media_matches(std::string_view declared, std::string_view essence) noexcept;

}  // namespace brrt::dispatch
