// MessagePack values as JSON text and JSON text as MessagePack, the way
// Salt's Python side sees them: an event's data is msgpack on Salt's bus and
// JSON in our envelopes, and `salt-run state.event` must print the same
// line for the same event whichever side made it.
//
// msgpack to JSON (what event-listen reads off a Salt bus), in the order the
// map came, as Salt's loads, salt.utils.data.decode and json.dumps leave it:
//   nil, booleans, integers    null, true/false, the integer
//   floats                     Python's repr (1.0, 1e-05); inf as 1e999,
//                              -inf as -1e999 (JSON has no Infinity), NaN null
//   str, bin, ext              text when the bytes are UTF-8; otherwise the
//                              string Python's repr of bytes gives (b'\xff'),
//                              which reads back losslessly
//   ext 78 (Salt's datetime)   str(datetime): "2025-11-22 05:23:20.123456"
//   map keys                   strings as above; numbers, true/false/null as
//                              json.dumps writes keys; arrays and maps as
//                              their compact JSON text
// JSON to msgpack (what event-fire writes to a Salt bus), as json.loads and
// Salt's payload.dumps(use_bin_type=True) make it: strings as str, integers
// in the smallest form (beyond 64 bits, as the decimal string Salt's
// encoder makes of them), other numbers as float64, a key given twice once,
// at its first place with its last value.
#pragma once

#include <string>
#include <string_view>

#include "core/json_text.h"

namespace evt {

// The JSON text of the one msgpack value that is all of packed. Throws
// invalid_input for bytes that are not exactly one value, or nest deeper
// than max_json_depth.
JsonText json_from_msgpack(std::string_view packed);

// Appends the msgpack of compact JSON text (as JsonText holds it).
void append_msgpack(std::string& out, std::string_view compact_json);

// The same for an event's data on its way to a Salt bus: a map keeps its
// keys and gets "_stamp" (replaced where it is, else last); anything else
// goes as {"data": value, "_stamp": stamp}.
void append_salt_data_msgpack(std::string& out, std::string_view compact_json, std::string_view stamp);

// Python's repr of bytes: b'a\xff\n', in double quotes when the bytes hold a
// single quote and no double one.
std::string python_bytes_repr(std::string_view bytes);

}  // namespace evt
