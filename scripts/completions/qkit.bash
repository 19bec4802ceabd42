# bash completion for qinspect, qvalidate and qconvert (installed under each
# command's name in share/bash-completion/completions).
_qkit_complete() {
  local cur prev cmd
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd="${COMP_WORDS[0]##*/}"
  local targets="any vllm-ascend mindie vllm-mindspore mindformers"
  case "$cmd:$prev" in
    qvalidate:--target|qvalidate:-t|qconvert:--target) COMPREPLY=($(compgen -W "$targets" -- "$cur")); return ;;
    qvalidate:--format|qvalidate:-f) COMPREPLY=($(compgen -W "text json junit" -- "$cur")); return ;;
    qvalidate:--suppress|qvalidate:-s)
      COMPREPLY=($(compgen -W "$(qvalidate --list-rules 2>/dev/null | cut -d' ' -f1)" -- "$cur")); return ;;
    qconvert:--from) COMPREPLY=($(compgen -W "msmodelslim mindspore golden-stick auto" -- "$cur")); return ;;
    qconvert:--to) COMPREPLY=($(compgen -W "msmodelslim mindspore golden-stick" -- "$cur")); return ;;
    qconvert:--flavour) COMPREPLY=($(compgen -W "v1 v0 mindie" -- "$cur")); return ;;
    *:--output|*:-o) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    *:--filter|*:--regex|*:--threads|*:-j|*:--shard-size) return ;;
  esac
  if [[ "$cur" == -* ]]; then
    local opts
    case "$cmd" in
      qinspect) opts="--help --version --json --tensors --filter --regex --stats --checksum --no-layer-map --diff --threads" ;;
      qvalidate) opts="--help --version --target --format --output --quick --suppress --list-rules --threads --verbose --no-color" ;;
      qconvert) opts="--help --version --from --to --flavour --target --shard-size --dry-run --force --allow-lossy --keep-quantization-config --no-validate --quiet" ;;
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.safetensors' -- "$cur"))
}
complete -F _qkit_complete qinspect qvalidate qconvert
