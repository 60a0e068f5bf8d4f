# The first lent H200 (2026-12-04, bench/data/cuda-h200-2026-12-04/1): dense 8B (noise and zeros), 70B and
# gpt-oss-120b (zeros), Qwen3-30B-A3B (noise); full, partial, -ngl 0 and experts-in-RAM loads.
# shellcheck disable=SC2034
MODELS_JSON='[{"file":"m8.gguf","id":"llama-3.1-8b","precision":"Q4_K_M","data":"noise"},
 {"file":"m8z.gguf","id":"llama-3.1-8b","precision":"Q4_K_M","data":"sparse"},
 {"file":"m70z.gguf","id":"llama-3.1-70b","precision":"Q4_K_M","data":"sparse"},
 {"file":"m120z.gguf","id":"gpt-oss-120b","precision":"Q4_K_M","data":"sparse"},
 {"file":"m30.gguf","id":"qwen3-30b-a3b","precision":"Q4_K_M","data":"noise"}]'

run_fits() {
  fit m8-ngl99 -m $M/m8.gguf -c 8192 -ngl 99
  fit m8-ngl16 -m $M/m8.gguf -c 8192 -ngl 16
  fit m8-ngl0 -m $M/m8.gguf -c 8192 -ngl 0
  fit m30-ncmoe0 -m $M/m30.gguf -c 8192 -ngl 99
  fit m30-ncmoe24 -m $M/m30.gguf -c 8192 -ngl 99 -ncmoe 24
  fit m30-ncmoe48 -m $M/m30.gguf -c 8192 -ngl 99 -ncmoe 48
  fit m70-ngl99 -m $M/m70z.gguf -c 8192 -ngl 99
  fit m70-ngl40 -m $M/m70z.gguf -c 8192 -ngl 40
  fit m70-ngl0 -m $M/m70z.gguf -c 8192 -ngl 0
  fit m120-ncmoe0 -m $M/m120z.gguf -c 8192 -ngl 99
  fit m120-ncmoe36 -m $M/m120z.gguf -c 8192 -ngl 99 -ncmoe 36
}

run_benches() {
  bench m8-full 60 -m $M/m8.gguf -ngl 99 -p 512 -n 128 -r 3
  bench m8-ngl0 60 -m $M/m8.gguf -ngl 0 -p 512 -n 0 -r 3
  bench m8-ngl0-ub2048 60 -m $M/m8.gguf -ngl 0 -p 2048 -n 0 -b 2048 -ub 2048 -r 2
  bench m8-v 60 -m $M/m8.gguf -ngl 0,16 -p 512 -n 0 -r 1 -v
  bench m30-full 60 -m $M/m30.gguf -ngl 99 -p 512 -n 128 -r 3
  bench m30-ncmoe48 90 -m $M/m30.gguf -ngl 99 -ncmoe 48 -p 512 -n 128 -r 2
  bench m8z-full 60 -m $M/m8z.gguf -ngl 99 -p 512 -n 128 -r 3
  bench m70z-full 90 -m $M/m70z.gguf -ngl 99 -p 512 -n 128 -r 2
  bench m120z-full 90 -m $M/m120z.gguf -ngl 99 -p 512 -n 128 -r 2
  bench m8-ngl16 60 -m $M/m8.gguf -ngl 16 -p 512 -n 128 -r 2
  bench m120z-ncmoe36 90 -m $M/m120z.gguf -ngl 99 -ncmoe 36 -p 512 -n 64 -r 1
  bench m70z-ngl40 90 -m $M/m70z.gguf -ngl 40 -p 512 -n 32 -r 1
}
