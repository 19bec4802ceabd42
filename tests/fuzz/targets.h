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
int run_convert(const std::uint8_t* data, std::size_t size);      // options byte + a directory: plan, render, execute
int run_validate(const std::uint8_t* data, std::size_t size);     // a directory: every runtime target, quick and full

}  // namespace qkit::fuzz
