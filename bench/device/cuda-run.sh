#!/usr/bin/env bash
# One lent NVIDIA machine, one call: records what its detection sources say, builds llama.cpp's llama-bench and
# llama-fit-params with CUDA from the source node-llama-cpp ships, writes generated GGUF files, and measures
# memory (llama-fit-params' per-device MiB, llama-bench -v's buffer lines, nvidia-smi's memory.used sampled
# through the runs) and speed (llama-bench pp512/tg128) for full, partial, -ngl 0 and MoE-experts-in-RAM loads.
# Everything goes under $OUT as it comes, so a run cut short still returns what it had.
#
# Needs, carried in .devcarry/ (ignored by git; see bench/device/README.md):
#   node.xz           a Node 20 x64 binary, xz-compressed (the lent machines have none)
#   capture.mjs       bench/device/capture.ts bundled with esbuild
#   llama-src.tar.xz  the llama.cpp source node-llama-cpp ships (.cache/llama.cpp-src), CUDA and CPU backends only
# Usage (on the lent machine, from the repository root): DEADLINE_S=500 bash bench/device/cuda-run.sh
set -u
T0=$(date +%s)
OUT=${OUT:-/tmp/rightsize-device-out}
DEADLINE_S=${DEADLINE_S:-500}
W=/tmp/rightsize-device
mkdir -p "$OUT" "$W/models"
export PATH=/usr/local/cuda/bin:$PATH
elapsed() { echo $(($(date +%s) - T0)); }
log() { echo "[$(elapsed)s $(date +%s%3N)] $*" | tee -a "$OUT/steps.log"; }
left() { echo $((DEADLINE_S - $(elapsed))); }

log "start: $(nproc) cores, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo), $(uname -r)"

# ---- 1. detection sources, raw (before the build loads the CPUs: the RAM bandwidth probe runs here)
{
  for cmd in "nvidia-smi" "nvidia-smi -L" \
    "nvidia-smi --query-gpu=index,name,memory.total,memory.free,driver_version,power.limit,power.default_limit,pci.bus_id,pci.device_id,pcie.link.gen.max,pcie.link.width.max --format=csv,nounits" \
    "nvidia-smi --query-gpu=name,memory.total,memory.reserved,memory.used,pcie.link.gen.current,pcie.link.gen.max,pcie.link.gen.hostmax,pcie.link.width.current,pcie.link.width.max,clocks.max.sm,clocks.max.memory,power.limit,compute_cap --format=csv" \
    "nvidia-smi -q"; do
    echo "===== \$ $cmd"
    $cmd 2>&1
  done
  echo "===== sysfs PCI display devices"
  for d in /sys/bus/pci/devices/*; do
    cls=$(cat "$d/class" 2>/dev/null)
    case "$cls" in 0x03*) echo "$d class=$cls vendor=$(cat "$d/vendor") device=$(cat "$d/device") max_link_speed=$(cat "$d/max_link_speed" 2>&1) max_link_width=$(cat "$d/max_link_width" 2>&1) current_link_speed=$(cat "$d/current_link_speed" 2>&1)" ;; esac
  done
  echo "===== /sys/class/drm"; ls -la /sys/class/drm 2>&1
  echo "===== lscpu"; lscpu 2>&1
  echo "===== nvcc"; nvcc --version 2>&1 | tail -2
} > "$OUT/nvidia-smi.txt" 2>&1
log "nvidia-smi and sysfs recorded"

xz -dc .devcarry/node.xz > "$W/node" && chmod +x "$W/node"
NODE="$W/node"
"$NODE" --version >> "$OUT/steps.log" 2>&1
(timeout 60 "$NODE" .devcarry/capture.mjs hardware "$OUT/hardware.json" 2>&1 | tail -5 | tee -a "$OUT/steps.log")
log "hardware.json written ($(wc -c < "$OUT/hardware.json" 2>/dev/null) bytes)"

# ---- 2. build (16 cores) while the model files are written (disk)
cat > "$W/models.json" << 'EOF'
[{"file":"m8.gguf","id":"llama-3.1-8b","precision":"Q4_K_M","data":"noise"},
 {"file":"m8z.gguf","id":"llama-3.1-8b","precision":"Q4_K_M","data":"sparse"},
 {"file":"m70z.gguf","id":"llama-3.1-70b","precision":"Q4_K_M","data":"sparse"},
 {"file":"m120z.gguf","id":"gpt-oss-120b","precision":"Q4_K_M","data":"sparse"},
 {"file":"m30.gguf","id":"qwen3-30b-a3b","precision":"Q4_K_M","data":"noise"}]
EOF
("$NODE" .devcarry/capture.mjs models "$W/models.json" "$W/models" > "$W/models.log" 2>&1; echo "models done rc=$?" >> "$W/models.log") &
MODELS_PID=$!

if [ -n "${BIN_DIR:-}" ]; then # a local dry run of the script with binaries built already (no CUDA)
  mkdir -p "$W/build" && ln -sfn "$BIN_DIR" "$W/build/bin"
else
mkdir -p "$W/src" && tar -xJf .devcarry/llama-src.tar.xz -C "$W/src"
log "source unpacked; configuring"
cmake -S "$W/src" -B "$W/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF > "$W/build.log" 2>&1 || {
  tail -60 "$W/build.log" > "$OUT/build.log"
  log "configure FAILED"
  exit 1
}
log "configured; building"
cmake --build "$W/build" --target llama-bench llama-fit-params -j "$(nproc)" >> "$W/build.log" 2>&1
rc=$?
tail -40 "$W/build.log" > "$OUT/build.log"
[ $rc -eq 0 ] || {
  log "build FAILED rc=$rc"
  exit 1
}
log "built"
fi
wait $MODELS_PID
cat "$W/models.log" | tee -a "$OUT/steps.log"
BENCH="$W/build/bin/llama-bench"
FIT="$W/build/bin/llama-fit-params"
M="$W/models"

# ---- 3. memory: nvidia-smi's memory.used sampled through every run (steps.log has each run's start and end)
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader,nounits -lms 200 > "$OUT/vram.log" 2>&1 &
SAMPLER=$!

fit() { # name, args...
  local name=$1
  shift
  [ "$(left)" -gt 20 ] || {
    log "skip fit $name (deadline)"
    return
  }
  echo "===== $name: $*" >> "$OUT/fit.log"
  timeout 60 "$FIT" "$@" -fa on -fitp on >> "$OUT/fit.log" 2> "$W/fit-err.log" || {
    echo "FAILED rc=$?" >> "$OUT/fit.log"
    tail -5 "$W/fit-err.log" >> "$OUT/fit.log"
  }
}
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
log "fit-params done"

bench() { # name, limit_s, args...
  local name=$1 limit=$2
  shift 2
  [ "$(left)" -gt $((limit / 2 + 10)) ] || {
    log "skip bench $name (deadline)"
    return
  }
  log "bench $name begin: $*"
  echo "===== $name: $*" >> "$OUT/bench-v.log"
  timeout "$limit" "$BENCH" "$@" -fa 1 -o jsonl 2> "$W/bench-err.log" | sed "s/^{/{\"case\":\"$name\",/" >> "$OUT/bench.jsonl"
  local rc=${PIPESTATUS[0]}
  grep -E 'buffer size|offloaded|graph splits|pipeline parallelism|using device|CUDA0|error|failed' "$W/bench-err.log" | grep -v 'ggml_backend_cuda_graph' | head -80 >> "$OUT/bench-v.log"
  log "bench $name end rc=$rc"
}
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
kill $SAMPLER 2> /dev/null
log "done"
