//===- tests/fuzz/targets.h - what each fuzz target does with its input ---===//
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkit::fuzz {

int run_safetensors(const std::uint8_t* data, std::size_t size);  // the safetensors reader (+ writer)
int run_index(const std::uint8_t* data, std::size_t size);        // the shard index reader
int run_description(const std::uint8_t* data, std::size_t size);  // both description parsers
int run_config(const std::uint8_t* data, std::size_t size);       // config.json facts
int run_checkpoint(const std::uint8_t* data, std::size_t size);   // a whole directory: detect, validate, inspect, plan

}  // namespace qkit::fuzz
