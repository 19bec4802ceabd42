#!/usr/bin/env bash
# The bash completion offers options, rule ids and enumerated values.
set -euo pipefail
source "$1"
complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _qkit_complete; echo "${COMPREPLY[*]}"; }
[[ "$(complete_words qvalidate --ta)" == "--target" ]]
[[ "$(complete_words qvalidate --target vllm-m)" == "vllm-mindspore" ]]
[[ "$(complete_words qconvert --flavour v)" == "v1 v0" ]]
[[ "$(complete_words qinspect --chec)" == "--checksum" ]]
PATH="$2:$PATH"
[[ "$(complete_words qvalidate --suppress numeric.quant)" == "numeric.quant-bias" ]]
echo "completion: OK"
