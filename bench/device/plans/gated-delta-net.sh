# Qwen3.5/3.6 hybrids (gated delta net blocks, one attention block in four) on a lent NVIDIA GPU: what a
# recurrent block costs per token there, dense and MoE, full on the GPU, with experts or layers in RAM, on
# the CPU alone, and at depth. The zeros 8B repeats a case of the first run, so that two lent machines can be
# compared. The largest files come first (about 40 GB in all). Noise weights for the hybrids: a zeros router would send every token to the same experts.
# shellcheck disable=SC2034
MODELS_JSON='[{"file":"m8z.gguf","id":"llama-3.1-8b","precision":"Q4_K_M","data":"sparse"},
 {"file":"q35.gguf","id":"qwen3.5-35b-a3b","precision":"Q4_K_M","data":"noise"},
 {"file":"q27.gguf","id":"qwen3.6-27b","precision":"Q4_K_M","data":"noise"},
 {"file":"q9.gguf","id":"qwen3.5-9b","precision":"Q4_K_M","data":"noise"}]'

run_fits() {
  fit q9-ngl99 -m $M/q9.gguf -c 8192 -ngl 99
  fit q9-ngl0 -m $M/q9.gguf -c 8192 -ngl 0
  fit q35-ncmoe0 -m $M/q35.gguf -c 8192 -ngl 99
  fit q35-ncmoe20 -m $M/q35.gguf -c 8192 -ngl 99 -ncmoe 20
  fit q35-ncmoe40 -m $M/q35.gguf -c 8192 -ngl 99 -ncmoe 40
  fit q27-ngl99 -m $M/q27.gguf -c 8192 -ngl 99
  fit q27-ngl32 -m $M/q27.gguf -c 8192 -ngl 32
}

run_benches() {
  bench m8z-full 60 -m $M/m8z.gguf -ngl 99 -p 512 -n 128 -r 3
  bench q35-full 60 -m $M/q35.gguf -ngl 99 -p 512 -n 128 -r 3
  bench q27-full 60 -m $M/q27.gguf -ngl 99 -p 512 -n 128 -r 3
  bench q9-full 60 -m $M/q9.gguf -ngl 99 -p 512 -n 128 -r 3
  bench q35-v 40 -m $M/q35.gguf -ngl 99 -p 512 -n 0 -r 1 -v
  bench q27-v 40 -m $M/q27.gguf -ngl 99,32 -p 512 -n 0 -r 1 -v
  bench q9-ngl0 60 -m $M/q9.gguf -ngl 0 -p 0 -n 32 -r 2
  bench q35-ncmoe40 90 -m $M/q35.gguf -ngl 99 -ncmoe 40 -p 512 -n 64 -r 2
  bench q35-d8192 60 -m $M/q35.gguf -ngl 99 -p 512 -n 128 -d 8192 -r 2
  bench q27-ngl32 90 -m $M/q27.gguf -ngl 32 -p 512 -n 32 -r 1
  bench q35-ncmoe20 90 -m $M/q35.gguf -ngl 99 -ncmoe 20 -p 512 -n 64 -r 1
}
